import { RenderFailure, type Renderer, type RenderOutcome, type RenderRequest } from './types.ts';

/**
 * An Argo CD source that follows another revision of this repository than the commit being rendered
 * (`targetRevision` a tag, a commit, another branch — `Environment.pinned`): Argo CD's repo server checks out
 * that revision and renders it (reposerver/repository/repository.go GenerateManifests at the resolved
 * revision), so this commit's folder is not what Argo CD deploys. Such an environment is rendered only when
 * its definition changed (discover/affected.ts skips it otherwise) — a change that pins it to a tag, moves
 * it back to the branch, or edits it while pinned — and showing this commit's files there read as "0
 * changes" for an Application that now deploys v1.0.0. bosun does not render other revisions: not previewed.
 */
export const argocdPinnedRenderer: Renderer = {
  name: 'argocd-pinned',
  render({ env }: RenderRequest): Promise<RenderOutcome> {
    throw new RenderFailure({
      kind: 'render',
      file: env.definedIn?.file,
      line: env.definedIn?.line,
      field: 'spec.source.targetRevision',
      message: `Argo CD deploys it from \`${env.pinned ?? ''}\` (targetRevision), not from this commit's files, and bosun does not render other revisions of the repository`,
      notPreviewed: true,
    });
  },
};
