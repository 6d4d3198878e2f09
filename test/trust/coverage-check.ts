// The corpus's strict coverage check (issue #11 part 1): for every commit, the GitOps files of the tree are
// exactly the plan's covered ∪ uncovered, and every changed GitOps file is an input of an environment the
// plan rendered or is listed uncovered. "GitOps file" is the documented definition (docs/gitops-sources.md,
// "Coverage") restated here from the tree, not bosun's classifier; an environment's inputs are what bosun's
// input analysis finds in a plain checkout of the commit (the plan's own affected decision is what is judged).
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { collectInputs, discoverEnvironments, isInput, type EnvInputs } from '../../src/discover/index.ts';
import type { DiscoveryClusters } from '../../src/discover/types.ts';
import { appSetsDeletingNothing } from '../../src/discover/argocd-appset.ts';
import { keptApplications } from '../../src/discover/argocd-kept.ts';
import { lastGeneration } from '../../src/plan/last-generation.ts';
import type { PlanJson } from './compare.ts';
import { git, treeDir } from './oracle-tools.ts';

const ignoredTop = new Set(['.github', '.gitlab', '.circleci', '.buildkite', '.tekton', '.vscode', '.idea', '.devcontainer', 'docs', 'doc']);
const kustomizations = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
const prose = /(\.(md|markdown|mdx|rst|adoc)|^(README|LICEN[CS]E|CHANGELOG|CHANGES|NOTICE|AUTHORS|OWNERS|CODEOWNERS|CONTRIBUTING)(\.[\w.-]+)?|^\.(gitignore|gitkeep|gitattributes|keep|DS_Store))$/i;

function ignored(path: string): boolean {
  return ignoredTop.has(path.split('/')[0]) || `/${path}/`.includes('/.git/') || `/${path}/`.includes('/node_modules/');
}

/** Whether `path` is in folder `dir` (any depth). */
const under = (path: string, dir: string) => dir === '.' || path.startsWith(`${dir}/`);

/**
 * The GitOps files of a tree: manifests (a top-level apiVersion and kind), kustomization files, every file
 * of a chart, values files, fleet.yaml, .sops.yaml, jsonnet; YAML/JSON in a folder a discovery note reads;
 * and the non-prose files of a GitOps folder (kustomization, chart, bundle) whose marker is listed uncovered.
 */
export function gitOpsFilesOf(dir: string, paths: readonly string[], plan: PlanJson): Set<string> {
  const listed = new Set((plan.coverage?.uncovered ?? []).map((u) => u.file));
  const charts = paths.filter((p) => posix.basename(p) === 'Chart.yaml').map((p) => posix.dirname(p));
  const noteReads = (plan.discovery ?? []).filter((n) => n.status !== 'info').flatMap((n) => n.reads ?? []).filter((r) => r !== '.');
  const markers = paths.filter((p) => !ignored(p) && (kustomizations.has(posix.basename(p)) || ['Chart.yaml', 'fleet.yaml', 'fleet.yml'].includes(posix.basename(p))));
  const folders = new Map(markers.map((m) => [posix.dirname(m), m]));
  const innermost = (p: string): string | undefined => {
    for (let d = posix.dirname(p); ; d = posix.dirname(d)) {
      if (folders.has(d)) return d;
      if (d === '.') return undefined;
    }
  };
  const out = new Set<string>();
  for (const p of paths) {
    if (ignored(p)) continue;
    const base = posix.basename(p);
    const folder = innermost(p);
    const text = () => { try { return readFileSync(join(dir, p), 'utf8'); } catch { return ''; } };
    const manifest = () => /\.json$/i.test(p) ? /"apiVersion"\s*:/.test(text()) && /"kind"\s*:/.test(text())
      : /^["']?apiVersion["']?[ \t]*:[ \t]*\S/m.test(text()) && /^["']?kind["']?[ \t]*:[ \t]*\S/m.test(text());
    if (charts.some((c) => under(p, c)) || kustomizations.has(base) || ['fleet.yaml', 'fleet.yml', '.sops.yaml', '.sops.yml'].includes(base)
      || base.endsWith('.jsonnet') || (base.endsWith('.libsonnet') && !p.split('/').includes('vendor'))
      || /(^|[-_.])values([-_.][\w.-]*)?\.ya?ml$/i.test(base)
      || (/\.(ya?ml|json)$/i.test(base) && (manifest() || noteReads.some((r) => p === r || under(p, r))))
      || (folder !== undefined && folder !== '.' && listed.has(folders.get(folder)!) && !prose.test(base) && !p.split('/').slice(0, -1).some((s) => s === 'docs' || s === 'doc'))) out.add(p);
  }
  return out;
}

export interface CoverageCheck {
  label: string;
  plan: PlanJson;
  repoDir: string;
  base: string;
  head: string;
  changedFiles: readonly string[];
  repoUrl: string;
  clusters?: DiscoveryClusters;
}

async function treeOf(repoDir: string, sha: string): Promise<{ dir: string; paths: string[] }> {
  const [{ dir }, listing] = await Promise.all([treeDir(repoDir, sha), git(repoDir, 'ls-tree', '-r', '--name-only', '-z', sha)]);
  return { dir, paths: listing.split('\0').filter(Boolean) };
}

/**
 * Each environment of a checkout with its inputs (its folder when they cannot be analysed), by name. At head,
 * with `baseDir`: also the Applications an ApplicationSet failing there keeps with their base definition
 * (discover/argocd-kept.ts), which sync the head's files.
 */
async function inputsAt(dir: string, c: CoverageCheck, baseDir?: string): Promise<Map<string, EnvInputs>> {
  const scope = { repoUrls: [c.repoUrl], ...(c.clusters ? { clusters: c.clusters } : {}) };
  const found = await discoverEnvironments(dir, scope);
  const environments = [...found.environments];
  const failing = appSetsDeletingNothing(found.notes);
  if (baseDir && failing.size > 0) {
    const base = await discoverEnvironments(baseDir, scope).catch(() => undefined);
    // An ApplicationSet failing at base too: what it last generated before (plan/last-generation.ts), as the plan takes it.
    const before = base ? await lastGeneration({ repoDir: c.repoDir, sha: c.base, notes: base.notes, discover: (d) => discoverEnvironments(d, scope), scope: JSON.stringify(scope) }) : undefined;
    const names = new Set(base?.environments.map((e) => e.name));
    const baseEnvs = [...(base?.environments ?? []), ...(before?.envs ?? []).map((g) => g.env).filter((e) => !names.has(e.name))];
    const kept = keptApplications(baseEnvs, new Map(environments.map((e) => [e.name, e])), failing, (p) => existsSync(join(dir, p)));
    environments.push(...kept.map((k) => k.env));
  }
  const out = new Map<string, EnvInputs>();
  for (const env of environments) {
    const inputs = await collectInputs(dir, env).catch(() => undefined);
    out.set(env.name, inputs && inputs.unsure === undefined ? inputs : { files: inputs?.files ?? [], dirs: [...(inputs?.dirs ?? []), env.path] });
  }
  return out;
}

export async function coverageProblems(c: CoverageCheck): Promise<string[]> {
  const { label, plan } = c;
  if (!plan.coverage) return [];
  const problems: string[] = [];
  const [head, base] = await Promise.all([treeOf(c.repoDir, c.head), treeOf(c.repoDir, c.base)]);
  const headGitOps = gitOpsFilesOf(head.dir, head.paths, plan);
  const atHead = plan.coverage.uncovered.filter((u) => !u.deleted);
  const listed = new Set(atHead.map((u) => u.file));

  // covered ∪ uncovered = the tree's GitOps files
  const inTree = new Set(head.paths);
  for (const u of atHead) if (!inTree.has(u.file)) problems.push(`${label}: coverage lists ${u.file} as uncovered, but the commit has no such file`);
  const coveredFiles = [...headGitOps].filter((f) => !listed.has(f));
  if (plan.coverage.covered !== coveredFiles.length) {
    problems.push(`${label}: covered ∪ uncovered is not the tree's GitOps files — the tree has ${headGitOps.size}, the plan lists ${headGitOps.size - coveredFiles.length} of them uncovered and counts ${plan.coverage.covered} covered instead of ${coveredFiles.length}`);
  }

  // every changed GitOps file: an input of an environment the plan rendered, or listed uncovered
  const deletedListed = new Set(plan.coverage.uncovered.filter((u) => u.deleted).map((u) => u.file));
  const changedAtHead = c.changedFiles.filter((f) => headGitOps.has(f) && !listed.has(f));
  const baseGitOps = c.changedFiles.some((f) => !inTree.has(f)) ? gitOpsFilesOf(base.dir, base.paths, { ...plan, coverage: { covered: 0, uncovered: [] } }) : new Set<string>();
  const changedAtBase = c.changedFiles.filter((f) => !inTree.has(f) && baseGitOps.has(f) && !deletedListed.has(f));
  if (changedAtHead.length + changedAtBase.length === 0) return problems;
  const planned = new Set(plan.environments.filter((e) => e.affected).map((e) => e.name));
  const [headInputs, baseInputs] = await Promise.all([inputsAt(head.dir, c, base.dir), changedAtBase.length > 0 ? inputsAt(base.dir, c) : new Map<string, EnvInputs>()]);
  const readers = (file: string, inputs: Map<string, EnvInputs>) => [...inputs].filter(([, i]) => isInput(i, file)).map(([name]) => name);
  for (const [files, inputs] of [[changedAtHead, headInputs], [changedAtBase, new Map([...headInputs, ...baseInputs])]] as const) {
    for (const file of files) {
      const by = readers(file, inputs);
      if (by.some((env) => planned.has(env))) continue;
      problems.push(`${label}: ${file} changed and is not listed as uncovered, but no environment the plan rendered reads it${by.length > 0 ? ` (read by ${by.join(', ')}, which the plan did not render)` : ' (no environment reads it)'}`);
    }
  }
  return problems;
}
