/**
 * The API side of the embedded stack in a process of its own (child entry, see api-host.ts): the local
 * API Gateway stand-in running the real API function and REQUEST authorizer modules (lambdas/api), and,
 * when asked, the events-queue poller driving the real webhooks function, as `npm start` wires them
 * (local/stack.ts). Its own process so that each scenario gets fresh function containers reading its own
 * resources, and so its CPU and memory are apart from the simulator's and the runners'.
 */
import { fileURLToPath } from 'node:url';
import { createAwsClients } from '../../core/aws/clients.ts';
import { SqsQueue } from '../../core/aws/sqs-queue.ts';
import { createLogger } from '../../core/logger.ts';
import { queueUrlFromEnv } from '../../core/resource-config.ts';
import { queues } from '../../core/resources.ts';
import { SqsPoller, type SqsBatchHandler } from '../../local/event-sources/sqs-poller.ts';
import { createApiGateway, type ProxyFunction } from '../../local/gateway/api-gateway.ts';
import { RequestAuthorizer, type AuthorizerFunction } from '../../local/gateway/request-authorizer.ts';
import { listenHttp } from '../../local/http-listener.ts';
import { loadFunction } from '../../local/lambda-functions.ts';
import { emitEvent, serveRpc } from './child-rpc.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const logger = createLogger('bench-api-host');
const [api, authorizer] = await Promise.all([loadFunction('api', root), loadFunction('authorizer', root)]);
if (api.status !== 'ready') throw new Error(api.reason);
if (authorizer.status !== 'ready') throw new Error(authorizer.reason);

const gateway = createApiGateway({
  api: api.handler as unknown as ProxyFunction,
  authorizer: new RequestAuthorizer({ handler: authorizer.handler as unknown as AuthorizerFunction, cacheSeconds: Number(process.env.BENCH_AUTHORIZER_CACHE_SECONDS ?? 30) }),
  logger,
});
const server = await listenHttp(gateway, 0);

let poller: SqsPoller | undefined;
if (process.env.BENCH_WEBHOOKS === 'true') {
  const webhooks = await loadFunction('webhooks', root);
  if (webhooks.status !== 'ready') throw new Error(webhooks.reason);
  const clients = createAwsClients();
  poller = new SqsPoller({
    functionName: 'webhooks',
    queue: new SqsQueue(clients.sqs, queueUrlFromEnv(queues.events)),
    handler: webhooks.handler as unknown as SqsBatchHandler,
    logger,
    concurrency: 2,
  });
  poller.start();
}

serveRpc({
  stop: async () => {
    await poller?.stop();
    await server.close();
    setImmediate(() => process.exit(0));
  },
});
emitEvent('ready', { url: server.url });
