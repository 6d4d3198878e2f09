import { RenderFailure, type Renderer, type RenderOutcome, type RenderRequest } from './types.ts';

/**
 * An Argo CD source rendered by a config management plugin (`source.plugin`): Argo CD's repo server hands
 * the folder to the plugin's sidecar and deploys whatever it prints (reposerver/repository/repository.go
 * GenerateManifests, ApplicationSourceTypePlugin → runConfigManagementPluginSidecars) — argocd-vault-plugin
 * placeholders filled from Vault, cdk8s, Tanka, a helm/kustomize pipeline with its own flags. bosun does
 * not run plugins, and its own reading of the folder would be a different render: not previewed.
 */
export const argocdPluginRenderer: Renderer = {
  name: 'argocd-plugin',
  render({ env }: RenderRequest): Promise<RenderOutcome> {
    const name = env.argocdPlugin ? ` \`${env.argocdPlugin}\`` : '';
    throw new RenderFailure({
      kind: 'render',
      file: env.definedIn?.file,
      line: env.definedIn?.line,
      field: 'spec.source.plugin',
      message: `Argo CD renders it with the config management plugin${name}, which bosun cannot run`,
      notPreviewed: true,
    });
  },
};
