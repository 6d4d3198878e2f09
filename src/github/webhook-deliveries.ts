/**
 * The GitHub App's webhook delivery log (`GET /app/hook/deliveries`) and redelivery
 * (`POST /app/hook/deliveries/{delivery_id}/attempts`). Both need the App's JWT and no permission
 * beyond it. A redelivery is sent with the same `guid` (the `X-GitHub-Delivery` header, which bosun's
 * job ids are built from) and shows up in the log as a new attempt with `redelivery: true`.
 */
import type { GitHubClient } from './client.ts';

/** One attempt to deliver an event, as the log lists it (no payload: the list carries none). */
export interface WebhookDelivery {
  /** This attempt's id: what a redelivery names. */
  id: number;
  /** The event's id, shared by every attempt: `X-GitHub-Delivery`. */
  guid: string;
  deliveredAt: string;
  redelivery: boolean;
  /** "OK" when the App answered 2xx; else what went wrong ("Invalid HTTP Response: 503", "timed out"). */
  status: string;
  /** 0 when nothing answered. */
  statusCode: number;
  event: string;
  action: string | null;
}

/** GitHub keeps deliveries redeliverable for 3 days. */
export const redeliverableForMs = 3 * 24 * 3600 * 1000;

/** Whether the App took the attempt: GitHub's own rule, a 2xx answer ("OK"). */
export function deliverySucceeded(d: Pick<WebhookDelivery, 'status' | 'statusCode'>): boolean {
  return d.statusCode >= 200 && d.statusCode < 300 && d.status === 'OK';
}

export interface ListDeliveriesOptions {
  /** Attempts made before this (ms since the epoch) are not needed; paging stops past them. */
  sinceMs: number;
  /** Default 100, GitHub's maximum. */
  perPage?: number;
  /** A bound on the work of one recovery round. Default 20 pages (2,000 attempts). */
  maxPages?: number;
}

/**
 * The App's delivery attempts since `sinceMs`, newest first, following GitHub's `cursor` pagination
 * (the Link header's `rel="next"`). `truncated` says the page bound stopped the walk before `sinceMs`.
 */
export async function listRecentDeliveries(client: GitHubClient, opts: ListDeliveriesOptions): Promise<{ deliveries: WebhookDelivery[]; truncated: boolean }> {
  const perPage = opts.perPage ?? 100;
  const maxPages = opts.maxPages ?? 20;
  const out: WebhookDelivery[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await client.request('GET /app/hook/deliveries', { per_page: perPage, ...(cursor ? { cursor } : {}) });
    const items = (Array.isArray(res.data) ? res.data : []).map(toDelivery);
    let older = false;
    for (const d of items) {
      if (Date.parse(d.deliveredAt) < opts.sinceMs) {
        older = true;
        continue;
      }
      out.push(d);
    }
    cursor = nextCursor(res.headers.link);
    if (older || !cursor || items.length === 0) return { deliveries: out, truncated: false };
  }
  return { deliveries: out, truncated: true };
}

/** Asks GitHub to send the attempt `id` again (answered 202; the new attempt is made in the background). */
export async function redeliverDelivery(client: GitHubClient, id: number): Promise<void> {
  await client.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: id });
}

function toDelivery(raw: unknown): WebhookDelivery {
  const d = raw as Record<string, unknown>;
  return {
    id: Number(d.id),
    guid: String(d.guid ?? ''),
    deliveredAt: String(d.delivered_at ?? ''),
    redelivery: d.redelivery === true,
    status: String(d.status ?? ''),
    statusCode: typeof d.status_code === 'number' ? d.status_code : 0,
    event: String(d.event ?? ''),
    action: typeof d.action === 'string' ? d.action : null,
  };
}

/** The `cursor` of the Link header's next page, if any. */
export function nextCursor(link: string | number | undefined): string | undefined {
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (!m) continue;
    try {
      return new URL(m[1]).searchParams.get('cursor') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export interface RedeliveryPlan {
  /** The attempts to redeliver: one per event, its latest failed attempt. */
  redeliver: WebhookDelivery[];
  /** Events whose every attempt failed but bosun has queued them after all (its own record says so). */
  handled: string[];
  /** Events that failed `maxAttempts` times: left for a person to look at (the App's Advanced tab). */
  givenUp: string[];
}

export interface PlanRedeliveryOptions {
  /** Events (guids) bosun recorded as queued. */
  handled: ReadonlySet<string>;
  /** Attempt ids this process has already asked GitHub to redeliver. */
  requested?: ReadonlySet<number>;
  /** Failed attempts of one event after which bosun stops redelivering it. Default 5. */
  maxAttempts?: number;
  /** Attempts older than this cannot be redelivered (GitHub's 3 days). */
  now?: number;
}

/**
 * Which deliveries to send again: per event (guid), none when any attempt succeeded or bosun queued
 * the event anyway; otherwise its newest failed attempt, once. Pure, so the rules are tested without
 * GitHub.
 */
export function planRedeliveries(deliveries: readonly WebhookDelivery[], opts: PlanRedeliveryOptions): RedeliveryPlan {
  const maxAttempts = opts.maxAttempts ?? 5;
  const now = opts.now ?? Date.now();
  const byGuid = new Map<string, WebhookDelivery[]>();
  for (const d of deliveries) {
    if (!d.guid) continue;
    const list = byGuid.get(d.guid);
    if (list) list.push(d);
    else byGuid.set(d.guid, [d]);
  }
  const plan: RedeliveryPlan = { redeliver: [], handled: [], givenUp: [] };
  for (const [guid, attempts] of byGuid) {
    if (attempts.some(deliverySucceeded)) continue;
    if (opts.handled.has(guid)) {
      plan.handled.push(guid);
      continue;
    }
    if (attempts.length >= maxAttempts) {
      plan.givenUp.push(guid);
      continue;
    }
    const latest = attempts.reduce((a, b) => (b.id > a.id ? b : a));
    if (opts.requested?.has(latest.id)) continue;
    if (now - Date.parse(latest.deliveredAt) >= redeliverableForMs) continue;
    plan.redeliver.push(latest);
  }
  plan.redeliver.sort((a, b) => a.id - b.id);
  return plan;
}
