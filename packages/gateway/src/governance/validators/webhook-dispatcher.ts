/**
 * The HTTP client policy webhooks are sent through: an undici `Agent` whose connector
 * checks every address before a socket connects to it (`webhook-address-guard.ts`). An
 * IP in the URL is checked before anything is opened; a name is resolved by a lookup
 * that checks every address DNS returns, and the socket connects to the address that
 * was checked — a second, different DNS answer (rebinding) is never used unchecked.
 * A refusal fails the request with the code `ERR_SLUICE_WEBHOOK_ADDRESS_REFUSED`.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import {
  type AddressKind,
  classifyAddress,
  isAllowedWebhookAddress,
} from './webhook-address-guard.ts';

export const WEBHOOK_ADDRESS_REFUSED = 'ERR_SLUICE_WEBHOOK_ADDRESS_REFUSED';

export interface WebhookDispatcherOptions {
  /** Let webhooks reach loopback, link-local, private and unique-local addresses. */
  allowPrivateNetworks: boolean;
  /** How names are resolved; `dns.lookup` by default. */
  lookup?: LookupFunction;
}

const KIND_NAMES: Record<AddressKind, string> = {
  public: 'public',
  metadata: 'a cloud metadata endpoint',
  unspecified: 'unspecified',
  loopback: 'loopback',
  'link-local': 'link-local',
  private: 'private',
  shared: 'shared (CGNAT)',
  'unique-local': 'unique-local',
  reserved: 'reserved',
  'not-an-ip': 'not an IP address',
};

/** A refused address. Its message is for operator logs only: it names the address. */
export class WebhookAddressRefusedError extends Error {
  override readonly name = 'WebhookAddressRefusedError';
  readonly code = WEBHOOK_ADDRESS_REFUSED;

  constructor(host: string, address: string, kind: AddressKind) {
    const resolved = host === address ? '' : ` (resolved from ${host})`;
    const hint = isAllowedWebhookAddress(kind, true)
      ? '; governance.webhooks.allowPrivateNetworks would allow it'
      : '';
    super(`webhook address ${address}${resolved} is ${KIND_NAMES[kind]}: refused${hint}`);
  }
}

export function createWebhookDispatcher(options: WebhookDispatcherOptions): Agent {
  const { allowPrivateNetworks } = options;
  const refusalOf = (host: string, address: string): WebhookAddressRefusedError | undefined => {
    const kind = classifyAddress(address);
    return isAllowedWebhookAddress(kind, allowPrivateNetworks)
      ? undefined
      : new WebhookAddressRefusedError(host, address, kind);
  };
  const connectChecked = buildConnector({
    lookup: checkedLookup(options.lookup ?? dnsLookup, refusalOf),
  });
  return new Agent({
    connect: (connectOptions, callback) => {
      // net.connect skips the lookup for an IP literal, so it is checked here.
      const { hostname } = connectOptions;
      const refusal = isIP(hostname) === 0 ? undefined : refusalOf(hostname, hostname);
      if (refusal !== undefined) {
        queueMicrotask(() => callback(refusal, null));
        return;
      }
      connectChecked(connectOptions, callback);
    },
  });
}

/**
 * Resolves every address of a name and refuses the name if any of them is refused, so
 * whichever one the socket picks (Happy Eyeballs tries several) was checked.
 */
function checkedLookup(
  resolve: LookupFunction,
  refusalOf: (host: string, address: string) => Error | undefined,
): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (error, result) => {
      if (error) {
        callback(error, '');
        return;
      }
      const addresses: LookupAddress[] =
        typeof result === 'string' ? [{ address: result, family: isIP(result) }] : result;
      const first = addresses[0];
      if (first === undefined) {
        callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
        return;
      }
      for (const { address } of addresses) {
        const refusal = refusalOf(hostname, address);
        if (refusal !== undefined) {
          callback(refusal, '');
          return;
        }
      }
      if (lookupOptions.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}
