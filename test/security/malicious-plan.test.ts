// The malicious pull requests through `bosun plan`, as a CI job on a fork's pull request would run it:
// the sandbox on (the default), canaries planted, each case must end in a clear error naming the file (and
// the field), or for a skipped file a discovery note naming it, and leak nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { plantCanaries, type Canaries } from './canaries.ts';
import { maliciousCases, repoUrl, type MaliciousCase } from './malicious-cases.ts';
import { buildCaseRepo, type CaseRepo } from './repo.ts';

interface Reported { file?: string; field?: string; message: string }

/** Every problem the plan reports: render errors and discovery notes from the JSON (exit 0, 1, 3), or stderr (exit 2). */
function problems(run: { code: number; stdout: string; stderr: string }): Reported[] {
  if (run.code === 2) return [{ message: run.stderr }];
  const plan = JSON.parse(run.stdout) as { environments: Array<{ render: { error?: Reported } }>; discovery?: Array<{ file?: string; reason: string }> };
  const errors = plan.environments.flatMap((e) => (e.render.error ? [e.render.error] : []));
  const notes = (plan.discovery ?? []).map((n) => ({ ...(n.file ? { file: n.file } : {}), message: n.reason }));
  return [...errors, ...notes];
}

export function matches(found: Reported[], expected: MaliciousCase['expect'], stderrFallback = ''): boolean {
  return found.some((p) => {
    const text = `${p.file ?? ''} ${p.field ?? ''} ${p.message}`;
    const fileOk = p.file !== undefined ? p.file.startsWith(expected.file) : p.message.includes(expected.file);
    const fieldOk = !expected.field || expected.field.test(p.field ?? '') || expected.field.test(p.message);
    return fileOk && fieldOk && expected.message.test(text);
  }) || (stderrFallback !== '' && expected.message.test(stderrFallback) && stderrFallback.includes(expected.file));
}

describe('malicious pull requests through bosun plan (sandbox on)', () => {
  let canaries: Canaries;
  let work: string;
  let cases: MaliciousCase[];
  let repo: CaseRepo;

  const savedCap = process.env.BOSUN_RENDER_MAX_BYTES;
  beforeAll(async () => {
    process.env.BOSUN_RENDER_MAX_BYTES = '8Mi'; // the output bomb stops sooner; nothing legitimate here is near it
    canaries = await plantCanaries();
    cases = maliciousCases(canaries);
    work = await mkdtemp(join(tmpdir(), 'bosun-malicious-'));
    repo = await buildCaseRepo(join(work, 'repo'), cases);
  }, 120_000);

  afterAll(async () => {
    if (savedCap === undefined) delete process.env.BOSUN_RENDER_MAX_BYTES;
    else process.env.BOSUN_RENDER_MAX_BYTES = savedCap;
    await canaries?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  for (const c of maliciousCases({ url: 'http://x', port: 1, dir: '/x', evil: '/x', marker: '/x', otherRepo: '/x', envValue: '', fileValue: '', secretValue: '' } as Canaries)) {
    it(`${c.id}: ${c.title}`, async () => {
      const theCase = cases.find((x) => x.id === c.id)!;
      const head = repo.heads.get(c.id)!;
      const run = await runCli(['plan', '--repo', repo.repo.dir, '--base', repo.baseSha, '--head', head.sha, '--format', 'json', '--repo-url', repoUrl]);
      const found = problems(run);
      // Never a silent green: anything fails the plan, or a skipped file leaves it unjudged (exit 3, the file uncovered).
      expect(run.code, `${run.stderr}\n${JSON.stringify(found, null, 2)}`).toBeGreaterThan(0);
      expect(matches(found, theCase.expect, run.stderr), `expected ${theCase.expect.file} ${theCase.expect.field ?? ''} ${theCase.expect.message}; got:\n${JSON.stringify(found, null, 2)}\n${run.stderr}`).toBe(true);
      for (const secret of canaries.forbidden()) {
        expect(run.stdout).not.toContain(secret);
        expect(run.stderr).not.toContain(secret);
      }
      await canaries.assertUntouched();
    }, 120_000);
  }
});
