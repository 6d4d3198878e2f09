// The App's webhook deliveries (App JWT): list them newest first with GitHub's cursor pagination, and
// redeliver one — answered 202 at once, sent in the background as GitHub does.
import { presentHookDelivery, redeliver } from '../../webhooks/hook-deliveries.ts';
import { ApiError, notFound, ok, type Handlers } from '../types.ts';

/** GitHub's cursors look like `v1_<delivery id>`; the page starts at that delivery. */
const cursorPattern = /^v1_(\d+)$/;

export const hookDeliveryHandlers: Handlers = {
  'apps/list-webhook-deliveries': {
    auth: 'app',
    handle: (ctx) => {
      const perPage = Math.min(100, Math.max(1, Number(ctx.query.per_page ?? 30) || 30));
      const status = ctx.query.status as 'success' | 'failure' | undefined;
      let items = [...ctx.site.store.hookDeliveries].sort((a, b) => b.id - a.id);
      if (status === 'success') items = items.filter((d) => d.statusCode >= 200 && d.statusCode <= 399);
      if (status === 'failure') items = items.filter((d) => d.statusCode >= 400 && d.statusCode <= 599);
      const cursor = ctx.query.cursor as string | undefined;
      if (cursor !== undefined) {
        const m = cursorPattern.exec(cursor);
        if (!m) throw new ApiError(400, 'Invalid cursor');
        items = items.filter((d) => d.id <= Number(m[1]));
      }
      const page = items.slice(0, perPage);
      const headers: Record<string, string> = {};
      const next = items[perPage];
      if (next) {
        const url = new URL(ctx.url);
        url.searchParams.set('per_page', String(perPage));
        url.searchParams.set('cursor', `v1_${next.id}`);
        headers.link = `<${url.toString()}>; rel="next"`;
      }
      return ok(page.map(presentHookDelivery), 200, headers);
    },
  },

  'apps/redeliver-webhook-delivery': {
    auth: 'app',
    handle: (ctx) => {
      const store = ctx.site.store;
      const original = store.hookDeliveries.find((d) => d.id === Number(ctx.params.delivery_id));
      if (!original) throw notFound();
      const sending: Promise<void> = redeliver(store, original, ctx.now).then(() => undefined, () => undefined).finally(() => store.pendingRedeliveries.delete(sending));
      store.pendingRedeliveries.add(sending);
      return ok({}, 202);
    },
  },
};
