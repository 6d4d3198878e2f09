import { stringify } from 'yaml';

export interface KubeconfigInput {
  name: string;
  server: string;
  token: string;
  /** CA that signed the server certificate; without it the kubeconfig skips TLS verification. */
  caFile?: string;
  namespace?: string;
}

/** A single-context kubeconfig for a bearer-token user. */
export function renderKubeconfig(input: KubeconfigInput): string {
  const cluster: Record<string, unknown> = { server: input.server };
  if (input.caFile) cluster['certificate-authority'] = input.caFile;
  else cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.name, cluster }],
    users: [{ name: input.name, user: { token: input.token } }],
    contexts: [{ name: input.name, context: { cluster: input.name, user: input.name, namespace: input.namespace ?? 'default' } }],
    'current-context': input.name,
    preferences: {},
  });
}
