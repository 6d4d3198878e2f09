// bosun's GitHub Action, run as a workflow runs it: `bosun action` with the environment the runner sets
// (GITHUB_EVENT_PATH with a pull_request payload, GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL,
// GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, …) against the GitHub stand-in, in a checkout made the way
// actions/checkout makes it (one commit, credentials in the repository's config). The sandbox is on.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionInputEnv } from '../../src/cli/action/workflow-context.ts';
import { main } from '../../src/cli/main.ts';
import { projectRoot } from '../../src/util/tools.ts';
import { buildExampleRepo, type ExampleRepo } from '../../testkit/example-repo.ts';
import { startGitHubStandin, type GitHubStandin, type RepoInfo } from '../../testkit/github-standin/index.ts';

const run = promisify(execFile);
// The example repository's Flux bootstrap follows github.com/example-org/shop-fleet: the repository is
// that one, on github.com (GITHUB_SERVER_URL), its API the stand-in (GITHUB_API_URL).
const owner = 'example-org';
const name = 'shop-fleet';
const serverUrl = 'https://github.com';
const marker = '<!-- bosun:action-plan -->';
const secretValues = ['st4ging-db-pass-Q9wz', 'st4ging-db-pass-R2kd', 'st4ging-ro-pass-M7tn'];

interface ActionRun { code: number; stdout: string; stderr: string; summary: string; outputs: string }

describe('the GitHub Action (bosun action) in a workflow run for a pull request', () => {
  let work: string;
  let repo: ExampleRepo;
  let gh: GitHubStandin;
  let info: RepoInfo;
  let checkout: string;
  let eventPath: string;

  /** One step of a workflow run: a fresh job summary and outputs file, the runner's variables. */
  const runAction = async (env: Record<string, string>): Promise<ActionRun> => {
    const step = await mkdtemp(join(work, 'step-'));
    const summaryFile = join(step, 'summary.md');
    const outputFile = join(step, 'output');
    await writeFile(summaryFile, '');
    await writeFile(outputFile, '');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d) => { out += d; });
    stderr.on('data', (d) => { err += d; });
    const code = await main(['action'], {
      stdout,
      stderr,
      cwd: checkout,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TMPDIR: process.env.TMPDIR,
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_REPOSITORY: `${owner}/${name}`,
        GITHUB_API_URL: gh.apiUrl,
        GITHUB_SERVER_URL: serverUrl,
        GITHUB_WORKSPACE: checkout,
        GITHUB_STEP_SUMMARY: summaryFile,
        GITHUB_OUTPUT: outputFile,
        GITHUB_RUN_ID: '4242',
        GITHUB_TOKEN: gh.mintToken(info.installationId),
        ...env,
      },
    });
    return { code, stdout: out, stderr: err, summary: await readFile(summaryFile, 'utf8'), outputs: await readFile(outputFile, 'utf8') };
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-action-'));
    repo = await buildExampleRepo({ dir: join(work, 'repo') });
    gh = await startGitHubStandin();
    info = await gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    await gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: repo.branch, sha: repo.headSha }, base: { ref: 'main' }, user: 'alice' });
    // As actions/checkout leaves it: one commit fetched (here the base), the token in the local config.
    checkout = join(work, 'workspace');
    await mkdir(checkout);
    const auth = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${gh.mintToken(info.installationId)}`).toString('base64')}`;
    const git = (...args: string[]) => run('git', args, { cwd: checkout });
    await git('init', '-q', '-b', 'main');
    await git('remote', 'add', 'origin', info.cloneUrl);
    await git('config', `http.${gh.url}/.extraheader`, auth);
    await git('fetch', '-q', '--depth=1', 'origin', 'main');
    await git('checkout', '-q', 'FETCH_HEAD');
    eventPath = join(work, 'event.json');
    await writeFile(eventPath, JSON.stringify(gh.examplePayload('pull_request', 'opened', gh.repoPayload(owner, name), { number: 1, pull_request: await gh.pullPayload(owner, name, 1) })));
  }, 180_000);

  afterAll(async () => {
    await gh?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('plans base → head and posts the check runs, the sticky comment and the job summary, as the App would', async () => {
    const result = await runAction({});
    expect(result.code, result.stderr).toBe(0);

    // The head was not in the shallow checkout: the entry fetched it with checkout's credentials.
    const runs = gh.checkRuns(owner, name, repo.headSha).filter((r) => String(r.name).startsWith('bosun / '));
    expect(runs.map((r) => r.name).sort()).toEqual(['bosun / production/apps', 'bosun / staging/apps', 'bosun / staging/infrastructure']);
    for (const r of runs) {
      expect(r.status).toBe('completed');
      expect(r.conclusion).toBe('success');
      expect(r.details_url).toBe(`${serverUrl}/${owner}/${name}/actions/runs/4242`);
    }
    const staging = runs.find((r) => r.name === 'bosun / staging/apps')!;
    const output = staging.output as { summary: string; text: string | null };
    expect(`${output.summary}\n${output.text ?? ''}`).toMatch(/^\+\s+image: .*:1\.5\.0$/m);

    const comments = gh.comments(owner, name, 1).filter((c) => String(c.body).startsWith(marker));
    expect(comments).toHaveLength(1);
    const body = String(comments[0].body);
    expect(body).toContain('| Environment |');
    for (const r of runs) expect(body).toContain(String(r.html_url));
    expect(body).toMatch(/^\+\s+image: .*:1\.5\.0$/m);

    expect(result.summary).toContain(`## bosun plan · \`${repo.baseSha.slice(0, 7)}\` → \`${repo.headSha.slice(0, 7)}\``);
    expect(result.summary).toMatch(/PersistentVolumeClaim[^\n]*database-backup/);
    expect(result.outputs).toContain('exit-code=0\n');
    expect(result.outputs).toContain(`comment-url=${String(comments[0].html_url)}\n`);
    expect(result.stdout).toContain('bosun: planned #1');
    for (const text of [body, result.summary, result.stdout, result.stderr, `${output.summary}${output.text ?? ''}`]) {
      for (const secret of secretValues) expect(text).not.toContain(secret);
    }
    expect(gh.problems()).toEqual([]);
  });

  it('a re-run keeps one sticky comment, edited in place to link the new run\'s check runs', async () => {
    const [first] = gh.comments(owner, name, 1).filter((c) => String(c.body).startsWith(marker));
    const result = await runAction({});
    expect(result.code).toBe(0);
    const comments = gh.comments(owner, name, 1).filter((c) => String(c.body).startsWith(marker));
    expect(comments).toHaveLength(1);
    expect(comments[0].id).toBe(first.id);
    const newest = gh.checkRuns(owner, name, repo.headSha).filter((r) => r.name === 'bosun / staging/apps').at(-1)!;
    expect(String(comments[0].body)).toContain(String(newest.html_url));
    expect(result.stdout).toContain('comment updated');
  });

  it('a token that may not write (a fork\'s pull request): warnings, and the report is in the job summary', async () => {
    const before = gh.checkRuns(owner, name, repo.headSha).length;
    const result = await runAction({ GITHUB_TOKEN: 'ghs_readonlyforkpullrequesttokenxxxxxxxxxx' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^::warning title=bosun::could not post check runs: .*read-only token/m);
    expect(result.stdout).toMatch(/^::warning title=bosun::could not post the pull request comment/m);
    expect(gh.checkRuns(owner, name, repo.headSha)).toHaveLength(before);
    expect(result.summary).toContain('> [!WARNING]');
    expect(result.summary).toMatch(/^\+\s+image: .*:1\.5\.0$/m);
    expect(result.outputs).toContain('exit-code=0\n');
  });

  it('outside a pull request it says what to do (exit 2)', async () => {
    const push = join(work, 'push.json');
    await writeFile(push, JSON.stringify(gh.examplePayload('push', undefined, gh.repoPayload(owner, name))));
    const result = await runAction({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: push });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bosun action plans pull requests, and this job runs for a push event');
  });

  it('action.yml hands every input to the entry under the name it reads, and runs `bosun action`', async () => {
    const action = parse(await readFile(join(projectRoot, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>;
      outputs: Record<string, { value: string }>;
      runs: { using: string; steps: Array<{ id?: string; run?: string; env?: Record<string, string> }> };
    };
    expect(action.runs.using).toBe('composite');
    const entry = action.runs.steps.find((s) => s.run === 'bosun action')!;
    for (const [input, variable] of Object.entries(actionInputEnv)) {
      expect(action.inputs[input], input).toBeDefined();
      expect(entry.env?.[variable]).toBe(`\${{ inputs.${input} }}`);
    }
    expect(action.outputs['exit-code'].value).toBe(`\${{ steps.${entry.id}.outputs.exit-code }}`);
    // The helper scripts the other steps run are in the repository.
    for (const step of action.runs.steps) {
      const script = /\$GITHUB_ACTION_PATH\/([^"]+)/.exec(step.run ?? '')?.[1];
      if (script) await expect(readFile(join(projectRoot, script), 'utf8')).resolves.toMatch(/^#!\/usr\/bin\/env bash/);
    }
  });

  it('a plan whose time budget (BOSUN_PLAN_TIMEOUT) is spent: timed_out check runs, the environments listed as not previewed, exit 3', async () => {
    const result = await runAction({ BOSUN_PLAN_TIMEOUT: '1ms' });
    expect(result.code, result.stderr).toBe(3);
    expect(result.outputs).toContain('exit-code=3\n');
    const latest = new Map(gh.checkRuns(owner, name, repo.headSha).map((r) => [String(r.name), r]));
    for (const env of ['production/apps', 'staging/apps', 'staging/infrastructure']) expect(latest.get(`bosun / ${env}`)).toMatchObject({ status: 'completed', conclusion: 'timed_out' });
    expect(latest.get('bosun')).toMatchObject({ conclusion: 'timed_out', output: expect.objectContaining({ title: 'plan time budget of 1ms (BOSUN_PLAN_TIMEOUT) spent after 0 of 3 environments' }) });
    expect(result.summary).toContain('**plan time budget of 1ms (BOSUN_PLAN_TIMEOUT) spent after 0 of 3 environments**');
  });
});
