/**
 * Public documentation routes: the OpenAPI 3.1 document and a readable, offline page rendered from it.
 * Both are built from the route list on first use and cached for the container's life. The generator and
 * the page renderer are imported on that first use too: other requests never load them (cold start).
 */
import * as z from 'zod';
import { html, json } from '../http.ts';
import type { OpenApiDocument } from '../openapi.ts';
import { defineRoute, type Route } from '../router.ts';

const openApiShape = z.object({ openapi: z.string(), info: z.unknown(), paths: z.unknown() }).catchall(z.unknown()).meta({ id: 'OpenApiDocument' });

export function docsRoutes(allRoutes: () => readonly Route[]): Route[] {
  let document: OpenApiDocument | undefined;
  let page: string | undefined;
  const openApi = async () => (document ??= (await import('../openapi.ts')).buildOpenApiDocument(allRoutes()));
  return [
    defineRoute({
      method: 'GET',
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This API as OpenAPI 3.1',
      tags: ['Documentation'],
      access: 'public',
      responses: { 200: { description: 'The OpenAPI document.', schema: openApiShape } },
      async handle() {
        return json(200, await openApi(), { 'cache-control': 'public, max-age=300' });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/docs',
      operationId: 'getDocs',
      summary: 'This API as a readable page',
      tags: ['Documentation'],
      access: 'public',
      responses: { 200: { description: 'An HTML page.', media: ['text/html'] } },
      async handle() {
        page ??= (await import('../docs-page.ts')).renderDocsPage(await openApi());
        return html(200, page);
      },
    }),
  ];
}
