import type { KubeObject, RenderedObject } from '../../src/model/object.ts';

// Small builders for the objects the diff and report tests use. Plain data, no mocking.

export function deployment(opts: { image?: string; replicas?: number; apiVersion?: string; name?: string; namespace?: string; extra?: Record<string, unknown> } = {}): KubeObject {
  return {
    apiVersion: opts.apiVersion ?? 'apps/v1',
    kind: 'Deployment',
    metadata: { name: opts.name ?? 'frontend', namespace: opts.namespace ?? 'web' },
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: { app: opts.name ?? 'frontend' } },
      template: {
        metadata: { labels: { app: opts.name ?? 'frontend' } },
        spec: { containers: [{ name: 'app', image: opts.image ?? 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
      },
    },
    ...opts.extra,
  };
}

export function secret(name: string, fields: { data?: Record<string, string>; stringData?: Record<string, string> }, namespace = 'web'): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', ...fields };
}

export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function rendered(object: KubeObject, file?: string, line?: number): RenderedObject {
  return file ? { object, source: { file, ...(line !== undefined ? { line } : {}) } } : { object };
}

export function simple(apiVersion: string, kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra };
}
