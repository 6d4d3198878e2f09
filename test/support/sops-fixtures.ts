// SOPS-encrypted documents as `sops --encrypt --encrypted-regex '^(data|stringData)$'` writes them (age
// recipient, MAC, date). The ciphertexts are made up: bosun never decrypts, it only has to recognise the
// format, leave the metadata out of validation and never print an encrypted value.

/** A stand-in ciphertext of the given plaintext, in SOPS's value format. */
export function enc(plain: string, type = 'str'): string {
  const data = Buffer.from(`sealed:${plain}`).toString('base64');
  const iv = Buffer.from(`iv:${plain}`).toString('base64').slice(0, 22);
  return `ENC[AES256_GCM,data:${data},iv:${iv}=,tag:Q2hhbmdlTWVUYWcxMjM0NQ==,type:${type}]`;
}

export function sopsMetadata(mac: string, lastmodified = '2024-01-15T09:00:00Z'): string {
  return `sops:
    age:
        - recipient: age1qnjmyern7zmm5wpsclrpexu327xuqalpcthuk32hj8xn5ssts96s5hhhu8
          enc: |
            -----BEGIN AGE ENCRYPTED FILE-----
            YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBzdGFuZC1pbgo=
            -----END AGE ENCRYPTED FILE-----
    lastmodified: "${lastmodified}"
    mac: ${enc(mac)}
    encrypted_regex: ^(data|stringData)$
    version: 3.9.1
`;
}

/** A SOPS-encrypted Secret: `data` values (base64 of the plaintext, then encrypted), in `namespace`. */
export function sopsSecret(name: string, data: Record<string, string>, mac: string, namespace = 'default'): string {
  const lines = Object.entries(data).map(([k, v]) => `    ${k}: ${enc(Buffer.from(v).toString('base64'))}`);
  return `apiVersion: v1
kind: Secret
metadata:
    name: ${name}
    namespace: ${namespace}
type: Opaque
data:
${lines.join('\n')}
${sopsMetadata(mac)}`;
}
