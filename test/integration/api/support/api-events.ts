/**
 * Builders for API Gateway REST (v1) proxy events as API Gateway (or the local HTTP layer) hands them to the
 * API function after the authorizer ran: `requestContext.authorizer` carries the authorizer's context.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { authorizerContext, type Principal } from '../../../../lambdas/api/principal.ts';

export interface EventInput {
  readonly method: string;
  readonly path: string;
  /** A value to send as JSON, or a string sent as is. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly principal?: Principal;
  readonly isBase64Encoded?: boolean;
}

export function apiEvent(input: EventInput): APIGatewayProxyEvent {
  const hasBody = input.body !== undefined;
  const body = !hasBody ? null : typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  const headers = { ...(hasBody ? { 'Content-Type': 'application/json' } : {}), ...input.headers };
  return {
    httpMethod: input.method,
    path: input.path,
    resource: '/{proxy+}',
    body,
    isBase64Encoded: input.isBase64Encoded ?? false,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: input.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: input.path.replace(/^\//, '') },
    stageVariables: null,
    requestContext: {
      requestId: randomUUID(),
      authorizer: input.principal ? authorizerContext(input.principal) : undefined,
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

export function lambdaContext(remainingMs = 29_000): Partial<Context> {
  return { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => remainingMs };
}
