/**
 * The API Lambda: one function routes every `/v1/...` path plus `/openapi.json` and `/docs`
 * (API Gateway REST proxy events). Adapters are built once per container, on the first request, and reused.
 * `bareHandler` is the function without middleware, for tests and the local stack; `handler` adds the
 * Powertools logger context and maps anything that escapes the pipeline (a bad config at cold start) to
 * the same JSON error shape. The S3 client is made on the first request that needs it (campaign imports),
 * so other cold starts do not load the S3 SDK.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createDynamoClients } from '../../core/aws/dynamo-clients.ts';
import { createSqsClient } from '../../core/aws/sqs-client.ts';
import { newId } from '../../core/ids.ts';
import { createLogger } from '../../core/logger.ts';
import { createApi, type ApiHandler } from './app.ts';
import { buildApiDependencies } from './composition.ts';
import { loadApiConfig } from './config.ts';
import { errorResponse } from './http-errors.ts';
import { PowertoolsRequestMetrics } from './request-metrics.ts';
import { routes } from './routes.ts';

const logger = createLogger('api');
let api: ApiHandler | undefined;

function container(): ApiHandler {
  if (!api) {
    const clients = {
      ...createDynamoClients(),
      sqs: createSqsClient(),
      s3: async () => (await import('../../core/aws/s3-client.ts')).createS3Client(),
    };
    api = createApi(buildApiDependencies(loadApiConfig(process.env), { clients, logger, metrics: new PowertoolsRequestMetrics() }), routes);
  }
  return api;
}

export async function bareHandler(event: APIGatewayProxyEvent, context?: Partial<Context>): Promise<APIGatewayProxyResult> {
  return container()(event, context);
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>(bareHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use({
    onError: async (request) => {
      request.response = errorResponse(request.error, { requestId: request.context.awsRequestId ?? newId(), headers: {} }, logger);
    },
  });
