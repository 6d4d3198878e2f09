import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Environment } from '../model/environment.ts';
import { addInputs, emptyInputSet, type InputSet, type InputWalker, type RefSite } from './input-walker.ts';

/**
 * What a Rancher Fleet bundle's render reads (src/render/fleet.ts): every file of the bundle folder
 * (Fleet reads them all: raw YAML, overlays, templates, a chart, a kustomization), plus what reaches
 * outside it — a kustomize base elsewhere, `helm.chart` or `helm.valuesFiles` in another folder — and
 * the GitRepo that defines it.
 */
export function fleetInputs(walker: InputWalker, env: Environment, dir: string, site: (field: string) => RefSite): InputSet {
  const out = emptyInputSet();
  addInputs(out, walker.subtree(dir, false));
  for (const file of env.fleet?.definedBy ?? []) out.files.add(file);
  const inBundle = (p: string) => posix.normalize(dir === '.' ? p : `${dir}/${p}`);
  const kustomizeDir = inBundle(env.fleet?.kustomizeDir ?? '.');
  if (existsSync(join(walker.root, kustomizeDir, 'kustomization.yaml'))) addInputs(out, walker.kustomization(kustomizeDir, site('kustomize.dir')));
  if (env.fleet?.helm?.chart) {
    const chart = inBundle(env.fleet.helm.chart);
    if (existsSync(join(walker.root, chart, 'Chart.yaml'))) addInputs(out, walker.helmChart(chart));
  }
  for (const file of env.fleet?.valuesFiles ?? []) out.files.add(inBundle(file));
  return out;
}
