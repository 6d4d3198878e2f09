// `bosun render --format json` says where each object and the patches applying to it are written, without
// repeating an inline patch's text in every object it applies to.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const deployment = (name: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n      containers: [{name: app, image: nginx}]\n`;

describe('bosun render --format json', () => {
  it('gives each object its source line and its patches by file and line', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'bosun-render-sources-'));
    dirs.push(repo);
    const files: Record<string, string> = {
      'app/kustomization.yaml': [
        'resources: [a.yaml, b.yaml]',
        'patches:',
        '  - target: {kind: Deployment}',
        '    patch: |',
        '      - op: add',
        '        path: /spec/template/spec/tolerations',
        `        value: [{key: dedicated, operator: Equal, value: ${'x'.repeat(200)}}]`,
        '',
      ].join('\n'),
      'app/a.yaml': deployment('a'),
      'app/b.yaml': deployment('b'),
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(repo, path)), { recursive: true });
      await writeFile(join(repo, path), text);
    }
    const run = await runCli(['render', '--repo', repo, '--path', 'app', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { environments: Array<{ objects: Array<{ source: unknown }> }> };
    expect(doc.environments[0].objects.map((o) => o.source)).toEqual([
      { file: 'app/a.yaml', line: 1, patches: [{ file: 'app/kustomization.yaml', line: 3 }] },
      { file: 'app/b.yaml', line: 1, patches: [{ file: 'app/kustomization.yaml', line: 3 }] },
    ]);
    expect(run.stdout.split('x'.repeat(200)).length - 1).toBe(2); // in the two objects, not in their sources
  });
});
