import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BosunError } from '../../model/errors.ts';
import { checkTarget, defaultSecretName, envAssignments, mergeEnvFile, secretKeys, secretManifest, writePrivateFile, type OutputTarget } from '../../setup/credential-files.ts';
import { convertManifestCode, type AppCredentials } from '../../setup/conversion.ts';
import { githubSite, newAppUrl } from '../../setup/github-site.ts';
import { callbackPath, startSetupServer } from '../../setup/local-server.ts';
import { buildManifest, checkWebhookUrl, type AppManifest } from '../../setup/manifest.ts';
import { donePage, startPage } from '../../setup/pages.ts';
import { oneOf, parse } from '../args.ts';
import type { CliIO } from '../io.ts';

export const setupHelp = `Usage: bosun setup (--webhook-url URL | --webhook-proxy-url URL) [options]

Registers bosun's GitHub App from its manifest (app.yml: the events and smallest permissions bosun
needs) and stores the new App's id, private key and webhook secret — never printed:

  1. bosun serves a page on this machine and prints its address; open it in a browser where you are
     signed in to GitHub (or GitHub Enterprise Server);
  2. it takes the manifest to GitHub: check the App's name and click "Create GitHub App";
  3. GitHub sends the browser back with a one-time code, which bosun exchanges for the credentials
     (POST /app-manifests/{code}/conversions) and writes to --file with mode 0600.

Options:
  --webhook-url URL        where GitHub delivers webhooks: bosun serve's public URL + WEBHOOK_PATH,
                           e.g. https://bosun.example.com/api/github/webhooks
  --webhook-proxy-url URL  on a laptop: a webhook relay channel (e.g. https://smee.io/<channel>) that
                           bosun serve follows; also written to the env file as WEBHOOK_PROXY_URL
  --output env|secret      env (default): an env file with Probot's names (APP_ID, PRIVATE_KEY,
                           WEBHOOK_SECRET, GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET; plus GHE_HOST and
                           GHE_PROTOCOL for GitHub Enterprise Server) for \`bosun serve --env-file\`;
                           secret: a Kubernetes Secret manifest (keys ${secretKeys.appId}, ${secretKeys.privateKey},
                           ${secretKeys.webhookSecret}) for \`kubectl apply -f\`
  --file PATH              where to write (default: .env, or ${defaultSecretName}.secret.yaml)
  --namespace NS           the Secret's namespace (default: bosun-system)
  --secret-name NAME       the Secret's name (default: ${defaultSecretName})
  --force                  replace App credentials already in --file
  --github-url URL         your GitHub: https://github.com (default) or https://ghe.example.com
                           (default from GHE_HOST / GHE_PROTOCOL when set)
  --org ORG                register the App under this organization instead of your own account
  --name NAME              the App's name (default: app.yml's; GitHub names are unique, so you may
                           have to pick another on GitHub's page)
  --manifest FILE          another manifest template instead of bosun's app.yml
  --host ADDRESS           address of the local page (default 127.0.0.1)
  --port N                 its port (default 3000; 0 picks a free one). Over SSH, forward it:
                           ssh -L 3000:127.0.0.1:3000 host
  --timeout SECONDS        give up after this long (default 3600: GitHub's code lives an hour)

Exit codes: 0 the App is registered and its credentials written; 2 a bad option, an existing file
without --force, or GitHub refused (the message says why); 130 stopped by Ctrl-C.`;

export async function setupCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {
    'webhook-url': { type: 'string' },
    'webhook-proxy-url': { type: 'string' },
    output: { type: 'string' },
    file: { type: 'string' },
    namespace: { type: 'string' },
    'secret-name': { type: 'string' },
    force: { type: 'boolean' },
    'github-url': { type: 'string' },
    org: { type: 'string' },
    name: { type: 'string' },
    manifest: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    timeout: { type: 'string' },
  }, 'setup');
  const output = oneOf(values.output, ['env', 'secret'] as const, 'env', 'output');
  const proxyUrl = values['webhook-proxy-url'] ? checkWebhookUrl(values['webhook-proxy-url'], '--webhook-proxy-url') : undefined;
  const hookUrl = values['webhook-url'] ? checkWebhookUrl(values['webhook-url'], '--webhook-url') : proxyUrl;
  if (!hookUrl || (values['webhook-url'] && proxyUrl)) {
    throw new BosunError({ kind: 'usage', message: 'setup: give exactly one of --webhook-url (bosun serve\'s public URL + WEBHOOK_PATH) or --webhook-proxy-url (a relay channel such as https://smee.io/<channel>, for a laptop); see `bosun setup --help`' });
  }
  if (proxyUrl && output === 'secret') {
    throw new BosunError({ kind: 'usage', message: 'setup: --webhook-proxy-url is for a laptop (env file); a cluster install takes --webhook-url with the address of its ingress' });
  }
  const port = numberOption(values.port, 'port', 3000, 65535);
  const timeoutSeconds = numberOption(values.timeout, 'timeout', 3600, 24 * 3600);
  const site = githubSite(values['github-url'], io.env);
  const file = resolve(io.cwd, values.file ?? (output === 'env' ? '.env' : `${defaultSecretName}.secret.yaml`));
  const target: OutputTarget = output === 'env'
    ? { kind: 'env', file, force: values.force === true }
    : { kind: 'secret', file, force: values.force === true, namespace: values.namespace ?? 'bosun-system', name: values['secret-name'] ?? defaultSecretName };
  checkTarget(target);
  const templateFile = values.manifest ? resolve(io.cwd, values.manifest) : undefined;

  const state = randomBytes(24).toString('hex');
  let created: AppCredentials | undefined;
  // Built once the address is known: GitHub sends the browser back to this server.
  let manifest: AppManifest | undefined;
  const server = await startSetupServer({
    host: values.host ?? '127.0.0.1',
    port,
    state,
    startPage: () => startPage({ action: newAppUrl(site, values.org, state), manifest: manifest!, where: site.web }),
    onCode: async (code) => {
      const creds = await convertManifestCode(site, code);
      writeCredentials(target, creds, { proxyUrl, site });
      created = creds;
      return donePage({ name: creds.name || creds.slug, installUrl: installUrl(creds), file });
    },
  }).catch((err: NodeJS.ErrnoException) => {
    throw new BosunError({ kind: 'usage', message: `setup: cannot serve the local page on ${values.host ?? '127.0.0.1'}:${port} (${err.code ?? err.message}); pick another --port` });
  });
  try {
    manifest = buildManifest({ ...(templateFile ? { appYml: templateFile } : {}), webhookUrl: hookUrl, redirectUrl: `${server.url}${callbackPath}`, ...(values.name ? { name: values.name } : {}) });
  } catch (err) {
    await server.close();
    throw err;
  }

  io.stdout.write(`Open ${server.url}/ in a browser signed in to ${site.web}${values.org ? ` (as an owner of ${values.org})` : ''} and follow it.\n`);
  io.stderr.write(`bosun: waiting for GitHub to send the browser back (Ctrl-C to stop; gives up in ${Math.round(timeoutSeconds / 60)} min)\n`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BosunError({ kind: 'config', message: `setup: no answer from GitHub within ${timeoutSeconds} s; run \`bosun setup\` again` })), timeoutSeconds * 1000);
  });
  try {
    await Promise.race([server.finished, timeout]);
  } finally {
    clearTimeout(timer);
    await server.close();
  }
  const creds = created!;
  io.stdout.write(`${summary(creds, target, { proxyUrl, ghe: site.enterprise !== undefined })}\n`);
  return 0;
}

function numberOption(text: string | undefined, name: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max) throw new BosunError({ kind: 'usage', message: `--${name} must be a whole number from 0 to ${max} (got "${text}")` });
  return Number(text);
}

function installUrl(creds: AppCredentials): string {
  return creds.htmlUrl ? `${creds.htmlUrl}/installations/new` : '';
}

function writeCredentials(target: OutputTarget, creds: AppCredentials, ctx: { proxyUrl?: string; site: ReturnType<typeof githubSite> }): void {
  const note = `GitHub App "${creds.name || creds.slug}" (id ${creds.id}${creds.htmlUrl ? `, ${creds.htmlUrl}` : ''}), written by bosun setup. Secret: keep it out of Git.`;
  if (target.kind === 'env') {
    const existing = existsSync(target.file) ? readFileSync(target.file, 'utf8') : undefined;
    const extras = {
      ...(ctx.proxyUrl ? { WEBHOOK_PROXY_URL: ctx.proxyUrl } : {}),
      ...(ctx.site.enterprise ? { GHE_HOST: ctx.site.enterprise.host, GHE_PROTOCOL: ctx.site.enterprise.protocol } : {}),
    };
    writePrivateFile(target.file, mergeEnvFile(existing, envAssignments(creds, extras), note));
    return;
  }
  writePrivateFile(target.file, secretManifest(creds, target.namespace, target.name, note));
}

function summary(creds: AppCredentials, target: OutputTarget, ctx: { proxyUrl?: string; ghe: boolean }): string {
  const lines = [`Registered the GitHub App "${creds.name || creds.slug}" (id ${creds.id}${creds.owner ? `, owned by ${creds.owner}` : ''}).`];
  if (target.kind === 'env') {
    lines.push(`Wrote APP_ID, PRIVATE_KEY, WEBHOOK_SECRET${creds.clientId ? ', GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET' : ''}${ctx.proxyUrl ? ', WEBHOOK_PROXY_URL' : ''}${ctx.ghe ? ', GHE_HOST, GHE_PROTOCOL' : ''} to ${target.file} (mode 0600; keep it out of Git).`);
  } else {
    lines.push(`Wrote the Secret ${target.namespace}/${target.name} (keys ${secretKeys.appId}, ${secretKeys.privateKey}, ${secretKeys.webhookSecret}) to ${target.file} (mode 0600; keep it out of Git).`);
  }
  lines.push('Next:');
  if (creds.htmlUrl) lines.push(`  1. install the App on the repositories that describe your clusters: ${installUrl(creds)}`);
  if (target.kind === 'env') lines.push(`  2. start bosun: bosun serve --with-worker --env-file ${target.file}`);
  else lines.push(`  2. kubectl apply -f ${target.file}   (or seal it first, e.g. kubeseal < ${target.file})`);
  return lines.join('\n');
}
