/**
 * The `/docs` page: a self-contained HTML rendering of the OpenAPI document (inline CSS, no scripts, no CDN),
 * so it works offline and behind any firewall. Operations grouped by tag, each with its parameters, request
 * body, responses and the schemas they reference.
 */
import type { OpenApiDocument } from './openapi.ts';

type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function renderDocsPage(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Json)[method] as Json | undefined;
      if (!operation) continue;
      const tag = ((operation.tags as string[] | undefined) ?? ['Other'])[0]!;
      byTag.set(tag, [...(byTag.get(tag) ?? []), renderOperation(method, path, operation)]);
    }
  }
  const schemas = Object.entries((doc.components?.schemas ?? {}) as Record<string, unknown>);
  const nav = [...byTag.keys()].map((tag) => `<a href="#tag-${slug(tag)}">${escape(tag)}</a>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(doc.info.title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1>
<p>${inline(doc.info.description ?? '')}</p>
<p>Authenticate with <code>Authorization: Bearer &lt;key&gt;</code>. The machine-readable document is at <a href="/openapi.json"><code>/openapi.json</code></a>.</p>
<nav>${nav}<a href="#schemas">Schemas</a></nav></header>
<main>${[...byTag.entries()]
    .map(([tag, operations]) => `<section id="tag-${slug(tag)}"><h2>${escape(tag)}</h2>${operations.join('')}</section>`)
    .join('')}
<section id="schemas"><h2>Schemas</h2>${schemas
    .map(([name, schema]) => `<div class="schema" id="schema-${slug(name)}"><h3>${escape(name)}</h3>${renderJson(schema)}</div>`)
    .join('')}</section></main></body></html>`;
}

function renderOperation(method: string, path: string, operation: Json): string {
  const parameters = (operation.parameters as Json[] | undefined) ?? [];
  const body = ((operation.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined;
  const responses = Object.entries((operation.responses as Json | undefined) ?? {});
  const secured = Array.isArray(operation.security) && operation.security.length > 0;
  return `<article id="op-${slug(String(operation.operationId ?? path))}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code> ${escape(String(operation.summary ?? ''))}</h3>
${operation.description ? `<p>${inline(String(operation.description))}</p>` : ''}
${secured ? '' : '<p class="note">No authentication.</p>'}
${parameters.length ? `<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th><th>Description</th></tr>${parameters.map(renderParameter).join('')}</table>` : ''}
${body ? `<h4>Request body</h4><p>application/json: ${schemaLink(body.schema)}</p>` : ''}
<h4>Responses</h4><table><tr><th>Status</th><th>Description</th><th>Body</th></tr>${responses
    .map(([status, response]) => {
      const content = ((response as Json).content as Json | undefined) ?? {};
      const bodies = Object.entries(content).map(([media, value]) => `${escape(media)}: ${schemaLink((value as Json).schema)}`);
      return `<tr><td>${escape(status)}</td><td>${inline(String((response as Json).description ?? ''))}</td><td>${bodies.join('<br>')}</td></tr>`;
    })
    .join('')}</table></article>`;
}

function renderParameter(parameter: Json): string {
  const schema = parameter.schema as Json | undefined;
  return `<tr><td><code>${escape(String(parameter.name))}</code></td><td>${escape(String(parameter.in))}</td><td>${parameter.required ? 'yes' : 'no'}</td><td>${schemaLink(schema)}</td><td>${inline(String(parameter.description ?? schema?.description ?? ''))}</td></tr>`;
}

function schemaLink(schema: unknown): string {
  const ref = (schema as Json | undefined)?.$ref;
  if (typeof ref === 'string') {
    const name = ref.split('/').pop()!;
    return `<a href="#schema-${slug(name)}">${escape(name)}</a>`;
  }
  const type = (schema as Json | undefined)?.type;
  return typeof type === 'string' ? `<code>${escape(type)}</code>` : schema ? renderJson(schema) : '';
}

/** Pretty JSON with `$ref`s turned into links to the schema section. */
function renderJson(value: unknown): string {
  const text = escape(JSON.stringify(value, null, 2) ?? '');
  return `<pre>${text.replace(/&quot;#\/components\/schemas\/([A-Za-z0-9_.-]+)&quot;/g, (_, name: string) => `&quot;<a href="#schema-${slug(name)}">#/components/schemas/${name}</a>&quot;`)}</pre>`;
}

/** Escapes text and renders `code` spans. */
function inline(text: string): string {
  return escape(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '-');
}

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#fafbfc}
header,main{max-width:1100px;margin:0 auto;padding:0 24px}header{padding-top:24px}
h1 small{font-size:.5em;color:#57606a}nav a{margin-right:14px}a{color:#0969da}
article{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 18px;margin:14px 0}
h3{margin:.3em 0;font-size:1.05em}h4{margin:.8em 0 .3em;font-size:.9em;color:#57606a;text-transform:uppercase}
.method{display:inline-block;min-width:62px;text-align:center;border-radius:4px;color:#fff;font-size:.8em;padding:2px 6px}
.get{background:#0969da}.post{background:#1a7f37}.delete{background:#cf222e}.put,.patch{background:#9a6700}
table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border-top:1px solid #eaeef2;padding:4px 8px;text-align:left;vertical-align:top}
pre{background:#f6f8fa;padding:8px;border-radius:6px;overflow:auto;font-size:.85em;max-height:420px}
code{background:#f6f8fa;padding:0 3px;border-radius:3px}.note{color:#57606a;font-style:italic}
.schema{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:8px 18px;margin:10px 0}`;
