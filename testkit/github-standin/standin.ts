// A local GitHub for tests and the demo: the REST operations bosun uses (validated against GitHub's
// OpenAPI description), the GraphQL minimizeComment mutation, App authentication, git over smart HTTP,
// and webhook deliveries signed like GitHub's.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintInstallationToken } from './auth/credentials.ts';
import { publicKeyOf, signAppJwt, standinAppKey } from './auth/jwt.ts';
import type { GitCounts } from './git/http-backend.ts';
import { presentAnnotation, presentCheckRun } from './present/checks.ts';
import { presentDeployment, presentDeploymentStatus } from './present/deployments.ts';
import { presentComment, presentIssue, presentReaction } from './present/issues.ts';
import { checkRunFields, pushFields } from './present/payloads.ts';
import { presentPull } from './present/pulls.ts';
import { presentRepo } from './present/repos.ts';
import { botLogin, type AppInfo, type Site } from './present/site.ts';
import { presentUser } from './present/users.ts';
import { pullStats } from './git/repo-git.ts';
import { Faults } from './faults.ts';
import { RateLimits } from './rate-limit.ts';
import { allHandlers } from './rest/handlers/index.ts';
import { addComment, addIssue, addPullRequest, addRepo, addReview, needRepo, setPermission, updatePullRequest } from './seed.ts';
import { createRequestHandler } from './server.ts';
import { Store, nodeId, timestamp } from './state/store.ts';
import type { GitHubStandin, GitHubStandinOptions, RequestRecord } from './types.ts';
import { deliverWebhook, type Delivery } from './webhooks/deliver.ts';
import { examplePayload } from './webhooks/examples.ts';
import { presentHookDelivery, recordHookDelivery } from './webhooks/hook-deliveries.ts';

/** The permissions and events of bosun's App manifest (app.yml). */
const appPermissions = { metadata: 'read', contents: 'write', pull_requests: 'write', issues: 'write', checks: 'write', deployments: 'write' };
const appEvents = ['pull_request', 'push', 'issue_comment', 'check_run', 'check_suite'];

export async function startGitHubStandin(opts: GitHubStandinOptions = {}): Promise<GitHubStandin> {
  const now = opts.now ?? Date.now;
  const host = opts.host ?? '127.0.0.1';
  const appId = opts.appId ?? 4242;
  const privateKey = opts.privateKeyPem ?? standinAppKey();
  const appKey = publicKeyOf(privateKey);
  const store = new Store();
  const app: AppInfo = {
    id: appId,
    slug: opts.appSlug ?? 'bosun',
    name: opts.appSlug ?? 'bosun',
    owner: 'bosun-gitops',
    createdAt: timestamp(now()),
    permissions: appPermissions,
    events: appEvents,
  };
  // url and api are filled in once the port is known.
  const site: Site = { web: '', api: '', app, store, appPrivateKey: privateKey };
  const limits = new RateLimits();
  const faults = new Faults();
  const requests: RequestRecord[] = [];
  const deliveries: Delivery[] = [];
  const gitCounts = new Map<string, GitCounts>();
  const countsFor = (key: string): GitCounts => {
    let c = gitCounts.get(key);
    if (!c) gitCounts.set(key, (c = { advertisements: 0, fetches: 0, pushes: 0 }));
    return c;
  };

  const server = createServer(
    createRequestHandler({
      site,
      handlers: allHandlers(limits),
      limits,
      faults,
      appKey,
      checkResponses: opts.checkResponses ?? true,
      now,
      gitCounts: countsFor,
      record: (entry) => {
        const full: RequestRecord = { seq: requests.length + 1, timestamp: new Date(now()).toISOString(), ...entry };
        requests.push(full);
        if (opts.log) {
          const notes = [
            ...(full.rejected ?? []).map((p) => `rejected: ${p.message}`),
            ...(full.responseProblems ?? []).map((p) => `answer does not match GitHub's schema: ${p}`),
          ];
          opts.log(`[github-standin] ${full.method} ${full.path} → ${full.status}${full.operationId ? ` (${full.operationId})` : ''}${notes.length ? `\n  ${notes.join('\n  ')}` : ''}`);
        }
      },
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const gheHost = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  site.web = `http://${gheHost}`;
  site.api = `${site.web}/api/v3`;

  const repoOf = (owner: string, repo: string) => needRepo(site, owner, repo);

  return {
    url: site.web,
    apiUrl: site.api,
    gheHost,
    appId,
    appSlug: app.slug,
    botLogin: botLogin(site),
    privateKey,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),

    addRepo: (seed) => addRepo(site, seed, now()),
    setPermission: (owner, repo, user, level) => setPermission(site, owner, repo, user, level),
    addPullRequest: (seed) => addPullRequest(site, seed, now()),
    updatePullRequest: (owner, repo, number, changes) => updatePullRequest(site, owner, repo, number, changes, now()),
    addReview: (seed) => addReview(site, seed, now()),
    addComment: (seed) => addComment(site, seed, now()),
    addIssue: (seed) => addIssue(site, seed, now()),

    mintToken: (installationId) => {
      if (!store.installations.has(installationId)) throw new Error(`mintToken: no installation ${installationId}; add a repository for it first`);
      return mintInstallationToken(store, installationId, undefined, now()).token;
    },
    appJwt: () => signAppJwt(appId, privateKey, Math.floor(now() / 1000)),
    simulateRateLimit: ({ requests: n, retryAfter }) => limits.simulateSecondary(n, retryAfter),
    simulateFaults: (mode) => faults.start(mode, now()),
    faultCounts: () => faults.counts(),
    failNext: (fault) => faults.failNext(fault),
    armedFaults: () => faults.armed(),

    comments: (owner, repo, issue) => {
      const r = repoOf(owner, repo);
      return [...store.comments.values()].filter((c) => c.repo === r.key && c.issue === issue).sort((a, b) => a.id - b.id).map((c) => presentComment(site, r, c));
    },
    checkRuns: (owner, repo, sha) => {
      const r = repoOf(owner, repo);
      return [...store.runs.values()].filter((run) => run.repo === r.key && (!sha || run.headSha === sha)).map((run) => presentCheckRun(site, r, run));
    },
    annotations: (checkRunId) => {
      const run = store.runs.get(checkRunId);
      if (!run) throw new Error(`annotations: no check run ${checkRunId}`);
      const r = [...store.repos.values()].find((x) => x.key === run.repo);
      if (!r) throw new Error(`annotations: check run ${checkRunId} belongs to no repository`);
      return run.annotations.map((a) => presentAnnotation(site, r, run, a));
    },
    appRegistrations: () => [...store.manifestCodes.values()].map((r) => ({
      code: r.code,
      manifest: r.manifest,
      ...(r.org ? { org: r.org } : {}),
      ...(r.state !== undefined ? { state: r.state } : {}),
      ...(r.converted ? { webhookSecret: r.converted.webhookSecret } : {}),
    })),
    reactions: (commentId) => store.reactions.filter((x) => x.commentId === commentId).map((x) => presentReaction(site, x)),
    deployments: (owner, repo) => {
      const r = repoOf(owner, repo);
      return [...store.deployments.values()].filter((d) => d.repo === r.key).map((d) => presentDeployment(site, r, d));
    },
    deploymentStatuses: (deploymentId) => {
      const d = store.deployments.get(deploymentId);
      if (!d) throw new Error(`deploymentStatuses: no deployment ${deploymentId}`);
      const r = [...store.repos.values()].find((x) => x.key === d.repo);
      if (!r) throw new Error(`deploymentStatuses: deployment ${deploymentId} belongs to no repository`);
      return store.statuses.filter((s) => s.deploymentId === deploymentId).map((s) => presentDeploymentStatus(site, r, s));
    },
    issues: (owner, repo, filter = {}) => {
      const r = repoOf(owner, repo);
      const state = filter.state ?? 'all';
      const labels = (filter.labels ?? []).map((l) => l.toLowerCase());
      return [...store.issues.values()]
        .filter((i) => i.repo === r.key && (state === 'all' || i.state === state) && labels.every((l) => i.labels.some((x) => x.toLowerCase() === l)))
        .sort((a, b) => a.number - b.number)
        .map((i) => presentIssue(site, r, i));
    },
    pullRequest: async (owner, repo, number) => {
      const r = repoOf(owner, repo);
      const pr = store.pull(r.key, number);
      if (!pr) throw new Error(`pullRequest: ${owner}/${repo} has no pull request #${number}`);
      return presentPull(site, r, pr, await pullStats(r.gitDir, pr.base.sha, pr.head.sha));
    },
    git: (owner, repo) => ({ ...countsFor(repoOf(owner, repo).key) }),
    get requests() {
      return requests;
    },
    problems: () => requests.filter((r) => (r.rejected?.length ?? 0) > 0 || (r.responseProblems?.length ?? 0) > 0 || r.status === 501 || r.status === 500),

    webhook: async (event, payload, deliveryOpts) => {
      const opts = { appId, ...deliveryOpts, deliveryId: deliveryOpts.deliveryId ?? randomUUID() };
      const startedAt = now();
      const began = performance.now();
      const attempt = { guid: opts.deliveryId, event, body: JSON.stringify(payload), url: opts.url, secret: opts.secret, appId: opts.appId, redelivery: false, deliveredAt: startedAt };
      let delivery: Delivery;
      try {
        delivery = await deliverWebhook(event, payload, opts);
      } catch (err) {
        // GitHub logs an attempt nobody answered too ("failed to connect"); it can be redelivered.
        recordHookDelivery(store, { ...attempt, durationMs: Math.round(performance.now() - began), statusCode: 0 });
        throw err;
      }
      recordHookDelivery(store, { ...attempt, durationMs: Math.round(performance.now() - began), statusCode: delivery.status });
      deliveries.push(delivery);
      return delivery;
    },
    get deliveries() {
      return deliveries;
    },
    hookDeliveries: () => [...store.hookDeliveries].sort((a, b) => b.id - a.id).map((d) => presentHookDelivery(d)),
    redeliveriesSettled: async () => {
      while (store.pendingRedeliveries.size > 0) await Promise.all([...store.pendingRedeliveries]);
    },
    examplePayload: (event, action, ...overrides) => examplePayload(event, action, ...overrides),
    repoPayload: (owner, repo) => {
      const r = repoOf(owner, repo);
      const fields: Record<string, unknown> = {
        repository: presentRepo(site, r),
        installation: { id: r.installationId, node_id: nodeId('MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u', r.installationId) },
      };
      if (r.ownerType === 'Organization') {
        const org = presentUser(site, r.owner, 'Organization');
        fields.organization = {
          login: org.login,
          id: org.id,
          node_id: org.node_id,
          url: `${site.api}/orgs/${r.owner}`,
          repos_url: `${site.api}/orgs/${r.owner}/repos`,
          events_url: `${site.api}/orgs/${r.owner}/events`,
          hooks_url: `${site.api}/orgs/${r.owner}/hooks`,
          issues_url: `${site.api}/orgs/${r.owner}/issues`,
          members_url: `${site.api}/orgs/${r.owner}/members{/member}`,
          public_members_url: `${site.api}/orgs/${r.owner}/public_members{/member}`,
          avatar_url: org.avatar_url,
          description: null,
        };
      }
      return fields;
    },
    pullPayload: async (owner, repo, number) => {
      const r = repoOf(owner, repo);
      const pr = store.pull(r.key, number);
      if (!pr) throw new Error(`pullPayload: ${owner}/${repo} has no pull request #${number}`);
      return presentPull(site, r, pr, await pullStats(r.gitDir, pr.base.sha, pr.head.sha));
    },
    pushPayload: (owner, repo, push) => pushFields(site, repoOf(owner, repo), push),
    checkRunPayload: (checkRunId) => {
      const run = store.runs.get(checkRunId);
      const r = run && [...store.repos.values()].find((x) => x.key === run.repo);
      if (!run || !r) throw new Error(`checkRunPayload: no check run ${checkRunId}`);
      return checkRunFields(site, r, run);
    },
    issuePayload: (owner, repo, number) => {
      const r = repoOf(owner, repo);
      const item = store.issue(r.key, number) ?? store.pull(r.key, number);
      if (!item) throw new Error(`issuePayload: ${owner}/${repo} has no issue or pull request #${number}`);
      return presentIssue(site, r, item);
    },
  };
}
