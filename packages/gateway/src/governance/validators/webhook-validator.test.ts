import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, LookupFunction, Socket } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validationContext } from './validation-context-fixture.ts';
import type { Validator } from './validator.ts';
import type { WebhookRule } from './validators-policy.ts';
import { createWebhookDispatcher } from './webhook-dispatcher.ts';
import { createWebhookValidator, type WebhookValidatorOptions } from './webhook-validator.ts';

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

interface ReceivedRequest {
  method: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

let handler: Handler;
const received: ReceivedRequest[] = [];
let connections = 0;
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ method: request.method, headers: request.headers, body });
    handler(request, response, body);
  });
});
server.on('connection', () => {
  connections += 1;
});
let port: number;
let baseUrl: string;

// The test server listens on loopback, so most tests opt in to private networks, as
// `governance.webhooks.allowPrivateNetworks: true` does; the gateway refuses them by default.
const privateNetworks = createWebhookDispatcher({ allowPrivateNetworks: true });

/** The operator log: a real pino logger writing into `logLines`. */
const logLines: Record<string, unknown>[] = [];
const logger = pino(
  { level: 'warn' },
  { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) },
);

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
  await privateNetworks.close();
});

beforeEach(() => {
  received.length = 0;
  logLines.length = 0;
  connections = 0;
});

function answerWith(status: number, body: string): Handler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body);
  };
}

function webhook(
  overrides: Partial<WebhookRule> = {},
  options: WebhookValidatorOptions = { dispatcher: privateNetworks },
): Validator {
  return createWebhookValidator(
    {
      url: `${baseUrl}/check`,
      timeoutMs: 2_000,
      failMode: 'closed',
      onFail: 'reject',
      ...overrides,
    },
    { logger, ...options },
  );
}

const unavailableOpen = {
  name: 'webhook',
  passed: true,
  detail: 'webhook unavailable; passed because failMode is open',
};
const unavailableClosed = {
  name: 'webhook',
  passed: false,
  detail: 'webhook unavailable; failed because failMode is closed',
};

/** Why each unavailable call was, as the operator log says. */
function loggedReasons(): unknown[] {
  return logLines.map((line) => line.why);
}

const context = validationContext({ contentSha256: 'a'.repeat(64), policyVersion: 'v7' });

describe('webhook validator', () => {
  it('posts the answer as JSON with the configured headers and passes on "pass"', async () => {
    handler = answerWith(200, '{"verdict":"pass"}');
    const validator = webhook({ headers: { authorization: 'Bearer token-1' } });
    expect(await validator.validate('Hello 👋', context)).toEqual({
      name: 'webhook',
      passed: true,
    });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBe('Bearer token-1');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      generationId: 'gen_test',
      model: 'simulator',
      provider: 'simulator',
      policyVersion: 'v7',
      finishReason: 'stop',
      text: 'Hello 👋',
      contentSha256: 'a'.repeat(64),
    });
  });

  it('fails on "fail" in either fail mode, passing on a cleaned, shortened reason', async () => {
    const reason = `contains\u0000 medical\nclaims ${'x'.repeat(300)}`;
    handler = answerWith(200, JSON.stringify({ verdict: 'fail', reason, extra: 1 }));
    for (const failMode of ['open', 'closed'] as const) {
      const result = await webhook({ failMode }).validate('text', context);
      expect(result.passed).toBe(false);
      expect(result.detail).toMatch(/^webhook failed the answer: contains medical claims x+…$/);
      expect(result.detail?.length).toBeLessThan(260);
    }
    handler = answerWith(200, '{"verdict":"fail"}');
    expect(await webhook().validate('text', context)).toEqual({
      name: 'webhook',
      passed: false,
      detail: 'webhook failed the answer',
    });
  });

  it('follows the fail mode when the webhook does not answer in time', async () => {
    handler = () => {
      // Never answers: only the validator's deadline ends the wait.
    };
    const startedAt = performance.now();
    const open = await webhook({ failMode: 'open', timeoutMs: 50 }).validate('text', context);
    const closed = await webhook({ failMode: 'closed', timeoutMs: 50 }).validate('text', context);
    expect(performance.now() - startedAt).toBeLessThan(5_000);
    expect(open).toEqual(unavailableOpen);
    expect(closed).toEqual(unavailableClosed);
    expect(loggedReasons()).toEqual(['no answer within 50 ms', 'no answer within 50 ms']);
  });

  it('times out a webhook that sends headers and then stalls in the body', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"verdict":');
    };
    const result = await webhook({ failMode: 'closed', timeoutMs: 50 }).validate('text', context);
    expect(result).toEqual(unavailableClosed);
    expect(loggedReasons()[0]).toMatch(/^(no answer within 50 ms|reading)/);
  });

  const unavailable: [string, Handler, string][] = [
    ['HTTP 500', answerWith(500, '{"verdict":"pass"}'), 'HTTP 500'],
    ['a redirect', answerWith(302, ''), 'HTTP 302'],
    ['garbage', answerWith(200, '<html>oops</html>'), 'answer is not JSON'],
    [
      'JSON without a verdict',
      answerWith(200, '{"verdict":"maybe"}'),
      'answer lacks a "verdict" of "pass" or "fail"',
    ],
    ['an oversized answer', answerWith(200, ' '.repeat(70_000)), 'answer larger than 64 KiB'],
  ];

  for (const [label, respond, why] of unavailable) {
    it(`follows the fail mode on ${label}, telling only the operator log why`, async () => {
      handler = respond;
      expect(await webhook({ failMode: 'open' }).validate('text', context)).toEqual(
        unavailableOpen,
      );
      expect(await webhook({ failMode: 'closed' }).validate('text', context)).toEqual(
        unavailableClosed,
      );
      expect(logLines).toEqual([
        expect.objectContaining({
          level: 40,
          event: 'webhook-unavailable',
          generationId: 'gen_test',
          policyVersion: 'v7',
          webhook: baseUrl,
          failMode: 'open',
          why,
          msg: 'webhook unavailable',
        }),
        expect.objectContaining({ failMode: 'closed', why }),
      ]);
    });
  }

  it('follows the fail mode when the connection is refused', async () => {
    const closedServer = createServer();
    closedServer.listen(0, '127.0.0.1');
    await once(closedServer, 'listening');
    const { port } = closedServer.address() as AddressInfo;
    closedServer.close();
    await once(closedServer, 'close');
    const url = `http://127.0.0.1:${port}/check`;
    const open = await webhook({ url, failMode: 'open' }).validate('text', context);
    const closed = await webhook({ url, failMode: 'closed' }).validate('text', context);
    // The tenant cannot tell a closed port from a silent one or a refused address.
    expect(open).toEqual(unavailableOpen);
    expect(closed).toEqual(unavailableClosed);
    expect(loggedReasons()).toEqual([
      'request failed: ECONNREFUSED',
      'request failed: ECONNREFUSED',
    ]);
    expect(JSON.stringify([open, closed])).not.toContain(String(port));
  });

  it('never sends Host or hop-by-hop headers, even from a policy that slipped past parsing', async () => {
    handler = answerWith(200, '{"verdict":"pass"}');
    const validator = webhook({
      headers: { Host: 'metadata.internal', connection: 'close', 'x-token': 't-1' },
    });
    expect((await validator.validate('text', context)).passed).toBe(true);
    expect(received[0]?.headers.host).toBe(`127.0.0.1:${port}`);
    expect(received[0]?.headers.connection).not.toBe('close');
    expect(received[0]?.headers['x-token']).toBe('t-1');
  });
});

/** Every socket connection attempt this process makes while `run` runs, as `ip:port`. */
async function connectionAttemptsDuring(run: () => Promise<void>): Promise<string[]> {
  const attempts: string[] = [];
  const onSocket = (message: unknown) => {
    (message as { socket: Socket }).socket.on('connectionAttempt', (ip: string, to: number) =>
      attempts.push(`${ip}:${to}`),
    );
  };
  subscribe('net.client.socket', onSocket);
  try {
    await run();
  } finally {
    unsubscribe('net.client.socket', onSocket);
  }
  return attempts;
}

/** A resolver that answers every name with these addresses, as a hostile DNS server may. */
function resolvingTo(...addresses: string[]): LookupFunction {
  return (_hostname, options, callback) => {
    const all = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, all);
    else callback(null, all[0]?.address ?? '', all[0]?.family);
  };
}

describe('webhook validator and private networks', () => {
  it('refuses a loopback webhook by default: no connection, a generic detail, the reason logged', async () => {
    handler = answerWith(200, '{"verdict":"pass"}');
    let result: unknown;
    const attempts = await connectionAttemptsDuring(async () => {
      // No dispatcher given: the default one, which refuses private networks.
      result = await webhook({ failMode: 'closed' }, {}).validate('text', context);
    });
    expect(result).toEqual(unavailableClosed);
    expect(attempts).toEqual([]);
    expect(connections).toBe(0);
    expect(loggedReasons()).toEqual([
      'webhook address 127.0.0.1 is loopback: refused; governance.webhooks.allowPrivateNetworks would allow it',
    ]);
  });

  it('checks the address a name resolves to when connecting, not the name', async () => {
    handler = answerWith(200, '{"verdict":"pass"}');
    const url = `http://checks.example.com:${port}/check`;
    const rebinding = createWebhookDispatcher({
      allowPrivateNetworks: false,
      lookup: resolvingTo('127.0.0.1'),
    });
    try {
      const attempts = await connectionAttemptsDuring(async () => {
        expect(
          await webhook({ url, failMode: 'open' }, { dispatcher: rebinding }).validate(
            't',
            context,
          ),
        ).toEqual(unavailableOpen);
      });
      expect(attempts).toEqual([]);
      expect(connections).toBe(0);
      expect(loggedReasons()).toEqual([
        expect.stringMatching(
          /^webhook address 127\.0\.0\.1 \(resolved from checks\.example\.com\) is loopback: refused/,
        ),
      ]);
    } finally {
      await rebinding.close();
    }

    // The same name and resolver with private networks allowed reach the server (and the
    // attempt is seen, so the empty lists above are not an artefact of the recording).
    const allowed = createWebhookDispatcher({
      allowPrivateNetworks: true,
      lookup: resolvingTo('127.0.0.1'),
    });
    try {
      const attempts = await connectionAttemptsDuring(async () => {
        expect(await webhook({ url }, { dispatcher: allowed }).validate('text', context)).toEqual({
          name: 'webhook',
          passed: true,
        });
      });
      expect(attempts).toEqual([`127.0.0.1:${port}`]);
      expect(received).toHaveLength(1);
      expect(received[0]?.headers.host).toBe(`checks.example.com:${port}`);
    } finally {
      await allowed.close();
    }
  });

  it('refuses a name when any address it resolves to is refused, before any connection attempt', async () => {
    const mixed = createWebhookDispatcher({
      allowPrivateNetworks: false,
      lookup: resolvingTo('93.184.215.14', '169.254.169.254'),
    });
    try {
      const attempts = await connectionAttemptsDuring(async () => {
        const url = 'http://checks.example.com:8080/check';
        expect(await webhook({ url }, { dispatcher: mixed }).validate('text', context)).toEqual(
          unavailableClosed,
        );
      });
      expect(attempts).toEqual([]);
      expect(loggedReasons()).toEqual([
        'webhook address 169.254.169.254 (resolved from checks.example.com) is a cloud metadata endpoint: refused',
      ]);
    } finally {
      await mixed.close();
    }
  });

  it('keeps refusing metadata endpoints with private networks allowed', async () => {
    const attempts = await connectionAttemptsDuring(async () => {
      for (const host of ['169.254.169.254', '[::ffff:a9fe:a9fe]', '[fd00:ec2::254]']) {
        const url = `http://${host}/latest/meta-data/`;
        expect(await webhook({ url }).validate('text', context)).toEqual(unavailableClosed);
      }
    });
    expect(attempts).toEqual([]);
    expect(loggedReasons()).toEqual([
      'webhook address 169.254.169.254 is a cloud metadata endpoint: refused',
      'webhook address ::ffff:a9fe:a9fe is a cloud metadata endpoint: refused',
      'webhook address fd00:ec2::254 is a cloud metadata endpoint: refused',
    ]);
  });
});
