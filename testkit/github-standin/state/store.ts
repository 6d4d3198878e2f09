// The stand-in's memory: one instance per server. Ids of each kind start in their own range, so an id
// of one kind passed where another is expected finds nothing instead of the wrong thing.
import type {
  CheckRunRecord,
  CheckSuiteRecord,
  CommentRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  InstallationRecord,
  IssueRecord,
  ManifestRegistrationRecord,
  PullRecord,
  ReactionRecord,
  RepoRecord,
  ReviewRecord,
  TokenRecord,
  UserRecord,
} from './records.ts';
import type { HookDeliveryRecord } from '../webhooks/hook-deliveries.ts';

const idBase = {
  user: 10_000,
  repo: 200_000,
  installation: 3_000,
  issue: 4_000_000,
  pull: 5_000_000,
  comment: 6_000_000,
  reaction: 7_000_000,
  suite: 8_000_000,
  run: 9_000_000,
  deployment: 10_000_000,
  status: 11_000_000,
  review: 12_000_000,
  label: 13_000_000,
  hookDelivery: 14_000_000,
} as const;

export type IdKind = keyof typeof idBase;

/** GitHub-style global node id: a type prefix and an opaque part the stand-in can decode again. */
export function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(`standin:${prefix}:${id}`).toString('base64url')}`;
}

export function decodeNodeId(value: string): { prefix: string; id: number } | undefined {
  const m = /^([A-Za-z]+)_([A-Za-z0-9_-]+)$/.exec(value);
  if (!m) return undefined;
  const inner = /^standin:([A-Za-z]+):(\d+)$/.exec(Buffer.from(m[2], 'base64url').toString('utf8'));
  if (!inner || inner[1] !== m[1]) return undefined;
  return { prefix: inner[1], id: Number(inner[2]) };
}

/** GitHub's timestamp format: ISO 8601 in UTC, whole seconds. */
export function timestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}

export class Store {
  readonly users = new Map<string, UserRecord>();
  readonly repos = new Map<string, RepoRecord>();
  readonly installations = new Map<number, InstallationRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly issues = new Map<string, IssueRecord>();
  readonly pulls = new Map<string, PullRecord>();
  readonly reviews: ReviewRecord[] = [];
  readonly comments = new Map<number, CommentRecord>();
  readonly reactions: ReactionRecord[] = [];
  readonly suites = new Map<number, CheckSuiteRecord>();
  readonly runs = new Map<number, CheckRunRecord>();
  readonly deployments = new Map<number, DeploymentRecord>();
  readonly statuses: DeploymentStatusRecord[] = [];
  readonly labelIds = new Map<string, number>();
  /** Manifest registrations by their code. */
  readonly manifestCodes = new Map<string, ManifestRegistrationRecord>();
  /** Every attempt to deliver a webhook to the App, oldest first (`GET /app/hook/deliveries`). */
  readonly hookDeliveries: HookDeliveryRecord[] = [];
  /** Redeliveries accepted (202) and still being sent. */
  readonly pendingRedeliveries = new Set<Promise<void>>();
  private readonly counters = new Map<IdKind, number>();

  nextId(kind: IdKind): number {
    const next = (this.counters.get(kind) ?? idBase[kind]) + 1;
    this.counters.set(kind, next);
    return next;
  }

  user(login: string): UserRecord {
    const key = login.toLowerCase();
    let user = this.users.get(key);
    if (!user) {
      user = { id: this.nextId('user'), login, type: login.endsWith('[bot]') ? 'Bot' : 'User' };
      this.users.set(key, user);
    }
    return user;
  }

  repo(owner: string, name: string): RepoRecord | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  issue(repo: string, number: number): IssueRecord | undefined {
    return this.issues.get(`${repo}#${number}`);
  }

  pull(repo: string, number: number): PullRecord | undefined {
    return this.pulls.get(`${repo}#${number}`);
  }

  labelId(repo: string, name: string): number {
    const key = `${repo}:${name.toLowerCase()}`;
    let id = this.labelIds.get(key);
    if (id === undefined) this.labelIds.set(key, (id = this.nextId('label')));
    return id;
  }
}
