/**
 * A Lambda REQUEST authorizer run the way API Gateway runs it (infra/stacks/api-stack.ts): identity source
 * = the `Authorization` header (missing -> 401 without calling the function); a thrown `Unauthorized` ->
 * 401; the returned IAM policy is evaluated against the request's method ARN (explicit Deny wins, no
 * matching Allow -> 403); anything malformed -> 500. Results are cached per identity value for
 * `cacheSeconds` and the cached policy is re-evaluated for each request, exactly as API Gateway does, so a
 * policy that names only the first request's ARN fails locally the way it would in AWS.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { findHeader } from './proxy-event.ts';

export type AuthorizerFunction = (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<APIGatewayAuthorizerResult>;

export type AuthorizerDecision =
  | { readonly kind: 'allow'; readonly context: Record<string, string | number> }
  | { readonly kind: 'unauthorized' }
  | { readonly kind: 'denied' }
  | { readonly kind: 'failed'; readonly reason: string };

export interface RequestAuthorizerOptions {
  readonly handler: AuthorizerFunction;
  readonly identityHeader?: string;
  /** API Gateway's authorizer result cache TTL; 0 = call the function on every request. */
  readonly cacheSeconds: number;
  readonly now?: () => number;
}

interface CachedPolicy {
  readonly result: APIGatewayAuthorizerResult;
  readonly expiresAt: number;
}

const MAX_CACHE_ENTRIES = 10_000;

export class RequestAuthorizer {
  private readonly cache = new Map<string, CachedPolicy>();
  private readonly now: () => number;

  constructor(private readonly options: RequestAuthorizerOptions) {
    this.now = options.now ?? Date.now;
  }

  async authorize(event: APIGatewayRequestAuthorizerEvent, context: Context): Promise<AuthorizerDecision> {
    const identity = findHeader(event.headers ?? {}, this.options.identityHeader ?? 'Authorization');
    if (!identity) return { kind: 'unauthorized' };
    const started = this.now();
    let result = this.cached(identity);
    if (!result) {
      try {
        result = await this.options.handler(event, context);
      } catch (error) {
        if ((error as Error | undefined)?.message === 'Unauthorized') return { kind: 'unauthorized' };
        return { kind: 'failed', reason: `authorizer threw: ${(error as Error | undefined)?.message ?? String(error)}` };
      }
      const problem = malformed(result);
      if (problem) return { kind: 'failed', reason: problem };
      this.remember(identity, result);
    }
    const effect = evaluatePolicy(result.policyDocument, event.methodArn);
    if (effect !== 'Allow') return { kind: 'denied' };
    const granted: Record<string, string | number> = {};
    for (const [key, value] of Object.entries(result.context ?? {})) granted[key] = String(value);
    granted.principalId = result.principalId;
    granted.integrationLatency = this.now() - started;
    return { kind: 'allow', context: granted };
  }

  private cached(identity: string): APIGatewayAuthorizerResult | undefined {
    const entry = this.cache.get(identity);
    if (!entry) return undefined;
    if (entry.expiresAt > this.now()) return entry.result;
    this.cache.delete(identity);
    return undefined;
  }

  private remember(identity: string, result: APIGatewayAuthorizerResult): void {
    if (this.options.cacheSeconds <= 0) return;
    if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(identity, { result, expiresAt: this.now() + this.options.cacheSeconds * 1000 });
  }
}

type Statement = { Effect?: unknown; Action?: unknown; Resource?: unknown };

/** 'Allow' only when an Allow statement matches and no Deny does. */
export function evaluatePolicy(policy: APIGatewayAuthorizerResult['policyDocument'], arn: string): 'Allow' | 'Deny' {
  const statements = ([] as Statement[]).concat((policy.Statement ?? []) as Statement | Statement[]);
  let allowed = false;
  for (const statement of statements) {
    const actions = ([] as unknown[]).concat(statement.Action ?? []);
    const resources = ([] as unknown[]).concat(statement.Resource ?? []);
    const actionMatches = actions.some((action) => typeof action === 'string' && globMatch(action, 'execute-api:Invoke'));
    const resourceMatches = resources.some((resource) => typeof resource === 'string' && globMatch(resource, arn));
    if (!actionMatches || !resourceMatches) continue;
    if (statement.Effect === 'Deny') return 'Deny';
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'Allow' : 'Deny';
}

/** IAM-style wildcard match: `*` any run of characters (including `/`), `?` exactly one. */
export function globMatch(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

function malformed(result: APIGatewayAuthorizerResult | undefined): string | undefined {
  if (!result || typeof result !== 'object') return 'authorizer returned no result';
  if (typeof result.principalId !== 'string' || result.principalId.length === 0) return 'authorizer result lacks principalId';
  const policy = result.policyDocument as { Version?: unknown; Statement?: unknown } | undefined;
  if (!policy || typeof policy !== 'object' || !policy.Statement) return 'authorizer result lacks policyDocument.Statement';
  for (const [key, value] of Object.entries(result.context ?? {})) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) return `authorizer context value ${key} is not a string, number or boolean`;
  }
  return undefined;
}
