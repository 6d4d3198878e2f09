import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * One GET with a short timeout. With `ca` the server certificate is verified against it; without, TLS is
 * not verified (only used while waiting for the apiserver to write its certificate).
 */
export function get(url: string, opts: { token?: string; ca?: string; timeoutMs?: number } = {}): Promise<HttpAnswer> {
  const secure = url.startsWith('https:');
  const request = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        timeout: opts.timeoutMs ?? 5_000,
        ...(secure ? { ca: opts.ca, rejectUnauthorized: opts.ca !== undefined } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out: GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}
