// The folder kustomize-controller reads, as source-controller archives a GitRepository (gitignore rules of
// .sourceignore and .spec.ignore, its default exclusions, includes) and as source-watcher's ArtifactGenerator
// copies it (cp-like globs, folders and files, exclude, Merge, optional), each file mapped back to the
// repository; and the inputs of such an environment in repository terms.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectInputs } from '../../src/discover/index.ts';
import { environmentDefaults, type Environment } from '../../src/model/environment.ts';
import type { FluxSourceSpec } from '../../src/model/flux-source.ts';
import { artifactLayout, doublestarMatch, materializeArtifact, repoFoldersOf } from '../../src/render/flux-artifact.ts';
import { readIgnorePatterns, sourceIgnoreMatcher } from '../../src/render/gitignore.ts';
import { makeTree } from '../discover/temp-tree.ts';

const files = (spec: FluxSourceSpec, root: string) => Object.fromEntries([...artifactLayout(root, spec).files].map(([a, r]) => [a, r.join('+')]));
const git = (extra: Partial<FluxSourceSpec> = {}): FluxSourceSpec => ({ label: 'GitRepository flux-system/flux-system', files: [], ...extra });

describe('gitignore as source-controller applies it', () => {
  it('without rules: Git files and the default list are excluded at any depth', () => {
    const ignored = sourceIgnoreMatcher([]);
    expect(['a/.gitignore', '.github/workflows/ci.yaml', 'x/logo.png', 'x/.sops.yaml', '.goreleaser.yml'].filter((p) => ignored(p))).toEqual(['a/.gitignore', '.github/workflows/ci.yaml', 'x/logo.png', 'x/.sops.yaml', '.goreleaser.yml']);
    expect(ignored('apps/deploy.yaml')).toBe(false);
  });

  it('with rules the default list is dropped (Git files stay excluded); the last match decides, `!` re-includes, a folder-scoped file applies below its folder', () => {
    const rules = [...readIgnorePatterns('# all but deploy\n/*\n!/deploy\n/deploy/**/*.md\n', []), ...readIgnorePatterns('secret.yaml\n', ['deploy', 'prod'])];
    const ignored = sourceIgnoreMatcher(rules);
    expect(ignored('README.md')).toBe(true);
    expect(ignored('apps/a.yaml')).toBe(true);
    expect(ignored('deploy/a.yaml')).toBe(false);
    expect(ignored('deploy/docs/x.md')).toBe(true);
    expect(ignored('deploy/prod/secret.yaml')).toBe(true);
    expect(ignored('deploy/staging/secret.yaml')).toBe(false);
    expect(ignored('.github/ci.yaml')).toBe(true); // `/*` matches it anyway
    expect(sourceIgnoreMatcher(readIgnorePatterns('!keep.png\n', []))('x/logo.png')).toBe(false);
    expect(sourceIgnoreMatcher(readIgnorePatterns('x\n', []))('.gitmodules')).toBe(true);
  });

  it('doublestar excludes: ** across folders, braces, classes', () => {
    expect(doublestarMatch('**/*.md', 'a/b/c.md')).toBe(true);
    expect(doublestarMatch('**/*.md', 'c.md')).toBe(true);
    expect(doublestarMatch('*.{yaml,yml}', 'x.yml')).toBe(true);
    expect(doublestarMatch('tests/*', 'tests/a/b')).toBe(false);
  });
});

describe('ArtifactGenerator copies', () => {
  it('`dir/**` keeps the layout below dir, a plain folder lands under its own name, a file into a folder or as a file, other globs keep the whole match path', async () => {
    const root = await makeTree({
      'apps/base/a.yaml': 'a', 'apps/base/sub/b.yaml': 'b', 'apps/base/notes.md': 'n',
      'apps/staging/kustomization.yaml': 'k', 'config/values.yaml': 'v', 'deploy/x.yaml': 'x', 'deploy/y.json': 'y',
    });
    const spec = git({
      copy: [
        { from: 'apps/base/**', to: 'base/', exclude: ['*.md'] },
        { from: 'apps/staging', to: '' },
        { from: 'config/values.yaml', to: 'chart/' },
        { from: 'config/values.yaml', to: 'chart/renamed.yaml' },
        { from: 'deploy/*.yaml', to: 'more/' },
      ],
    });
    expect(files(spec, root)).toEqual({
      'base/a.yaml': 'apps/base/a.yaml', 'base/sub/b.yaml': 'apps/base/sub/b.yaml',
      'staging/kustomization.yaml': 'apps/staging/kustomization.yaml',
      'chart/values.yaml': 'config/values.yaml', 'chart/renamed.yaml': 'config/values.yaml',
      'more/deploy/x.yaml': 'deploy/x.yaml',
    });
    // A file that appears later in a copied folder lands where the folder does.
    expect(repoFoldersOf(artifactLayout(root, spec), 'base/sub')).toEqual(['apps/base/sub']);
  });

  it('Merge merges YAML maps key by key (later wins); a copy that matches nothing fails unless optional; `..` is refused', async () => {
    const root = await makeTree({ 'a/values.yaml': 'image:\n  tag: "1"\n  repo: r\nreplicas: 1\n', 'b/values.yaml': 'image:\n  tag: "2"\n' });
    const spec = git({ copy: [{ from: 'a/values.yaml', to: 'values.yaml' }, { from: 'b/values.yaml', to: 'values.yaml', strategy: 'Merge' }] });
    const layout = artifactLayout(root, spec);
    expect(layout.files.get('values.yaml')).toEqual(['a/values.yaml', 'b/values.yaml']);
    const out = await mkdtemp(join(tmpdir(), 'bosun-artifact-'));
    try {
      await materializeArtifact(root, layout, out);
      expect(await readFile(join(out, 'values.yaml'), 'utf8')).toBe('image:\n  tag: "2"\n  repo: r\nreplicas: 1\n');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
    expect(() => artifactLayout(root, git({ copy: [{ from: 'missing/*.yaml', to: '' }] }))).toThrow(/matches no file \(source-watcher fails the artifact the same way\)/);
    expect(Object.keys(artifactLayout(root, git({ copy: [{ from: 'missing/*.yaml', to: '', optional: true }] })).files)).toEqual([]);
    expect(() => artifactLayout(root, git({ copy: [{ from: 'a/values.yaml', to: '../x' }] }))).toThrow(/leaves the artifact/);
  });

  it('reads the GitRepository artifact: what .sourceignore or spec.ignore excludes is not there to copy; includes of this repository are', async () => {
    const root = await makeTree({ '.sourceignore': 'apps/*.md\n', 'apps/a.yaml': 'a', 'apps/b.md': 'b', 'shared/c.yaml': 'c', 'apps/skip.yaml': 's' });
    const spec = git({ sourceIgnoreFiles: ['.sourceignore'], ignore: 'apps/skip.yaml\n', includes: [{ fromPath: 'shared', toPath: 'apps/vendor' }], copy: [{ from: 'apps/**', to: '' }] });
    expect(files(spec, root)).toEqual({ 'a.yaml': 'apps/a.yaml', 'vendor/c.yaml': 'shared/c.yaml' });
  });
});

describe('inputs of an artifact environment', () => {
  it('are the repository files and folders the render reads, the ArtifactGenerator and GitRepository files, and the .sourceignore files', async () => {
    const root = await makeTree({
      '.sourceignore': '*.md\n',
      'clusters/x/artifacts.yaml': 'kind: ArtifactGenerator\n',
      'apps/base/kustomization.yaml': 'resources:\n  - cm.yaml\n',
      'apps/base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n',
      'apps/staging/kustomization.yaml': 'resources:\n  - ../base\n',
      'apps/production/kustomization.yaml': 'resources:\n  - ../base\n',
    });
    const env: Environment = {
      ...environmentDefaults, name: 'x/apps', source: 'flux', path: 'staging', dependsOn: [], requires: [],
      definedIn: { file: 'clusters/x/apps.yaml', line: 1 },
      fluxSource: git({ label: 'ExternalArtifact flux-system/apps', files: ['clusters/x/artifacts.yaml'], sourceIgnoreFiles: ['.sourceignore'], copy: [{ from: 'apps/base/**', to: 'base/' }, { from: 'apps/staging/**', to: 'staging/' }] }),
    };
    const inputs = await collectInputs(root, env);
    expect(inputs.files).toEqual(expect.arrayContaining(['.sourceignore', 'apps/base/cm.yaml', 'apps/base/kustomization.yaml', 'apps/staging/kustomization.yaml', 'clusters/x/apps.yaml', 'clusters/x/artifacts.yaml']));
    expect([...inputs.files, ...inputs.dirs].some((p) => p.startsWith('apps/production'))).toBe(false);
  });
});
