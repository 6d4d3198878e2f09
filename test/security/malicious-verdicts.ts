// What every malicious pull request suite asserts, in one place: through `bosun plan`
// (malicious-plan.test.ts, malicious-fleet-plan.test.ts) each case ends in a clear error or note naming the
// file (and the field) and leaks nothing; through the GitHub App (malicious-app.test.ts,
// malicious-fleet-app.test.ts) each report names the file and field and is not green, and nothing sent to
// GitHub or logged carries a canary. The suites differ only in their cases and how bosun is run.
import { expect } from 'vitest';
import type { Logger } from '../../queue/log.ts';
import { waitFor, type Harness } from '../../testkit/harness.ts';
import { scenario } from '../../testkit/scenario.ts';
import type { Canaries } from './canaries.ts';
import type { MaliciousCase } from './malicious-cases.ts';

/** Stand-ins for the canaries, enough to list the cases (their ids and titles) before any is planted. */
export const listingCanaries = { url: 'http://x', port: 1, dir: '/x', evil: '/x', marker: '/x', otherRepo: '/x', envValue: '', fileValue: '', secretValue: '' } as Canaries;

export interface Reported { file?: string; field?: string; message: string }

export interface CliRun { code: number; stdout: string; stderr: string }

/** Every problem the plan reports: render errors and discovery notes from the JSON (exit 0, 1, 3), or stderr (exit 2). */
export function planProblems(run: CliRun): Reported[] {
  if (run.code === 2) return [{ message: run.stderr }];
  const plan = JSON.parse(run.stdout) as { environments: Array<{ render: { error?: Reported } }>; discovery?: Array<{ file?: string; reason: string }> };
  const errors = plan.environments.flatMap((e) => (e.render.error ? [e.render.error] : []));
  const notes = (plan.discovery ?? []).map((n) => ({ ...(n.file ? { file: n.file } : {}), message: n.reason }));
  return [...errors, ...notes];
}

/** Whether a reported problem names the case's file (and field) with its message, or stderr says it. */
export function matchesExpected(found: Reported[], expected: MaliciousCase['expect'], stderrFallback = ''): boolean {
  return found.some((p) => {
    const text = `${p.file ?? ''} ${p.field ?? ''} ${p.message}`;
    const fileOk = p.file !== undefined ? p.file.startsWith(expected.file) : p.message.includes(expected.file);
    const fieldOk = !expected.field || expected.field.test(p.field ?? '') || expected.field.test(p.message);
    return fileOk && fieldOk && expected.message.test(text);
  }) || (stderrFallback !== '' && expected.message.test(stderrFallback) && stderrFallback.includes(expected.file));
}

/**
 * A `bosun plan` run of one case: never a silent green (the plan fails, or a skipped file leaves it
 * unjudged: exit 3, the file uncovered), the expected problem reported, no canary in its output, nothing
 * outside touched.
 */
export async function expectPlanVerdict(run: CliRun, theCase: MaliciousCase, canaries: Canaries): Promise<void> {
  const found = planProblems(run);
  expect(run.code, `${run.stderr}\n${JSON.stringify(found, null, 2)}`).toBeGreaterThan(0);
  expect(matchesExpected(found, theCase.expect, run.stderr), `expected ${theCase.expect.file} ${theCase.expect.field ?? ''} ${theCase.expect.message}; got:\n${JSON.stringify(found, null, 2)}\n${run.stderr}`).toBe(true);
  for (const secret of canaries.forbidden()) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
  await canaries.assertUntouched();
}

/** Every log line bosun writes, as JSON text, to search for canaries. */
export function capturingLogger(lines: string[]): Logger {
  const write = (level: string) => (fields: Record<string, unknown>, msg: string) => {
    lines.push(JSON.stringify({ level, msg, ...fields }, (_, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)));
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}

type Json = Record<string, unknown>;

export interface AppReport { comment: Json; runs: Json[] }

/** The App's side of a suite: opening a case's pull request, and its report once final. */
export function appPullRequests(h: () => Harness, owner: string, name: string): {
  open(number: number, branch: string, sha: string): Promise<void>;
  reported(pr: number, sha: string): AppReport | undefined;
  waitReported(what: string, pr: number, sha: string, timeoutMs: number): Promise<AppReport>;
} {
  const s = scenario(owner, name, h);
  // The PR's report is final: its comment names the head, and every bosun check run on the head completed.
  const reported = (pr: number, sha: string): AppReport | undefined => s.planReport(pr, sha);
  return {
    async open(number, branch, sha) {
      await s.openPullRequest({ ref: branch, sha }, { number, user: 'mallory' });
    },
    reported,
    waitReported: (what, pr, sha, timeoutMs) => waitFor(what, () => reported(pr, sha), timeoutMs),
  };
}

/**
 * One case's report through the App: never a silent green (a check fails, or — a skipped file, which bosun
 * cannot judge — the `bosun` check is neutral); it names the file, says what is wrong, and shows the field.
 */
export function expectAppVerdict(report: AppReport | undefined, theCase: MaliciousCase): void {
  expect(report, 'reported (see the first test)').toBeDefined();
  const text = [String(report!.comment.body), ...report!.runs.map((r) => JSON.stringify(r.output))].join('\n');
  const verdicts = JSON.stringify(report!.runs.map((r) => [r.name, r.conclusion]));
  if (!theCase.expect.note) expect(report!.runs.some((r) => r.conclusion === 'failure'), verdicts).toBe(true);
  else expect(report!.runs.some((r) => r.conclusion === 'failure' || r.conclusion === 'neutral'), verdicts).toBe(true);
  expect(text).toContain(theCase.expect.file);
  expect(text).toMatch(new RegExp(theCase.expect.message.source.replace(/\\n/g, '(\\\\n|\\n)')));
  if (theCase.expect.field) {
    // Where the report shows a field: a render error's "field `spec.releaseName`" (src/report/markdown.ts),
    // or a configuration error's "<file>:<line>: <field>: <message>".
    const at = new RegExp(`${theCase.expect.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?::\\d+)?: ([^\\s:\`]+):`, 'g');
    const fields = [...text.matchAll(/field `([^`]+)`/g), ...text.matchAll(at)].map((m) => m[1]);
    expect(fields.some((f) => theCase.expect.field!.test(f)), `fields in the report: ${JSON.stringify(fields)}`).toBe(true);
  }
}

/** Nothing bosun sent GitHub or logged carries a canary; no listener reached, no file outside touched. */
export async function expectNothingLeaked(h: Harness, logs: string[], canaries: Canaries): Promise<void> {
  const sent = h.gh.requests.map((r) => JSON.stringify(r.body ?? '')).join('\n');
  const logged = logs.join('\n');
  for (const secret of canaries.forbidden()) {
    expect(sent.includes(secret), `a request to GitHub carries ${secret}`).toBe(false);
    expect(logged.includes(secret), `the log carries ${secret}`).toBe(false);
  }
  await canaries.assertUntouched();
  expect(h.gh.problems()).toEqual([]);
}
