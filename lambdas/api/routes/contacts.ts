/** Contacts: which phone numbers are on WhatsApp, answered by the session's runner while the client waits. */
import { json } from '../http.ts';
import { defineRoute } from '../router.ts';
import { sessionParams } from '../schemas/common.ts';
import { checkContactsBody, contactsChecked, MAX_CONTACTS_PER_CHECK } from '../schemas/messages.ts';
import { checkContacts } from '../use-cases/runner-requests.ts';

export const contactRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/{id}/contacts/check',
    operationId: 'checkContacts',
    summary: 'Check which numbers are on WhatsApp',
    description:
      `Up to ${MAX_CONTACTS_PER_CHECK} E.164 numbers, answered within 10 s by the session's runner. ` +
      '409 `session_not_open` unless the session is open, 504 `runner_timeout`.',
    tags: ['Contacts'],
    access: 'tenant',
    idempotent: true,
    params: sessionParams,
    body: checkContactsBody,
    responses: { 200: { description: 'One entry per distinct number.', schema: contactsChecked } },
    errors: [409, 504],
    async handle({ params, body, principal, deps, correlationId }) {
      const result = await checkContacts(deps, {
        tenantId: principal.tenantId,
        sessionId: params.id,
        phoneNumbers: body.phoneNumbers,
        correlationId,
      });
      return json(200, { contacts: result.contacts });
    },
  }),
];
