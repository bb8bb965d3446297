/**
 * Messages: send (accepted with 202, delivered by the session's runner, paced) and read a message's status
 * trail (queued, sending, sent, delivered, read, failed), which the runner and WhatsApp receipts advance.
 */
import type { z } from 'zod';
import type { CommandRecord } from '../../../core/domain/command.ts';
import { MAX_TEXT_LENGTH, type MessageContent, type SendMessagePayload } from '../../../core/domain/message.ts';
import { PayloadTooLargeError } from '../../../core/errors.ts';
import { json } from '../http.ts';
import { defineRoute } from '../router.ts';
import { sessionParams } from '../schemas/common.ts';
import { messageAccepted, messageParams, messageView, sendMessageBody } from '../schemas/messages.ts';
import { readMessage, sendMessage } from '../use-cases/messages.ts';

const tags = ['Messages'];

export const messageRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/{id}/messages',
    operationId: 'sendMessage',
    summary: 'Send a message',
    description:
      'Text, image/video/audio/document by URL, location, contact or reaction, optionally replying to a message. ' +
      'Accepted once recorded; the session\'s runner sends it, paced. Follow it with the message id. ' +
      'Send `Idempotency-Key` to make retries safe.',
    tags,
    access: 'tenant',
    idempotent: true,
    params: sessionParams,
    body: sendMessageBody,
    bodyError: textTooLarge,
    responses: { 202: { description: 'Accepted and queued.', schema: messageAccepted } },
    errors: [413, 422],
    async handle({ params, body, principal, deps, logger, correlationId }) {
      const { to, expiresInSeconds, ...content } = body;
      const record = await sendMessage(deps, {
        tenantId: principal.tenantId,
        sessionId: params.id,
        to,
        content: content as MessageContent,
        expiresInSeconds,
        correlationId,
      });
      logger.info('message.accepted', { sessionId: params.id, messageId: record.commandId, type: content.type });
      return json(202, { messageId: record.commandId, status: 'queued', waMessageId: record.waMessageId, notAfter: record.notAfter });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/sessions/{id}/messages/{messageId}',
    operationId: 'getMessage',
    summary: 'Read a message\'s status trail',
    tags,
    access: 'tenant',
    params: messageParams,
    responses: { 200: { description: 'The message and its status trail.', schema: messageView } },
    async handle({ params, principal, deps }) {
      const record = await readMessage(deps, { tenantId: principal.tenantId, sessionId: params.id, messageId: params.messageId });
      return json(200, toMessageView(record));
    },
  }),
];

/** A text over WhatsApp's limit is a 413, not a generic 400. */
function textTooLarge(error: z.ZodError): Error | undefined {
  const tooBig = error.issues.some((issue) => issue.code === 'too_big' && issue.path.length === 1 && issue.path[0] === 'text');
  return tooBig ? new PayloadTooLargeError(`text exceeds ${MAX_TEXT_LENGTH} characters`, 'text_too_large') : undefined;
}

function toMessageView(record: CommandRecord<SendMessagePayload>) {
  return {
    messageId: record.commandId,
    sessionId: record.sessionId,
    type: record.payload.type,
    to: record.payload.to,
    status: record.status,
    waMessageId: record.waMessageId,
    trail: record.trail,
    failure: record.failure,
    notAfter: record.notAfter,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
