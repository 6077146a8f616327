/**
 * Issue 10: a policy webhook cannot be aimed at the gateway's own network. Through a
 * real gateway, a policy whose webhook points at loopback, link-local, metadata or
 * private addresses (by IP, IPv4-mapped IPv6 or a name resolving to loopback) gets a
 * generic check detail, no connection is attempted, and the operator log says why;
 * `Host` and hop-by-hop headers are refused at publish time; with
 * `governance.webhooks.allowPrivateNetworks` a loopback webhook works.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse } from '../helpers/sse-client.ts';

interface Trap {
  server: Server;
  port: number;
  connections: number;
  requests: number;
}

/** A webhook that passes every answer, counting who reached it. */
async function startTrap(host: string): Promise<Trap> {
  const server = createServer((_request, response) => {
    trap.requests += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"verdict":"pass"}');
  });
  const trap: Trap = { server, port: 0, connections: 0, requests: 0 };
  server.on('connection', () => {
    trap.connections += 1;
  });
  server.listen(0, host);
  await once(server, 'listening');
  trap.port = (server.address() as AddressInfo).port;
  return trap;
}

async function stopTrap(trap: Trap): Promise<void> {
  trap.server.closeAllConnections();
  trap.server.close();
  await once(trap.server, 'close');
}

let ipv4: Trap;
let ipv6: Trap;
let gateway: RunningGateway;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  ipv4 = await startTrap('127.0.0.1');
  ipv6 = await startTrap('::1');
  gateway = await startGateway({
    logger: {
      level: 'warn',
      stream: { write: (line: string) => logLines.push(JSON.parse(line)) },
    },
  });
});

afterAll(async () => {
  await gateway.close();
  await stopTrap(ipv4);
  await stopTrap(ipv6);
});

function call(server: RunningGateway, method: string, path: string, body: unknown) {
  return fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function webhookPolicy(url: string, headers?: Record<string, string>) {
  return {
    validators: {
      webhook: { url, timeoutMs: 5_000, failMode: 'open', onFail: 'reject', headers },
    },
  };
}

/** Publishes a webhook policy for the simulator, runs one generation, returns its final event. */
async function generateUnder(server: RunningGateway, name: string, url: string) {
  expect(
    (await call(server, 'POST', `/v1/policies/${name}/versions`, webhookPolicy(url))).status,
  ).toBe(201);
  expect(
    (await call(server, 'PUT', '/v1/policy-bindings', { model: 'simulator', policy: name })).status,
  ).toBe(200);
  const response = await fetch(`${server.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({
      model: 'simulator',
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 3,
    }),
  });
  const id = response.headers.get('sluice-generation-id') ?? '';
  const events = await readSse(response, { until: (event) => event.event === 'response-final' });
  const final = events.find((event) => event.event === 'response-final');
  return {
    id,
    raw: events.map((event) => event.data).join('\n'),
    final: JSON.parse(final?.data ?? '{}') as {
      verdict: string;
      checks: { name: string; passed: boolean; detail?: string }[];
    },
  };
}

/** Outgoing connection attempts while `run` runs, other than to the gateway itself. */
async function outgoingAttemptsDuring<T>(run: () => Promise<T>): Promise<[T, string[]]> {
  const gatewayPort = new URL(gateway.baseUrl).port;
  const attempts: string[] = [];
  const onSocket = (message: unknown) => {
    (message as { socket: Socket }).socket.on('connectionAttempt', (ip: string, port: number) => {
      if (String(port) !== gatewayPort) attempts.push(`${ip}:${port}`);
    });
  };
  subscribe('net.client.socket', onSocket);
  try {
    return [await run(), attempts];
  } finally {
    unsubscribe('net.client.socket', onSocket);
  }
}

describe('policy webhooks and private networks', () => {
  const targets: [label: string, url: () => string, logged: RegExp][] = [
    ['127.0.0.1', () => `http://127.0.0.1:${ipv4.port}/check`, /127\.0\.0\.1 is loopback/],
    ['[::1]', () => `http://[::1]:${ipv6.port}/check`, /::1 is loopback/],
    [
      'localhost',
      () => `http://localhost:${ipv4.port}/check`,
      /resolved from localhost\) is loopback/,
    ],
    ['0.0.0.0', () => `http://0.0.0.0:${ipv4.port}/check`, /0\.0\.0\.0 is unspecified/],
    [
      '169.254.169.254',
      () => `http://169.254.169.254:${ipv4.port}/latest/meta-data/`,
      /169\.254\.169\.254 is a cloud metadata endpoint/,
    ],
    [
      '[::ffff:a9fe:a9fe]',
      () => `http://[::ffff:a9fe:a9fe]:${ipv4.port}/latest/meta-data/`,
      /::ffff:a9fe:a9fe is a cloud metadata endpoint/,
    ],
    ['10.0.0.1', () => `http://10.0.0.1:${ipv4.port}/check`, /10\.0\.0\.1 is private/],
  ];

  test.each(targets)(
    'refuses a webhook at %s without connecting, telling only the operator',
    async (_label, url, logged) => {
      const connectionsBefore = ipv4.connections + ipv6.connections;
      const [{ id, raw, final }, attempts] = await outgoingAttemptsDuring(() =>
        generateUnder(gateway, 'hooked', url()),
      );
      expect(attempts).toEqual([]);
      expect(ipv4.connections + ipv6.connections).toBe(connectionsBefore);
      expect(final.verdict).toBe('approved');
      expect(final.checks).toContainEqual({
        name: 'webhook',
        passed: true,
        detail: 'webhook unavailable; passed because failMode is open',
      });
      // Nothing about the target reaches the tenant: no port, no errno, no address class.
      for (const leak of [String(ipv4.port), String(ipv6.port), 'ECONN', 'refused', 'loopback']) {
        expect(raw).not.toContain(leak);
      }
      const line = logLines.find((entry) => entry.generationId === id);
      expect(line).toMatchObject({ event: 'webhook-unavailable', level: 40 });
      expect(line?.why).toMatch(logged);
    },
  );

  test('refuses Host and hop-by-hop headers when the policy is published, naming them', async () => {
    for (const header of ['Host', 'Connection', 'transfer-encoding']) {
      const response = await call(
        gateway,
        'POST',
        '/v1/policies/retargeted/versions',
        webhookPolicy('https://checks.example.com/verify', { [header]: '169.254.169.254' }),
      );
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('SLUICE_ERR_POLICY_INVALID');
      expect(body.error.message).toContain(`validators.webhook.headers.${header}`);
      expect(body.error.message).toContain(`the "${header}" header cannot be set`);
    }
  });

  test('with allowPrivateNetworks a loopback webhook is called', async () => {
    const optedIn = await startGateway({
      config: { governance: { webhooks: { allowPrivateNetworks: true } } },
    });
    const requestsBefore = ipv4.requests;
    try {
      const { final } = await generateUnder(
        optedIn,
        'internal',
        `http://127.0.0.1:${ipv4.port}/check`,
      );
      expect(final.checks).toContainEqual({ name: 'webhook', passed: true });
      expect(ipv4.requests).toBe(requestsBefore + 1);
    } finally {
      await optedIn.close();
    }
  });
});
