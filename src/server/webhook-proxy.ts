/**
 * WEBHOOK_PROXY_URL, as Probot apps know it: on a laptop GitHub cannot reach, the App's webhook URL is a
 * relay channel (smee.io or one of your own), and `bosun serve` follows it over server-sent events with
 * smee-client, POSTing each delivery — headers and body as GitHub sent them — to its own webhook endpoint.
 * So a relayed delivery goes through the same signature check as a direct one: a forged or unsigned
 * event sent to the channel is refused there, and nothing is queued.
 */
import { SmeeClient } from 'smee-client';

export interface WebhookProxyLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface WebhookProxy {
  close(): Promise<void>;
}

/** `http://0.0.0.0:3000/…` is where the server listens, not an address to send to: use loopback. */
export function localTarget(webhookUrl: string): string {
  const url = new URL(webhookUrl);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return url.href;
}

/** Connects to the channel (resolves once it is open) and forwards every delivery until closed. */
export async function startWebhookProxy(opts: { source: string; target: string; log: WebhookProxyLog; connectTimeoutMs?: number }): Promise<WebhookProxy> {
  const target = localTarget(opts.target);
  const client = new SmeeClient({
    source: opts.source,
    target,
    // smee-client says "POST <url> - <status>" per delivery and complains on every reconnect; keep
    // both in bosun's log at their level, never on stdout.
    logger: {
      info: (...args: unknown[]) => opts.log.info({ relay: opts.source }, `webhook relay: ${args.map(String).join(' ')}`),
      error: (...args: unknown[]) => opts.log.warn({ relay: opts.source }, `webhook relay: ${args.map((a) => (a instanceof Error ? a.message : typeof a === 'object' && a && 'message' in a ? String((a as { message: unknown }).message) : String(a))).join(' ')}`),
    },
    maxConnectionTimeout: opts.connectTimeoutMs ?? 30_000,
  });
  try {
    await client.start();
  } catch (err) {
    await client.stop().catch(() => undefined);
    throw new Error(`WEBHOOK_PROXY_URL: cannot follow the relay channel ${opts.source} (${err instanceof Error ? err.message : 'connection failed'}); check the URL, or unset WEBHOOK_PROXY_URL when GitHub can reach bosun directly`, { cause: err });
  }
  return { close: () => client.stop() };
}
