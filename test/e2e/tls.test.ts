/**
 * TLS as an option: with `http.tls` the gateway serves HTTPS (and HSTS), including SSE.
 * The certificate is made for the test with the system's openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

let server: RunningGateway;
let certificate: Buffer;

beforeAll(async () => {
  const directory = mkdtempSync(join(tmpdir(), 'sluice-tls-'));
  const certFile = join(directory, 'cert.pem');
  const keyFile = join(directory, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  certificate = readFileSync(certFile);
  server = await startGateway({ config: { http: { tls: { certFile, keyFile } } } });
});
afterAll(async () => {
  await server.close();
});

test('serves SSE over HTTPS with HSTS', async () => {
  expect(server.baseUrl.startsWith('https://')).toBe(true);
  const { headers, body } = await new Promise<{ headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const outgoing = request(
        `${server.baseUrl}/v1/generations`,
        {
          method: 'POST',
          ca: certificate,
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () => resolve({ headers: response.headers, body: text }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(
        JSON.stringify({
          model: 'simulator',
          messages: [{ role: 'user', content: 'hi' }],
          maxTokens: 3,
        }),
      );
    },
  );
  expect(headers['content-type']).toContain('text/event-stream');
  expect(body).toContain('event: response-finish');
  const health = await new Promise<Record<string, unknown>>((resolve, reject) => {
    request(`${server.baseUrl}/healthz`, { ca: certificate }, (response) => {
      response.resume();
      resolve(response.headers);
    })
      .on('error', reject)
      .end();
  });
  expect(health['strict-transport-security']).toContain('max-age=');
});
