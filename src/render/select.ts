import type { Environment } from '../model/environment.ts';
import { hasChart, kustomizationFileIn } from './detect.ts';
import { helmRenderer } from './helm.ts';
import { helmReleaseRenderer } from './helmrelease.ts';
import { argocdRemoteChartRenderer } from './argocd-remote-chart.ts';
import { argocdPluginRenderer } from './argocd-plugin.ts';
import { argocdPinnedRenderer } from './argocd-pinned.ts';
import { fluxGeneratedRenderer, kustomizeRenderer } from './kustomize.ts';
import { directoryRenderer } from './directory.ts';
import { fleetRenderer } from './fleet.ts';
import { plainRenderer } from './plain.ts';
import { RenderFailure, type Renderer } from './types.ts';

/**
 * Picks the renderer for an environment folder. 'auto': a kustomization file → kustomize; a Flux
 * environment without one → the kustomization Flux generates (kustomize-controller never runs helm or reads
 * plain folders itself, so even a folder with Chart.yaml goes this way, and fails as it would in Flux);
 * Chart.yaml → helm; otherwise plain YAML.
 */
export function selectRenderer(env: Environment, absDir: string): Renderer {
  const where = { file: env.definedIn?.file, line: env.definedIn?.line, field: 'render' };
  // A Flux HelmRelease: rendered from its Kustomization's output and its chart, whatever its path holds.
  if (env.helmRelease) return helmReleaseRenderer;
  // An Argo CD chart from a Helm repository or OCI registry: fetched, whatever the path holds.
  if (env.remoteChart) return argocdRemoteChartRenderer;
  // An Argo CD source rendered by a config management plugin: not previewed, whatever the folder holds.
  if (env.argocdPlugin !== undefined) return argocdPluginRenderer;
  // An Argo CD source that follows a tag or another branch: Argo CD renders that revision, not this commit.
  if (env.pinned !== undefined) return argocdPinnedRenderer;
  switch (env.render) {
    case 'fleet':
      return fleetRenderer;
    case 'plain':
      return env.directory ? directoryRenderer : plainRenderer;
    case 'helm':
      if (!hasChart(absDir)) throw new RenderFailure({ kind: 'config', ...where, message: `render is helm but ${env.path} has no Chart.yaml` });
      return helmRenderer;
    case 'kustomize':
      if (kustomizationFileIn(absDir)) return kustomizeRenderer;
      if (env.source === 'flux') return fluxGeneratedRenderer;
      throw new RenderFailure({ kind: 'config', ...where, message: `render is kustomize but ${env.path} has no kustomization.yaml; add one or use render: auto` });
    default:
      if (kustomizationFileIn(absDir)) return kustomizeRenderer;
      if (env.source === 'flux') return fluxGeneratedRenderer;
      if (hasChart(absDir)) return helmRenderer;
      // An Argo CD directory source: its recurse / include / exclude / jsonnet rules.
      return env.directory ? directoryRenderer : plainRenderer;
  }
}
