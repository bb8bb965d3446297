/**
 * Webhooks (D7): a tenant registers endpoints that receive its events, signed per Standard Webhooks, reads
 * the delivery log and replays failed deliveries. Secrets are shown only on create and rotate. The
 * use-cases live in core/webhooks; the dependencies come from `deps.webhooks` (core/webhooks/webhook-api-deps.ts).
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  updateEndpoint,
} from '../../../core/webhooks/manage-endpoints.ts';
import { getDelivery, listDeliveries, replayDelivery, replayFailedDeliveries } from '../../../core/webhooks/replay-deliveries.ts';
import { json } from '../http.ts';
import { defineRoute } from '../router.ts';
import {
  createWebhookBody,
  deliveryPage,
  deliveryQuery,
  deliveryView,
  replayRangeBody,
  replayRangeResult,
  rotateSecretBody,
  updateWebhookBody,
  webhookList,
  webhookParams,
  webhookView,
  webhookWithSecret,
} from '../schemas/webhooks.ts';

const tags = ['Webhooks'];
const noContent: APIGatewayProxyResult = { statusCode: 204, headers: {}, body: '' };

export const webhookRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/webhooks',
    operationId: 'createWebhook',
    summary: 'Register a webhook endpoint',
    description:
      'Events of the tenant (optionally filtered by type and session) are POSTed to `url`, signed with the returned secret ' +
      '(Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`). The secret is shown only in this answer. ' +
      'The URL must be https and must not point (or resolve) to a private, loopback, link-local or metadata address.',
    tags,
    access: 'tenant',
    body: createWebhookBody,
    responses: { 201: { description: 'The endpoint with its secret.', schema: webhookWithSecret } },
    errors: [409],
    async handle({ body, principal, deps, logger }) {
      const created = await createEndpoint(deps.webhooks.endpoints, principal.tenantId, body);
      logger.info('webhook.created', { endpointId: created.id });
      return json(201, created);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhooks',
    operationId: 'listWebhooks',
    summary: 'List webhook endpoints',
    description: 'Every endpoint of the tenant (at most 20), without secrets.',
    tags,
    access: 'tenant',
    responses: { 200: { description: 'The endpoints.', schema: webhookList } },
    async handle({ principal, deps }) {
      return json(200, { items: await listEndpoints(deps.webhooks.endpoints, principal.tenantId) });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhooks/{id}',
    operationId: 'getWebhook',
    summary: 'Read a webhook endpoint',
    tags,
    access: 'tenant',
    params: webhookParams,
    responses: { 200: { description: 'The endpoint, without its secret.', schema: webhookView } },
    async handle({ params, principal, deps }) {
      return json(200, await getEndpoint(deps.webhooks.endpoints, principal.tenantId, params.id));
    },
  }),
  defineRoute({
    method: 'PATCH',
    path: '/v1/webhooks/{id}',
    operationId: 'updateWebhook',
    summary: 'Change a webhook endpoint',
    description: 'URL, filters (null or [] = all), description, or `enabled`. Delivery workers see changes within 30 seconds.',
    tags,
    access: 'tenant',
    params: webhookParams,
    body: updateWebhookBody,
    responses: { 200: { description: 'The endpoint as changed.', schema: webhookView } },
    async handle({ params, body, principal, deps, logger }) {
      const updated = await updateEndpoint(deps.webhooks.endpoints, principal.tenantId, params.id, body);
      logger.info('webhook.updated', { endpointId: params.id, fields: Object.keys(body) });
      return json(200, updated);
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    operationId: 'deleteWebhook',
    summary: 'Delete a webhook endpoint',
    description: 'No new deliveries start; pending retries to it fail as `endpoint_missing`. Its delivery log stays readable.',
    tags,
    access: 'tenant',
    params: webhookParams,
    responses: { 204: { description: 'Deleted.' } },
    async handle({ params, principal, deps, logger }) {
      await deleteEndpoint(deps.webhooks.endpoints, principal.tenantId, params.id);
      logger.info('webhook.deleted', { endpointId: params.id });
      return noContent;
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/webhooks/{id}/rotate-secret',
    operationId: 'rotateWebhookSecret',
    summary: 'Rotate the signing secret',
    description:
      'Returns a new secret. During the overlap (default 24 h) every request carries two signatures, one per secret, so the ' +
      'receiver can switch at its own pace; afterwards only the new secret signs.',
    tags,
    access: 'tenant',
    params: webhookParams,
    body: rotateSecretBody,
    responses: { 200: { description: 'The endpoint with its new secret.', schema: webhookWithSecret } },
    errors: [409],
    async handle({ params, body, principal, deps, logger }) {
      const rotated = await rotateEndpointSecret(deps.webhooks.endpoints, principal.tenantId, params.id, body);
      logger.info('webhook.secret_rotated', { endpointId: params.id, previousSecretExpiresAt: rotated.previousSecretExpiresAt });
      return json(200, rotated);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhooks/deliveries',
    operationId: 'listWebhookDeliveries',
    summary: 'List webhook deliveries',
    description:
      'The delivery log (kept 30 days), newest event first: every attempt with its status code, latency and error. Filter by ' +
      '`status`, `endpointId` and the event time range `since`/`until`.',
    tags,
    access: 'tenant',
    query: deliveryQuery,
    responses: { 200: { description: 'A page of deliveries.', schema: deliveryPage } },
    async handle({ query, principal, deps }) {
      const page = await listDeliveries(deps.webhooks.deliveries, principal.tenantId, query);
      return json(200, { items: page.items, nextCursor: page.cursor ?? null });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhooks/deliveries/{id}',
    operationId: 'getWebhookDelivery',
    summary: 'Read a webhook delivery',
    tags,
    access: 'tenant',
    params: webhookParams,
    responses: { 200: { description: 'The delivery.', schema: deliveryView } },
    async handle({ params, principal, deps }) {
      return json(200, await getDelivery(deps.webhooks.deliveries, principal.tenantId, params.id));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/webhooks/deliveries/{id}/replay',
    operationId: 'replayWebhookDelivery',
    summary: 'Replay a delivery',
    description:
      'Starts a fresh cycle of attempts (same `webhook-id`, current URL and secret). 409 while the delivery is still being attempted.',
    tags,
    access: 'tenant',
    idempotent: true,
    params: webhookParams,
    responses: { 202: { description: 'The delivery, pending again.', schema: deliveryView } },
    errors: [409],
    async handle({ params, principal, deps, logger }) {
      const delivery = await replayDelivery(deps.webhooks.deliveries, principal.tenantId, params.id);
      logger.info('webhook.delivery_replayed', { deliveryId: params.id, cycle: delivery.cycle });
      return json(202, delivery);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/webhooks/deliveries/replay',
    operationId: 'replayWebhookDeliveries',
    summary: 'Replay failed deliveries in a time range',
    description:
      'Re-enqueues the failed deliveries whose events occurred in [`since`, `until`] (optionally of one endpoint), at most 100 ' +
      'per call; when `nextCursor` comes back, call again with it for the rest.',
    tags,
    access: 'tenant',
    idempotent: true,
    body: replayRangeBody,
    responses: { 202: { description: 'How many were re-enqueued.', schema: replayRangeResult } },
    async handle({ body, principal, deps, logger }) {
      const result = await replayFailedDeliveries(deps.webhooks.deliveries, principal.tenantId, body);
      logger.info('webhook.deliveries_replayed', { replayed: result.replayed, since: body.since, until: body.until });
      return json(202, { replayed: result.replayed, nextCursor: result.cursor ?? null });
    },
  }),
];
