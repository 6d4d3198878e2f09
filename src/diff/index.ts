export { diffRenders, diffObject, diffPathName, changeId } from './change-diff.ts';
export { foldAcrossEnvironments, foldKey } from './fold.ts';
export type { FoldedChange } from './fold.ts';
export { normalize, noiseFields, sortKeys } from './normalize.ts';
export { classifyRisk, sortByRisk, compareChanges, highestRisk } from './risk.ts';
export { maskSecrets, isSecret, secretMasks } from './secrets.ts';
export type { MaskedSecrets, SecretKeyChanges } from './secrets.ts';
export { stableYaml } from './yaml-dump.ts';
