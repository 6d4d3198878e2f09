/**
 * The environment bosun's own git runs get: what git needs to find itself, its configuration and the
 * network (proxies, CA bundles), and nothing else. bosun's environment holds the App's private key, the
 * webhook secret, Redis and dashboard credentials; git, the remote helpers and ssh it starts need none of
 * them, so none of them is handed down.
 */
const passed = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR',
  'http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY',
  'GIT_SSL_CAINFO', 'GIT_SSL_CAPATH', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
  'GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_SYSTEM', 'XDG_CONFIG_HOME',
] as const;

export function gitBaseEnv(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of passed) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
