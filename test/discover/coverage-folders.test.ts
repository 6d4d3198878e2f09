// Coverage of the files GitOps content reads that are not YAML (kustomize generator inputs, scripts,
// .properties…), through the real CLI on a real git repository: a change to such a file that no
// environment bosun found reads is "not judged" (exit 3), never a silent green.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCoverage } from '../../src/discover/coverage.ts';
import type { GitOpsFile } from '../../src/discover/gitops-files.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { runCli } from '../cli/run-cli.ts';

const repoUrl = 'https://github.com/example-org/platform.git';
const application = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: api
  namespace: argocd
spec:
  project: default
  source:
    repoURL: ${repoUrl}
    path: apps/api
    targetRevision: HEAD
  destination:
    server: https://kubernetes.default.svc
    namespace: api
`;
// An SCM-provider generator lists repositories of a GitHub organisation: bosun does not expand it.
const applicationSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: web-previews
  namespace: argocd
spec:
  generators:
    - scmProvider:
        github:
          organization: example-org
  template:
    metadata:
      name: 'web-{{branch}}'
    spec:
      project: default
      source:
        repoURL: ${repoUrl}
        path: apps/web
        targetRevision: '{{branch}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: web
`;
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;

interface PlanJson {
  environments: Array<{ name: string }>;
  coverage: { covered: number; uncovered: Array<{ file: string; reason?: string; changed?: boolean; deleted?: boolean }> };
}

let repo: GitRepoBuilder;
const commits: Record<string, string> = {};

async function plan(base: string, head: string): Promise<{ code: number; stderr: string; json: PlanJson }> {
  const r = await runCli(['plan', '--repo', repo.dir, '--base', commits[base], '--head', commits[head], '--format', 'json', '--repo-url', repoUrl]);
  return { code: r.code, stderr: r.stderr, json: JSON.parse(r.stdout) as PlanJson };
}

beforeAll(async () => {
  repo = await makeGitRepo();
  await repo.write('argocd/api.yaml', application);
  await repo.write('argocd/web-previews.yaml', applicationSet);
  await repo.write('apps/api/kustomization.yaml', 'resources: [cm.yaml]\nconfigMapGenerator:\n  - name: api\n    envs: [api.env]\n');
  await repo.write('apps/api/cm.yaml', cm('api-static'));
  await repo.write('apps/api/api.env', 'LOG_LEVEL=info\n');
  await repo.write('apps/api/notes.txt', 'not read by the kustomization\n');
  await repo.write('apps/web/kustomization.yaml', 'resources: [cm.yaml]\nconfigMapGenerator:\n  - name: web\n    envs: [app.env]\n    files: [../../shared/nginx.conf]\n');
  await repo.write('apps/web/cm.yaml', cm('web-static'));
  await repo.write('apps/web/app.env', 'LOG_LEVEL=info\n');
  await repo.write('apps/web/README.md', '# web\n');
  await repo.write('apps/web/scripts/start.sh', '#!/bin/sh\nexec nginx\n');
  await repo.write('shared/nginx.conf', 'worker_processes 1;\n');
  await repo.write('shared/unused.conf', 'worker_processes 2;\n');
  await repo.write('docs/guide.md', '# guide\n');
  await repo.write('tools/release.sh', '#!/bin/sh\n');
  commits.base = await repo.commit('base');
  await repo.write('apps/web/app.env', 'LOG_LEVEL=debug\n');
  commits.env = await repo.commit('web: debug logging (an env file only the ApplicationSet reads)');
  await repo.write('shared/nginx.conf', 'worker_processes 4;\n');
  commits.conf = await repo.commit('web: four workers (a generator file outside the kustomization folder)');
  await repo.remove('apps/web/scripts/start.sh');
  commits.deleted = await repo.commit('web: no start script');
  await repo.write('apps/api/api.env', 'LOG_LEVEL=debug\n');
  commits.judged = await repo.commit('api: debug logging (an env file an environment reads)');
  await repo.write('apps/web/README.md', '# web, documented\n');
  await repo.write('tools/release.sh', '#!/bin/sh\necho release\n');
  commits.noise = await repo.commit('docs and tools only');
}, 60_000);

afterAll(async () => {
  await rm(repo.dir, { recursive: true, force: true });
});

describe('coverage of the non-YAML files GitOps content reads', () => {
  it('lists a changed .env that only an unexpanded ApplicationSet deploys as not judged, naming the ApplicationSet, and exits 3', async () => {
    const r = await plan('base', 'env');
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('apps/web/app.env');
    const entry = r.json.coverage.uncovered.find((u) => u.file === 'apps/web/app.env');
    expect(entry).toMatchObject({ changed: true });
    expect(entry?.reason).toMatch(/ApplicationSet `web-previews`/);
  });

  it('counts every file of an uncovered kustomization folder and what its generators read elsewhere, and leaves docs, markdown and other folders out', async () => {
    const r = await plan('base', 'conf');
    expect(r.code, r.stderr).toBe(3);
    const uncovered = r.json.coverage.uncovered.map((u) => u.file).sort();
    // (the ApplicationSet's own file too: it defines what bosun does not expand)
    expect(uncovered).toEqual(['apps/web/app.env', 'apps/web/cm.yaml', 'apps/web/kustomization.yaml', 'apps/web/scripts/start.sh', 'argocd/web-previews.yaml', 'shared/nginx.conf']);
    const conf = r.json.coverage.uncovered.find((u) => u.file === 'shared/nginx.conf');
    expect(conf).toMatchObject({ changed: true });
    expect(conf?.reason).toMatch(/^read by `apps\/web\/kustomization\.yaml`, which no environment builds \(read by Argo CD ApplicationSet `web-previews`/);
  });

  it('lists a deleted file of an uncovered kustomization folder as deleted', async () => {
    const r = await plan('conf', 'deleted');
    expect(r.code, r.stderr).toBe(3);
    expect(r.json.coverage.uncovered).toContainEqual(expect.objectContaining({ file: 'apps/web/scripts/start.sh', changed: true, deleted: true }));
  });

  it('judges a .env an environment reads (exit 0), and a covered folder\'s unread files are not listed', async () => {
    const r = await plan('deleted', 'judged');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.environments.map((e) => e.name)).toContain('api');
    expect(r.json.coverage.uncovered.map((u) => u.file)).not.toContain('apps/api/notes.txt');
  });

  it('does not flood: markdown in a GitOps folder and files outside GitOps folders stay out (exit 0)', async () => {
    const r = await plan('judged', 'noise');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.coverage.uncovered.filter((u) => u.changed)).toEqual([]);
  });
});

describe('which files of GitOps folders count (pure)', () => {
  const paths = [
    'kustomization.yaml', 'Makefile', 'scripts/lint.sh', 'top.env',
    'apps/web/kustomization.yaml', 'apps/web/app.env', 'apps/web/docs/howto.txt', 'apps/web/OWNERS', 'apps/web/.gitkeep',
    'apps/web/covered/kustomization.yaml', 'apps/web/covered/extra.txt',
    'bundles/db/fleet.yaml', 'bundles/db/init.sql',
    '.github/workflows/kustomization.yaml', '.github/workflows/x.sh',
  ];
  // What classifyGitOpsFiles makes of them: the marker files.
  const files: GitOpsFile[] = [
    ...['kustomization.yaml', 'apps/web/kustomization.yaml', 'apps/web/covered/kustomization.yaml'].map((file) => ({ file, kind: 'kustomization' as const })),
    { file: 'bundles/db/fleet.yaml', kind: 'fleet' },
  ];
  const covered = { name: 'covered', path: 'apps/web/covered', inputs: { files: ['apps/web/covered/kustomization.yaml'], dirs: [] } };

  it('takes the files of an uncovered folder but not of a covered folder nested in it, nor prose, nor CI folders; at the top only what the kustomization reads', () => {
    const coverage = computeCoverage({
      head: { files, environments: [covered], notes: [], paths, folderReads: new Map([['.', { files: ['top.env', 'kustomization.yaml'], dirs: [] }]]) },
      changed: ['apps/web/app.env'],
    });
    expect(coverage.uncovered.map((u) => `${u.file}: ${u.reason}${u.changed ? ' (changed)' : ''}`)).toEqual([
      'apps/web/app.env: in `apps/web`, whose kustomization no environment builds (changed)',
      'apps/web/kustomization.yaml: the kustomization of `apps/web`, which no environment builds',
      'bundles/db/fleet.yaml: a Fleet bundle that no environment bosun found deploys',
      'bundles/db/init.sql: in Fleet bundle `bundles/db`, which no environment bosun found deploys',
      'kustomization.yaml: the kustomization of `.`, which no environment builds',
      'top.env: read by `kustomization.yaml`, which no environment builds',
    ]);
    expect(coverage.covered).toBe(1);
  });

  it('takes every file of a folder an uncovered kustomization reads whole', () => {
    const coverage = computeCoverage({
      head: { files, environments: [covered], notes: [], paths: [...paths, 'shared/config/a.properties', 'shared/config/sub/b.json', 'shared/other.txt'], folderReads: new Map([['apps/web', { files: [], dirs: ['shared/config'] }]]) },
    });
    expect(coverage.uncovered.filter((u) => u.file.startsWith('shared/')).map((u) => `${u.file}: ${u.reason}`)).toEqual([
      'shared/config/a.properties: read by `apps/web/kustomization.yaml`, which no environment builds',
      'shared/config/sub/b.json: read by `apps/web/kustomization.yaml`, which no environment builds',
    ]);
  });
});
