// The server half of the Noise handshake against Baileys' own client half (makeNoiseHandler), without
// sockets: the routing-info intro, frames split across chunks, key agreement both ways and transport frames.
import {
  Curve,
  NOISE_WA_HEADER,
  decodeBinaryNode,
  encodeBinaryNode,
  makeNoiseHandler,
  proto,
  type BinaryNode,
} from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCertChain, generateRootKeyPair } from '../../../local/wa-simulator/certificate-chain.ts';
import { FrameReader, NoiseHandshake, encodeFrame } from '../../../local/wa-simulator/noise-server.ts';
import { installSimulatorTrustAnchor, restoreWhatsAppTrustAnchor } from '../../../socket-runner/whatsapp/simulator-trust-anchor.ts';
import { silentLogger } from '../../support/baileys-client.ts';

const root = generateRootKeyPair();
const serverStatic = Curve.generateKeyPair();

beforeAll(() => {
  vi.stubEnv('WA_SIMULATOR', 'true');
  installSimulatorTrustAnchor(root.public);
});

afterAll(() => {
  restoreWhatsAppTrustAnchor();
  vi.unstubAllEnvs();
});

describe('noise server', () => {
  it('completes the handshake with Baileys\' client half and carries binary nodes both ways', async () => {
    // Prepare: a client that has routing info (the `ED` intro) and a server with a chain for its static key.
    const ephemeral = Curve.generateKeyPair();
    const noiseKey = Curve.generateKeyPair();
    const client = makeNoiseHandler({ keyPair: ephemeral, NOISE_HEADER: NOISE_WA_HEADER, logger: silentLogger, routingInfo: Buffer.from('edge-routing') });
    const reader = new FrameReader();
    const server = new NoiseHandshake(serverStatic, buildCertChain(root, serverStatic.public));

    // Act: hello, split across two chunks
    const helloBytes = client.encodeFrame(proto.HandshakeMessage.encode({ clientHello: { ephemeral: ephemeral.public } }).finish());
    const early = reader.push(Buffer.from(helloBytes.subarray(0, 5)));
    const [hello] = reader.push(Buffer.from(helloBytes.subarray(5)));
    const serverHello = proto.HandshakeMessage.decode(server.serverHello(hello ?? Buffer.alloc(0)));
    const keyEnc = client.processHandshake(serverHello, noiseKey);
    const payload = client.encrypt(proto.ClientPayload.encode({ username: 4915550009001, device: 1, passive: true }).finish());
    const [finish] = reader.push(Buffer.from(client.encodeFrame(proto.HandshakeMessage.encode({ clientFinish: { static: keyEnc, payload } }).finish())));
    const result = server.clientFinish(finish ?? Buffer.alloc(0));
    await client.finishInit();

    // Act: transport in both directions
    const ping: BinaryNode = { tag: 'iq', attrs: { id: '1', type: 'get', xmlns: 'w:p' }, content: [{ tag: 'ping', attrs: {} }] };
    const [clientFrame] = reader.push(Buffer.from(client.encodeFrame(encodeBinaryNode(ping))));
    const atServer = await decodeBinaryNode(result.transport.decrypt(clientFrame ?? Buffer.alloc(0)));
    const pong: BinaryNode = { tag: 'iq', attrs: { id: '1', type: 'result', from: 's.whatsapp.net' } };
    const atClient: BinaryNode[] = [];
    await client.decodeFrame(encodeFrame(result.transport.encrypt(encodeBinaryNode(pong))), (frame) => atClient.push(frame as BinaryNode));

    // Assess
    expect(early).toEqual([]);
    expect(result.clientStaticKey).toEqual(noiseKey.public);
    expect(String(result.payload.username)).toBe('4915550009001');
    expect(result.payload.device).toBe(1);
    expect(atServer).toEqual(ping);
    expect(atClient).toEqual([pong]);
  });

  it('rejects a stream that does not start with the WhatsApp intro', () => {
    expect(() => new FrameReader().push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(/intro/);
  });
});
