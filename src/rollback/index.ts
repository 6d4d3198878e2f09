export { revertBranchName } from './branch-name.ts';
export { chooseRevertMode, describeMode, oldestCommit } from './revert-mode.ts';
export type { CommitFacts, RevertModeInput, RevertPlan } from './revert-mode.ts';
export { chooseSnapshot, seqAfter } from './snapshot.ts';
export type { SnapshotChoice } from './snapshot.ts';
export { alsoUndoneLine, conflictReply, revertBody, revertTitle } from './messages.ts';
export type { RevertBodyFacts } from './messages.ts';
