/**
 * The answers API Gateway gives itself, without the API function, in the API's error shape
 * `{ error: { code, message, requestId } }`. Codes and messages mirror the gateway responses the deployed
 * API declares (infra/stacks/api-stack.ts, GATEWAY_ERRORS): 401/403 from the authorizer, DEFAULT_4XX as
 * `request_rejected` with the gateway's own message, DEFAULT_5XX as `internal_error`.
 */
import type { HttpResponse } from './proxy-event.ts';

export type GatewayFailure =
  | 'unauthorized'
  | 'access_denied'
  | 'missing_authentication_token'
  | 'request_too_large'
  | 'authorizer_failure'
  | 'integration_failure'
  | 'integration_timeout';

const RESPONSES: Record<GatewayFailure, { status: number; code: string; message: string; errorType: string }> = {
  unauthorized: { status: 401, code: 'unauthorized', message: 'A valid API key is required in the Authorization header', errorType: 'UnauthorizedException' },
  access_denied: { status: 403, code: 'forbidden', message: 'This API key may not do that', errorType: 'AccessDeniedException' },
  missing_authentication_token: { status: 403, code: 'request_rejected', message: 'Missing Authentication Token', errorType: 'MissingAuthenticationTokenException' },
  request_too_large: { status: 413, code: 'request_rejected', message: 'Request Too Long', errorType: 'RequestTooLargeException' },
  authorizer_failure: { status: 500, code: 'internal_error', message: 'Something went wrong on our side', errorType: 'AuthorizerConfigurationException' },
  integration_failure: { status: 502, code: 'internal_error', message: 'Something went wrong on our side', errorType: 'InternalServerErrorException' },
  integration_timeout: { status: 504, code: 'internal_error', message: 'Something went wrong on our side', errorType: 'IntegrationTimeout' },
};

export function gatewayResponse(failure: GatewayFailure, requestId: string): HttpResponse {
  const { status, code, message, errorType } = RESPONSES[failure];
  return {
    statusCode: status,
    headers: { 'content-type': ['application/json'], 'x-amzn-ErrorType': [errorType] },
    body: Buffer.from(JSON.stringify({ error: { code, message, requestId } })),
  };
}
