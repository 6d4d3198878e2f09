// Tool output is read as it streams (#10 item 4): a real helm chart that prints far more objects than the
// environment may have is stopped at the first object over the limit — the error names the environment
// and the limit, and no process of that render is left — and a chart within the limit renders the same
// objects, in the same order, from the same templates as the whole-output parse.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderEnvironment } from '../../src/render/index.ts';
import { splitDocuments } from '../../src/render/yaml-docs.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

const repo = useTempRepos();

/** A chart whose one template prints `count` ConfigMaps, each about 1 KB (so helm writes far more than a pipe holds). */
function manyObjectsChart(count: number): Record<string, string> {
  return {
    'charts/many/Chart.yaml': 'apiVersion: v2\nname: many\nversion: 1.0.0\n',
    'charts/many/values.yaml': `count: ${count}\n`,
    'charts/many/templates/cms.yaml': '{{- range $i := until (int .Values.count) }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ $i }}\ndata:\n  filler: {{ repeat 1000 "x" | quote }}\n{{- end }}\n',
    'charts/many/templates/last.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: last\n',
  };
}

const env = environment({ name: 'many-env', source: 'argocd', path: 'charts/many', namespace: 'many', definedIn: { file: 'argocd/many.yaml', line: 7 } });

/** Processes whose command line names this folder (helm, or the sandbox around it). */
function processesNaming(folder: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(folder)) found.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('tool output read as it streams', () => {
  it('a chart printing 5,000 objects, over a limit of 100, is stopped at object 101: the error names the environment and the limit, and helm is gone', async () => {
    const root = await repo(manyObjectsChart(5_000));
    const outcome = await renderEnvironment(root, env, { limits: { perEnvironment: 100, names: { perEnvironment: '--max-objects' } } });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toMatchObject({ kind: 'render', file: 'argocd/many.yaml', line: 7 });
    expect(outcome.error.message).toBe('many-env renders more than 100 objects (the render was stopped at object 101), over the limit of 100 per environment (--max-objects); '
      + 'split it into smaller environments, or raise the limit if an environment this large is intended');
    expect(processesNaming(root)).toEqual([]);
  });

  it('a chart within the limit gives every object, in helm\'s order, each from its template', async () => {
    const root = await repo(manyObjectsChart(300));
    const outcome = await renderEnvironment(root, env, { limits: { perEnvironment: 301 } });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.objects.map((o) => o.object.metadata?.name)).toEqual([...Array.from({ length: 300 }, (_, i) => `cm-${i}`), 'last']);
    expect(new Set(outcome.objects.map((o) => o.source?.file))).toEqual(new Set(['charts/many/templates/cms.yaml', 'charts/many/templates/last.yaml']));
    expect(outcome.objects.find((o) => o.object.metadata?.name === 'last')?.source?.file).toBe('charts/many/templates/last.yaml');
    expect(outcome.objects.find((o) => o.object.metadata?.name === 'cm-299')?.source?.file).toBe('charts/many/templates/cms.yaml');
    expect(splitDocuments('---\na: 1\n---\nb: 2\n')).toEqual(['\na: 1\n', '\nb: 2\n']);
  });

  it('one object over the limit, in the last document of the output, is caught too', async () => {
    const root = await repo(manyObjectsChart(100));
    const outcome = await renderEnvironment(root, env, { limits: { perEnvironment: 100 } });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.message).toContain('many-env renders more than 100 objects (the render was stopped at object 101), over the limit of 100 per environment (BOSUN_MAX_OBJECTS)');
  });

  it('kustomize too: stopped at the first object over the limit; within it, multi-byte text split across the pipe\'s chunks comes out whole', async () => {
    const cms = Array.from({ length: 1_000 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  text: "${'ünïcödé 名前 🚀 '.repeat(20)}"\n`).join('---\n');
    const root = await repo({ 'apps/k/kustomization.yaml': 'resources:\n  - cms.yaml\n', 'apps/k/cms.yaml': cms });
    const kenv = environment({ name: 'k-env', path: 'apps/k', namespace: 'k', render: 'kustomize', definedIn: { file: '.bosun.yaml', line: 4 } });
    const over = await renderEnvironment(root, kenv, { limits: { perEnvironment: 50 } });
    expect(over.ok).toBe(false);
    if (over.ok) return;
    expect(over.error.message).toContain('k-env renders more than 50 objects (the render was stopped at object 51), over the limit of 50 per environment (BOSUN_MAX_OBJECTS)');
    expect(processesNaming(root)).toEqual([]);
    const within = await renderEnvironment(root, kenv, { limits: { perEnvironment: 1_000 } });
    expect(within.ok).toBe(true);
    if (!within.ok) return;
    expect(within.objects).toHaveLength(1_000);
    expect(within.objects.every((o) => (o.object.data as { text?: string } | undefined)?.text === 'ünïcödé 名前 🚀 '.repeat(20))).toBe(true);
    expect(within.objects[999].source).toMatchObject({ file: 'apps/k/cms.yaml' });
  });
});
