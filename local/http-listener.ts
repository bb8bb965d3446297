/**
 * Starting and stopping the stack's HTTP servers on loopback, with the listen error kept intact (EADDRINUSE
 * and friends) so the caller can name the setting to change.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export async function listenHttp(listener: RequestListener, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  const server: Server = createServer((req, res) => void listener(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on right now (bound and released), for child processes that need one up front. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const probe = await listenHttp(() => undefined, 0, host);
  await probe.close();
  return probe.port;
}
