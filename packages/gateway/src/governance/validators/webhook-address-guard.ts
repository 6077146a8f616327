/**
 * Which IP addresses a policy webhook may connect to. Whoever publishes a policy writes
 * the webhook URL, so without this check the gateway could be made to call its own
 * loopback services, the private network or a cloud metadata endpoint for them
 * (server-side request forgery). `webhook-dispatcher.ts` applies it to the address a
 * connection is actually opened to, never to the name, so DNS rebinding cannot pass it.
 *
 * Loopback, link-local, private, shared (CGNAT) and unique-local addresses are refused
 * unless `governance.webhooks.allowPrivateNetworks` is set; cloud metadata endpoints,
 * unspecified, multicast, documentation and other reserved addresses always are.
 * IPv4-mapped (`::ffff:a9fe:a9fe`) and NAT64 (`64:ff9b::a9fe:a9fe`) addresses are judged
 * by the IPv4 address inside them.
 */
import { BlockList, isIP } from 'node:net';

export type AddressKind =
  | 'public'
  | 'metadata'
  | 'unspecified'
  | 'loopback'
  | 'link-local'
  | 'private'
  | 'shared'
  | 'unique-local'
  | 'reserved'
  | 'not-an-ip';

/** What `allowPrivateNetworks` lets through; metadata and reserved addresses never pass. */
const PRIVATE_NETWORK_KINDS: ReadonlySet<AddressKind> = new Set([
  'loopback',
  'link-local',
  'private',
  'shared',
  'unique-local',
]);

type Range = readonly [network: string, prefix: number];

/** Checked in this order; the first kind whose ranges hold the address wins. */
const RANGES: ReadonlyArray<readonly [AddressKind, readonly Range[]]> = [
  [
    'metadata',
    [
      ['169.254.169.254', 32], // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
      ['169.254.170.2', 32], // AWS ECS task credentials
      ['169.254.170.23', 32], // AWS EKS pod identity
      ['100.100.100.200', 32], // Alibaba Cloud
      ['192.0.0.192', 32], // Oracle Cloud
      ['fd00:ec2::254', 128], // AWS IPv6 instance metadata
      ['fd00:ec2::23', 128], // AWS EKS pod identity over IPv6
    ],
  ],
  [
    'unspecified',
    [
      ['0.0.0.0', 8], // "this network": 0.0.0.0 reaches the local host on Linux
      ['::', 128],
    ],
  ],
  [
    'loopback',
    [
      ['127.0.0.0', 8],
      ['::1', 128],
    ],
  ],
  [
    'link-local',
    [
      ['169.254.0.0', 16],
      ['fe80::', 10],
    ],
  ],
  [
    'private',
    [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
      ['198.18.0.0', 15], // benchmarking, used inside labs and some clouds
      ['fec0::', 10], // deprecated site-local
    ],
  ],
  ['shared', [['100.64.0.0', 10]]],
  ['unique-local', [['fc00::', 7]]],
  [
    'reserved',
    [
      ['192.0.0.0', 24], // IETF protocol assignments
      ['192.0.2.0', 24], // documentation
      ['192.88.99.0', 24], // 6to4 relay anycast
      ['198.51.100.0', 24], // documentation
      ['203.0.113.0', 24], // documentation
      ['224.0.0.0', 4], // multicast
      ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
      ['::', 96], // deprecated IPv4-compatible addresses
      ['100::', 64], // discard-only
      ['2001:db8::', 32], // documentation
      ['ff00::', 8], // multicast
    ],
  ],
];

const NAT64_PREFIX: Range = ['64:ff9b::', 96];

function blockListOf(ranges: readonly Range[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of ranges) {
    list.addSubnet(network, prefix, isIP(network) === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

const LISTS = RANGES.map(([kind, ranges]) => [kind, blockListOf(ranges)] as const);
const NAT64 = blockListOf([NAT64_PREFIX]);

/**
 * The kind of an IP address as DNS or a URL gave it. An IPv6 zone (`fe80::1%eth0`) is
 * ignored; anything that is not an IP address is `not-an-ip`.
 */
export function classifyAddress(address: string): AddressKind {
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  const family = isIP(bare);
  if (family === 0) return 'not-an-ip';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (type === 'ipv6' && NAT64.check(bare, 'ipv6')) {
    const embedded = lastIpv4Of(bare);
    return embedded === undefined ? 'reserved' : classifyAddress(embedded);
  }
  // BlockList matches an IPv4-mapped IPv6 address against the IPv4 ranges by itself.
  for (const [kind, list] of LISTS) {
    if (list.check(bare, type)) return kind;
  }
  return 'public';
}

/** Whether a webhook may connect to an address of this kind. */
export function isAllowedWebhookAddress(kind: AddressKind, allowPrivateNetworks: boolean): boolean {
  return kind === 'public' || (allowPrivateNetworks && PRIVATE_NETWORK_KINDS.has(kind));
}

/** The IPv4 address in the low 32 bits of an IPv6 address (for NAT64 prefixes). */
function lastIpv4Of(address: string): string | undefined {
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) return dotted[1];
  const [head = '', tail] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  const groups = [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  const high = Number.parseInt(groups[6] ?? '', 16);
  const low = Number.parseInt(groups[7] ?? '', 16);
  if (Number.isNaN(high) || Number.isNaN(low)) return undefined;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
