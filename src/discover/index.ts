export { decideAffected, type AffectedDecision, type AffectedInput } from './affected.ts';
export { collectInputs, isInput } from './collect-inputs.ts';
export { discoverEnvironments, discoveryTiers, lookedFor } from './discover.ts';
export { noteLabel, noteText } from './notes.ts';
export { environmentForPath } from './explicit-path.ts';
export type { InputsCache } from './input-walker.ts';
export { detectRenderKind, isHelmChart, kustomizationFileNames, kustomizationFilesIn } from './render-kind.ts';
export { isSameRepo, normalizeRepoUrl } from './repo-url.ts';
export type { DiscoverOptions, DiscoveryContext, DiscoveryResult, DiscoverySource, EnvInputs } from './types.ts';
