// GitHub App JSON Web Tokens (RS256, `iss` = App id, at most 10 minutes long), signed and checked with
// node:crypto alone.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/** A fresh App key in the PKCS#1 PEM form GitHub hands out when an App's key is generated. */
export function generateAppKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

let standinKey: string | undefined;

/**
 * The App key of every stand-in of this process that is given none (`privateKeyPem`): made once, since
 * an RSA key takes 0.1-0.5 s of CPU to make and a test run starts a stand-in per suite or per test. A
 * stand-in checks the JWTs it is sent against its own App's key as before; what needs a key of its own (a
 * forged token) makes one with generateAppKey.
 */
export function standinAppKey(): string {
  standinKey ??= generateAppKey();
  return standinKey;
}

export function publicKeyOf(privateKeyPem: string): KeyObject {
  return createPublicKey(createPrivateKey(privateKeyPem));
}

export function signAppJwt(appId: number, privateKeyPem: string, nowSeconds: number = Math.floor(Date.now() / 1000)): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ iat: nowSeconds - 30, exp: nowSeconds + 540, iss: appId })).toString('base64url');
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), createPrivateKey(privateKeyPem)).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

export function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value);
}

/** Why GitHub would refuse this App JWT, or undefined when it is good. Messages are GitHub's. */
export function jwtProblem(jwt: string, key: KeyObject, appId: number, nowSeconds: number): string | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'A JSON web token could not be decoded';
  let header: { alg?: unknown };
  let claims: { iat?: unknown; exp?: unknown; iss?: unknown };
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return 'A JSON web token could not be decoded';
  }
  if (header.alg !== 'RS256') return 'A JSON web token could not be decoded';
  const good = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], 'base64url'));
  if (!good) return 'A JSON web token could not be decoded';
  if (String(claims.iss) !== String(appId)) return "'Issuer' claim ('iss') must be an Integer";
  if (typeof claims.iat !== 'number' || claims.iat > nowSeconds + 60) {
    return "'Issued at' claim ('iat') must be an Integer representing a time in the past";
  }
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) {
    return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  }
  if (claims.exp > nowSeconds + 600 + 60) {
    return "'Expiration time' claim ('exp') is too far in the future";
  }
  return undefined;
}
