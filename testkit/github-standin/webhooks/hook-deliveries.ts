// The App's webhook delivery log, as GitHub keeps it: every attempt to deliver an event to the App's
// webhook URL (`GET /app/hook/deliveries`), each of which can be sent again
// (`POST /app/hook/deliveries/{id}/attempts`). A redelivery carries the same `guid` (the
// `X-GitHub-Delivery` header) and the same payload, and is logged as a new attempt with `redelivery: true`.
import type { Store } from '../state/store.ts';
import { timestamp } from '../state/store.ts';
import { sendDelivery } from './deliver.ts';

export interface HookDeliveryRecord {
  id: number;
  guid: string;
  event: string;
  action: string | null;
  installationId: number | null;
  repositoryId: number | null;
  deliveredAt: number;
  durationMs: number;
  /** 0 when nothing answered (GitHub's "failed to connect"). */
  statusCode: number;
  status: string;
  redelivery: boolean;
  /** What a redelivery sends again: the exact body, to the same URL, signed with the same secret. */
  body: string;
  url: string;
  secret: string;
  appId?: number;
}

/** GitHub's `status` text of an attempt. */
export function deliveryStatusText(statusCode: number, error?: string): string {
  if (statusCode === 0) return error ?? 'failed to connect';
  return statusCode >= 200 && statusCode < 300 ? 'OK' : `Invalid HTTP Response: ${statusCode}`;
}

/** Logs one attempt (the payload's `action`, `installation.id` and `repository.id` as GitHub indexes them). */
export function recordHookDelivery(
  store: Store,
  attempt: Omit<HookDeliveryRecord, 'id' | 'action' | 'installationId' | 'repositoryId' | 'status'> & { error?: string },
): HookDeliveryRecord {
  let payload: { action?: unknown; installation?: { id?: unknown }; repository?: { id?: unknown } } = {};
  try {
    payload = JSON.parse(attempt.body) as typeof payload;
  } catch {
    // A body that is not JSON is still logged; it has no action, installation or repository.
  }
  const { error, ...rest } = attempt;
  const record: HookDeliveryRecord = {
    ...rest,
    id: store.nextId('hookDelivery'),
    action: typeof payload.action === 'string' ? payload.action : null,
    installationId: typeof payload.installation?.id === 'number' ? payload.installation.id : null,
    repositoryId: typeof payload.repository?.id === 'number' ? payload.repository.id : null,
    status: deliveryStatusText(attempt.statusCode, error),
  };
  store.hookDeliveries.push(record);
  return record;
}

/** Sends a logged delivery again, as GitHub's "Redeliver" does, and logs the new attempt. */
export async function redeliver(store: Store, original: HookDeliveryRecord, startedAt: number): Promise<HookDeliveryRecord> {
  const began = performance.now();
  const took = (): number => Math.round(performance.now() - began);
  const common = {
    guid: original.guid,
    event: original.event,
    body: original.body,
    url: original.url,
    secret: original.secret,
    redelivery: true,
    deliveredAt: startedAt,
    ...(original.appId !== undefined ? { appId: original.appId } : {}),
  };
  try {
    const sent = await sendDelivery({ event: original.event, body: original.body, deliveryId: original.guid, secret: original.secret, url: original.url, ...(original.appId !== undefined ? { appId: original.appId } : {}) });
    return recordHookDelivery(store, { ...common, durationMs: took(), statusCode: sent.status });
  } catch {
    return recordHookDelivery(store, { ...common, durationMs: took(), statusCode: 0 });
  }
}

/** The `hook-delivery-item` JSON of an attempt. */
export function presentHookDelivery(record: HookDeliveryRecord): Record<string, unknown> {
  return {
    id: record.id,
    guid: record.guid,
    delivered_at: timestamp(record.deliveredAt),
    redelivery: record.redelivery,
    duration: record.durationMs / 1000,
    status: record.status,
    status_code: record.statusCode,
    event: record.event,
    action: record.action,
    installation_id: record.installationId,
    repository_id: record.repositoryId,
    throttled_at: null,
  };
}
