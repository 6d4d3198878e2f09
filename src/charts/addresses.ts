import { isIP } from 'node:net';

/**
 * What kind of network an IP address is on. bosun fetches charts from its own process, next to cluster
 * credentials: where a request may connect depends on who allowed the URL (see http-get.ts).
 */
export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'unspecified' | 'multicast';

export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 4) return classifyV4(address.split('.').map(Number));
  if (family === 6) return classifyV6(address.toLowerCase());
  return 'unspecified';
}

function classifyV4([a, b]: number[]): AddressClass {
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return 'private';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'unspecified';
  return 'public';
}

function classifyV6(address: string): AddressClass {
  if (address === '::') return 'unspecified';
  if (address === '::1') return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and the dotted forms: judge the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return classifyV4(mapped[1].split('.').map(Number));
  const first = Number.parseInt(address.split(':')[0] || '0', 16);
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xfe00) === 0xfc00) return 'private'; // fc00::/7, unique local (fd00:ec2::254 is AWS's metadata: refused below)
  if ((first & 0xff00) === 0xff00) return 'multicast';
  return 'public';
}

/** Metadata endpoints that do not live on link-local addresses. */
const metadataAddresses = new Set(['fd00:ec2::254']);

/**
 * Whether a connection to `address` is allowed for a request at this trust level:
 * - `operator`: a source the operator listed: anywhere (an internal chart museum is the operator's call);
 * - `base`: a source declared on the base branch: anywhere but link-local and metadata addresses;
 * - `content`: another host serving digest-checked content (a CDN the repository redirects to): public
 *   addresses only.
 */
export function addressAllowed(address: string, trust: 'operator' | 'base' | 'content'): boolean {
  const cls = classifyAddress(address);
  if (cls === 'unspecified' || cls === 'multicast') return false;
  if (trust === 'operator') return true;
  if (cls === 'link-local' || metadataAddresses.has(address.toLowerCase())) return false;
  return trust === 'base' || cls === 'public';
}
