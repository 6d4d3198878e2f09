/**
 * The loopback web server of `bosun setup`: `/` serves the form that takes the manifest to GitHub, and
 * `/callback` is where GitHub sends the browser back with `?code=…&state=…`. Only a callback carrying the
 * state this run made is taken (anything else could plant someone else's App); the first one that
 * finishes ends the flow.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorPage } from './pages.ts';

export const callbackPath = '/callback';

export interface SetupServerOptions {
  host: string;
  port: number;
  state: string;
  /** The start page (the form to GitHub). */
  startPage(): string;
  /** Exchanges the code; resolves to the page the browser shows. A rejection ends the flow with that error. */
  onCode(code: string): Promise<string>;
}

export interface SetupServer {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  /** Settles once a callback with the right state was handled: resolved on success, rejected on failure. */
  finished: Promise<void>;
  close(): Promise<void>;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.end(html);
}

export async function startSetupServer(opts: SetupServerOptions): Promise<SetupServer> {
  let settle!: { resolve: () => void; reject: (err: unknown) => void };
  const finished = new Promise<void>((resolve, reject) => { settle = { resolve, reject }; });
  // Avoid an unhandled rejection when the caller races it against something else.
  finished.catch(() => undefined);
  let busy = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return send(res, 405, errorPage('Only GET is served here.'));
    if (url.pathname === '/') return send(res, 200, opts.startPage());
    if (url.pathname !== callbackPath) return send(res, 404, errorPage('Nothing here; open the start page.'));
    const code = url.searchParams.get('code') ?? '';
    const state = url.searchParams.get('state') ?? '';
    if (!code || !sameText(state, opts.state)) {
      return send(res, 400, errorPage('This link does not belong to the running `bosun setup` (its state does not match). Start again from the page `bosun setup` printed.'));
    }
    if (busy) return send(res, 409, errorPage('bosun setup is already finishing with another answer from GitHub.'));
    busy = true;
    try {
      send(res, 200, await opts.onCode(code));
      settle.resolve();
    } catch (err) {
      send(res, 502, errorPage(err instanceof Error ? err.message : String(err)));
      settle.reject(err);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, errorPage(String(err)));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    finished,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
