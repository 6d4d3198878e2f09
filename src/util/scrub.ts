/**
 * Removes secret-looking material from free text (tool stderr, API error messages, logs) before it
 * reaches a report, a log line or an error. Structured Secret objects are masked in src/diff; this is
 * the safety net for text we do not control.
 */
const rules: Array<[RegExp, string]> = [
  // PEM blocks (private keys, certificates with keys)
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g, '-----BEGIN PRIVATE KEY----- *** -----END PRIVATE KEY-----'],
  // Authorization headers and bearer tokens
  [/\b(authorization:\s*)(bearer|basic|token)\s+[^\s"']+/gi, '$1$2 ***'],
  [/\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***'],
  // GitHub tokens
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, '***'],
  // credentials in URLs: https://user:secret@host, redis://:secret@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]+@/gi, '$1***@'],
  // key: value / key=value pairs whose key names a secret
  [/(\b[\w.-]*(?:password|passwd|secret|token|apikey|api_key|api-key|private[_-]?key|credentials?)[\w.-]*\b["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;}\]]+)/gi, '$1***'],
];

/**
 * Base64 blobs long enough to be key material (Secret data values echoed by tools). Real base64 of
 * random bytes mixes upper case, lower case and digits; a long path such as
 * `clusters/production/infrastructure/…` does not, and must survive.
 */
const base64Blob = /\b[A-Za-z0-9+/]{40,}={0,2}/g;
function looksLikeKeyMaterial(s: string): boolean {
  return /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s) && !s.includes('//');
}

export function scrub(text: string, extraSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of extraSecrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  for (const [pattern, replacement] of rules) out = out.replace(pattern, replacement);
  return out.replace(base64Blob, (m) => (looksLikeKeyMaterial(m) ? '***' : m));
}
