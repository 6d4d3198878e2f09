/**
 * An ApplicationSet expanded into the Applications Argo CD's ApplicationSet controller would generate
 * (applicationset/controllers/applicationset_controller.go generateApplications + utils Render):
 * for each generator, its parameter sets; for each set, the template (with the generator's own `template`
 * merged over it) with every string templated, then `templatePatch` (goTemplate only), the
 * `resources-finalizer` unless `syncPolicy.preserveResourcesOnDeletion`, and the ApplicationSet's
 * namespace. Two Applications with the same name fail the ApplicationSet, as in Argo CD.
 */
import { parse as parseYaml } from 'yaml';
import type { DiscoveryNote } from '../model/discovery.ts';
import { mergeTemplates, templateValue, type TemplateMode } from './argocd-fasttemplate.ts';
import { mergePatch } from '../util/merge-patch.ts';
import { generate, maxGeneratedApplications, NotExpanded, sourceDirsOf, sourceFilesOf, type GeneratorCluster, type Params } from './argocd-generators.ts';
import { renderGoTemplate, TemplateError } from './argocd-gotemplate.ts';
import { applicationSetNote } from './argocd-notes.ts';
import { applicationSetPolicy } from './argocd-appset-policy.ts';
import { placeInRollout, rollingSyncSteps, stepOrderText, type RolloutPlacement } from './argocd-rolling-sync.ts';
import { field, isRecord, list, str } from './object-fields.ts';
import { literalPrefix, objectNote, readsFrom } from './notes.ts';
import { generatedNameProblem } from './argocd-app-name.ts';
import type { YamlObjectDoc } from './yaml-object-doc.ts';
import { isSameRepo } from './repo-url.ts';
import type { DiscoveryContext } from './types.ts';
import { followsDefaultBranch } from './argocd-revision.ts';

export interface GeneratedApplication {
  object: Record<string, unknown>;
  /** Repository files its parameters were read from (git files generator). */
  inputs: string[];
  /** Repository files and folders a git generator found it by: without them it is not generated. */
  generatedFrom: string[];
  /** Its step in the ApplicationSet's RollingSync, when it has one (argocd-rolling-sync.ts). */
  rollout?: RolloutPlacement;
}

export interface Expansion {
  applications: GeneratedApplication[];
  notes: DiscoveryNote[];
  /** Why Argo CD keeps what an Application it stops generating deployed (`preserveResourcesOnDeletion`, `applicationsSync`), when it does. */
  keepObjects?: string;
}

const resourcesFinalizer = 'resources-finalizer.argocd.argoproj.io';
const generationFailed = 'generates nothing bosun can preview: ';
/** What a failing ApplicationSet means in Argo CD, after why it fails (argocd-kept.ts previews what it keeps). */
const whileFailing = '. While it fails, Argo CD creates, updates and deletes none of its Applications: the new ones it would generate are not created, and those it generated before keep their last generated spec and keep syncing (previewed so)';
const invalidName = 'is not a valid Application name';

/**
 * The ApplicationSets of a checkout (by name) whose reconcile Argo CD ends before it deletes anything, with
 * why: generating failed (a template or generator error: GenerateApplications returns it, and Reconcile returns
 * at once), or an Application it generates cannot be created (createOrUpdateInCluster's error returns before
 * deleteInCluster; applicationset_controller.go Reconcile). The Applications such an ApplicationSet generated
 * before stay as they were, and keep syncing their sources. Read from the discovery notes expandApplicationSet writes.
 */
export function appSetsDeletingNothing(notes: readonly DiscoveryNote[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const note of notes) {
    if (note.kind !== 'ApplicationSet' || !note.name || out.has(note.name)) continue;
    const at = note.reason.indexOf(generationFailed);
    if (at >= 0) out.set(note.name, `it fails to generate (${note.reason.slice(at + generationFailed.length).replace(whileFailing, '')})`);
    else if (note.reason.includes(invalidName)) out.set(note.name, `it cannot create one of its Applications (${note.reason.split('; ')[0]})`);
  }
  return out;
}

export function expandApplicationSet(ctx: DiscoveryContext, doc: YamlObjectDoc, clusters: GeneratorCluster[] | undefined, limit = maxGeneratedApplications): Expansion {
  const spec = field(doc.object, 'spec');
  const goTemplate = field(spec, 'goTemplate') === true;
  const options = list(field(spec, 'goTemplateOptions')).map(String);
  const mode: TemplateMode = { goTemplate, missingKeyError: options.includes('missingkey=error') };
  const preserve = field(spec, 'syncPolicy', 'preserveResourcesOnDeletion') === true;
  const policy = applicationSetPolicy(str(field(doc.object, 'metadata', 'name')) ?? '', spec);
  const kept = policy.keepObjects ? { keepObjects: policy.keepObjects } : {};
  const caveats: string[] = [];
  const notes: DiscoveryNote[] = policy.notes.map((text) => objectNote(doc, 'info', text));
  const template = field(spec, 'template');
  const templatePatch = str(field(spec, 'templatePatch'));
  const appsetNamespace = str(field(doc.object, 'metadata', 'namespace'));
  const failed = (why: string) => {
    const seen = applicationSetNote(ctx, doc);
    return { applications: [], ...kept, notes: [...notes, { ...seen, reason: `${generationFailed}${why}${whileFailing}` }] };
  };
  if (templatePatch && !goTemplate) return failed('templatePatch needs goTemplate: true (Argo CD refuses it otherwise)');

  const genCtx = {
    root: ctx.root,
    mode,
    isThisRepo: (url: unknown) => (ctx.repoUrls ? isSameRepo(url, ctx.repoUrls) : true),
    followsBase: (revision: string | undefined) => {
      if (revision === undefined || revision === '' || revision === 'HEAD') return followsDefaultBranch(ctx);
      if (!ctx.branch) return undefined;
      return revision === ctx.branch || revision === `refs/heads/${ctx.branch}`;
    },
    ...(clusters ? { clusters } : {}),
    caveats,
    maxParams: limit,
  };
  const applications: GeneratedApplication[] = [];
  const names = new Map<string, number>();
  for (const [i, generator] of list(field(spec, 'generators')).entries()) {
    let params: Params[];
    try {
      params = generate(generator, genCtx);
    } catch (e) {
      if (e instanceof NotExpanded) {
        // Argo CD generates from each generator independently; the others still count.
        const seen = applicationSetNote(ctx, doc);
        notes.push({ ...seen, reason: `generators[${i}] not expanded: ${e.message}; the Applications it generates are not previewed` });
        continue;
      }
      if (e instanceof TemplateError) return failed(`generators[${i}]: ${e.message}`);
      throw e;
    }
    if (applications.length + params.length > limit) return failed(`generators[${i}]: it generates more than ${limit} Applications, more than bosun expands for one plan (at most ${maxGeneratedApplications} in all); split it or narrow its generators`);
    // A generator's own `template` (list.template, git.template…) wins over the ApplicationSet's
    // (controllers' mergeGeneratorTemplate: mergo.Merge into the generator's copy).
    const kindKey = isRecord(generator) ? Object.keys(generator).find((k) => k !== 'selector') : undefined;
    const merged = mergeTemplates(template, kindKey ? field(generator, kindKey, 'template') : undefined);
    for (const p of params) {
      let app: unknown;
      try {
        app = templateValue(merged, p, mode);
        if (templatePatch) {
          const patchText = renderGoTemplate(templatePatch, p, { missingKeyError: mode.missingKeyError });
          const patch: unknown = parseYaml(patchText);
          // A patch that renders to nothing (an `if` that does not hold) changes nothing.
          if (patch !== null && patch !== undefined) app = mergePatch(app, patch);
        }
      } catch (e) {
        if (e instanceof TemplateError) return failed(`${e.message} (parameters ${JSON.stringify(p).slice(0, 200)})`);
        if (e instanceof Error && e.name === 'YAMLParseError') return failed(`templatePatch does not render to YAML: ${e.message.split('\n')[0]}`);
        throw e;
      }
      const metadata = isRecord(field(app, 'metadata')) ? { ...(field(app, 'metadata') as Record<string, unknown>) } : {};
      if (appsetNamespace) metadata.namespace = appsetNamespace;
      if (!preserve && list(metadata.finalizers).length === 0) metadata.finalizers = [resourcesFinalizer];
      const name = str(metadata.name);
      if (!name) return failed('a generated Application has no metadata.name');
      const nameProblem = generatedNameProblem(name);
      if (nameProblem) {
        // Argo CD creates the others and never this one: not previewed, over what it would deploy.
        const ownName = kindKey && field(generator, kindKey, 'template', 'metadata', 'name') !== undefined;
        const line = doc.lineOf(ownName ? ['spec', 'generators', i, kindKey, 'template', 'metadata', 'name'] : ['spec', 'template', 'metadata', 'name']) ?? doc.line;
        const sources = [field(app, 'spec', 'source'), ...list(field(app, 'spec', 'sources'))].filter(isRecord).filter((s) => genCtx.isThisRepo(s.repoURL));
        const reads = readsFrom(ctx.root, [doc.file, ...sources.map((s) => literalPrefix(str(s.path) ?? ''))]);
        notes.push(objectNote(doc, 'not-previewed', `generators[${i}]: ${nameProblem}; what it would deploy is not previewed. While it fails, Argo CD deletes none of the Applications this ApplicationSet stops generating`, { line, reads }));
        continue;
      }
      names.set(name, (names.get(name) ?? 0) + 1);
      applications.push({ object: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata, spec: field(app, 'spec') ?? {} }, inputs: sourceFilesOf(p), generatedFrom: [...sourceFilesOf(p), ...sourceDirsOf(p)] });
    }
  }
  const duplicate = [...names].find(([, n]) => n > 1)?.[0];
  if (duplicate) return failed(`two generated Applications are named "${duplicate}" (Argo CD: "ApplicationSet contains applications with duplicate name")`);
  for (const caveat of caveats) notes.push(objectNote(doc, 'info', caveat));
  // Progressive syncs pick each Application's step by the generated Application's own labels.
  const steps = rollingSyncSteps(spec);
  if (steps && steps.length > 0 && applications.length > 0) {
    const appSetName = str(field(doc.object, 'metadata', 'name')) ?? '';
    const defaultPrune = field(spec, 'strategy', 'rollingSync', 'defaultPrune') === true;
    for (const app of applications) app.rollout = { ...placeInRollout(appSetName, steps, field(app.object, 'metadata', 'labels')), ...(defaultPrune ? { defaultPrune } : {}) };
    // A percentage maxUpdate is taken of the Applications whose (first) step it is (controller: totalCountMap).
    for (const app of applications) app.rollout!.stepSize = applications.filter((a) => a.rollout!.step && a.rollout!.step.number === app.rollout!.step?.number).length;
    const placed = applications.map((a) => ({ name: str(field(a.object, 'metadata', 'name')) ?? '', placement: a.rollout! }));
    notes.push(objectNote(doc, 'info', `RollingSync steps in order: ${stepOrderText(steps, placed)}`));
  }
  return { applications, notes, ...kept };
}
