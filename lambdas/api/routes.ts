/**
 * The API's routes, in one list. To add a resource: write `routes/<resource>.ts` exporting an array of
 * `defineRoute({...})` (method, path pattern with `{param}`s, access, zod schemas for params/query/body, the
 * documented responses, and `handle`, which calls a use-case and returns `json(...)`), then add one spread
 * line below. The router, validation, idempotency, error mapping, metrics and the OpenAPI document pick it up
 * from the definition; new dependencies are built once in composition.ts.
 */
import type { Route } from './router.ts';
import { contactRoutes } from './routes/contacts.ts';
import { docsRoutes } from './routes/docs.ts';
import { keyRoutes } from './routes/keys.ts';
import { messageRoutes } from './routes/messages.ts';
import { sessionLinkingRoutes } from './routes/session-linking.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { suppressionRoutes } from './routes/suppressions.ts';

export const routes: readonly Route[] = [
  ...tenantRoutes,
  ...keyRoutes,
  ...sessionRoutes,
  ...sessionLinkingRoutes,
  ...messageRoutes,
  ...contactRoutes,
  ...webhookRoutes,
  ...campaignRoutes,
  ...suppressionRoutes,
  ...docsRoutes(() => routes),
];

/** Routes that need no key: the HTTP layer (API Gateway, the local server) must not run the authorizer on them. */
export function isPublicRoute(method: string, path: string): boolean {
  return routes.some((route) => route.access === 'public' && route.method === method.toUpperCase() && route.path === path);
}
