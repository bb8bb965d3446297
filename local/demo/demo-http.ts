/**
 * The demo's HTTP client for the API and the simulator's control API: JSON in, JSON out, each request
 * bounded, and each one also rendered as the curl command a newcomer can paste to repeat it by hand, with
 * shell variables (`$WAF`, `$KEY`, `$SESSION`) in place of the values printed once as `export` lines.
 */
import type { z } from 'zod';
import { StepFailure } from './step-failure.ts';

export interface DemoRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  /** The bearer token, and how the curl form shows it (a shell variable, never the value). */
  readonly bearer?: { readonly token: string; readonly shown: string };
  readonly headers?: Readonly<Record<string, string>>;
  /** How the curl form shows the path or body when they hold values kept in shell variables. */
  readonly shown?: { readonly path?: string; readonly body?: string };
}

export interface DemoResponse {
  readonly status: number;
  readonly body: unknown;
  readonly curl: string;
}

export class DemoHttp {
  constructor(
    private readonly baseUrl: string,
    /** The shell variable holding baseUrl in the curl form, e.g. `WAF`. */
    private readonly baseVariable: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The request as a multi-line curl command. */
  curl(request: DemoRequest): string {
    const url = `"$${this.baseVariable}${request.shown?.path ?? request.path}"`;
    const parts = [request.method === 'GET' ? `curl -s ${url}` : `curl -s -X ${request.method} ${url}`];
    if (request.bearer) parts.push(`-H "Authorization: Bearer ${request.bearer.shown}"`);
    for (const [name, value] of Object.entries(request.headers ?? {})) parts.push(`-H ${singleQuoted(`${name}: ${value}`)}`);
    if (request.body !== undefined) {
      parts.push(`-H 'Content-Type: application/json'`);
      parts.push(`-d ${request.shown?.body ?? singleQuoted(JSON.stringify(request.body))}`);
    }
    return parts.join(' \\\n    ');
  }

  /**
   * Sends the request; the answer's JSON body (undefined when empty or not JSON). A transport failure (the
   * stack gone, a timeout) becomes a StepFailure of `step`.
   */
  async send(step: string, request: DemoRequest): Promise<DemoResponse> {
    const headers: Record<string, string> = { ...request.headers };
    if (request.bearer) headers.authorization = `Bearer ${request.bearer.token}`;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${request.path}`, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : describeFetchError(error);
      throw new StepFailure(step, `${request.method} ${request.path} failed: ${reason}`, undefined, { cause: error });
    }
    const text = await response.text();
    return { status: response.status, body: parseJson(text), curl: this.curl(request) };
  }
}

/** Fails the step unless the answer has the expected status, quoting the API's error code and message. */
export function expectStatus(step: string, response: DemoResponse, expected: number): void {
  if (response.status === expected) return;
  throw new StepFailure(step, `expected HTTP ${expected}, got ${response.status}${errorSummary(response.body)}`);
}

/** The answer's body checked against what the step relies on; a mismatch fails the step, naming the field. */
export function parseBody<T extends z.ZodType>(step: string, response: DemoResponse, schema: T): z.output<T> {
  const parsed = schema.safeParse(response.body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new StepFailure(step, `unexpected answer (HTTP ${response.status}): ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
}

/** `409 session_not_waiting_for_scan: The session is ...`: an answer in a few words. */
export function describeAnswer(response: DemoResponse): string {
  const error = (response.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return error && typeof error === 'object' ? `${response.status} ${String(error.code)}: ${String(error.message)}` : `HTTP ${response.status}`;
}

/** ` (code: message)` for an `{ error: { code, message } }` body, else nothing. */
export function errorSummary(body: unknown): string {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (!error || typeof error !== 'object') return '';
  return ` (${String(error.code)}: ${String(error.message)})`;
}

export function singleQuoted(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
