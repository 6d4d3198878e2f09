// `npm run github-standin -- --port N [--repo owner/name=path]...`: a stand-in GitHub for the demo and
// for trying bosun by hand. Prints where it listens and the environment bosun needs; never a token.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readBack } from './self-check.ts';
import { startGitHubStandin } from './standin.ts';

const usage = `usage: npm run github-standin -- [--port N] [--host H] [--app-id N] [--private-key-path FILE] [--log] [--repo owner/name=path]...`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'app-id': { type: 'string' },
      'private-key-path': { type: 'string' },
      repo: { type: 'string', multiple: true, default: [] },
      log: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const repos = values.repo.map((spec) => {
    const m = /^([^/=]+)\/([^/=]+)=(.+)$/.exec(spec);
    if (!m) throw new Error(`--repo ${spec}: expected owner/name=path-to-a-git-repository`);
    return { owner: m[1], name: m[2], gitDir: resolve(m[3]) };
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: expected a port number (0 picks a free one)`);

  const keyGiven = values['private-key-path'];
  const gh = await startGitHubStandin({
    port,
    host: values.host,
    appId: values['app-id'] === undefined ? undefined : Number(values['app-id']),
    privateKeyPem: keyGiven ? readFileSync(keyGiven, 'utf8') : undefined,
    log: values.log ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
  let keyDir: string | undefined;
  let keyPath = keyGiven ? resolve(keyGiven) : '';
  if (!keyGiven) {
    keyDir = mkdtempSync(join(tmpdir(), 'bosun-github-standin-'));
    keyPath = join(keyDir, 'app-private-key.pem');
    writeFileSync(keyPath, gh.privateKey, { mode: 0o600 });
  }
  const stop = async (): Promise<void> => {
    await gh.close();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  const out: string[] = [
    `GitHub stand-in listening on ${gh.url} (REST ${gh.apiUrl}, GraphQL ${gh.url}/api/graphql)`,
    `App id: ${gh.appId} (bot ${gh.botLogin})`,
    `Private key: ${keyPath}`,
  ];
  for (const r of repos) {
    await gh.addRepo(r);
    const back = await readBack(gh, r.owner, r.name);
    out.push(`Repository ${back.fullName}: installation ${back.installationId}, default branch ${back.defaultBranch}, clone ${back.cloneUrl} (read back through GET /api/v3/repos/${r.owner}/${r.name})`);
  }
  out.push('Environment for bosun:', `GHE_HOST=${gh.gheHost} GHE_PROTOCOL=http APP_ID=${gh.appId} PRIVATE_KEY_PATH=${keyPath}`, 'Ctrl+C stops it.');
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`github-standin: ${err instanceof Error ? err.message : String(err)}\n${usage}\n`);
  process.exit(1);
});
