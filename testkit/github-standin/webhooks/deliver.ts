// Sends a webhook delivery the way GitHub does: JSON body, HMAC signatures of the exact bytes sent,
// and GitHub's headers.
import { createHmac, randomUUID } from 'node:crypto';

export interface DeliveryOptions {
  secret: string;
  /** bosun's webhook endpoint, e.g. `http://127.0.0.1:3000/api/github/webhooks`. */
  url: string;
  /** GitHub keeps the id on redelivery; pass the same id to simulate one. */
  deliveryId?: string;
  appId?: number;
}

export interface Delivery {
  deliveryId: string;
  event: string;
  status: number;
  /** The response body bosun sent back. */
  response: string;
  /** The exact body sent, and its signature header, for tests of verification. */
  body: string;
  signature256: string;
}

export function signature256(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function deliverWebhook(event: string, payload: unknown, opts: DeliveryOptions): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const deliveryId = opts.deliveryId ?? randomUUID();
  const sent = await sendDelivery({ ...opts, event, body, deliveryId });
  return { deliveryId, event, status: sent.status, response: sent.response, body, signature256: sent.signature256 };
}

/** One HTTP attempt of a delivery whose body is already serialized (a redelivery sends the same bytes). */
export async function sendDelivery(opts: DeliveryOptions & { event: string; body: string; deliveryId: string }): Promise<{ status: number; response: string; signature256: string }> {
  const { body, deliveryId, event } = opts;
  const sig = signature256(opts.secret, body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/standin',
    'x-github-event': event,
    'x-github-delivery': deliveryId,
    'x-hub-signature-256': sig,
    'x-hub-signature': `sha1=${createHmac('sha1', opts.secret).update(body).digest('hex')}`,
    'x-github-hook-id': '1',
  };
  if (opts.appId !== undefined) {
    headers['x-github-hook-installation-target-type'] = 'integration';
    headers['x-github-hook-installation-target-id'] = String(opts.appId);
  }
  const res = await fetch(opts.url, { method: 'POST', headers, body });
  return { status: res.status, response: await res.text(), signature256: sig };
}
