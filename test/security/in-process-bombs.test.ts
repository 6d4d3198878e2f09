// What a pull request can make bosun's own process do, outside the render sandbox: ApplicationSet templates
// and generators, and the globs of Argo CD, Flux and Fleet, are evaluated in the worker beside every other
// job. Each of these took the worker's CPU (a pattern that backtracks for minutes with the event loop
// blocked), its memory, or its file descriptors before its bound; now each ends quickly, in a clear error
// where there is one.
import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { BosunError } from '../../src/model/errors.ts';
import { renderGoTemplate } from '../../src/discover/argocd-gotemplate.ts';
import { segmentMatch } from '../../src/render/gitignore.ts';
import { gitPathspecGlob, goPathMatch, gobwasGlob } from '../../src/util/argocd-glob.ts';
import { runCli } from '../cli/run-cli.ts';
import { makeTree } from '../discover/temp-tree.ts';

const go = (t: string, data: unknown = {}) => renderGoTemplate(t, data, { missingKeyError: false });

/** Milliseconds `fn` takes; the event loop is blocked while it runs, so no test timeout could stop it. */
function timed(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

describe('regular expressions from a pull request run in linear time', () => {
  // 27 characters: 2^27 backtracking steps, about 10 s on a quiet core with the backtracking engine alone.
  const evil = `${'a'.repeat(27)}!`;

  it('ApplicationSet regexMatch / regexReplaceAll with a catastrophic pattern answer at once, as Go\'s RE2 does', () => {
    expect(timed(() => expect(go(`{{ regexMatch "^(a+)+$" "${evil}" }}`)).toBe('false'))).toBeLessThan(1000);
    expect(timed(() => expect(go(`{{ regexReplaceAll "(a|aa)+$" "${evil}" "x" }}`)).toBe(evil))).toBeLessThan(1000);
  });

  it('a backreference or lookaround is refused with Go\'s words (RE2 has neither)', () => {
    expect(() => go('{{ regexMatch "(a)\\\\1" "aa" }}')).toThrow(/invalid or unsupported Perl syntax/);
    expect(() => go('{{ regexFind "a(?=b)" "ab" }}')).toThrow(/invalid or unsupported Perl syntax/);
    expect(go('{{ regexFind "[a-c]+" "xxabcx" }}')).toBe('abc');
  });

  it('globs with many stars (.sourceignore, Argo CD include/exclude, generator paths) do not backtrack polynomially', () => {
    const name = 'a'.repeat(60);
    const stars = `${'*a'.repeat(8)}*b`;
    expect(timed(() => {
      expect(segmentMatch(stars, name)).toBe(false);
      expect(goPathMatch(stars).test(name)).toBe(false);
      expect(gitPathspecGlob(stars).test(name)).toBe(false);
      expect(gobwasGlob(stars).test(name)).toBe(false);
    })).toBeLessThan(1000);
  });
});

describe('a CRD pattern from a pull request', () => {
  it('validates an object against ^(a+)+$ at once (ajv compiles CRD patterns into the worker\'s process)', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec:\n              type: object\n              properties:\n                name: {type: string, pattern: '^(a+)+$'}\n`;
    const root = await makeTree({ 'clusters/app/crd.yaml': crd, 'clusters/app/widget.yaml': `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: default}\nspec:\n  name: ${'a'.repeat(40)}!\n` });
    const start = performance.now();
    const run = await runCli(['validate', '--repo', root, '--format', 'json']);
    expect(performance.now() - start).toBeLessThan(30_000);
    expect(run.stdout).toContain('does not match the required pattern ^(a+)+$');
  }, 60_000);
});

describe('ApplicationSet templates are bounded', () => {
  it('refuses lists, strings and ranges past the bounds before building them', () => {
    expect(() => go('{{ range until 100000000 }}{{ end }}')).toThrow(/until would make 100000000 elements, more than the 100000/);
    expect(() => go('{{ repeat 1000000000 "x" }}')).toThrow(/repeat would make 1000000000 characters/);
    expect(() => go('{{ range 100000000 }}{{ end }}')).toThrow(/range would make 100000000 iterations/);
    expect(() => go('{{ "x" | indent 100000000 }}')).toThrow(/indent would make/);
  });

  it('stops a string that doubles itself, output that grows past 1 MiB, and nested loops that never end', () => {
    expect(() => go('{{ $x := "ab" }}{{ range until 40 }}{{ $x = replace "a" $x $x }}{{ end }}{{ $x }}')).toThrow(/replace would make \d+ characters|error calling replace/);
    expect(() => go('{{ range until 2000 }}{{ repeat 1000 "x" }}{{ end }}')).toThrow(/the template would make \d+ characters/);
    expect(() => go('{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}')).toThrow(/more than 1000000 steps/);
    expect(() => go('{{ range until 2000 }}{{ tpl "{{ range until 1000 }}{{ end }}" $ }}{{ end }}')).toThrow(/more than 1000000 steps/);
  });

  it('still renders what real templates do', () => {
    expect(go('{{ range $i, $e := until 3 }}{{ $i }}{{ end }}-{{ repeat 3 "ab" }}-{{ "a\\nb" | indent 2 }}')).toBe('012-ababab-  a\n  b');
  });
});

describe('ApplicationSet expansion is bounded', () => {
  const list = (key: string, n: number) => Array.from({ length: n }, (_, i) => `                - ${key}: "${key}${i}"`).join('\n');
  const bomb = (n: number) => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: bomb
  namespace: argocd
spec:
  generators:
    - matrix:
        generators:
          - list:
              elements:
${list('a', n)}
          - matrix:
              generators:
                - list:
                    elements:
${list('b', n).replace(/^ {16}/gm, '                      ')}
                - list:
                    elements:
${list('c', n).replace(/^ {16}/gm, '                      ')}
  template:
    metadata:
      name: 'x-{{a}}-{{b}}-{{c}}'
    spec:
      project: default
      source: {repoURL: https://github.com/acme/gitops, targetRevision: HEAD, path: apps/web}
      destination: {server: https://kubernetes.default.svc, namespace: web}
`;

  it('a matrix of three 100-element lists (a million Applications from 10 kB of YAML) is refused as it grows, with the file named', async () => {
    const root = await makeTree({ 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n', 'sets/bomb.yaml': bomb(100) });
    const start = performance.now();
    const found = await discoverEnvironments(root, { repoUrls: ['https://github.com/acme/gitops'] });
    expect(performance.now() - start).toBeLessThan(20_000);
    expect(found.environments).toEqual([]);
    const note = found.notes.find((n) => n.file === 'sets/bomb.yaml');
    expect(note?.reason).toMatch(/generates more than 10000 Applications, more than bosun expands for one plan/);
  });

  it('a matrix of 5 × 5 × 5 still expands', async () => {
    const root = await makeTree({ 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n', 'sets/ok.yaml': bomb(5) });
    const found = await discoverEnvironments(root, { repoUrls: ['https://github.com/acme/gitops'] });
    expect(found.environments).toHaveLength(125);
  });
});

describe('the number of GitOps objects a checkout may hold is bounded', () => {
  it('10,001 one-line Flux Kustomizations in one file fail the plan at once, naming the file and the line of the one too many', async () => {
    // Each is an environment, and discovery's work grows faster than their number: 1,000 took 92 s to plan, 2,000 217 s, 30,000 never ended.
    const one = (i: number) => `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k${i}, namespace: flux-system}\nspec: {interval: 1m, path: ./apps/web, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n`;
    const root = await makeTree({
      'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      'clusters/bomb.yaml': Array.from({ length: 10_001 }, (_, i) => one(i)).join('---\n'),
    });
    const failed = await discoverEnvironments(root, { repoUrls: ['https://github.com/acme/gitops'] }).then(() => undefined, (e: unknown) => e);
    expect(failed).toBeInstanceOf(BosunError);
    expect(failed).toMatchObject({ file: 'clusters/bomb.yaml', line: 50_001, message: expect.stringMatching(/more than 10000 Flux, Argo CD and Fleet objects/) as unknown });
  }, 60_000);
});
