// Drift detection: what differs between the live cluster and Git, and how the drift issue shows it.
export { driftCounts, driftReport, isDrifted, objectLabel } from './report.ts';
export type { DriftItem, DriftKind, DriftReport, UncheckedItem } from './report.ts';
export { chooseBaseline, healRefusal } from './baseline.ts';
export type { Baseline, BaselineInput, NoBaseline } from './baseline.ts';
export { driftIssueTitle, driftMarker, driftStateComment, isDriftIssueBody, maxDiffLines, maxIssueBodyChars, renderDriftIssueBody, resolvedDriftIssueBody, when } from './issue-body.ts';
export type { DriftIssueInput, DriftIssueStatus, HealNote } from './issue-body.ts';
