import { describe, expect, it } from 'vitest';
import { ConfigError, configEnvironments, configReferenceMarkdown, loadRepoConfig, parseRepoConfig, readRepoConfig } from '../../src/config/index.ts';
import { BosunError, formatProblem } from '../../src/model/errors.ts';
import { makeTree, yaml } from '../discover/temp-tree.ts';

function problemsOf(text: string, root?: string): ConfigError {
  try {
    parseRepoConfig(text, root ? { root } : {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected the config to be rejected');
}

describe('.bosun.yaml loading', () => {
  it('returns undefined when the repository has no config file', async () => {
    const root = await makeTree({ 'clusters/staging/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n' });
    expect(await loadRepoConfig(root)).toBeUndefined();
  });

  it('turns config environments into environments with defaults, durations and definedIn lines', async () => {
    const root = await makeTree({
      '.bosun.yaml': yaml`
        version: 1
        defaults:
          cluster: shared
          healthTimeout: 2m
          helm:
            valueFiles: [values.yaml]
        validation:
          missingSchema: error
        environments:
          - name: staging
            path: ./clusters/staging/
            prune: false
          - name: production
            path: clusters/production
            cluster: prod
            dependsOn: [staging]
            requires: [approved]
            reconcileInterval: 1h30m
            missingSchema: warn
            helm:
              releaseName: web
      `,
    });
    const loaded = await readRepoConfig(root);
    expect(loaded?.config.commands.permissions).toEqual({ plan: 'write', apply: 'maintain', unlock: 'maintain', rollback: 'maintain', sync: 'maintain', drift: 'write' });
    const [staging, production] = configEnvironments(loaded!.config, { file: loaded!.file, lines: loaded!.environmentLines });
    expect(staging).toMatchObject({
      name: 'staging', source: 'config', path: 'clusters/staging', cluster: 'shared', prune: false, autoApply: true,
      healthTimeoutSeconds: 120, reconcileIntervalSeconds: 600, missingSchema: 'error', definedIn: { file: '.bosun.yaml', line: 10 },
      helm: { valueFiles: ['values.yaml'] },
    });
    expect(production).toMatchObject({
      cluster: 'prod', dependsOn: ['staging'], requires: ['approved'], reconcileIntervalSeconds: 5400, missingSchema: 'warn',
      definedIn: { file: '.bosun.yaml', line: 13 }, helm: { releaseName: 'web', valueFiles: ['values.yaml'] },
    });
  });

  it('names the line and field of a value with the wrong type', () => {
    const error = problemsOf(yaml`
      version: 1
      environments:
        - name: staging
          path: clusters/staging
        - name: production
          path: clusters/production
          prune: "yes"
    `);
    expect(error.kind).toBe('config');
    expect(error.toProblem()).toMatchObject({ file: '.bosun.yaml', line: 7, field: 'environments[1].prune' });
    expect(error.message).toContain('expected a boolean, got a string');
  });

  it('rejects unknown keys and suggests the intended one', () => {
    const error = problemsOf(yaml`
      version: 1
      environments:
        - name: staging
          path: clusters/staging
          autoaply: true
    `);
    expect(error.problems).toEqual([
      expect.objectContaining({ line: 5, field: 'environments[0].autoaply', message: expect.stringContaining('did you mean "autoApply"') }),
    ]);
  });

  it('reports a missing required field on the object that lacks it', () => {
    const error = problemsOf('version: 1\nenvironments:\n  - name: staging\n');
    expect(error.problems[0]).toMatchObject({ line: 3, field: 'environments[0].path', message: 'is required' });
  });

  it('refuses the environment name "apply", whose plan check run would be the broken-merge run `bosun / apply`', () => {
    const error = problemsOf(yaml`
      version: 1
      environments:
        - name: apply
          path: clusters/apply
    `);
    expect(error.problems).toEqual([expect.objectContaining({ field: 'environments[0].name', line: 3, message: expect.stringContaining('"apply" is reserved') })]);
  });

  it('reports duplicate names, unknown dependencies and cycles together, each with its line', () => {
    const error = problemsOf(yaml`
      version: 1
      environments:
        - name: a
          path: clusters/a
          dependsOn: [b]
        - name: b
          path: clusters/b
          dependsOn: [a, ghost]
        - name: a
          path: clusters/c
          render: kustomise
    `);
    const byField = Object.fromEntries(error.problems.map((p) => [p.field, p]));
    expect(byField['environments[2].name']).toMatchObject({ line: 9, message: expect.stringContaining('duplicate environment name "a"') });
    expect(byField['environments[1].dependsOn[1]']).toMatchObject({ line: 8, message: expect.stringContaining('unknown environment "ghost"') });
    expect(byField['environments[1].dependsOn[0]']).toMatchObject({ line: 8, message: expect.stringContaining('dependsOn cycle: a → b → a') });
    expect(byField['environments[2].render']).toMatchObject({ line: 11, message: 'must be one of "auto", "plain", "kustomize", "helm"' });
    // The error message lists every problem so a CLI user sees them all at once.
    expect(error.message).toContain('…and 3 more problems');
    expect(formatProblem(error.toProblem())).toMatch(/^\.bosun\.yaml:8: environments\[1\]\.dependsOn/);
  });

  it('refuses paths that leave the repository by ".." and by a symlink', async () => {
    const outside = await makeTree({ 'manifests/cm.yaml': 'x: 1\n' });
    const root = await makeTree({ 'clusters/escape': { symlink: `${outside}/manifests` }, 'clusters/ok/ns.yaml': 'a: 1\n' });
    const error = problemsOf(
      yaml`
        version: 1
        environments:
          - name: dots
            path: ../elsewhere
          - name: link
            path: clusters/escape
          - name: values
            path: clusters/ok
            helm:
              valueFiles: [../../../secrets.yaml]
      `,
      root,
    );
    expect(error.problems).toEqual([
      expect.objectContaining({ line: 4, field: 'environments[0].path', message: expect.stringContaining('escapes the repository') }),
      expect.objectContaining({ line: 6, field: 'environments[1].path', message: expect.stringContaining('symlink that points outside') }),
      expect.objectContaining({ line: 10, field: 'environments[2].helm.valueFiles[0]', message: expect.stringContaining('escapes the repository') }),
    ]);
  });

  it('refuses values helm would read as options or as several files, and remote paths, naming line and field', () => {
    const error = problemsOf(yaml`
      version: 1
      environments:
        - name: chart
          path: charts/web
          helm:
            releaseName: --post-renderer=/bin/sh
            valueFiles: ["values.yaml,/home/bosun/.kube/config"]
          namespace: --kubeconfig=/tmp/x
        - name: remote
          path: https://github.com/acme/manifests//deploy?ref=main
          kustomize:
            components: [github.com/acme/components/tls]
    `);
    expect(error.problems).toEqual([
      expect.objectContaining({ line: 6, field: 'environments[0].helm.releaseName', message: expect.stringContaining('valid Helm release name') }),
      expect.objectContaining({ line: 7, field: 'environments[0].helm.valueFiles[0]', message: expect.stringContaining('comma') }),
      expect.objectContaining({ line: 8, field: 'environments[0].namespace', message: expect.stringContaining('DNS label') }),
      expect.objectContaining({ line: 10, field: 'environments[1].path', message: expect.stringContaining('remote references are not followed; vendor it into the repository') }),
      expect.objectContaining({ line: 12, field: 'environments[1].kustomize.components[0]', message: expect.stringContaining('remote reference') }),
    ]);
  });

  it('accepts release names helm accepts, dots included, up to 53 characters', () => {
    const name = `a.${'b'.repeat(51)}`;
    const loaded = parseRepoConfig(`version: 1\nenvironments:\n  - name: web\n    path: charts/web\n    helm:\n      releaseName: ${name}\n`);
    expect(loaded.config.environments?.[0].helm?.releaseName).toBe(name);
    expect(problemsOf(`version: 1\nenvironments:\n  - name: web\n    path: charts/web\n    helm:\n      releaseName: ${name}x\n`).problems[0].message).toMatch(/at most 53/);
  });

  it('refuses a .bosun.yaml that is a symlink to a file outside the repository', async () => {
    const outside = await makeTree({ 'config.yaml': 'version: 1\nenvironments:\n  - name: a\n    path: .\n' });
    const root = await makeTree({ '.bosun.yaml': { symlink: `${outside}/config.yaml` } });
    const error = await readRepoConfig(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).toProblem()).toMatchObject({ kind: 'config', file: '.bosun.yaml', message: expect.stringContaining('symlink that points outside the repository') });
    // a link to a file inside the repository is fine
    const inside = await makeTree({ 'config/bosun.yaml': 'version: 1\nenvironments:\n  - name: a\n    path: config\n', '.bosun.yaml': { symlink: 'config/bosun.yaml' } });
    expect((await readRepoConfig(inside))?.config.environments?.[0].name).toBe('a');
  });

  it('reports a YAML syntax error as one configuration problem with its line, not the parser\'s cascade', () => {
    let caught: unknown;
    try {
      parseRepoConfig('version: 1\nenvironments:\n  - name: a\n    path: [unclosed\n  - name: b\n    path: b\n');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BosunError);
    expect(caught).not.toBeInstanceOf(ConfigError);
    expect((caught as BosunError).kind).toBe('config');
    expect((caught as BosunError).file).toBe('.bosun.yaml');
    expect((caught as BosunError).line).toBeGreaterThanOrEqual(4);
    expect((caught as BosunError).message).toMatch(/^not valid YAML: .*\]/);
    expect((caught as BosunError).message.split('\n')).toHaveLength(1);
  });

  it('rejects a wrong version and an empty environment list', () => {
    const error = problemsOf('version: 2\nenvironments: []\n');
    expect(error.problems.map((p) => [p.field, p.message])).toEqual([
      ['version', 'must be 1'],
      ['environments', expect.stringContaining('at least one environment')],
    ]);
  });

  it('generates a configuration reference from the schema', () => {
    const reference = configReferenceMarkdown();
    expect(reference).toContain('| `environments[].healthTimeout` | duration |');
    expect(reference).toContain('`commands.permissions.apply`');
  });
});
