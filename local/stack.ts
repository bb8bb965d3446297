/**
 * The embedded stack behind `npm start`, composed in one place: emulators (persistent under the data
 * directory) -> idempotent provisioning -> the environment every function and runner reads -> the WhatsApp
 * simulator (optional) -> the function modules, in-process -> HTTP (API Gateway stand-in + /health) -> the
 * triggers AWS would run (SQS pollers, the EventBridge tick) -> runner processes. `close()` undoes it in
 * reverse. Tests start it on free ports in a temporary directory, with fake functions where they need them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { createAwsClients, destroyAwsClients } from '../core/aws/clients.ts';
import { SqsQueue } from '../core/aws/sqs-queue.ts';
import type { Logger } from '../core/logger.ts';
import { queueUrlFromEnv } from '../core/resource-config.ts';
import { queues } from '../core/resources.ts';
import type { LocalConfig } from './config.ts';
import { adminKey as resolveAdminKey, lockDataDir, prepareDataDir, writeStackInfo, type AdminKey } from './data-dir.ts';
import { EmulatorStartError, emulatorEnvironment, startEmulators, type EmulatorEndpoints } from './emulators.ts';
import { ScheduleTicker, type ScheduledHandler } from './event-sources/schedule-ticker.ts';
import { SqsPoller, type SqsBatchHandler } from './event-sources/sqs-poller.ts';
import { createApiGateway, type ProxyFunction } from './gateway/api-gateway.ts';
import { RequestAuthorizer, type AuthorizerFunction } from './gateway/request-authorizer.ts';
import { awsProbes } from './health/service-probes.ts';
import { StackHealth, type ServiceProbe } from './health/stack-health.ts';
import { listenHttp, type RequestListener } from './http-listener.ts';
import { FUNCTION_MODULES, describeFunction, loadFunction, type FunctionName, type LambdaHandler, type LoadedFunction } from './lambda-functions.ts';
import { provisionResources } from './provision.ts';
import { REPO_ROOT } from './repo-root.ts';
import { RunnerFleet } from './runners/runner-fleet.ts';
import { startSimulator, type SimulatorHost } from './simulator-host.ts';
import { applyStackEnvironment, drainBudgetMs, runnerEnvironment, stackEnvironment } from './stack-env.ts';
import { portError } from './startup-error.ts';

/** Physical name prefix of every local table, queue and bucket. */
export const LOCAL_PREFIX = 'wa-fleet-';
const RUNNER_ENTRY = 'socket-runner/main.ts';

export interface StackOptions {
  readonly config: LocalConfig;
  readonly logger: Logger;
  /** Use these handlers instead of loading the real modules (tests); functions not given stay off. */
  readonly functions?: Partial<Record<FunctionName, LambdaHandler>>;
  /** The runner entry module (tests use a stand-in); default socket-runner/main.ts. */
  readonly runnerEntry?: string;
  readonly runnerOutput?: 'inherit' | 'ignore';
  /** The environment to set the stack's variables in (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunningStack {
  readonly apiUrl: string;
  readonly endpoints: EmulatorEndpoints;
  readonly adminKey: AdminKey;
  readonly functions: Readonly<Record<FunctionName, LoadedFunction>>;
  readonly simulator?: Pick<SimulatorHost, 'url' | 'controlUrl'>;
  readonly runners?: RunnerFleet;
  readonly health: StackHealth;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const { config, logger } = options;
  const env = options.env ?? process.env;
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) {
      await Promise.resolve()
        .then(closer)
        .catch((error: unknown) => logger.error('stack.close_failed', { error: error as Error }));
    }
  };
  try {
    prepareDataDir(config.dataDir);
    closers.push(lockDataDir(config.dataDir));
    // Bound first, so a taken port fails the boot at once; it answers 503 until the stack is ready.
    let route: RequestListener = starting;
    const server = await listenHttp((req, res) => route(req, res), config.port).catch((error: unknown) => {
      throw portError(error, 'the API', config.port, 'PORT');
    });
    closers.push(() => server.close());

    const emulators = await startEmulators({ dataDir: config.dataDir, ports: config.emulatorPorts }).catch((error: unknown) => {
      if (!(error instanceof EmulatorStartError)) throw error;
      throw portError(error.cause, `the ${error.service} emulator`, error.port, EMULATOR_PORT_SETTINGS[error.service]);
    });
    closers.push(() => emulators.close());
    logger.info('stack.emulators', { ...emulators.endpoints });

    const endpointEnv = emulatorEnvironment(emulators.endpoints);
    const clients = createAwsClients({ env: endpointEnv });
    const probeClients = createAwsClients({ env: endpointEnv, maxAttempts: 1 });
    closers.push(() => (destroyAwsClients(clients), destroyAwsClients(probeClients)));
    const resourceEnv = await provisionResources({ ...clients, prefix: LOCAL_PREFIX, slotCount: config.slotCount });

    const admin = resolveAdminKey(config.dataDir, config.adminApiKey);
    const simulator = config.simulator.enabled
      ? await startSimulator({ port: config.simulator.port, stateDir: join(config.dataDir, 'wa-simulator'), root: REPO_ROOT, logger })
      : undefined;
    if (simulator) closers.push(() => simulator.stop());

    const drainMs = drainBudgetMs(env);
    const environment = stackEnvironment({ config, endpointEnv, resourceEnv, adminKey: admin.key, simulatorEnv: simulator?.runnerEnv, drainBudgetMs: drainMs });
    applyStackEnvironment(env, environment.stack);

    const functions = await loadFunctions(options.functions);
    for (const [name, loaded] of Object.entries(functions)) {
      if (loaded.status !== 'ready') logger.warn('stack.function_unavailable', { function: name, reason: loaded.reason });
    }

    // Runners: a missing entry module is reported instead of restarted forever.
    const runnerEntry = options.runnerEntry ?? join(REPO_ROOT, RUNNER_ENTRY);
    const runnerImports = [...(simulator?.runnerImports ?? [])];
    const runnersNote = existsSync(runnerEntry) ? undefined : `${RUNNER_ENTRY} does not exist yet: no runners started`;
    const fleet =
      config.localRunners > 0 && !runnersNote
        ? new RunnerFleet({
            count: config.localRunners,
            restart: config.runnerRestart,
            stopGraceMs: drainMs + 10_000,
            logger,
            output: options.runnerOutput,
            command: { imports: [import.meta.resolve('tsx'), ...runnerImports], entry: runnerEntry, cwd: REPO_ROOT, env: runnerEnvironment(env, environment.runner) },
          })
        : undefined;

    const probes: ServiceProbe[] = [...awsProbes(probeClients, env), ...(simulator ? [simulator.probe] : [])];
    const health = new StackHealth({
      probes,
      runners: () => fleet?.probe() ?? Promise.resolve([]),
      requiredRunners: config.localRunners,
      runnersNote,
      functions: () => Object.fromEntries(Object.entries(functions).map(([name, loaded]) => [name, describeFunction(loaded)])),
    });

    const gateway = createApiGateway({
      api: proxyFunction(functions.api),
      authorizer: new RequestAuthorizer({ handler: authorizerFunction(functions.authorizer), cacheSeconds: config.authorizerCacheSeconds }),
      logger,
    });
    const healthRoute = health.listener();
    route = (req, res) => ((req.url ?? '').split('?')[0] === '/health' ? healthRoute(req, res) : gateway(req, res));

    const sqs = (url: string) => new SqsQueue(clients.sqs, url);
    const triggers: { start(): void; stop(): Promise<void> }[] = [];
    if (functions.webhooks.status === 'ready') {
      const handler = functions.webhooks.handler as unknown as SqsBatchHandler;
      triggers.push(new SqsPoller({ functionName: 'webhooks', queue: sqs(queueUrlFromEnv(queues.events, env)), handler, logger, concurrency: 2 }));
    }
    if (functions.webhookRetry.status === 'ready') {
      const handler = functions.webhookRetry.handler as unknown as SqsBatchHandler;
      triggers.push(new SqsPoller({ functionName: 'webhook-retry', queue: sqs(queueUrlFromEnv(queues.deliveries, env)), handler, logger }));
    }
    if (functions.scheduler.status === 'ready') {
      const handler = functions.scheduler.handler as unknown as ScheduledHandler;
      triggers.push(new ScheduleTicker({ functionName: 'scheduler', handler, intervalSeconds: config.tickSeconds, logger }));
    }
    for (const trigger of triggers) trigger.start();
    closers.push(() => Promise.all(triggers.map((trigger) => trigger.stop())).then(() => undefined));

    if (fleet) {
      closers.push(() => fleet.stop());
      await fleet.start();
    }
    closers.push(
      writeStackInfo(config.dataDir, { pid: process.pid, apiUrl: server.url, runnerEnv: environment.runner, runnerImports }),
    );

    return {
      apiUrl: server.url,
      endpoints: emulators.endpoints,
      adminKey: admin,
      functions,
      simulator: simulator && { url: simulator.url, controlUrl: simulator.controlUrl },
      runners: fleet,
      health,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

const starting: RequestListener = (req, res) => {
  req.resume();
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
  res.end(JSON.stringify({ status: 'starting' }));
};

const EMULATOR_PORT_SETTINGS: Record<keyof EmulatorEndpoints, string> = { dynamodb: 'DYNAMODB_PORT', sqs: 'SQS_PORT', s3: 'S3_PORT' };

async function loadFunctions(given: StackOptions['functions']): Promise<Record<FunctionName, LoadedFunction>> {
  const names = Object.keys(FUNCTION_MODULES) as FunctionName[];
  const loaded = await Promise.all(
    names.map(async (name): Promise<LoadedFunction> => {
      if (!given) return loadFunction(name, REPO_ROOT);
      const handler = given[name];
      const module = FUNCTION_MODULES[name];
      return handler ? { status: 'ready', module, handler } : { status: 'missing', module, reason: 'not provided to this stack' };
    }),
  );
  return Object.fromEntries(names.map((name, i) => [name, loaded[i]!])) as Record<FunctionName, LoadedFunction>;
}

/** The API function, or a clear 503 naming the module while it is unavailable. */
function proxyFunction(loaded: LoadedFunction): ProxyFunction {
  if (loaded.status === 'ready') return loaded.handler as unknown as ProxyFunction;
  return async (event) => ({
    statusCode: 503,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: { code: 'function_unavailable', message: loaded.reason, requestId: event.requestContext.requestId } }),
  });
}

function authorizerFunction(loaded: LoadedFunction): AuthorizerFunction {
  if (loaded.status === 'ready') return loaded.handler as unknown as AuthorizerFunction;
  return async (_event, _context: Context) => {
    throw new Error(`authorizer unavailable: ${loaded.reason}`);
  };
}
