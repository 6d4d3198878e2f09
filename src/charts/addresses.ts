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
  const groups = v6Groups(address);
  if (!groups) return 'unspecified';
  const v4 = (hi: number, lo: number) => classifyV4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 8)) return 'unspecified';
  if (zeros(0, 7) && groups[7] === 1) return 'loopback';
  // An IPv4 address inside an IPv6 one reaches that IPv4 address: judge it. URLs write the mapped form in
  // hex (`http://[::ffff:169.254.169.254]/` is `[::ffff:a9fe:a9fe]`), which a dotted-only test missed.
  if (zeros(0, 5) && groups[5] === 0xffff) return v4(groups[6], groups[7]); // ::ffff:0:0/96, IPv4-mapped
  if (zeros(0, 6)) return v4(groups[6], groups[7]); // ::/96, IPv4-compatible (deprecated)
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(groups[6], groups[7]); // 64:ff9b::/96, NAT64 (RFC 6052)
  if (groups[0] === 0x2002) return v4(groups[1], groups[2]); // 2002::/16, 6to4
  const first = groups[0];
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xfe00) === 0xfc00) return 'private'; // fc00::/7, unique local (fd00:ec2::254 is AWS's metadata: refused below)
  if ((first & 0xff00) === 0xff00) return 'multicast';
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a trailing dotted IPv4 part converted). */
function v6Groups(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail, ...more] = text.split('::');
  if (more.length > 0) return undefined;
  const part = (p: string | undefined) => (p ? p.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const [h, t] = [part(head), part(tail)];
  const groups = tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** Metadata endpoints that do not live on link-local addresses (compared group by group: `fd00:0ec2:0::254` is the same one). */
const metadataAddresses = ['fd00:ec2::254'].map((a) => v6Groups(a)!.join(':'));

function isMetadata(address: string): boolean {
  return isIP(address) === 6 && metadataAddresses.includes(v6Groups(address.toLowerCase())?.join(':') ?? '');
}

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
  if (cls === 'link-local' || isMetadata(address)) return false;
  return trust === 'base' || cls === 'public';
}
