import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';
import { fleetChartInBundle, fleetValuesPath, leavesRepo } from './fleet-options.ts';
import { addInputs, emptyInputSet, type InputSet, type InputWalker, type RefSite } from './input-walker.ts';

/**
 * What a Rancher Fleet bundle's render reads (src/render/fleet.ts): every file of the bundle folder
 * (Fleet reads them all: raw YAML, overlays, templates, a chart, a kustomization), plus what reaches
 * outside it — a kustomize base elsewhere, `helm.chart` in another folder, and `helm.valuesFiles`
 * wherever they are in the repository (`../shared/values.yaml`: Fleet merges it into the bundle's values,
 * so a change to it alone changes what the bundle deploys) — and the GitRepo that defines it. A
 * reference that leaves the repository is refused (kind 'path') at the fleet.yaml field that holds it;
 * discovery has recorded that problem with its line (FleetBundleRender.problem), and the render fails on it.
 */
export function fleetInputs(walker: InputWalker, env: Environment, dir: string, site: (field: string) => RefSite): InputSet {
  const out = emptyInputSet();
  const fleet = env.fleet;
  // What fleet.yaml names first, so that one leaving the repository (by `..` or a symlink) is refused at
  // the fleet.yaml field, before the walk of the bundle folder meets a symlink of it.
  const resolve = (p: string, field: string) => {
    const rel = fleetValuesPath(dir, p);
    if (leavesRepo(rel)) throw outside(env, field, `${field} "${p}" leaves the repository; bosun reads no file outside the repository`);
    return walker.paths.resolve('.', rel, problemSite(env, field));
  };
  const kustomizeDir = resolve(fleet?.kustomizeDir ?? '.', 'kustomize.dir');
  const chart = fleet?.helm?.chart ? resolve(fleet.helm.chart, 'helm.chart') : undefined;
  for (const file of fleet?.valuesFiles ?? []) {
    const r = resolve(file, 'helm.valuesFiles');
    out.files.add(r.rel);
    // A symlink to elsewhere in the repository makes that file an input too.
    if (r.symlinkTarget) out.files.add(r.symlinkTarget);
  }
  addInputs(out, walker.subtree(dir, false));
  for (const file of fleet?.definedBy ?? []) out.files.add(file);
  // A chart or kustomize folder reached by `..` is not in Fleet's bundle, so the render never reads it
  // (fleet-options.ts `fleetChartInBundle`): its files are not inputs of this bundle.
  const localChart = fleetChartInBundle(fleet?.helm?.chart ?? '.') && existsSync(join(walker.root, chart?.rel ?? dir, 'Chart.yaml'));
  // A chart's kustomize.dir post-renders the chart from the bundle's own files (render/fleet-post-render.ts),
  // all inputs already, and may name the `fleet-manifests.yaml` the agent writes there: not walked.
  const postRenders = localChart || fleet?.helm?.remote !== undefined;
  if (!postRenders && fleetChartInBundle(fleet?.kustomizeDir ?? '.') && existsSync(join(walker.root, kustomizeDir.rel, 'kustomization.yaml'))) addInputs(out, walker.kustomization(kustomizeDir.rel, site('kustomize.dir')));
  if (chart && localChart) addInputs(out, walker.helmChart(chart.rel));
  return out;
}

/**
 * Where fleet.yaml names `field`, for errors: discovery's recorded problem (file, line, field as written:
 * `targetCustomizations[0].helm.valuesFiles[1]`) when it is about that field, else fleet.yaml and the field.
 */
function problemSite(env: Environment, field: string): RefSite & { message?: string } {
  const p = env.fleet?.problem;
  const ours = p !== undefined && p.field !== undefined && p.field.replace(/\[\d+\]$/, '').endsWith(field);
  return {
    file: (ours ? p.file : undefined) ?? env.definedIn?.file ?? env.path,
    field: ours ? p.field! : field,
    line: () => (ours ? p.line : undefined),
    ...(ours ? { message: p.message } : {}),
  };
}

function outside(env: Environment, field: string, message: string): BosunError {
  const at = problemSite(env, field);
  const line = at.line();
  return new BosunError({ kind: 'path', file: at.file, ...(line ? { line } : {}), field: at.field, message: at.message ?? message });
}
