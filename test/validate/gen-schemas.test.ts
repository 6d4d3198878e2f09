import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateBuiltinSchemas } from '../../src/validate/schema-gen/index.ts';
import type { GeneratedSchemas } from '../../src/validate/schema-gen/index.ts';
import { projectRoot } from '../../src/util/tools.ts';
import { loadBuiltinSchemas } from '../../src/validate/index.ts';

const run = promisify(execFile);

describe('built-in schema generator (postinstall)', () => {
  it('writes strict schemas for the built-in kinds to .cache/schemas/builtin.json', async () => {
    const { stdout } = await run(process.execPath, [join(projectRoot, 'scripts', 'gen-schemas.mjs')], { cwd: projectRoot });
    expect(stdout).toMatch(/^gen-schemas: (wrote \d+ definitions for \d+ kinds|.* is up to date)/);
    const doc = JSON.parse(readFileSync(join(projectRoot, '.cache', 'schemas', 'builtin.json'), 'utf8')) as GeneratedSchemas;

    expect(doc.kubernetesVersion).toMatch(/^1\.\d+$/);
    expect(doc.kinds['apps/v1/Deployment']).toEqual({ ref: 'V1Deployment', namespaced: true });
    expect(doc.kinds['v1/Namespace']).toEqual({ ref: 'V1Namespace', namespaced: false });
    expect(doc.kinds['networking.k8s.io/v1/Ingress']?.ref).toBe('V1Ingress');
    expect(doc.removed['extensions/v1beta1/Ingress']).toBe('networking.k8s.io/v1');

    const deployment = doc.definitions.V1Deployment as { additionalProperties: boolean; properties: Record<string, unknown> };
    expect(deployment.additionalProperties).toBe(false);
    expect(deployment.properties.spec).toEqual({ $ref: '#/definitions/V1DeploymentSpec' });
    const container = doc.definitions.V1Container as { required: string[]; properties: Record<string, { enum?: unknown[]; type?: unknown }> };
    expect(container.required).toEqual(['name']);
    expect(container.properties.imagePullPolicy.enum).toEqual(['Always', 'IfNotPresent', 'Never', null]);
    const kubernetesDefinitions = Object.entries(doc.definitions).filter(([name]) => !name.startsWith('Eco')).map(([, d]) => d);
    const everyObjectIsClosed = kubernetesDefinitions.every((d) => !('properties' in d) || d.additionalProperties === false);
    expect(everyObjectIsClosed).toBe(true);
  });

  it('does not rewrite an up-to-date file, and rewrites it when forced', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bosun-gen-'));
    try {
      const first = generateBuiltinSchemas({ root });
      expect(first.written).toBe(true);
      const before = statSync(first.file).mtimeMs;
      expect(generateBuiltinSchemas({ root }).written).toBe(false);
      expect(statSync(first.file).mtimeMs).toBe(before);
      expect(generateBuiltinSchemas({ root, force: true }).written).toBe(true);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('loading the built-in schemas', () => {
  it('regenerates a missing file in-process with a one-line notice', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bosun-load-'));
    const notices: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      notices.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const doc = loadBuiltinSchemas(root);
      expect(doc.kinds['apps/v1/Deployment']?.ref).toBe('V1Deployment');
      expect(statSync(join(root, '.cache', 'schemas', 'builtin.json')).size).toBeGreaterThan(100_000);
      loadBuiltinSchemas(root);
    } finally {
      process.stderr.write = write;
      await rm(root, { recursive: true, force: true });
    }
    expect(notices).toEqual(['bosun: built-in Kubernetes schemas missing or stale; regenerating .cache/schemas/builtin.json\n']);
  });
});
