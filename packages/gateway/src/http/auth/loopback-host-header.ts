/**
 * The DNS-rebinding defence of open mode. A web page on `evil.example` can have its name
 * re-resolved to 127.0.0.1 and then script requests to a keyless gateway on the same
 * machine; the browser still sends `Host: evil.example`. So in open mode a request is
 * served only when its Host (or HTTP/2 `:authority`) names loopback: `localhost`, any
 * `*.localhost` (RFC 6761; browsers resolve those to loopback themselves), 127.0.0.0/8 or
 * `[::1]`, with any port. Anything else — including no Host at all — is refused.
 */
import { isLoopbackHost } from '../../control/tenants/open-mode.ts';

/** `name` or `name:port`, `[v6]` or `[v6]:port`; the port must be digits. */
const HOST_AND_PORT = /^(\[[^\]]*\]|[^:[\]]*)(?::\d{1,5})?$/;
/** Dot-separated labels of letters, digits and hyphens (IPv4 addresses included). */
const HOST_NAME = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*$/;

export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined) return false;
  const match = HOST_AND_PORT.exec(host);
  const name = match?.[1]?.toLowerCase();
  if (name === undefined || name === '') return false;
  if (name.startsWith('[')) return isLoopbackHost(name);
  if (!HOST_NAME.test(name)) return false;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return isLoopbackHost(name);
}
