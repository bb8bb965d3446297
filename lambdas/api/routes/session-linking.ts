/**
 * Linking a session to a phone: read the QR the owner runner published (JSON or PNG), or ask the owner for
 * a pairing code for a phone number and wait for its answer.
 */
import { binary, json } from '../http.ts';
import { defineRoute } from '../router.ts';
import { sessionParams } from '../schemas/common.ts';
import { pairingCodeBody, pairingCodeView, qrQuery, qrView } from '../schemas/sessions.ts';
import { requestPairingCode } from '../use-cases/runner-requests.ts';
import { readQr } from '../use-cases/sessions.ts';

const tags = ['Sessions'];

export const sessionLinkingRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/sessions/{id}/qr',
    operationId: 'getSessionQr',
    summary: 'Read the QR code to scan',
    description:
      'While the session waits for a scan (status `qr`): the QR payload and its expiry, or with `?format=png` an image. ' +
      '409 `session_not_waiting_for_scan` in any other status, 409 `qr_expired` when the code is stale.',
    tags,
    access: 'tenant',
    params: sessionParams,
    query: qrQuery,
    responses: {
      200: { description: 'The QR code (JSON), or a PNG image with `?format=png`.', schema: qrView, media: ['image/png'] },
    },
    errors: [409],
    async handle({ params, query, principal, deps }) {
      const qr = await readQr(deps, principal.tenantId, params.id);
      if (query.format === 'json') return json(200, qr, { 'cache-control': 'no-store' });
      // Imported on first use: only PNG requests pay for loading the QR encoder.
      const { default: QRCode } = await import('qrcode');
      const image = await QRCode.toBuffer(qr.qr, { type: 'png', margin: 2, scale: 8, errorCorrectionLevel: 'M' });
      return binary(200, image, 'image/png', { 'cache-control': 'no-store' });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/{id}/pairing-code',
    operationId: 'requestPairingCode',
    summary: 'Link by phone number (pairing code)',
    description:
      'Asks the session\'s runner for a pairing code for the phone number and waits up to 10 s for it. ' +
      '409 `session_not_connected` until the session waits for a scan, 409 `session_already_paired`, 504 `runner_timeout`.',
    tags,
    access: 'tenant',
    idempotent: true,
    params: sessionParams,
    body: pairingCodeBody,
    responses: { 200: { description: 'The code to enter on the phone.', schema: pairingCodeView } },
    errors: [409, 504],
    async handle({ params, body, principal, deps, correlationId }) {
      const result = await requestPairingCode(deps, {
        tenantId: principal.tenantId,
        sessionId: params.id,
        phoneNumber: body.phoneNumber,
        correlationId,
      });
      return json(200, { code: result.code });
    },
  }),
];
