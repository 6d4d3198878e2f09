import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { renderEnvironment } from '../../src/render/index.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

const repo = useTempRepos();

const files = {
  'clusters/prod/kustomization.yaml': 'resources: [cm.yaml]\n',
  'clusters/prod/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: prod\n',
};

describe('cancellation', () => {
  it('stops a render whose signal is aborted and says so', async () => {
    const root = await repo(files);
    const controller = new AbortController();
    const pending = renderEnvironment(root, environment({ name: 'prod', path: 'clusters/prod' }), { signal: controller.signal });
    controller.abort();
    const outcome = await pending;
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.message).toMatch(/cancelled/);
  });
});

describe('timeouts', () => {
  it('stops kustomize (and the git it started) when a remote base never answers', async () => {
    const sockets: Socket[] = [];
    const closed: Array<Promise<void>> = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.resume(); // read (and drop) the TLS hello, so the end of the connection is noticed
      closed.push(new Promise((resolve) => socket.on('close', () => resolve())));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (server.address() as { port: number }).port;
      const root = await repo({ 'clusters/prod/kustomization.yaml': `resources:\n  - https://127.0.0.1:${port}/org/repo//deploy?ref=main\n` });
      const outcome = await renderEnvironment(root, environment({ name: 'prod', path: 'clusters/prod' }), { timeoutMs: 1500 });
      expect(outcome).toMatchObject({ ok: false, error: { tool: 'kustomize', file: 'clusters/prod/kustomization.yaml' } });
      expect(!outcome.ok && outcome.error.message).toMatch(/did not finish within 2 s/);
      // the client side of every connection went away: the whole process group was killed
      await Promise.all(closed);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});
