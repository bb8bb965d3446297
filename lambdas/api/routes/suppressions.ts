/**
 * The tenant's suppression list: numbers no campaign may message. Numbers added here, or by a contact
 * answering with an opt-out keyword (STOP, ...), are skipped by every campaign from its next slice on.
 * Use-cases in core/campaigns/manage-suppressions.ts, imported on first use (they bring the phone-number
 * metadata, which other requests of a cold container need not load); dependencies from
 * `deps.campaigns.suppressions`.
 */
import * as z from 'zod';
import { suppressionsRequestSchema } from '../../../core/campaigns/campaign-schemas.ts';
import type { Suppression } from '../../../core/campaigns/suppression-store.ts';
import { json } from '../http.ts';
import { defineRoute } from '../router.ts';
import { pageQuery, timestamp } from '../schemas/common.ts';

const tags = ['Suppressions'];

const suppressions = () => import('../../../core/campaigns/manage-suppressions.ts');

const suppressionView = z
  .object({
    phoneNumber: z.string().meta({ description: 'E.164.' }),
    source: z.enum(['api', 'opt_out']).meta({ description: 'Added through the API, or by an opt-out keyword from the contact.' }),
    keyword: z.string().optional(),
    createdAt: timestamp,
  })
  .meta({ id: 'Suppression' });

export const suppressionRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/suppressions',
    operationId: 'addSuppressions',
    summary: 'Suppress phone numbers',
    description: 'Adds numbers (E.164) to the tenant\'s suppression list; adding a listed number again is harmless. Any invalid number refuses the request.',
    tags,
    access: 'tenant',
    idempotent: true,
    body: suppressionsRequestSchema.meta({ id: 'AddSuppressions' }),
    responses: { 201: { description: 'The entries added.', schema: z.object({ items: z.array(suppressionView) }) } },
    async handle({ body, principal, deps }) {
      const { addSuppressions } = await suppressions();
      const added = await addSuppressions(principal.tenantId, body.phoneNumbers, deps.campaigns.suppressions);
      return json(201, { items: added.map(toSuppressionView) });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/suppressions',
    operationId: 'listSuppressions',
    summary: 'List suppressed numbers',
    tags,
    access: 'tenant',
    query: pageQuery,
    responses: { 200: { description: 'A page of suppressed numbers.', schema: z.object({ items: z.array(suppressionView), nextCursor: z.string().nullable() }) } },
    async handle({ query, principal, deps }) {
      const { listSuppressions } = await suppressions();
      const page = await listSuppressions(principal.tenantId, query, deps.campaigns.suppressions);
      return json(200, { items: page.items.map(toSuppressionView), nextCursor: page.cursor ?? null });
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/suppressions/{phoneNumber}',
    operationId: 'removeSuppression',
    summary: 'Take a number off the suppression list',
    description: 'The number in E.164 (`%2B4915112345678` or just the digits). 404 when it is not on the list.',
    tags,
    access: 'tenant',
    params: z.object({ phoneNumber: z.string().min(1).max(32).meta({ description: 'E.164 number or its digits.' }) }),
    responses: { 204: { description: 'Removed.' } },
    async handle({ params, principal, deps }) {
      const { removeSuppression } = await suppressions();
      await removeSuppression(principal.tenantId, params.phoneNumber, deps.campaigns.suppressions);
      return { statusCode: 204, headers: {}, body: '' };
    },
  }),
];

function toSuppressionView(suppression: Suppression): z.infer<typeof suppressionView> {
  return { ...suppression, phoneNumber: `+${suppression.phoneNumber}` };
}
