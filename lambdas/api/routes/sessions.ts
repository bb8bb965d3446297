/**
 * Sessions: create, list, read, start, stop, delete. What the tenant asks for is recorded here; the socket
 * runners act on it and report the status back on the same record.
 */
import type { DesiredState, SessionRecord } from '../../../core/domain/session.ts';
import { json } from '../http.ts';
import { defineRoute } from '../router.ts';
import { pageQuery, sessionParams } from '../schemas/common.ts';
import { createSessionBody, sessionDeleted, sessionPage, sessionView } from '../schemas/sessions.ts';
import { createSession, deleteSession, getSession, listSessions, setDesiredState } from '../use-cases/sessions.ts';

const tags = ['Sessions'];

export const sessionRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/sessions',
    operationId: 'createSession',
    summary: 'Create a session',
    description: 'A new WhatsApp session, wanted running: a runner claims it and publishes a QR (or use a pairing code).',
    tags,
    access: 'tenant',
    idempotent: true,
    body: createSessionBody,
    responses: { 201: { description: 'The session.', schema: sessionView } },
    async handle({ body, principal, deps, logger }) {
      const session = await createSession(deps, { tenantId: principal.tenantId, ...body });
      logger.info('session.created', { sessionId: session.sessionId });
      return json(201, toSessionView(session));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/sessions',
    operationId: 'listSessions',
    summary: 'List sessions',
    description: 'One page of the tenant\'s sessions; pass `nextCursor` back as `cursor` for the next.',
    tags,
    access: 'tenant',
    query: pageQuery,
    responses: { 200: { description: 'A page of sessions.', schema: sessionPage } },
    async handle({ query, principal, deps }) {
      const page = await listSessions(deps, principal.tenantId, { limit: query.limit, cursor: query.cursor });
      return json(200, { items: page.items.map(toSessionView), nextCursor: page.cursor ?? null });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/sessions/{id}',
    operationId: 'getSession',
    summary: 'Read a session',
    description: 'Status, linked phone number, owner runner, last disconnect reason and timestamps.',
    tags,
    access: 'tenant',
    params: sessionParams,
    responses: { 200: { description: 'The session.', schema: sessionView } },
    async handle({ params, principal, deps }) {
      return json(200, toSessionView(await getSession(deps, principal.tenantId, params.id)));
    },
  }),
  desiredStateRoute('start', 'running', 'Sets the desired state to running; a runner claims the session and connects it.'),
  desiredStateRoute('stop', 'stopped', 'Sets the desired state to stopped; the owner closes the socket and keeps the credentials.'),
  defineRoute({
    method: 'DELETE',
    path: '/v1/sessions/{id}',
    operationId: 'deleteSession',
    summary: 'Delete a session',
    description: 'Gone for the tenant at once; the owner runner logs out of WhatsApp and purges credentials and backups.',
    tags,
    access: 'tenant',
    params: sessionParams,
    responses: { 202: { description: 'Deletion accepted.', schema: sessionDeleted } },
    async handle({ params, principal, deps, logger, correlationId }) {
      const { session, logout } = await deleteSession(deps, { tenantId: principal.tenantId, sessionId: params.id, correlationId });
      logger.info('session.deleted', { sessionId: session.sessionId, commandId: logout.commandId });
      return json(202, { id: session.sessionId, deletedAt: session.deletedAt, commandId: logout.commandId });
    },
  }),
];

/** `POST /v1/sessions/{id}/start|stop`: records the desired state; the runners act on it. */
function desiredStateRoute(action: 'start' | 'stop', desiredState: DesiredState, description: string) {
  return defineRoute({
    method: 'POST',
    path: `/v1/sessions/{id}/${action}`,
    operationId: `${action}Session`,
    summary: `${action === 'start' ? 'Start' : 'Stop'} a session`,
    description,
    tags,
    access: 'tenant',
    idempotent: true,
    params: sessionParams,
    responses: { 202: { description: 'The session, as now wanted.', schema: sessionView } },
    async handle({ params, principal, deps }) {
      const session = await setDesiredState(deps, { tenantId: principal.tenantId, sessionId: params.id, desiredState });
      return json(202, toSessionView(session));
    },
  });
}

export function toSessionView(session: SessionRecord) {
  return {
    id: session.sessionId,
    name: session.name,
    status: session.status,
    statusReason: session.statusReason,
    desiredState: session.desiredState,
    phoneNumber: session.phoneNumber ? `+${session.phoneNumber}` : undefined,
    ownerRunnerId: session.ownerRunnerId,
    lastDisconnect: session.lastDisconnect,
    pacing: session.pacing,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
    statusChangedAt: session.statusChangedAt,
  };
}
