// The steady load: at a fixed rate, one GitHub event at a time in a seeded mix — pull requests opened,
// pushed to (synchronize) and closed, `/bosun plan` comments, pushes to main — each backed by a real commit
// or comment in the stand-in, delivered signed like GitHub's without waiting for the previous answer.
// What came back is tracked as a user sees it: the webhook's answer and how long it took, when bosun's
// comment first showed a head, when a command got its 🚀.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryRecord, Timed } from './criteria.ts';
import type { SoakRepo } from './repo.ts';
import { maintainer, owner, repoName, type SoakStack } from './stack.ts';

type Json = Record<string, unknown>;
type Kind = 'opened' | 'synchronize' | 'closed' | 'comment' | 'push';

const weights: Record<Kind, number> = { synchronize: 35, opened: 20, comment: 20, push: 15, closed: 10 };

export interface LoadOptions {
  durationMs: number;
  perSecond: number;
  seed: number;
  /** Open pull requests at most (a new one is opened only below it; one is closed only above 2). */
  maxOpen: number;
}

interface HeadWait { pr: number; sha: string; sentAt: number; state: 'pending' | 'done' | 'superseded' | 'closed' }
interface CommandWait { id: number; pr: number; sentAt: number; state: 'pending' | 'rocket' | 'confused' }

export interface Load {
  /** Runs the load for `durationMs`; resolves once every delivery was answered. */
  run(): Promise<void>;
  /** Checks pending comments and reactions (call often; also runs by itself while the load runs). */
  poll(): void;
  /** Whether every head has its comment (or was replaced / closed) and every command its reaction. */
  settled(): boolean;
  readonly startedAt: number;
  deliveries: DeliveryRecord[];
  prComments(): Timed[];
  prUnanswered(): string[];
  superseded(): number;
  commands(): { sent: number; rocket: number; unanswered: string[] };
  pushes(): { sent: number; last?: string };
  /** Pull requests with more than one bosun plan comment (there must be one, edited in place). */
  duplicateComments(): string[];
  /** What the driver sent for a pull request, in order (`<ms> <event> <head or comment>`): read when a head misses. */
  history(pr: number): string[];
}

/** mulberry32: a small seeded generator, so a run's sequence of events can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createLoad(stack: SoakStack, repo: SoakRepo, opts: LoadOptions): Load {
  const { gh } = stack;
  const rand = random(opts.seed);
  const open: number[] = [];
  const revisions = new Map<number, number>();
  const heads: HeadWait[] = [];
  const commands: CommandWait[] = [];
  const deliveries: DeliveryRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  let startedAt = 0;
  let nextPr = 1;
  let pushes = 0;
  let lastPush: string | undefined;
  const now = (): number => performance.now() - startedAt;
  const sent = new Map<number, string[]>();
  const note = (pr: number, line: string): void => void sent.set(pr, [...(sent.get(pr) ?? []), `${Math.round(now())} ms ${line}`]);
  const pending = (pr: number): boolean => heads.some((h) => h.pr === pr && h.state === 'pending') || commands.some((c) => c.pr === pr && c.state === 'pending');

  const deliver = (kind: string, event: string, payload: Json, onSent?: (at: number) => void): void => {
    const t = now();
    onSent?.(t);
    const p = stack.send(event, payload).then(
      (d) => void deliveries.push({ t, kind, status: d.status, ackMs: now() - t }),
      () => void deliveries.push({ t, kind, status: 0, ackMs: now() - t }),
    ).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const prEvent = async (pr: number, action: string, sha?: string): Promise<void> => {
    const payload = gh.examplePayload('pull_request', action, gh.repoPayload(owner, repoName), { number: pr, pull_request: await gh.pullPayload(owner, repoName, pr) });
    deliver(action, 'pull_request', payload, (t) => {
      note(pr, `${action}${sha ? ` ${sha.slice(0, 7)}` : ''}`);
      if (!sha) return;
      for (const h of heads) if (h.pr === pr && h.state === 'pending') h.state = 'superseded';
      heads.push({ pr, sha, sentAt: t, state: 'pending' });
    });
  };

  const pick = (): Kind => {
    const allowed = (Object.keys(weights) as Kind[]).filter((k) => {
      if (k === 'opened') return open.length < opts.maxOpen;
      if (k === 'closed') return open.length > 2 && open.some((pr) => !pending(pr));
      if (k === 'synchronize' || k === 'comment') return open.length > 0;
      return true;
    });
    const total = allowed.reduce((s, k) => s + weights[k], 0);
    let r = rand() * total;
    for (const k of allowed) if ((r -= weights[k]) < 0) return k;
    return allowed.at(-1)!;
  };
  const anyOpen = (): number => open[Math.floor(rand() * open.length)];

  const step = async (): Promise<void> => {
    const kind = pick();
    if (kind === 'opened') {
      // Issues share the numbers: the App opens drift issues while the soak runs, so a number is taken when free.
      const taken = (n: number): boolean => gh.issues(owner, repoName).some((i) => i.number === n);
      let pr = nextPr++;
      let head: string;
      for (let tries = 1; ; tries++) {
        while (taken(pr)) pr = nextPr++;
        head = await repo.openBranch(pr);
        try {
          await gh.addPullRequest({ owner, repo: repoName, number: pr, head: { ref: `pr-${pr}`, sha: head }, base: { ref: 'main' }, user: maintainer, title: `soak change ${pr}` });
          break;
        } catch (err) {
          // An issue took the number while the branch was being made.
          if (tries >= 5 || !taken(pr)) throw err;
          pr = nextPr++;
        }
      }
      revisions.set(pr, 1);
      open.push(pr);
      await prEvent(pr, 'opened', head);
    } else if (kind === 'synchronize') {
      const pr = anyOpen();
      const revision = (revisions.get(pr) ?? 1) + 1;
      revisions.set(pr, revision);
      const head = await repo.pushToBranch(pr, revision);
      await gh.updatePullRequest(owner, repoName, pr, { head: { sha: head } });
      await prEvent(pr, 'synchronize', head);
    } else if (kind === 'closed') {
      const pr = open.find((n) => !pending(n))!;
      open.splice(open.indexOf(pr), 1);
      await gh.updatePullRequest(owner, repoName, pr, { state: 'closed' });
      await prEvent(pr, 'closed');
    } else if (kind === 'comment') {
      const pr = anyOpen();
      const c = gh.addComment({ owner, repo: repoName, issue: pr, user: maintainer, body: '/bosun plan' });
      const payload = gh.examplePayload('issue_comment', 'created', gh.repoPayload(owner, repoName), { issue: gh.issuePayload(owner, repoName, pr), comment: c });
      deliver('comment', 'issue_comment', payload, (t) => {
        note(pr, `comment ${c.id} /bosun plan`);
        commands.push({ id: Number(c.id), pr, sentAt: t, state: 'pending' });
      });
    } else {
      pushes++;
      const range = await repo.pushToMain(pushes);
      lastPush = range.after;
      const payload = gh.examplePayload('push', undefined, gh.repoPayload(owner, repoName), await gh.pushPayload(owner, repoName, range));
      deliver('push', 'push', payload);
    }
  };

  const prComments: Timed[] = [];
  const poll = (): void => {
    const t = now();
    const bodies = new Map<number, string>();
    const sticky = (pr: number): string => {
      if (!bodies.has(pr)) bodies.set(pr, String(gh.comments(owner, repoName, pr).find((c) => String(c.body).startsWith('<!-- bosun:plan -->'))?.body ?? ''));
      return bodies.get(pr)!;
    };
    for (const h of heads) {
      if (h.state !== 'pending') continue;
      if (sticky(h.pr).includes(h.sha.slice(0, 7))) {
        h.state = 'done';
        prComments.push({ t: h.sentAt, value: t - h.sentAt });
      }
    }
    for (const c of commands) {
      if (c.state !== 'pending') continue;
      const reactions = gh.reactions(c.id).map((r) => r.content);
      if (reactions.includes('rocket')) c.state = 'rocket';
      else if (reactions.includes('confused')) c.state = 'confused';
    }
  };

  return {
    get startedAt() {
      return startedAt;
    },
    deliveries,
    async run() {
      startedAt = performance.now();
      const interval = 1000 / opts.perSecond;
      const poller = setInterval(poll, 100);
      try {
        // One event per slot of the wall clock. A driver that falls behind (each event is a real commit
        // or comment; on an overloaded machine that takes longer than a slot) skips the slots it missed
        // instead of catching up in a burst, and the load ends on time whatever rate it reached.
        for (let slot = 0; ; slot = Math.max(slot + 1, Math.floor(now() / interval))) {
          const due = slot * interval;
          if (due >= opts.durationMs || now() >= opts.durationMs) break;
          const wait = due - now();
          if (wait > 0) await sleep(wait);
          await step();
        }
        while (inFlight.size > 0) await Promise.all([...inFlight]);
      } finally {
        clearInterval(poller);
      }
    },
    poll,
    settled: () => heads.every((h) => h.state !== 'pending') && commands.every((c) => c.state !== 'pending'),
    prComments: () => prComments,
    prUnanswered: () => heads.filter((h) => h.state === 'pending').map((h) => `#${h.pr}@${h.sha.slice(0, 7)}`),
    superseded: () => heads.filter((h) => h.state === 'superseded').length,
    commands: () => ({
      sent: commands.length,
      rocket: commands.filter((c) => c.state === 'rocket').length,
      unanswered: commands.filter((c) => c.state !== 'rocket').map((c) => `#${c.pr} comment ${c.id} ${c.state}`),
    }),
    pushes: () => ({ sent: pushes, ...(lastPush ? { last: lastPush } : {}) }),
    history: (pr) => sent.get(pr) ?? [],
    duplicateComments: () => Array.from({ length: nextPr - 1 }, (_, i) => i + 1).flatMap((pr) => {
      const n = gh.comments(owner, repoName, pr).filter((c) => String(c.body).startsWith('<!-- bosun:plan -->')).length;
      return n > 1 ? [`#${pr}: ${n}`] : [];
    }),
  };
}
