import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';

/**
 * bull-board's queue browser for the bosun queues, as a plain node:http handler for everything under
 * `basePath` (bosun's server is node:http, not Express: the adapter's own Express app answers these
 * paths only, after the dashboard's authentication).
 *
 * Read only: retrying, promoting or removing a job by hand would bypass bosun's own ordering of
 * applies (seq, superseded jobs, environment leases) and its webhook deduplication, and a browser
 * sends basic-auth credentials with any request, including a forged one from another site.
 */
export function queuesBoard(queues: readonly Queue[], basePath: string): (req: IncomingMessage, res: ServerResponse) => void {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(basePath);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'bosun queues', miscLinks: [{ text: 'bosun dashboard', url: basePath.replace(/\/queues\/?$/, '') || '/' }] } },
  });
  const app = adapter.getRouter() as (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
  return (req, res) => {
    // The adapter's routes are relative to where it is mounted.
    const url = req.url ?? '/';
    req.url = url.slice(basePath.length) || '/';
    if (!req.url.startsWith('/')) req.url = `/${req.url}`;
    app(req, res, (err?: unknown) => {
      if (res.headersSent) return void res.end();
      res.writeHead(err ? 500 : 404, { 'content-type': 'text/plain; charset=utf-8' }).end(err ? 'bull-board failed\n' : 'Not Found\n');
    });
  };
}
