/**
 * Affected detection reads repository files through the kustomize model (render/kustomize-model/), the
 * same walk the renderer checks before kustomize runs: what an environment's render reads is what the
 * model says a build reads. These names are the discovery side's view of it.
 */
export {
  addInputs,
  emptyInputSet,
  KustomizeModel as InputWalker,
  type InputsCache,
  type InputSet,
  type RefSite,
} from '../render/kustomize-model/index.ts';
