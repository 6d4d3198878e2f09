import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface TokenUser {
  token: string;
  user: string;
  groups: readonly string[];
}

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** kube-apiserver `--token-auth-file` CSV: token,user,uid,"group1,group2". */
export function tokenAuthFile(users: readonly TokenUser[]): string {
  return users.map((u) => [u.token, u.user, u.user, `"${u.groups.join(',')}"`].join(',')).join('\n') + '\n';
}

/** RSA key pair for signing and verifying service-account tokens (PKCS#8 / SPKI PEM, as Go's keyutil reads). */
export function serviceAccountKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}
