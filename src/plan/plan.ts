import { posix } from 'node:path';
import { availableParallelism } from 'node:os';
import { checkout, changedFiles, commitTrees, listTree, partialCheckout, readBlob, type Checkout, type PartialCheckout, type TreeListing } from '../git/index.ts';
import { coverageReadsWithin, crdFilesOf, ensureInputs, newHeadPaths, partialPaths, walkedWithin } from './partial-sides.ts';
import { noEnvironmentsError } from '../discover/nothing-found.ts';
import { checkoutReader } from '../discover/gitops-files.ts';
import { collectInputs, decideAffected, discoverEnvironments } from '../discover/index.ts';
import type { EnvInputs } from '../discover/index.ts';
import { RemovalContext } from '../discover/argocd-removal.ts';
import { appSetsDeletingNothing } from '../discover/argocd-appset.ts';
import { keptApplications, keptNote, keptText, regeneratedAfterFailure, regeneratedText } from '../discover/argocd-kept.ts';
import type { DiscoveryClusters } from '../discover/types.ts';
import { renderEnvironment, RenderCache } from '../render/index.ts';
import type { RenderOutcome } from '../render/index.ts';
import { formatCount, objectLimitFor, type ObjectLimits } from '../render/object-limits.ts';
import { withClusterScope } from '../render/default-namespace.ts';
import { refineFindingLines } from '../validate/field-lines.ts';
import { collectRepoCrds } from '../validate/index.ts';
import { diffRenders } from '../diff/index.ts';
import type { Environment } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';
import type { Problem } from '../model/errors.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import type { KubeObject, RenderedObject } from '../model/object.ts';
import type { EnvironmentPlan, PlanResult } from '../model/plan.ts';
import type { ValidationFinding } from '../model/validation.ts';
import { Limiter, mapLimit } from '../util/limit.ts';
import { defaultBranchOf, remoteDefaultBranch } from '../git/default-branch.ts';
import { branchOfRef } from './branch.ts';
import { planCoverage } from './coverage.ts';
import { PlanObjectBudget, type PlanBudgetCarry } from './object-budget.ts';
import { environmentValidator, type ClusterChecksHook } from './cluster-checks.ts';
import { renderKey, sharedRenderKey, TreeIndex } from './render-key.ts';
import { countedProgress, discoveryProgress, longStep, silentProgress } from './progress.ts';
import { resolveSubstituteFrom, substitutionReason, withSubstitutionInputs } from './substitute-from.ts';
import { neverAppliedIds, syncPlanOf } from './sync-plan.ts';
import { argocdClusterMove, clusterMoveReason, leftOnOldCluster } from './cluster-move.ts';
import { argocdProjectFindings } from '../validate/argocd-project.ts';
import { chartChildNotes, settleUnfetchedCharts, withoutSupersededNotes } from './argocd-chart-children.ts';
import type { KeptObject } from '../model/sync-plan.ts';
import type { Progress } from './progress.ts';
import type { ChartFetcher } from '../charts/index.ts';
import { notPreviewedRender, planChartFetcher, type PlanChartOptions } from './chart-fetcher.ts';
import { chartVersionChanges, settleRefusedReleases, substitutionOwner, withSubstitutedParent } from './helmrelease-sides.ts';
import { chartYamlVersion, unbumpedChartNotes } from './chart-reconcile-strategy.ts';
import { openIndexes, saveIndexes, type IndexOption, type OpenedIndex } from './input-index-sides.ts';
import { discoverSides, storedDiscoveryUsable, type SideDiscovery } from './discovery-sides.ts';
import { baseVerdictsFrom, lentVerdicts, ownVerdicts, VerdictRecorder } from './content-verdicts.ts';
import { lookupInputs, recordInputs, type InputIndex } from './input-index.ts';
import { keptByController } from './kept.ts';
import { lastGeneration } from './last-generation.ts';
import { unregisteredClusterNotes } from './unregistered-clusters.ts';
import { leftByBudget, PlanDeadline, settleTimeBudget, type PlanTimeBudget } from './time-budget.ts';

export interface PlanOptions {
  /** A git repository (work tree or bare). */
  repoDir: string;
  base: string;
  head: string;
  /** Only these environments (by name); all when empty. */
  envs?: string[];
  /** URLs this repository is known by, for matching Flux GitRepository / Argo CD Application sources. */
  repoUrls?: string[];
  /**
   * The branch the change merges into (a pull request's base); default: `base` when it names a branch,
   * else the repository's default branch (git/default-branch.ts).
   */
  baseBranch?: string;
  /**
   * The repository's default branch, which an Argo CD `targetRevision: HEAD` follows; default: the clone's
   * `origin/HEAD` when it has one. When it is not the base branch, such Applications are pinned (not
   * affected by the change).
   */
  defaultBranch?: string;
  /** Registered clusters by name and labels, for Argo CD ApplicationSet clusters generators. */
  clusters?: DiscoveryClusters;
  concurrency?: number;
  progress?: Progress;
  /** Shared across plans in one process (the bot); a fresh one per plan otherwise. */
  cache?: RenderCache;
  /**
   * Apply preview for an affected environment whose head renders; undefined when its cluster is not
   * registered. Errors come back as values so one unreachable cluster does not fail the whole plan.
   */
  preview?: (env: Environment, objects: RenderedObject[]) => Promise<EnvironmentPlan['preview']>;
  /**
   * Called once the affected environments are known, before anything is rendered (the bot creates its
   * "in progress" check runs here). It runs while the environments render; the plan waits for it before
   * anything else, and before it fails on an error of its own: a failure fails the plan.
   */
  onAffected?: (envs: string[]) => void | Promise<void>;
  /**
   * Asked once the affected environments are known: true leaves them unrendered here (the bot renders them
   * in parts on other workers, src/jobs/plan-parts.ts): they come back affected, with `render: { skipped: true }`.
   */
  deferRender?: (affected: string[]) => boolean;
  /**
   * False: no coverage report, and `discovery` holds only the notes the renders added (a part of a plan
   * fanned out; the plan job has the rest). Default true.
   */
  coverage?: boolean;
  /**
   * With `deferRender`: the discovery notes the renders elsewhere added (the parts of a plan fanned out,
   * gathered in environment order). They join the head's notes where this plan's own renders would have
   * added them, so coverage (what they read) and `discovery` are those of the plan rendered in one job.
   */
  renderedNotes?: readonly DiscoveryNote[];
  /** Object counts per environment and per plan; past them an environment fails with a clear error. */
  limits?: ObjectLimits;
  /**
   * A part of a plan fanned out (src/jobs/plan-parts.ts): where its share of the per-plan limit starts (the
   * objects of the parts before it) and where its own counts go, so the limit holds across the parts.
   */
  planBudget?: PlanBudgetCarry;
  /** The target Kubernetes version and, for a registered cluster, its own schemas (src/cli/commands/clusters.ts). */
  clusterChecks?: ClusterChecksHook;
  /** Remote charts (HelmReleases from Helm repositories, kustomize helmCharts): allowed sources and the cache; absent: none is fetched. */
  charts?: PlanChartOptions;
  /** The input index store (Redis for the workers, a folder for the CLI): each environment's inputs looked up instead of walked. */
  inputIndex?: IndexOption;
  /**
   * The plan's wall-time budget (time-budget.ts): once spent, renders in flight are stopped and every
   * affected environment not rendered yet is reported as not previewed (`timeBudgetSpent`).
   */
  timeBudget?: PlanTimeBudget;
  /** Stops the plan's renders from outside (a job stopped for a newer head); the plan then throws its reason. */
  signal?: AbortSignal;
  /** A deadline the caller made (and disposes), instead of one made here from `timeBudget` and `signal`. */
  deadline?: PlanDeadline;
}

interface Side {
  /** ApplicationSets failing at this commit whose last generation is among `envs` (last-generation.ts). */
  lastGenerated?: ReadonlySet<string>;
  /** The plan's chart fetcher (the same object on both sides). */
  charts?: ChartFetcher;
  sha: string;
  dir: string;
  envs: Map<string, Environment>;
  tree: TreeIndex;
  /** What discovery saw and did not make an environment, and caveats (see DiscoveryNote). */
  notes: DiscoveryNote[];
  /** A discovery problem at this side (e.g. an invalid .bosun.yaml at base). */
  problem?: Problem;
  /** This commit's input index, when the plan uses one (filled as inputs are collected). */
  index?: InputIndex;
  /** The same index as opened (to mark facts added to it). */
  opened?: OpenedIndex;
  /** The checkout, when only some files were written out (partial-sides.ts): completed before anything else is read. */
  partial?: PartialCheckout;
  /** The input walks' cache while the checkout is partial (never used once it is complete). */
  partialWalks?: Map<string, unknown>;
}

/**
 * Plans a change: which environments the change between two commits touches, and for each one the
 * rendered objects at both commits, the validation findings at head and the change diff.
 * Each step is a pure function from src/; this function only sequences them and owns the checkouts.
 */
export async function planChange(opts: PlanOptions): Promise<PlanResult> {
  const deadline = opts.deadline ?? new PlanDeadline(opts.timeBudget, opts.signal ? { outer: opts.signal } : {});
  try {
    const result = await planWithin(opts, deadline);
    return deadline.budget ? settleTimeBudget(result, deadline.budget) : result;
  } finally {
    if (!opts.deadline) deadline.dispose();
  }
}

async function planWithin(opts: PlanOptions, deadline: PlanDeadline): Promise<PlanResult> {
  const progress = opts.progress ?? silentProgress;
  // Both commits and their root trees (the input index's keys) in one git run when they are commit ids.
  const [baseIds, headIds] = await commitTrees(opts.repoDir, [opts.base, opts.head]);
  const baseSha = baseIds!.commit;
  const headSha = headIds!.commit;
  progress(`planning ${baseSha.slice(0, 7)}..${headSha.slice(0, 7)}`);
  // The remote's default branch is asked of git once, for both.
  let remote: Promise<string | undefined> | undefined;
  const remoteDefault = () => (remote ??= remoteDefaultBranch(opts.repoDir));
  const branch = opts.baseBranch ?? branchOfRef(opts.base) ?? await defaultBranchOf(opts.repoDir, remoteDefault);
  const defaultBranch = opts.defaultBranch ?? await remoteDefault();
  // Without an index both commits are written out at once; with one, what its facts say is needed first.
  const fullCheckouts = opts.inputIndex ? undefined : bothCheckouts([checkout(opts.repoDir, baseSha), checkout(opts.repoDir, headSha)]);
  // Each file's mode beside its id: a partial checkout then writes its files without listing the tree again.
  const baseModes = new Map<string, string>();
  const headModes = new Map<string, string>();
  const [changed, baseTree, headTree] = await Promise.all([
    changedFiles(opts.repoDir, baseSha, headSha),
    listTree(opts.repoDir, baseSha, baseModes).then((t) => new TreeIndex(t)),
    listTree(opts.repoDir, headSha, headModes).then((t) => new TreeIndex(t)),
  ]).catch(async (err: unknown) => {
    await fullCheckouts?.then((cos) => Promise.all(cos.map((c) => c.dispose())), () => undefined);
    throw err;
  });
  const indexes = opts.inputIndex ? await openIndexes(opts.repoDir, baseSha, headSha, changed, opts.inputIndex, { repoUrls: opts.repoUrls ?? [], clusters: opts.clusters ?? null, branch: branch ?? null, ...(defaultBranch ? { defaultBranch } : {}) }, [baseIds!.tree, headIds!.tree]) : undefined;
  // Discovery and the affected analysis come before the first render: on a large repository they take
  // many seconds, each said as it starts and while it runs (never silent for long).
  const files = baseTree.paths.length + headTree.paths.length;
  const [baseCo, headCo] = await (fullCheckouts ? longStep(progress, `writing out base and head: ${formatCount(files)} files`, () => fullCheckouts) : bothCheckouts([
    sideCheckout(opts.repoDir, baseSha, indexes?.base.stored && indexes.base.index.discovery && storedDiscoveryUsable(indexes.base.index.discovery, opts.charts !== undefined) ? partialPaths({ tree: baseTree, index: indexes.base.index, changed }) : undefined, baseTree, { ids: baseTree.blobs, modes: baseModes }, 'base', progress),
    sideCheckout(opts.repoDir, headSha, indexes ? headPaths(indexes, headTree, changed) : undefined, headTree, { ids: headTree.blobs, modes: headModes }, 'head', progress),
  ]));
  try {
    const charts = planChartFetcher(opts.charts, baseCo.dir, partialOf(baseCo)?.complete);
    const found = await longStep(progress, `discovering environments at base and head (${formatCount(files)} files)`, (said) => discoverSides({
      baseDir: baseCo.dir, headDir: headCo.dir, changed,
      ...(partialOf(headCo) ? { beforeHeadDiscovery: partialOf(headCo)!.complete } : {}),
      options: { repoUrls: opts.repoUrls, ...(branch ? { branch } : {}), ...(defaultBranch ? { defaultBranch } : {}), ...(opts.clusters ? { clusters: opts.clusters } : {}), ...(charts ? { charts, fetchCharts: charts } : {}), keepRefusedReleases: true },
      ...(indexes ? { indexes } : {}),
      onSide: (sideName, count) => said(`discovering environments: ${plural(count, 'environment')} found at ${sideName}`),
      progress: (sideName) => discoveryProgress(said, sideName),
    }));
    progress(`found ${plural(found.head.environments.length, 'environment')} at head${'problem' in found.base ? '' : `, ${formatCount(found.base.environments.length)} at base`}${found.reused === 'none' ? '' : ' (discovery reused from the input index)'}`);
    const side = (sha: string, co: Checkout | PartialCheckout, tree: TreeIndex, d: SideDiscovery, index?: OpenedIndex): Side => ({
      sha, dir: co.dir, tree,
      ...('problem' in d ? { envs: new Map(), notes: [], problem: d.problem } : { envs: new Map(d.environments.map((e) => [e.name, e])), notes: d.notes }),
      ...(charts ? { charts } : {}),
      ...(index ? { index: index.index, opened: index } : {}),
      ...(partialOf(co) ? { partial: partialOf(co) } : {}),
    });
    const base = side(baseSha, baseCo, baseTree, found.base, indexes?.base);
    const head = side(headSha, headCo, headTree, found.head, indexes?.head);
    // An ApplicationSet failing at base: Argo CD runs what it last generated, found in the history (last-generation.ts).
    const lastGen = await lastGeneration({ repoDir: opts.repoDir, sha: baseSha, notes: base.notes, discover: (dir) => discoverEnvironments(dir, { repoUrls: opts.repoUrls, ...(branch ? { branch } : {}), ...(defaultBranch ? { defaultBranch } : {}), ...(opts.clusters ? { clusters: opts.clusters } : {}) }), scope: JSON.stringify([opts.repoUrls, branch, defaultBranch, opts.clusters]), progress });
    for (const g of lastGen.envs) if (!base.envs.has(g.env.name)) base.envs.set(g.env.name, g.env);
    base.lastGenerated = lastGen.resolved;
    settleRefusedReleases(base.envs, head.envs);
    await settleUnfetchedCharts(base.envs, head.envs, charts);
    // A HelmRelease diffed only as an object says which chart version it moves between (a new array: the
    // discovery result may be the one an input index keeps).
    head.notes = chartVersionChanges(base.notes, head.notes);
    // A chart of this repository changed without a version bump: Flux does not deploy it yet (ChartVersion).
    const chartYaml = async (sideName: 'base' | 'head', dir: string) => {
      const blob = (sideName === 'base' ? baseTree : headTree).blobs.get(posix.join(dir, 'Chart.yaml'));
      return blob ? chartYamlVersion(await readBlob(opts.repoDir, blob).catch(() => undefined)) : undefined;
    };
    const unbumped = await unbumpedChartNotes(base.envs, head.envs, changed, chartYaml);
    if (unbumped.length > 0) head.notes = [...head.notes, ...unbumped];
    // The CRD files of each commit, kept with its index: a base without them is searched once in git's
    // object store, and every head planned against it then reads only its changed files (a partial head
    // holds them all). Searching each new head instead cost seconds of every plan on a large repository.
    // Known before the renders, validation reads only these files for the repository's CRDs.
    if (base.index && base.opened && !base.index.crdFiles) {
      base.index.crdFiles = await crdFilesOf(opts.repoDir, baseSha, base.dir, base.tree);
      base.opened.factsAdded = true;
    }
    const from = base.index?.crdFiles;
    if (head.index && head.opened && !head.index.crdFiles) {
      head.index.crdFiles = await crdFilesOf(opts.repoDir, headSha, head.dir, head.tree, from ? { files: from, changed } : undefined);
      head.opened.factsAdded = true;
    }
    const result = await planSides(opts, base, head, changed, progress, deadline);
    if (indexes && opts.inputIndex) await saveIndexes(opts.inputIndex, [{ ...indexes.base, names: base.envs.keys() }, { ...indexes.head, names: head.envs.keys() }]);
    return result;
  } finally {
    // Removing two checkouts of a large repository takes seconds (100,002 files: 6-8 s on a loaded machine): said.
    try {
      progress(`removing the checkouts of base and head (${formatCount(files)} files)`);
    } catch {
      // A stopped job's progress throws: the checkouts are removed all the same.
    }
    await Promise.all([baseCo.dispose(), headCo.dispose()]);
  }
}

async function planSides(opts: PlanOptions, base: Side, head: Side, changed: string[], progress: Progress, deadline: PlanDeadline): Promise<PlanResult> {
  const names = [...new Set([...head.envs.keys(), ...base.envs.keys()])].sort();
  const wanted = opts.envs?.length ? new Set(opts.envs) : undefined;
  if (wanted) {
    const unknown = [...wanted].filter((n) => !names.includes(n));
    if (unknown.length) {
      if (names.length === 0) throw noEnvironmentsError({ where: 'the repository at either commit' });
      throw new BosunError({ kind: 'usage', message: `unknown environment ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${names.join(', ') || '(none)'}` });
    }
  }
  const selected = names.filter((n) => !wanted || wanted.has(n));
  const concurrency = opts.concurrency ?? Math.max(2, availableParallelism() * 2);
  const limiter = new Limiter(concurrency);
  const cache = opts.cache ?? new RenderCache();
  const inputCache = new Map<string, unknown>();
  // Flux postBuild.substituteFrom: the values the same cluster's other environments put in the cluster, per side.
  // substituteFrom reads other environments' objects: a partial checkout is completed first.
  await Promise.all([base, head].map(async (side) => {
    if (side.partial && [...side.envs.values()].some((e) => (e.substituteFrom?.length ?? 0) > 0)) await side.partial.complete();
  }));
  const [baseSubst, headSubst] = await Promise.all([base, head].map((side) => resolveSubstituteFrom(side.envs, side.dir, {
    inputs: async (env) => {
      const ins = await inputsOrProblem(side, env, inputCache);
      return 'inputs' in ins ? ins.inputs : undefined;
    },
    render: async (env) => {
      const ins = await inputsOrProblem(side, env, inputCache);
      if ('problem' in ins) return { ok: false, error: ins.problem };
      const key = `${renderKey(env, ins.inputs, side.tree)}#max=${objectLimitFor(opts.limits, 'perEnvironment').limit}`;
      return cache.get(key, () => renderEnvironment(side.dir, env, { limiter, limits: opts.limits, signal: deadline.signal }), deadline.signal);
    },
  }, 'preview')));
  for (const resolved of headSubst.values()) head.notes.push(...resolved.notes);

  const analysing = countedProgress(progress, `analysing ${plural(selected.length, 'environment')} against ${plural(changed.length, 'changed file')}`, selected.length);
  // An ApplicationSet failing at head deletes nothing (argocd-appset.ts): the plan says so, as the merge keeps them (affected.ts).
  const existsAtHead = (p: string) => p === '.' || head.tree.blobs.has(p) || !head.tree.under(p).next().done;
  const deletingNothingAtHead = appSetsDeletingNothing(head.notes);
  // What such an ApplicationSet keeps syncs the merged commit: a head environment with its base definition (argocd-kept.ts).
  const kept = new Map(keptApplications(base.envs.values(), head.envs, deletingNothingAtHead, existsAtHead).map((k) => [k.env.name, k]));
  for (const k of kept.values()) {
    head.envs.set(k.env.name, k.env);
    head.notes.push(keptNote(k));
  }
  const regenerated = new Map(regeneratedAfterFailure(base.envs, head.envs.values(), new Map([...appSetsDeletingNothing(base.notes)].filter(([n]) => !base.lastGenerated?.has(n)))).map((r) => [r.env.name, regeneratedText(r)]));
  const removal = new RemovalContext({ base: base.envs.values(), head: head.envs.values(), existsAtHead, deletingNothingAtHead });
  const decisions = await mapLimit(selected, 16, async (name) => {
    const b = base.envs.get(name);
    const h = head.envs.get(name);
    const [bi, hi] = await Promise.all([
      b ? inputsOrProblem(base, b, inputCache).then((i) => withSubstitutionInputs(i, baseSubst.get(substitutionOwner(name, b)))) : undefined,
      h ? inputsOrProblem(head, h, inputCache).then((i) => withSubstitutionInputs(i, headSubst.get(substitutionOwner(name, h)))) : undefined,
    ]);
    const problem = (hi && 'problem' in hi ? hi.problem : undefined) ?? (bi && 'problem' in bi ? bi.problem : undefined);
    const decision = problem
      ? { affected: true, reason: `rendered because its inputs could not be analysed: ${problem.message}` }
      : decideAffected({
        base: b, head: h,
        baseInputs: bi && 'inputs' in bi ? bi.inputs : undefined,
        headInputs: hi && 'inputs' in hi ? hi.inputs : undefined,
        changedFiles: changed,
        removal,
      });
    // Values from substituteFrom that changed without a file of this environment changing still change it.
    const substitution = decision.affected ? undefined : substitutionReason(baseSubst.get(substitutionOwner(name, b)), headSubst.get(substitutionOwner(name, h)));
    analysing.tick();
    const keptBy = kept.get(name);
    if (keptBy) decision.reason = `${decision.reason}; ${keptText(keptBy)}`;
    else if (regenerated.has(name)) decision.reason = `${decision.reason}; ${regenerated.get(name)!}`;
    return { name, b, h, bi, hi, decision: substitution ? { affected: true, reason: substitution } : decision };
  });

  let renderedCount = 0;
  const toRender = decisions.filter((d) => d.decision.affected).length;
  const affectedNames = decisions.filter((d) => d.decision.affected).map((d) => d.name);
  // The caller's "in progress" reports go out while the environments render (on GitHub, a listing and a
  // check run per environment: round trips that used to hold the renders back); they are done before the
  // plan goes on or fails, so nothing the caller reports afterwards can race them.
  const announcing = (async () => opts.onAffected?.(affectedNames))();
  announcing.catch(() => undefined); // handled where it is awaited: not an unhandled rejection meanwhile
  const announcedFirst = async (err: unknown): Promise<never> => {
    await announcing.catch(() => undefined);
    throw err;
  };
  const deferred = opts.deferRender?.(affectedNames) ?? false;
  if (!deferred && toRender > 0) progress(`rendering ${plural(toRender, 'affected environment')} at base and head`);
  const crdsInRepo = head.envs.size && !deferred ? await collectRepoCrds(head.dir, head.index?.crdFiles).catch(announcedFirst) : [];
  const notesBeforeRender = head.notes.length;
  // The notes the renders add, by slot: kept in environment order, not in the order the renders finish,
  // so a plan rendered in parts gathers the same list (queue/workflows/plan/plan-fanout.ts).
  const renderNotes: Array<DiscoveryNote | undefined> = [];
  // Applications an Argo CD Application's fetched chart renders and discovery could not expand (app of apps): not previewed, said (argocd-chart-children.ts).
  const chartNotes: DiscoveryNote[][] = [];
  const budget = new PlanObjectBudget(decisions.length, opts.limits, opts.planBudget);
  // A render refused for its size is cached as refused: the limit is part of what the render produced.
  const limitKey = `#max=${objectLimitFor(opts.limits, 'perEnvironment').limit}`;

  const planEnvironment = async (d: (typeof decisions)[number], slot: number): Promise<EnvironmentPlan> => {
    // A Flux Kustomization whose path the plan substituted (substitute-from.ts) is reported at that path, not its `${…}`.
    const envForReport = (d.h ? headSubst.get(d.name)?.env ?? d.h : baseSubst.get(d.name)?.env ?? d.b)!;
    const plan: EnvironmentPlan = {
      name: d.name,
      source: envForReport.source,
      path: envForReport.path,
      ...(envForReport.cluster ? { cluster: envForReport.cluster } : {}),
      affected: d.decision.affected,
      reason: d.decision.reason,
      ...('lifecycle' in d.decision && d.decision.lifecycle ? { lifecycle: d.decision.lifecycle } : {}),
      ...(envForReport.producedBy ? { producedBy: { kind: envForReport.producedBy.kind, name: envForReport.producedBy.name, ...(envForReport.producedBy.environment ? { environment: envForReport.producedBy.environment } : {}) } } : {}),
      ...(envForReport.pinned ? { pinned: envForReport.pinned } : {}),
      render: { skipped: true },
      validation: { errors: [], warnings: [] },
      changes: [],
    };
    if (!d.decision.affected || deferred) return plan;
    // The plan's time is up: not rendered, said (settled with how far the plan got once it is done).
    if (deadline.spent) return leftByBudget(plan);

    const renderSide = async (side: Side, env: Environment | undefined, ins: InputsOrProblem | undefined): Promise<RenderOutcome> => {
      if (!env) return { ok: true, objects: [] };
      if (ins && 'problem' in ins) return { ok: false, error: ins.problem };
      await ensureInputs(side.partial, side.tree, ins?.inputs);
      const render = () => renderEnvironment(side.dir, env, { limiter, limits: opts.limits, signal: deadline.signal, ...(side.charts ? { charts: side.charts } : {}) });
      if (!ins) return render();
      const own = () => cache.get(`${renderKey(env, ins.inputs, side.tree)}${limitKey}`, render, deadline.signal);
      const sharedKey = sharedRenderKey(env, ins.inputs, side.tree);
      if (sharedKey === undefined) return own();
      // A failure names the environment that rendered it: another one renders (and names) its own.
      let renderedHere = false;
      const shared = await cache.get(`${sharedKey}${limitKey}`, () => {
        renderedHere = true;
        return render();
      }, deadline.signal);
      return shared.ok || renderedHere ? shared : own();
    };
    /**
     * A render another plan of this process shared (the bot's render cache is single-flight) and stopped
     * for its own reasons is rendered again here, once: a cancelled outcome is never cached.
     */
    const renderOwn = async (side: Side, env: Environment | undefined, ins: InputsOrProblem | undefined): Promise<RenderOutcome> => {
      const outcome = await renderSide(side, env, ins);
      return !outcome.ok && outcome.error.cancelled && !deadline.signal.aborted ? renderSide(side, env, ins) : outcome;
    };
    const [baseOutcome, headOutcome] = await Promise.all([
      renderOwn(base, withSubstitutedParent(baseSubst.get(d.name)?.env ?? d.b, (n) => baseSubst.get(n)?.env), d.bi),
      renderOwn(head, withSubstitutedParent(headSubst.get(d.name)?.env ?? d.h, (n) => headSubst.get(n)?.env), d.hi),
    ]);
    if ([baseOutcome, headOutcome].some((o) => !o.ok && o.error.cancelled)) {
      // Stopped by the deadline: not previewed, never a render error nor "no changes". Stopped from outside: the plan stops.
      if (deadline.spent) return leftByBudget(plan);
      deadline.signal.throwIfAborted();
    }
    // Flux: a cluster-scoped custom resource as the API server keeps it, without the namespace the build's
    // targetNamespace put on it (render/default-namespace.ts); the repository's CRDs (at head) tell the scope.
    const headScoped = d.h && headOutcome.ok ? withClusterScope(d.h, headOutcome.objects, crdsInRepo) : undefined;
    const bo = d.b && baseOutcome.ok ? { ...baseOutcome, objects: withClusterScope(d.b, baseOutcome.objects, crdsInRepo).objects } : baseOutcome;
    const ho = headScoped && headOutcome.ok ? { ...headOutcome, objects: headScoped.objects } : headOutcome;
    renderedCount++;
    progress(`rendered ${renderedCount}/${toRender}: ${d.name}`);
    const overPlan = await budget.take(slot, d.name, (bo.ok ? bo.objects.length : 0) + (ho.ok ? ho.objects.length : 0), 'base and head');
    if (overPlan) {
      plan.render = { error: overPlan };
      return plan;
    }

    // A side that could not be judged (a remote chart not fetched): not previewed, not a render error.
    const unjudged = notPreviewedRender({ name: d.name, env: envForReport, outcomes: [bo, ho], inputs: [d.bi, d.hi].map((i) => (i && 'inputs' in i ? i.inputs : undefined)), changed });
    if (unjudged) {
      plan.reason = unjudged.reason;
      renderNotes[slot] = unjudged.note;
      return plan;
    }
    if (!ho.ok) {
      plan.render = { error: { ...ho.error, side: 'head' } };
      return plan;
    }
    let kept: KeptObject[] = [];
    if (!bo.ok) {
      // A base that does not render cannot be diffed; the head is still validated so the PR that fixes
      // it gets a useful report.
      plan.render = { error: { ...bo.error, side: 'base' } };
    } else {
      plan.render = { objects: ho.objects.length, baseObjects: bo.objects.length };
      // What a sync never applies is not a change the cluster will see: listed in the Sync section only.
      const never = d.h ? neverAppliedIds(d.h, ho.objects) : new Set<string>();
      // An Argo CD Application moved to another cluster: created there, what it left on the old one kept.
      const moved = argocdClusterMove(d.b, d.h);
      plan.changes = diffRenders(moved ? [] : bo.objects, ho.objects, never);
      // Deletions the controller does not make (Prune=false, Delete=false, a CRD on an Application's deletion,
      // Flux prune: disabled, helm keep): listed as kept, with why, not as deleted.
      const held = keptByController(d.h ?? d.b!, bo.objects, plan.changes, !d.h);
      plan.changes = held.changes;
      kept = moved ? leftOnOldCluster(moved, bo.objects) : held.kept;
      if (moved) plan.reason = `${plan.reason}; ${clusterMoveReason(moved)}`;
    }
    const env = d.h ?? d.b!;
    if (d.h) chartNotes[slot] = chartChildNotes(d.name, d.h, ho.objects, { repoUrls: opts.repoUrls, environments: head.envs.values(), notes: head.notes.slice(0, notesBeforeRender) });
    const sync = d.h ? syncPlanOf(d.h, ho.objects) : undefined;
    if (sync || kept.length > 0) plan.sync = { ...(sync ?? { hooks: [], waves: [], skipped: [] }), ...(kept.length > 0 ? { kept } : {}) };
    const { validator, notes } = await environmentValidator(env, [...crdsOf(ho.objects), ...crdsInRepo], opts.clusterChecks);
    // Each finding on the line of its field where the head's source still has it.
    const findings = await refineFindingLines(head.dir, validator.validate(ho.objects), ho.objects);
    findings.unshift(...notes);
    if (headScoped) findings.push(...headScoped.warnings);
    findings.push(...unsetVariableWarnings(ho.objects));
    // What the Application's AppProject (in this repository) does not let Argo CD sync: warnings.
    if (d.h) findings.push(...argocdProjectFindings(d.h, ho.objects));
    plan.validation = {
      errors: findings.filter((f) => f.severity === 'error'),
      warnings: findings.filter((f) => f.severity === 'warning'),
    };
    if (opts.preview && d.h) {
      progress(`apply preview: ${d.name}`);
      const preview = await opts.preview(d.h, ho.objects);
      if (preview) plan.preview = preview;
    }
    return plan;
  };

  const envPlans = await Promise.all(decisions.map(async (d, slot): Promise<EnvironmentPlan> => {
    try {
      return await planEnvironment(d, slot);
    } finally {
      budget.release(slot);
    }
  })).catch(announcedFirst);
  await announcing;
  head.notes.push(...(deferred ? opts.renderedNotes ?? [] : [...renderNotes.filter((note): note is DiscoveryNote => note !== undefined), ...chartNotes.flat()]));
  if (opts.coverage === false) {
    progress.done();
    return { base: base.sha, head: head.sha, environments: envPlans, discovery: head.notes.slice(notesBeforeRender) };
  }
  // A child of a fetched chart's app of apps is said once: by the chart's note, not also by discovery's.
  head.notes = withoutSupersededNotes(head.notes, head.notes.slice(notesBeforeRender));
  // An environment on a cluster the given registry lacks is never previewed nor applied: said, not a silent green.
  head.notes.push(...unregisteredClusterNotes(decisions, opts.clusters, changed));
  // Every GitOps file an environment reads, or listed with why not; every object seen and not previewed.
  const known = new Map(decisions.map((d) => [d.name, d]));
  // The head's coverage verdicts: stored with its index, else lent by the base's for untouched files.
  const recorder = head.index && !head.index.content ? new VerdictRecorder() : undefined;
  const verdicts = head.index?.content ? ownVerdicts(head.index.content) : base.index?.content ? lentVerdicts(base.index.content, base.tree.paths, changed) : undefined;
  // Coverage reads every file whose verdict is not known: a partial head must hold them.
  if (head.partial && !head.partial.completed && !coverageReadsWithin(head.partial, head.tree, verdicts)) await head.partial.complete();
  progress(`coverage: which environment reads each of ${plural(changed.length, 'changed file')}`);
  const { coverage, discovery } = await planCoverage({
    base: { dir: base.dir, paths: base.tree.paths, envs: base.envs, notes: base.notes },
    head: { dir: head.dir, paths: head.tree.paths, envs: head.envs, notes: head.notes },
    changed,
    inputsOf: async (side, env) => {
      const d = known.get(env.name);
      const ins = (side === 'head' ? d?.hi : d?.bi) ?? await inputsOrProblem(side === 'head' ? head : base, env, inputCache);
      return 'inputs' in ins ? ins.inputs : undefined;
    },
    headVerdicts: { ...(verdicts ? { known: verdicts } : {}), ...(recorder ? { recorder } : {}) },
  });
  if (recorder && head.index && head.opened) {
    head.index.content = recorder.stored();
    head.opened.factsAdded = true;
  }
  // A base that was only ever a pull request's base has no verdicts of its own: derived from the head's,
  // so the next head planned on it classifies only its changed files (else every new head read every
  // YAML file of its checkout again).
  if (head.index?.content && base.index && base.opened && !base.index.content) {
    const derived = baseVerdictsFrom(head.index.content, {
      basePaths: base.tree.paths, headPaths: head.tree.paths, changed,
      available: (path) => !base.partial || base.partial.has(path),
      read: checkoutReader(base.dir),
    });
    if (derived) {
      base.index.content = derived;
      base.opened.factsAdded = true;
    }
  }
  progress.done();
  return { base: base.sha, head: head.sha, environments: envPlans, coverage, discovery };
}

type InputsOrProblem = { inputs: EnvInputs } | { problem: Problem };

/** An environment's inputs: from the side's input index when it holds them for this definition, else walked (and recorded there). */
async function inputsOrProblem(side: Side, env: Environment, cache: Map<string, unknown>): Promise<InputsOrProblem> {
  const index = side.index;
  const known = index ? lookupInputs(index, env) : undefined;
  if (known?.inputs) return { inputs: known.inputs };
  if (known?.problem) return { problem: known.problem };
  // A walk may read anything: on a partial checkout its result is kept only when it stayed inside what
  // was written out (partial-sides.ts `walkedWithin`); otherwise the checkout is completed and the
  // environment walked again, with nothing the first walk cached.
  const partial = side.partial;
  if (partial && !partial.completed) {
    const tried = await walkInputs(side.dir, env, side.partialWalks ??= new Map());
    if ('inputs' in tried && walkedWithin(partial, side.tree, env, tried.inputs)) {
      if (index) recordInputs(index, env, tried);
      return tried;
    }
    await partial.complete();
  }
  const result = await walkInputs(side.dir, env, cache);
  if (index) recordInputs(index, env, result);
  return result;
}

async function walkInputs(dir: string, env: Environment, cache: Map<string, unknown>): Promise<InputsOrProblem> {
  try {
    return { inputs: await collectInputs(dir, env, cache) };
  } catch (err) {
    if (!(err instanceof BosunError)) throw err;
    return { problem: err.toProblem() };
  }
}

/**
 * What a plan with an index writes out of its head: for a stored head, what its facts say; for a new head
 * (its index derived from the stored base's), what the environments the change reaches read at base.
 * Undefined: the whole commit.
 */
function headPaths(indexes: { base: OpenedIndex; head: OpenedIndex }, tree: TreeIndex, changed: string[]): Set<string> | undefined {
  const { base, head } = indexes;
  if (head.stored) {
    const facts = head.index;
    return facts.discovery && facts.content && facts.crdFiles ? partialPaths({ tree, index: facts, changed, extra: facts.crdFiles }) : undefined;
  }
  if (base.stored && base.index.discovery && base.index.content && base.index.crdFiles) return newHeadPaths({ tree, base: base.index, head: head.index, changed });
  return undefined;
}

/** A checkout of the commit: only `paths` when given (said in a progress line, and when the rest follows), else the whole tree. */
async function sideCheckout(repoDir: string, sha: string, paths: Set<string> | undefined, tree: TreeIndex, listing: TreeListing, label: 'base' | 'head', progress: Progress): Promise<Checkout | PartialCheckout> {
  if (!paths) return checkout(repoDir, sha);
  const co = await partialCheckout(repoDir, sha, paths, { listing, onComplete: () => progress(`${label}: writing out the rest of the commit`) });
  try {
    // A job's progress throws once the job is stopped (a newer head): the checkout must not outlive that.
    progress(`${label}: wrote ${paths.size} of ${tree.paths.length} files`);
  } catch (err) {
    await co.dispose();
    throw err;
  }
  return co;
}

/**
 * Both sides' checkouts, or neither: when one cannot be made (or the plan is stopped meanwhile), the other
 * is removed before the error goes on — `Promise.all` would leave it on disk for good.
 */
async function bothCheckouts<T extends { dispose(): Promise<void> }>(sides: [Promise<T>, Promise<T>]): Promise<[T, T]> {
  const [a, b] = await Promise.allSettled(sides);
  if (a.status === 'fulfilled' && b.status === 'fulfilled') return [a.value, b.value];
  await Promise.all([a, b].map((s) => (s.status === 'fulfilled' ? s.value.dispose().catch(() => undefined) : undefined)));
  throw (a.status === 'rejected' ? a.reason : (b as PromiseRejectedResult).reason) as Error;
}

function partialOf(co: Checkout | PartialCheckout): PartialCheckout | undefined {
  return 'complete' in co ? (co as PartialCheckout) : undefined;
}

/**
 * Flux post-build variables an object reads without a default and that have no value: kustomize-controller
 * substitutes the empty string (its default mode, which the preview shows), and with the opt-in
 * StrictPostBuildSubstitutions feature gate fails the whole Kustomization — a warning either way.
 */
function unsetVariableWarnings(objects: RenderedObject[]): ValidationFinding[] {
  return objects.filter((r) => r.unsetVariables?.length).map(({ object, source, unsetVariables }) => ({
    severity: 'warning',
    ...(source ? { file: source.file, ...(source.line !== undefined ? { line: source.line } : {}) } : {}),
    object: `${object.apiVersion} ${object.kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name ?? ''}`,
    path: '/spec/postBuild/substitute',
    message: `postBuild variable${unsetVariables!.length > 1 ? 's' : ''} ${unsetVariables!.map((v) => `\${${v}}`).join(', ')} ha${unsetVariables!.length > 1 ? 've' : 's'} no default, and bosun finds no value in substitute or in the substituteFrom objects the repository applies: kustomize-controller substitutes the empty string, as shown (its default); with its StrictPostBuildSubstitutions feature gate on it fails the whole Kustomization ("variable not set (strict mode)"). Set the variable, give a default (\${name:=value}), or write $\${ for a literal \${`,
  }));
}

/** "1 environment", "9,999 environments". */
function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

function crdsOf(objects: RenderedObject[]): KubeObject[] {
  return objects.map((o) => o.object).filter((o) => o.kind === 'CustomResourceDefinition' && o.apiVersion.startsWith('apiextensions.k8s.io/'));
}
