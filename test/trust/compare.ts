// Judges one `bosun plan --format json` against the oracle's change set for the same commit pair. Each
// problem is a sentence naming the repository, commit, deployment and objects, so that a failure says
// exactly what bosun got wrong.
import type { OracleDeployment } from './corpus.ts';
import { groupOf, isClusterScoped, type DeploymentChange } from './oracle.ts';

/** The parts of the plan JSON the corpus reads (src/model/plan.ts, src/model/discovery.ts). */
export interface PlanJson {
  environments: Array<{
    name: string;
    affected: boolean;
    reason: string;
    render: { objects: number } | { skipped: true } | { error: { message: string } };
    changes: Array<{ action: string; apiVersion: string; kind: string; namespace: string; name: string; diff: string; rename?: { from: string } }>;
  }>;
  coverage?: { covered: number; uncovered: Array<{ file: string; reason?: string; changed?: boolean; deleted?: boolean }> };
  discovery?: Array<{ status: string; kind: string; name?: string; file?: string; reason: string; environments?: string[]; reads?: string[]; changed?: string[] }>;
}

export interface Expectation {
  deployment: OracleDeployment;
  change: DeploymentChange;
  /** Where namespaced objects without a namespace go (Argo CD destination, Fleet defaultNamespace), at base and head. */
  defaultNamespaces: { base?: string; head?: string };
}

export interface Verdict {
  problems: string[];
  /** How each changed deployment was handled: `exact`, `not judged: …`, `render error: …`. */
  outcomes: Map<string, string>;
}

type PlanChange = PlanJson['environments'][number]['changes'][number];

/**
 * What bosun's change does in the cluster, on the same terms as the oracle's changes: a kustomize
 * generator's hash-suffix rename, shown by bosun as one update, creates the new object and prunes the old.
 */
function changeKeys(c: PlanChange, namespaces: Expectation['defaultNamespaces']): string[] {
  // A deleted object was where the base put it; a created or updated one is where the head puts it.
  const key = changeKey(c, c.action === 'delete' ? namespaces.base : namespaces.head);
  if (!c.rename) return [`${c.action} ${key}`];
  return [`create ${key}`, `delete ${changeKey({ ...c, name: c.rename.from }, namespaces.base)}`];
}

/** The object key bosun's change stands for, on the same terms as the oracle's identity(). */
function changeKey(c: PlanChange, defaultNamespace?: string): string {
  let namespace = c.namespace;
  if (!namespace && defaultNamespace && !isClusterScoped(c.kind)) namespace = defaultNamespace;
  let name = c.name;
  if (!name) {
    // An object without a name is a hook created with generateName: its diff shows which one.
    const generated = /^[ +-]\s*generateName:\s*["']?([^"'\s]+)/m.exec(c.diff);
    if (generated) name = `${generated[1]}*`;
  }
  return `${groupOf(c.apiVersion)}/${c.kind}/${namespace}/${name}`;
}

/**
 * The discovery note that says this deployment itself is not previewed or not an environment and that the
 * change touches what it reads (`changed`), if bosun wrote one: about its own defining object (or, for a
 * generated Application, its ApplicationSet), or a `not-previewed` note on the environment. A note about
 * something else that lists the environment (a HelmRelease it applies whose chart is not rendered), an
 * `info` caveat, or a note whose inputs the change does not touch does not excuse a miss.
 */
function notPreviewedNote(plan: PlanJson, d: OracleDeployment): string | undefined {
  const wanted: Array<{ kind: string; name?: string; file?: string }> = [];
  if (d.flux) wanted.push({ kind: 'Kustomization', name: d.flux.name });
  if (d.helmRelease) wanted.push({ kind: 'HelmRelease', name: d.helmRelease.name });
  if (d.argocd?.generatedBy) wanted.push({ kind: d.argocd.generatedBy.kind, name: d.argocd.generatedBy.name });
  else if (d.argocd) wanted.push({ kind: 'Application', name: d.argocd.name });
  if (d.fleet) wanted.push({ kind: 'Bundle', file: `${d.fleet.bundle}/fleet.yaml` });
  wanted.push({ kind: 'Environment', name: d.env });
  const note = (plan.discovery ?? []).find((n) => n.status !== 'info' && (n.changed?.length ?? 0) > 0
    && wanted.some((w) => w.kind === n.kind && (w.name === undefined || w.name === n.name) && (w.file === undefined || w.file === n.file)));
  return note && `${note.status} ${note.kind}${note.name ? ` ${note.name}` : ''} (${note.changed!.join(', ')} changed): ${note.reason}`;
}

export function judge(opts: { label: string; plan: PlanJson; expectations: Expectation[]; changedFiles: string[]; exitCode: number }): Verdict {
  const { label, plan, expectations, changedFiles, exitCode } = opts;
  const problems: string[] = [];
  const outcomes = new Map<string, string>();
  const uncovered = new Map((plan.coverage?.uncovered ?? []).map((u) => [u.file, u]));
  const uncoveredChanged = changedFiles.filter((f) => uncovered.get(f)?.changed || uncovered.get(f)?.deleted);
  if (!plan.coverage) problems.push(`${label}: the plan has no coverage section`);

  for (const { deployment: d, change, defaultNamespaces } of expectations) {
    const env = plan.environments.find((e) => e.name === d.env);
    const rendered = env !== undefined && env.affected && 'objects' in env.render;
    const failed = env !== undefined && 'error' in env.render ? (env.render as { error: { message: string } }).error.message : undefined;
    const bosunKeys = new Set((rendered ? env.changes : []).flatMap((c) => changeKeys(c, defaultNamespaces)));

    if (change.status === 'unchanged') {
      if (failed) problems.push(`${label}: ${d.env}: false alarm — the controller deploys it unchanged${change.why ? ` (${change.why})` : ''}, bosun fails to render it: ${failed}`);
      else if (bosunKeys.size > 0) problems.push(`${label}: ${d.env}: phantom changes — the controller deploys it unchanged${change.why ? ` (${change.why})` : ''}, bosun reports ${[...bosunKeys].join(', ')}`);
      continue;
    }
    if (failed) {
      outcomes.set(d.env, `render error: ${failed.split('\n')[0]}`);
      continue;
    }
    if (rendered) {
      if (change.status === 'changed-unknown') {
        if (change.unrenderable) problems.push(`${label}: ${d.env}: a preview of what only the controller's tooling renders (${change.why}) — bosun rendered the folder itself instead of saying it cannot preview it`);
        else if (bosunKeys.size === 0) problems.push(`${label}: ${d.env}: false "no changes" — bosun rendered it and found nothing, but ${change.why}`);
        else outcomes.set(d.env, 'changed (objects not known to the oracle)');
        continue;
      }
      const expected = new Set(change.changes.map((c) => `${c.action} ${c.key}`));
      const missing = [...expected].filter((k) => !bosunKeys.has(k));
      const extra = [...bosunKeys].filter((k) => !expected.has(k));
      if (missing.length > 0) problems.push(`${label}: ${d.env}: false "no change" for ${missing.join(', ')} — the controller would apply it, bosun does not report it`);
      if (extra.length > 0) problems.push(`${label}: ${d.env}: phantom changes ${extra.join(', ')} — not what the controller would apply`);
      if (missing.length === 0 && extra.length === 0) outcomes.set(d.env, 'exact');
      continue;
    }
    // bosun has no such environment, or skipped it: acceptable only when it says it cannot judge.
    const note = notPreviewedNote(plan, d);
    if (uncoveredChanged.length > 0) outcomes.set(d.env, `not judged: uncovered ${uncoveredChanged.join(', ')}`);
    else if (note) outcomes.set(d.env, `not judged: ${note}`);
    else {
      const what = change.status === 'changed' ? change.changes.map((c) => `${c.action} ${c.key}`).join(', ') : change.why;
      const said = env ? `bosun skipped it (${env.reason})` : 'bosun has no such environment';
      problems.push(`${label}: ${d.env}: silent miss — the controller would apply ${what}; ${said}, no changed file is listed as uncovered and no discovery note says it is not previewed`);
    }
  }

  // Whatever bosun could not judge or render, its exit code must not say "done, nothing wrong".
  const unsure = [...outcomes].filter(([, o]) => !['exact', 'changed (objects not known to the oracle)'].includes(o)).map(([env]) => env);
  if (exitCode === 0 && unsure.length > 0) problems.push(`${label}: bosun exits 0 ("done, nothing wrong") although it did not judge ${unsure.join(', ')}`);

  const declared = new Set(expectations.map((e) => e.deployment.env));
  for (const env of plan.environments) {
    if (!declared.has(env.name)) problems.push(`${label}: bosun reports environment ${env.name}, which no controller deploys from this repository (oracle.yaml)`);
  }

  // That every changed GitOps file is read by an environment the plan rendered or listed uncovered, and that
  // covered ∪ uncovered is the tree's GitOps files, is coverage-check.ts's (it needs the commit's tree).
  return { problems, outcomes };
}
