/**
 * The one error vocabulary of wa-fleet. Every error meant for a client or a caller carries a stable `code`
 * and an HTTP `statusCode`; the API maps errors to responses by class/statusCode in one place
 * (lambdas/api/http-errors.ts), never by `error.name` strings. Anything else becomes a generic 500.
 */

export interface AppErrorOptions {
  readonly cause?: unknown;
  readonly details?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details?: unknown;

  constructor(code: string, message: string, statusCode = 500, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
    this.details = options.details;
  }
}

/** Input failed validation; `details` carries field paths. */
export class ValidationError extends AppError {
  constructor(message: string, details?: unknown, code = 'validation_failed') {
    super(code, message, 400, { details });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Missing or invalid API key', code = 'unauthorized') {
    super(code, message, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'This key may not do that', code = 'forbidden') {
    super(code, message, 403);
  }
}

/** A missing resource, and equally another tenant's resource: never a leak. */
export class NotFoundError extends AppError {
  constructor(resource: string, code = 'not_found') {
    super(code, `${resource} not found`, 404);
  }
}

/** The resource exists but is in the wrong state for the request. */
export class ConflictError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, 409, { details });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'Request body too large', code = 'payload_too_large') {
    super(code, message, 413);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message = 'Content-Type must be application/json', code = 'unsupported_media_type') {
    super(code, message, 415);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, 422, { details });
  }
}

export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = 'Too many requests') {
    super('rate_limited', message, 429);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A backing service (DynamoDB, SQS, S3) failed or was unreachable. Never shown to clients in detail. */
export class DependencyError extends AppError {
  constructor(service: string, message: string, cause?: unknown) {
    super('dependency_failed', `${service}: ${message}`, 503, { cause });
  }
}

/**
 * A conditional write failed: the item changed under us (optimistic concurrency) or a fence was crossed.
 * Store adapters raise it; use-cases decide what it means (409, lost lease, hard stop).
 */
export class ConditionFailedError extends AppError {
  /** The item as stored, when the store returned it. */
  readonly current?: Record<string, unknown>;
  constructor(message: string, current?: Record<string, unknown>, cause?: unknown) {
    super('condition_failed', message, 409, { cause });
    this.current = current;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
