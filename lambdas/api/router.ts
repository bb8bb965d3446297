/**
 * A tiny router: method + path pattern (`/v1/sessions/{id}`) -> route. Routes are plain objects declared in
 * per-resource files under routes/ and listed once in routes.ts; each carries the zod schemas that validate
 * its request and document it in the OpenAPI document (openapi.ts), so the two cannot drift.
 *
 * Matching prefers literal segments over parameters; a known path with the wrong method is a 405 with
 * `Allow`, an unknown path a 404.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ApiDependencies } from './composition.ts';
import { MethodNotAllowedError } from './http-errors.ts';
import type { AdminPrincipal, Principal, TenantPrincipal } from './principal.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a route: no one in particular, a tenant key, the admin key, or either key. */
export type Access = 'public' | 'tenant' | 'admin' | 'any';

export type PrincipalFor<A extends Access> = A extends 'tenant'
  ? TenantPrincipal
  : A extends 'admin'
    ? AdminPrincipal
    : A extends 'any'
      ? Principal
      : undefined;

export interface RouteRequest<P, Q, B, A extends Access> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly principal: PrincipalFor<A>;
  /** Request headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly requestId: string;
  readonly correlationId: string;
  readonly logger: Logger;
  readonly deps: ApiDependencies;
}

export interface ResponseDoc {
  readonly description: string;
  /** Schema of the JSON body. */
  readonly schema?: z.ZodType;
  /** Other representations (`image/png`, `text/html`), documented as opaque bodies. */
  readonly media?: readonly string[];
}

export interface RouteDefinition<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, A extends Access> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly access: A;
  /** Honours `Idempotency-Key` (POSTs with side effects whose response holds no secret). */
  readonly idempotent?: boolean;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** Largest body this route accepts when it needs more than the API-wide MAX_BODY_BYTES (a campaign's inline recipients). */
  readonly maxBodyBytes?: number;
  /** Maps a body validation failure to a more specific error (e.g. 413 for a text over WhatsApp's limit). */
  readonly bodyError?: (error: z.ZodError) => Error | undefined;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  /** Error statuses this route can answer beyond the common ones (documented in OpenAPI). */
  readonly errors?: readonly number[];
  handle(request: RouteRequest<z.output<P>, z.output<Q>, z.output<B>, A>): Promise<APIGatewayProxyResult>;
}

export type Route = RouteDefinition<z.ZodType, z.ZodType, z.ZodType, Access>;

/** Declares a route with its types inferred from its schemas. */
export function defineRoute<
  A extends Access,
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
>(route: RouteDefinition<P, Q, B, A>): Route {
  return route as unknown as Route;
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

interface CompiledRoute {
  readonly route: Route;
  readonly segments: readonly string[];
  readonly literals: number;
}

const MAX_PATH_LENGTH = 2048;

export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    const seen = new Set<string>();
    this.compiled = routes.map((route) => {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) throw new Error(`route declared twice: ${key}`);
      seen.add(key);
      const segments = split(route.path);
      return { route, segments, literals: segments.filter((segment) => !isParam(segment)).length };
    });
    this.compiled.sort((a, b) => b.literals - a.literals);
  }

  /** The route for a request, or NotFoundError / MethodNotAllowedError. */
  match(method: string, path: string): RouteMatch {
    const segments = path.length > MAX_PATH_LENGTH ? undefined : decodeSegments(split(path));
    if (!segments) throw new NotFoundError('Route', 'route_not_found');
    const allow = new Set<string>();
    for (const candidate of this.compiled) {
      const params = bind(candidate.segments, segments);
      if (!params) continue;
      if (candidate.route.method === method) return { route: candidate.route, params };
      allow.add(candidate.route.method);
    }
    if (allow.size > 0) throw new MethodNotAllowedError([...allow].sort());
    throw new NotFoundError('Route', 'route_not_found');
  }
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function isParam(segment: string): boolean {
  return segment.startsWith('{') && segment.endsWith('}');
}

function decodeSegments(segments: string[]): string[] | undefined {
  try {
    return segments.map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

function bind(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = segments[i]!;
    if (isParam(expected)) params[expected.slice(1, -1)] = actual;
    else if (expected !== actual) return undefined;
  }
  return params;
}
