/**
 * The one place where errors become HTTP responses: by class and `statusCode` (core/errors.ts), never by
 * name strings. Client errors (and deliberate gateway answers such as 504 runner_timeout) keep their code and
 * message; unknown errors, 500s and dependency failures are answered with a generic message and the request
 * id, and the details go to the log only.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import { AppError, DependencyError, RateLimitedError, ValidationError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';

export type IssueLocation = 'body' | 'query' | 'path' | 'header';

export interface FieldIssue {
  readonly in: IssueLocation;
  /** Dotted path to the offending field (`contact.fullName`, `phoneNumbers.3`); empty for the whole input. */
  readonly path: string;
  readonly message: string;
}

/** 405 on a known path: `allow` lists the methods it does serve. */
export class MethodNotAllowedError extends AppError {
  constructor(readonly allow: readonly string[]) {
    super('method_not_allowed', `Use one of: ${allow.join(', ')}`, 405);
  }
}

/** A validation error carrying field paths, from zod issues. */
export function validationError(location: IssueLocation, error: z.ZodError, message = 'The request is not valid'): ValidationError {
  return new ValidationError(message, fieldIssues(location, error));
}

export function fieldIssues(location: IssueLocation, error: z.ZodError): FieldIssue[] {
  return error.issues.slice(0, 20).map((issue) => ({ in: location, path: issue.path.map(String).join('.'), message: issue.message }));
}

export function errorResponse(
  error: unknown,
  context: { requestId: string; headers: Record<string, string> },
  logger: Logger,
): APIGatewayProxyResult {
  const headers: Record<string, string> = { ...context.headers, 'content-type': 'application/json' };
  if (!(error instanceof AppError) || error.statusCode === 500 || error instanceof DependencyError) {
    logger.error('api.request_failed', { error: error as Error });
    const dependency = error instanceof DependencyError;
    return {
      statusCode: dependency ? 503 : 500,
      headers: dependency ? { ...headers, 'retry-after': '1' } : headers,
      body: JSON.stringify({
        error: {
          code: dependency ? 'service_unavailable' : 'internal_error',
          message: dependency ? 'A backing service is unavailable; retry shortly' : 'Something went wrong on our side',
          requestId: context.requestId,
        },
      }),
    };
  }
  if (error instanceof RateLimitedError) headers['retry-after'] = String(error.retryAfterSeconds);
  if (error instanceof MethodNotAllowedError) headers.allow = error.allow.join(', ');
  return {
    statusCode: error.statusCode,
    headers,
    body: JSON.stringify({
      error: {
        code: error.code,
        message: error.message,
        requestId: context.requestId,
        ...(error.details === undefined ? {} : { details: error.details }),
      },
    }),
  };
}
