import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type PrivateKeySource = { variable: 'PRIVATE_KEY' } | { variable: 'PRIVATE_KEY_PATH'; path: string };

export type PrivateKeyResult = { ok: true; pem: string } | { ok: false; message: string };

/**
 * PEM text as people manage to put it into an environment variable: literal "\n" escapes (one-line
 * .env and CI secrets), CRLF line ends, or the whole file base64-encoded (Probot accepts all three);
 * also still in the double quotes of an env file read by a tool that keeps them.
 */
export function normalizePem(raw: string): string {
  let text = raw.trim();
  // `docker run --env-file` keeps the quotes of PRIVATE_KEY="…\n…" (the line `bosun setup` writes).
  const quoted = /^(["'])([\s\S]*)\1$/.exec(text);
  if (quoted) text = quoted[2].trim();
  if (!text.includes('-----BEGIN') && /^[A-Za-z0-9+/=\s]+$/.test(text)) {
    const decoded = Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (decoded.includes('-----BEGIN')) text = decoded.trim();
  }
  text = text.replace(/\\r\\n|\\n/g, '\n').replace(/\r\n?/g, '\n').replace(/\n+$/, '');
  return `${text}\n`;
}

/**
 * Checks that the text is an RSA private key GitHub App JWTs can be signed with. Messages say what is
 * wrong with the key and never contain any of it.
 */
export function checkPrivateKey(pem: string, where: string): PrivateKeyResult {
  const how = 'paste the whole .pem file GitHub generated for the App (on one line with "\\n" escapes if need be, or base64-encoded), or point PRIVATE_KEY_PATH at the file';
  const begin = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
  if (!begin) return { ok: false, message: `${where} is not a PEM private key (no "-----BEGIN … PRIVATE KEY-----" line); ${how}` };
  if (!begin.endsWith('PRIVATE KEY')) {
    return { ok: false, message: `${where} holds a ${begin.toLowerCase()}, not a private key; ${how}` };
  }
  if (begin.includes('ENCRYPTED') || pem.includes('Proc-Type: 4,ENCRYPTED')) {
    return { ok: false, message: `${where} is an encrypted private key; GitHub App keys are not encrypted, use the .pem file as downloaded` };
  }
  let type: string | undefined;
  try {
    type = createPrivateKey({ key: pem, format: 'pem' }).asymmetricKeyType;
  } catch {
    return { ok: false, message: `${where} looks like a PEM private key but cannot be read (truncated, or its line breaks were lost?); ${how}` };
  }
  if (type !== 'rsa') {
    return { ok: false, message: `${where} is an ${type ?? 'unknown'} key; GitHub Apps sign with RSA keys, generate one on the App's settings page` };
  }
  return { ok: true, pem };
}

/** Reads the key file; an unreadable file is named (never shown) with the reason. */
export function readPrivateKeyFile(path: string): PrivateKeyResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist'
      : code === 'EACCES' || code === 'EPERM' ? 'is not readable by this user'
        : code === 'EISDIR' ? 'is a folder, not a file'
          : `cannot be read (${code ?? 'unknown error'})`;
    return { ok: false, message: `PRIVATE_KEY_PATH: ${path} ${reason}; point it at the App's .pem file` };
  }
  return checkPrivateKey(normalizePem(text), `PRIVATE_KEY_PATH (${path})`);
}
