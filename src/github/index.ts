export type { GitHubClient, GitHubResponse, RepoRef } from './client.ts';
export { GitHubError } from './errors.ts';
export { rateLimitWait, withGitHubRetry, withRetries } from './retry.ts';
export type { RetryOptions, RetryWait } from './retry.ts';
export { commentMarker, ensureStickyComment, isStickyComment, maxCommentChars, stickyBody } from './sticky-comment.ts';
export type { StickyCommentArgs, StickyCommentLog, StickyCommentResult } from './sticky-comment.ts';
export { annotationsFromFindings, annotationsPerRequest, batches, fitOutput, maxCheckOutputChars } from './check-output.ts';
export type { CheckAnnotation } from './check-output.ts';
export { completeCheckRun, createCheckRun, findCheckRun, listCheckRuns, updateCheckRun } from './check-runs.ts';
export type {
  CheckAction,
  CheckConclusion,
  CheckRunInfo,
  CheckRunRef,
  CompleteCheckRunArgs,
  CompleteCheckRunResult,
  CreateCheckRunArgs,
  UpdateCheckRunArgs,
} from './check-runs.ts';
export { addReaction } from './reactions.ts';
export type { ReactionContent } from './reactions.ts';
export { getPermission } from './permission.ts';
export { createDeployment, findJobDeployment, hasDeploymentStatus, latestDeploymentState, maxDeploymentDescription, setDeploymentStatus, terminalDeploymentStates, truncateDescription } from './deployments.ts';
export type { CreateDeploymentArgs, DeploymentState, DeploymentStatusArgs } from './deployments.ts';
export { graphqlRoute, minimizeComment } from './minimize-comment.ts';
export type { MinimizeReason } from './minimize-comment.ts';
export { driftLabel, ensureDriftLabel, findDriftIssue, syncDriftIssue } from './drift-issue.ts';
export type { DriftIssueRef, DriftIssueStep, FindDriftIssueArgs, SyncDriftIssueArgs, SyncDriftIssueResult } from './drift-issue.ts';
export { commandReplier, postedReplies, replyMarker } from './command-replies.ts';
