// Debian's Chromium for the dashboard's browser test. Provisioned here rather than in the global setup:
// only this suite needs a browser, and installing one costs a minute the other suites should not pay.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const chromiumPath = '/usr/bin/chromium';

const howTo = `Install Debian's Chromium (as root: apt-get update && apt-get install -y chromium) so ${chromiumPath} exists, then run this test again.`;

/**
 * Returns the path of Debian's Chromium, installing the package first when it is missing and this
 * process may (root). Throws with the install command otherwise: a dashboard nobody looked at in a real
 * browser is not tested, so a missing browser fails instead of skipping.
 */
export function ensureChromium(log: (line: string) => void = () => undefined): string {
  if (existsSync(chromiumPath)) return chromiumPath;
  if (process.getuid?.() !== 0) throw new Error(`${chromiumPath} is missing and this test does not run as root. ${howTo}`);
  log(`${chromiumPath} is missing: installing Debian's chromium package (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update'], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 540_000 });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    const detail = e.stderr?.toString().trim().split('\n').slice(-5).join('\n') || e.message;
    throw new Error(`could not install chromium with apt-get:\n${detail}\n${howTo}`, { cause: err });
  }
  if (!existsSync(chromiumPath)) throw new Error(`apt-get installed chromium but ${chromiumPath} is still missing. ${howTo}`);
  return chromiumPath;
}
