import { describe, expect, it } from 'vitest';
import { computeCoverage, withDeployingEnvironments } from '../../src/discover/coverage.ts';
import { classifyGitOpsFiles, looksLikeManifest } from '../../src/discover/gitops-files.ts';
import type { DiscoveryNote } from '../../src/model/discovery.ts';

const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n';

/** A file listing with contents, as classifyGitOpsFiles reads them. */
function classify(files: Record<string, string>) {
  return classifyGitOpsFiles(Object.keys(files), (path) => files[path]);
}

describe('what counts as GitOps content', () => {
  it('takes YAML and JSON with a top-level apiVersion and kind, in any document, and nothing else of those', () => {
    expect(looksLikeManifest(deployment, 'a.yaml')).toBe(true);
    expect(looksLikeManifest(`# header\nfoo: 1\n---\n${deployment}`, 'a.yaml')).toBe(true);
    expect(looksLikeManifest('"apiVersion": v1\n"kind": ConfigMap\n', 'a.yaml')).toBe(true);
    expect(looksLikeManifest('{"apiVersion": "v1", "kind": "ConfigMap"}', 'a.json')).toBe(true);
    // Nested keys are not an object's own: a workflow's step, a values file's sub-object.
    expect(looksLikeManifest('jobs:\n  build:\n    apiVersion: v1\n    kind: Pod\n', 'a.yaml')).toBe(false);
    expect(looksLikeManifest('apiVersion: v2\nname: web\nversion: 0.1.0\n', 'Chart.yaml')).toBe(false);
    expect(looksLikeManifest('{"name": "x"}', 'package.json')).toBe(false);
  });

  it('classifies by name and content, skips CI, docs and tool folders, and never reads through an unreadable file', () => {
    const files = classify({
      'apps/web/deployment.yaml': deployment,
      'apps/web/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'apps/web/app.properties': 'LOG=debug\n',
      'apps/web/README.md': '# web\n',
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'charts/web/templates/deployment.yaml': '{{- if .Values.enabled }}\n',
      'charts/web/templates/_helpers.tpl': '{{- define "x" }}{{ end }}\n',
      'charts/web/charts/db/Chart.yaml': 'apiVersion: v2\nname: db\nversion: 0.1.0\n',
      'charts/web/charts/db/values.yaml': 'size: 1\n',
      'envs/prod/web-values.yaml': 'replicas: 3\n',
      'envs/prod/values.yaml': 'replicas: 3\n',
      'bundles/web/fleet.yaml': 'defaultNamespace: web\n',
      '.sops.yaml': 'creation_rules: []\n',
      'jsonnet/app.jsonnet': '{}\n',
      'jsonnet/lib.libsonnet': '{}\n',
      'jsonnet/vendor/k.libsonnet': '{}\n',
      'renovate.json': '{"extends": []}\n',
      '.pre-commit-config.yaml': 'repos: []\n',
      '.github/workflows/ci.yaml': 'on: push\njobs: {}\n',
      '.github/kind-config.yaml': 'apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\n',
      'docs/example.yaml': deployment,
      'node_modules/x/pod.yaml': deployment,
      'apps/web/link.yaml': '(unreadable: a symlink)',
    });
    const kinds = Object.fromEntries(files.map((f) => [f.file, f.chart ? `${f.kind} ${f.chart}` : f.kind]));
    expect(kinds).toEqual({
      'apps/web/deployment.yaml': 'manifest',
      'apps/web/kustomization.yaml': 'kustomization',
      'charts/web/Chart.yaml': 'chart charts/web',
      'charts/web/templates/deployment.yaml': 'chart charts/web',
      'charts/web/templates/_helpers.tpl': 'chart charts/web',
      'charts/web/charts/db/Chart.yaml': 'chart charts/web/charts/db',
      'charts/web/charts/db/values.yaml': 'chart charts/web/charts/db',
      'envs/prod/web-values.yaml': 'values',
      'envs/prod/values.yaml': 'values',
      'bundles/web/fleet.yaml': 'fleet',
      '.sops.yaml': 'sops',
      'jsonnet/app.jsonnet': 'jsonnet',
      'jsonnet/lib.libsonnet': 'jsonnet',
    });
  });

  it('counts any YAML or JSON in a folder an object bosun saw reads (overlay patches, generator parameters), but not for the whole repository', () => {
    const files = { 'bundles/web/overlays/big/patch.yaml': 'spec:\n  replicas: 5\n', 'teams/alpha/config.json': '{"team": "alpha"}', 'renovate.json': '{}' };
    const read = (path: string) => files[path as keyof typeof files];
    expect(classifyGitOpsFiles(Object.keys(files), read, { readFolders: ['bundles/web', 'teams', '.'] }).map((f) => `${f.file} ${f.kind}`))
      .toEqual(['bundles/web/overlays/big/patch.yaml data', 'teams/alpha/config.json data']);
    expect(classifyGitOpsFiles(Object.keys(files), read)).toEqual([]);
  });

  it('does not count a YAML file it cannot read as a regular file', () => {
    expect(classifyGitOpsFiles(['apps/link.yaml'], () => undefined)).toEqual([]);
  });
});

const applicationSet: DiscoveryNote = {
  status: 'not-an-environment', kind: 'ApplicationSet', apiVersion: 'argoproj.io/v1alpha1', name: 'apps', file: 'argocd/apps.yaml', line: 1,
  reason: 'generators not expanded: bosun does not expand ApplicationSets yet', reads: ['apps'],
};

describe('coverage', () => {
  const files = classify({
    'argocd/apps.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\n',
    'apps/web/deployment.yaml': deployment,
    'apps/web/kustomization.yaml': 'resources: [deployment.yaml]\n',
    'clusters/prod/kustomization.yaml': 'resources: [app.yaml]\n',
    'clusters/prod/app.yaml': deployment,
    'stray/pod.yaml': deployment,
    'jsonnet/app.jsonnet': '{}\n',
    '.sops.yaml': 'creation_rules: []\n',
  });
  const prod = { name: 'prod', path: 'clusters/prod', inputs: { files: ['clusters/prod/app.yaml', 'clusters/prod/kustomization.yaml', 'argocd/apps.yaml'], dirs: [] } };

  it('lists every GitOps file no environment reads, with the reason a note gives, and counts the rest', () => {
    const coverage = computeCoverage({ head: { files, environments: [prod], notes: [applicationSet] } });
    expect(coverage.covered).toBe(3);
    expect(coverage.uncovered).toEqual([
      { file: '.sops.yaml', reason: 'SOPS creation rules: read by `sops` when files are encrypted, not deployed by any environment' },
      { file: 'apps/web/deployment.yaml', reason: 'read by Argo CD ApplicationSet `apps` (argocd/apps.yaml:1): generators not expanded: bosun does not expand ApplicationSets yet' },
      { file: 'apps/web/kustomization.yaml', reason: 'read by Argo CD ApplicationSet `apps` (argocd/apps.yaml:1): generators not expanded: bosun does not expand ApplicationSets yet' },
      { file: 'jsonnet/app.jsonnet', reason: 'jsonnet that no Argo CD directory source bosun found evaluates' },
      { file: 'stray/pod.yaml' },
    ]);
    expect(coverage.covered + coverage.uncovered.length).toBe(files.length);
  });

  it('explains a file by the object it defines before any folder, and the innermost folder first', () => {
    const inner: DiscoveryNote = { status: 'not-previewed', kind: 'HelmRelease', apiVersion: 'helm.toolkit.fluxcd.io/v2', name: 'web', file: 'hr.yaml', reason: 'chart not rendered', reads: ['apps/web'] };
    const coverage = computeCoverage({ head: { files, environments: [], notes: [applicationSet, inner] } });
    const reasons = Object.fromEntries(coverage.uncovered.map((u) => [u.file, u.reason]));
    expect(reasons['argocd/apps.yaml']).toBe('defines Argo CD ApplicationSet `apps`: generators not expanded: bosun does not expand ApplicationSets yet');
    expect(reasons['apps/web/deployment.yaml']).toBe('read by Flux HelmRelease `web` (hr.yaml): chart not rendered');
  });

  it('lists a file discovery skipped (a symlink leaving the repository, not valid YAML) as uncovered with why, unless an environment reads it', () => {
    const skipped: DiscoveryNote[] = [
      { status: 'info', kind: 'File', file: 'argocd/web.yaml', reason: 'skipped for discovery, a symlink that points outside the repository' },
      { status: 'info', kind: 'File', file: 'apps/web/broken.yaml', line: 3, reason: 'skipped for discovery, not valid YAML (x)' },
    ];
    const coverage = computeCoverage({ head: { files, environments: [], notes: skipped }, changed: ['argocd/web.yaml'] });
    expect(coverage.uncovered.find((u) => u.file === 'argocd/web.yaml')).toEqual({ file: 'argocd/web.yaml', reason: 'skipped for discovery, a symlink that points outside the repository', changed: true });
    expect(coverage.uncovered.find((u) => u.file === 'apps/web/broken.yaml')?.reason).toBe('skipped for discovery, not valid YAML (x)');
    const read = computeCoverage({ head: { files, environments: [{ name: 'apps', path: 'apps', inputs: { files: [], dirs: ['apps'] } }], notes: skipped } });
    expect(read.uncovered.map((u) => u.file)).not.toContain('apps/web/broken.yaml');
  });

  it('counts the file that defines an environment whose inputs could not be analysed as read (an Argo CD Application over a remote base)', () => {
    // argocd-autopilot's bootstrap/argo-cd.yaml: its kustomization has a remote base, so its inputs are unknown;
    // the Application file is still what defines it, never "not deployed by any environment".
    const coverage = computeCoverage({ head: { files, environments: [{ name: 'web', path: 'apps/web', definedBy: ['argocd/apps.yaml'] }], notes: [] } });
    expect(coverage.uncovered.map((u) => u.file)).not.toContain('argocd/apps.yaml');
  });

  it('treats the folder of an environment whose inputs are unknown or unsure as read (a doubt never uncovers)', () => {
    const unknown = computeCoverage({ head: { files, environments: [{ name: 'stray', path: 'stray' }], notes: [] } });
    expect(unknown.uncovered.map((u) => u.file)).not.toContain('stray/pod.yaml');
    const unsure = computeCoverage({ head: { files, environments: [{ name: 'apps', path: 'apps', inputs: { files: [], dirs: [], unsure: 'x' } }], notes: [] } });
    expect(unsure.uncovered.map((u) => u.file)).not.toContain('apps/web/deployment.yaml');
  });

  it('counts jsonnet as read when an environment reads it (an Argo CD directory source evaluates it)', () => {
    const all = computeCoverage({ head: { files, environments: [{ name: 'all', path: '.', inputs: { files: [], dirs: ['.'] } }], notes: [] } });
    expect(all.uncovered).toEqual([]);
  });

  it('marks changed files and lists them first; a deleted file no environment read is listed as deleted', () => {
    const base = classify({ 'stray/old.yaml': deployment, 'clusters/prod/gone.yaml': deployment });
    const coverage = computeCoverage({
      head: { files, environments: [prod], notes: [applicationSet] },
      base: { files: base, environments: [{ ...prod, inputs: { files: ['clusters/prod/gone.yaml'], dirs: [] } }], notes: [] },
      changed: ['stray/pod.yaml', 'stray/old.yaml', 'clusters/prod/gone.yaml', 'clusters/prod/app.yaml'],
    });
    expect(coverage.uncovered.slice(0, 2)).toEqual([
      { file: 'stray/old.yaml', reason: 'deleted; no environment read it', changed: true, deleted: true },
      { file: 'stray/pod.yaml', changed: true },
    ]);
    expect(coverage.uncovered.filter((u) => u.changed)).toHaveLength(2);
  });

  it('names the environments that deploy an object bosun does not preview', () => {
    const release: DiscoveryNote = { status: 'not-previewed', kind: 'HelmRelease', name: 'web', file: 'clusters/prod/app.yaml', reason: 'x' };
    const [note] = withDeployingEnvironments([release], [prod, { name: 'other', path: 'other' }]);
    expect(note.environments).toEqual(['prod']);
  });
});
