import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { renderDocsPage } from '../../../../lambdas/api/docs-page.ts';
import { buildOpenApiDocument } from '../../../../lambdas/api/openapi.ts';
import { routes } from '../../../../lambdas/api/routes.ts';

describe('OpenAPI document', () => {
  const document = buildOpenApiDocument(routes);

  it('is a valid OpenAPI 3.1 document according to an independent validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as never);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('fails that validator when broken, so the check above can fail', async () => {
    const broken = structuredClone(document) as unknown as { paths: Record<string, Record<string, { responses?: unknown }>> };
    delete broken.paths['/v1/sessions']!.get!.responses;
    (broken.paths['/v1/sessions']!.get as Record<string, unknown>).parameters = [{ name: 'x' }];
    const result = await new Validator().validate(broken as never);
    expect(result.valid).toBe(false);
  });

  it('documents every route with its method, operation id and security', () => {
    for (const route of routes) {
      const operation = (document.paths?.[route.path] as Record<string, { operationId?: string; security?: unknown[] }> | undefined)?.[route.method.toLowerCase()];
      expect(operation?.operationId, `${route.method} ${route.path}`).toBe(route.operationId);
      expect(operation?.security?.length ?? 0, route.operationId).toBe(route.access === 'public' ? 0 : 1);
    }
  });

  it('documents request bodies from the same zod schemas that validate them', () => {
    const schemas = document.components?.schemas as Record<string, { oneOf?: unknown[]; properties?: Record<string, unknown> }>;
    expect(schemas.SendMessageRequest?.oneOf).toHaveLength(8);
    expect(Object.keys(schemas.SendText?.properties ?? {})).toEqual(expect.arrayContaining(['type', 'text', 'to', 'replyTo', 'expiresInSeconds']));
    const send = (document.paths?.['/v1/sessions/{id}/messages'] as Record<string, { parameters?: { name: string; in: string }[] }>).post;
    expect(send?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'idempotency-key', in: 'header' })]));
  });
});

describe('docs page', () => {
  const page = renderDocsPage(buildOpenApiDocument(routes));

  it('lists every operation and schema', () => {
    for (const route of routes) expect(page).toContain(`<code>${route.path}</code>`);
    expect(page).toContain('id="schema-SendMessageRequest"');
  });

  it('is self-contained: no scripts, no external resources', () => {
    expect(page).toContain('<style>');
    expect(page).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|@import|url\(|href="(?:https?:)?\/\//i);
  });

  it('escapes document text', () => {
    const rendered = renderDocsPage({
      openapi: '3.1.0',
      info: { title: '<img onerror=x>', version: '1' },
      paths: {},
    } as never);
    expect(rendered).not.toContain('<img');
    expect(rendered).toContain('&lt;img onerror=x&gt;');
  });
});
