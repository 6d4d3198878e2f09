import { join } from 'node:path';

/**
 * The whole environment of a kubectl/helm child: a private HOME, helm folders and TMPDIR inside the render's
 * temp folder (no shared helm repositories or plugins, nothing left behind), no kubeconfig, and none of
 * our own variables (which may hold tokens).
 */
export function toolEnv(tmp: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: tmp,
    TMPDIR: tmp,
    LANG: 'C.UTF-8',
    HELM_CACHE_HOME: join(tmp, 'helm', 'cache'),
    HELM_CONFIG_HOME: join(tmp, 'helm', 'config'),
    HELM_DATA_HOME: join(tmp, 'helm', 'data'),
    HELM_PLUGINS: join(tmp, 'helm', 'plugins'),
    KUBECONFIG: join(tmp, 'no-kubeconfig'),
  };
}
