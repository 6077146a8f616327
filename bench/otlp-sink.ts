/**
 * A loopback OTLP/HTTP sink for the tracing variant: answers 200 to every export and
 * counts what it received, so the gateway's exporter does real work without a collector.
 */
import { createServer } from 'node:http';

export interface OtlpSink {
  endpoint: string;
  exports: () => number;
  stop: () => Promise<void>;
}

export function startOtlpSink(): Promise<OtlpSink> {
  let exports = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      exports += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({
        endpoint: `http://127.0.0.1:${port}/v1/traces`,
        exports: () => exports,
        stop: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
