import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MEDIA_DOWNLOAD,
  MediaUnavailableError,
  isBlockedAddress,
  openMediaStream,
} from '../../../../socket-runner/whatsapp/media-download.ts';

describe('isBlockedAddress', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '169.254.170.2', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '224.0.0.1', 'not-an-ip'])(
    'refuses %s',
    (address) => expect(isBlockedAddress(address)).toBe(true),
  );
  it.each(['8.8.8.8', '151.101.1.69', '2a00:1450:4001:81a::200e', '::ffff:8.8.8.8'])('allows %s', (address) =>
    expect(isBlockedAddress(address)).toBe(false),
  );
});

describe('openMediaStream', () => {
  let server: Server;
  let base: string;
  const local = { ...DEFAULT_MEDIA_DOWNLOAD, allowPrivate: true };

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/file') return res.end('media-bytes');
      if (req.url === '/big') return res.end('x'.repeat(2_000));
      if (req.url === '/chunked') {
        res.write('x'.repeat(800));
        return setTimeout(() => res.end('x'.repeat(800)), 5);
      }
      if (req.url === '/stall') {
        res.writeHead(200);
        return res.write('partial');
      }
      if (req.url === '/redirect') return res.writeHead(302, { location: '/file' }).end();
      if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
      if (req.url === '/metadata') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses a private address, by literal and by name', async () => {
    await expect(openMediaStream(`${base}/file`)).rejects.toBeInstanceOf(MediaUnavailableError);
    const port = (server.address() as AddressInfo).port;
    await expect(openMediaStream(`http://localhost:${port}/file`)).rejects.toThrow(/private address/);
  });

  it('streams the body when the address is allowed', async () => {
    expect(await text(await openMediaStream(`${base}/file`, local))).toBe('media-bytes');
  });

  it('follows a redirect, checking the target again', async () => {
    expect(await text(await openMediaStream(`${base}/redirect`, local))).toBe('media-bytes');
    await expect(openMediaStream(`${base}/metadata`, { ...local, allowPrivate: false })).rejects.toBeInstanceOf(MediaUnavailableError);
    await expect(openMediaStream(`${base}/loop`, local)).rejects.toThrow(/too many redirects/);
  });

  it('caps the size', async () => {
    await expect(openMediaStream(`${base}/big`, { ...local, maxBytes: 1_000 })).rejects.toThrow(/larger than/);
    const chunked = await openMediaStream(`${base}/chunked`, { ...local, maxBytes: 1_000 });
    await expect(text(chunked)).rejects.toThrow(/larger than/);
  });

  it('fails a download that stalls past the timeout instead of hanging', async () => {
    const stalled = await openMediaStream(`${base}/stall`, { ...local, timeoutMs: 300 });
    await expect(text(stalled)).rejects.toBeInstanceOf(MediaUnavailableError);
  });

  it('fails on an HTTP error and on other schemes', async () => {
    await expect(openMediaStream(`${base}/missing`, local)).rejects.toThrow(/answered 404/);
    await expect(openMediaStream('file:///etc/passwd', local)).rejects.toThrow(/http or https/);
  });
});
