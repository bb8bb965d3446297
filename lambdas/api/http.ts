/**
 * HTTP plumbing for API Gateway REST (v1) proxy events: header normalisation, body decoding with the size and
 * content-type rules, and response builders. No business logic here.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../core/errors.ts';

/** Header names lower-cased; the last value wins. Non-string values (malformed events) are dropped. */
export function normalizeHeaders(headers: APIGatewayProxyEvent['headers'] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers || typeof headers !== 'object') return out;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
  }
  return out;
}

/** Query parameters as strings (API Gateway's single-value map); non-strings dropped. */
export function normalizeQuery(query: APIGatewayProxyEvent['queryStringParameters'] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!query || typeof query !== 'object') return out;
  for (const [name, value] of Object.entries(query)) {
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;.*)?$/i;

/**
 * The request body as parsed JSON, `{}` when there is none. Bodies over `maxBytes` are 413, a body whose
 * Content-Type is not JSON is 415, text that is not JSON is 400.
 */
export function readJsonBody(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>, headers: Record<string, string>, maxBytes: number): unknown {
  const raw = typeof event.body === 'string' ? event.body : '';
  if (raw.length === 0) return {};
  const bytes = event.isBase64Encoded === true ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(`Request body exceeds ${maxBytes} bytes`);
  if (bytes.length === 0) return {};
  if (!JSON_TYPE.test(headers['content-type'] ?? '')) throw new UnsupportedMediaTypeError();
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ValidationError('The request body is not valid JSON', undefined, 'invalid_json');
  }
}

export function json(statusCode: number, value: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

export function html(statusCode: number, page: string): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'text/html; charset=utf-8' }, body: page };
}

export function binary(statusCode: number, bytes: Buffer, contentType: string, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': contentType, ...headers }, body: bytes.toString('base64'), isBase64Encoded: true };
}
