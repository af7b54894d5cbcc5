/**
 * Which web-download URIs may be fetched, and from which address: the reference's `import_filtering_opts` as
 * it ships them (`glance/common/utils.py` get_validated_address): http and https only, explicit ports 80 and 443
 * only, hosts that are an address in its standard form or a name DNS resolves, and of the addresses a host has
 * the first that is not internal, the one connected to. Glint counts private, shared, multicast and reserved
 * addresses as internal too, where the reference refuses only loopback and link-local ones.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { parseExternalUri, UriError, type ExternalUri } from './external-uri.js';

const SCHEMES = ['http', 'https'];
const PORTS = [80, 443];

const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.168.0.0', 16], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) INTERNAL.addSubnet(network, prefix, 'ipv6');

/** IPv4-mapped IPv6 addresses count as the IPv4 address they carry (BlockList checks those against IPv4 rules). */
export function isInternal(address: string): boolean {
  return INTERNAL.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

export interface FilterOptions {
  /** Any port, and internal addresses too (for tests and trusted networks). */
  allowInternal: boolean;
}

/** A URI the filter admits, and the address to connect to for it. */
export interface Admitted {
  uri: ExternalUri;
  address: string;
}

/** The admitted URI and its address, or null when the filter refuses it. */
export async function admit(text: string, options: FilterOptions): Promise<Admitted | null> {
  let uri: ExternalUri;
  try {
    uri = parseExternalUri(text);
  } catch (err) {
    if (err instanceof UriError) return null;
    throw err;
  }
  if (!SCHEMES.includes(uri.scheme) || !uri.hostname) return null;
  if (uri.port && !options.allowInternal && !PORTS.includes(uri.port)) return null;
  const addresses = await addressesOf(uri.hostname);
  const address = addresses.find((candidate) => options.allowInternal || !isInternal(candidate));
  return address === undefined ? null : { uri, address };
}

/**
 * The addresses a host stands for (`normalize_hostname`, `resolve_pinned_address`): an address in its standard
 * form stands for itself; digits and dots alone (`2130706433`, `127.1`), which resolvers read as an encoded
 * address, for none; a name for what DNS resolves it to as an absolute name, so no search domain or encoded
 * form (`0x7f000001`) slips through.
 */
async function addressesOf(host: string): Promise<string[]> {
  const literal = host.split('%')[0];
  if (isIP(literal)) return [literal];
  if (/^[0-9.]+$/.test(host)) return [];
  try {
    const found = await lookup(host.endsWith('.') ? host : `${host}.`, { all: true, verbatim: true });
    return [...new Set(found.map((entry) => entry.address.split('%')[0]))];
  } catch {
    return [];
  }
}
