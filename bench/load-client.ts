/**
 * The bench load client, run as its own process: keeps C streaming requests in flight
 * over keep-alive connections, parses their SSE incrementally, and records per request
 * the time to first token (first text or tool-call arguments delta), the gaps between
 * deltas, the end-to-end time and the deltas received. Streams start staggered over a
 * ramp so they do not tick in lockstep; only requests started inside the measured window
 * count, and the parent is told when that window opens and closes.
 *
 * Usage: node bench/load-client.ts '<LoadClientOptions as JSON>'
 */
import { Agent, type IncomingMessage, request } from 'node:http';
import { exitWithParent, sendToParent } from './child-messages.ts';
import type { LoadResult } from './load-result.ts';
import { SseTokenCounter, type StreamFormat } from './sse-token-counter.ts';
import { SampleBuffer, summarize } from './stats.ts';

export interface LoadClientOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  format: StreamFormat;
  concurrency: number;
  /** Streams start spread over this long, then each slot loops. */
  rampMs: number;
  /** Unmeasured time from the start (includes the ramp). */
  warmupMs: number;
  durationMs: number;
  /** Ends the window early once this many measured requests completed. */
  maxRequests: number | undefined;
  /** Upstream tokens in one answer. */
  expectedTokens: number;
  /**
   * Characters of text (or tool-call arguments) in one complete answer; fewer is an
   * error. Tokens relayed are counted as characters received over characters per token,
   * so merged deltas still count every token. Undefined (simulator: text unknown here)
   * counts deltas instead, which undercounts tokens when the gateway merges them.
   */
  expectedCharacters: number | undefined;
  /** A request taking longer than this fails. */
  requestTimeoutMs: number;
  /** How long to wait for measured requests still running when the window closes. */
  drainTimeoutMs: number;
  /**
   * Readers attached to each generation (`GET /v1/generations/{id}/events` from the
   * start, id from the `Sluice-Generation-Id` header): fast ones read as fast as they
   * can and their gaps join the inter-token samples; slow ones pause between reads.
   */
  extraFastReaders: number;
  slowReaders: number;
}

/** A slow reader pauses this long after every read, and gives up after the second bound. */
const SLOW_READER_PAUSE_MS = 250;
const SLOW_READER_LIFETIME_MS = 5000;

const MAX_ERROR_SAMPLES = 5;

class LoadRecorder {
  readonly timeToFirstToken = new SampleBuffer();
  readonly interToken = new SampleBuffer();
  readonly endToEnd = new SampleBuffer();
  readonly deltasPerRequest = new SampleBuffer();
  measureStart = Number.POSITIVE_INFINITY;
  measureEnd = Number.POSITIVE_INFINITY;
  requestsMeasured = 0;
  requestsCompleted = 0;
  errors = 0;
  readonly errorSamples: string[] = [];
  /** Characters (or deltas, when no character count is known) received in the window. */
  unitsInWindow = 0;

  inWindow(time: number): boolean {
    return time >= this.measureStart && time < this.measureEnd;
  }

  fail(description: string): void {
    this.errors += 1;
    if (this.errorSamples.length < MAX_ERROR_SAMPLES) this.errorSamples.push(description);
  }
}

/** Runs one streaming request; resolves when it ended, whatever the outcome. */
function runOne(
  options: LoadClientOptions,
  agent: Agent,
  slowAgent: Agent,
  recorder: LoadRecorder,
  url: URL,
): Promise<void> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const measured = recorder.inWindow(startedAt);
    if (measured) recorder.requestsMeasured += 1;
    const counter = new SseTokenCounter(options.format);
    let deltas = 0;
    let firstTokenAt: number | undefined;
    let lastTokenAt = 0;
    let settled = false;
    const settle = (failure: string | undefined) => {
      if (settled) return;
      settled = true;
      if (measured) {
        const failed = failure ?? completionFailure(options, counter, deltas);
        if (failed === undefined) {
          recorder.requestsCompleted += 1;
          recorder.endToEnd.push(performance.now() - startedAt);
          recorder.deltasPerRequest.push(deltas);
        } else {
          recorder.fail(failed);
        }
      }
      resolve();
    };
    const outgoing = request(url, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(options.body),
        ...options.headers,
      },
      timeout: options.requestTimeoutMs,
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('request timed out')));
    outgoing.on('error', (error) => settle(`request error: ${error.message}`));
    outgoing.on('response', (response: IncomingMessage) => {
      if (response.statusCode !== 200) {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (part: string) => {
          if (text.length < 500) text += part;
        });
        response.on('end', () => settle(`status ${response.statusCode}: ${text.slice(0, 200)}`));
        response.on('error', (error) => settle(`response error: ${error.message}`));
        return;
      }
      const generationId = response.headers['sluice-generation-id'];
      const readers: Promise<string | undefined>[] = [];
      if (typeof generationId === 'string') {
        const eventsUrl = new URL(`/v1/generations/${generationId}/events`, url);
        for (let index = 0; index < options.extraFastReaders; index += 1) {
          readers.push(fastReader(options, agent, recorder, eventsUrl, measured));
        }
        for (let index = 0; index < options.slowReaders; index += 1) {
          slowReader(options, slowAgent, eventsUrl);
        }
      } else if (options.extraFastReaders + options.slowReaders > 0) {
        settle('no Sluice-Generation-Id header to attach readers to');
        return;
      }
      response.on('data', (chunk: Buffer) => {
        const now = performance.now();
        const charactersBefore = counter.characters;
        const arrived = counter.feed(chunk);
        if (arrived === 0) return;
        if (recorder.inWindow(now)) {
          recorder.unitsInWindow +=
            options.expectedCharacters === undefined
              ? arrived
              : counter.characters - charactersBefore;
        }
        if (measured) {
          if (firstTokenAt === undefined) {
            firstTokenAt = now;
            recorder.timeToFirstToken.push(now - startedAt);
          } else {
            recorder.interToken.push(now - lastTokenAt);
          }
          // Deltas that arrived in one chunk reached the reader together: zero gaps.
          for (let index = 1; index < arrived; index += 1) recorder.interToken.push(0);
        }
        lastTokenAt = now;
        deltas += arrived;
      });
      response.on('end', () => {
        if (readers.length === 0) settle(undefined);
        else
          void Promise.all(readers).then((failures) =>
            settle(failures.find((failure) => failure !== undefined)),
          );
      });
      response.on('error', (error) => settle(`response error: ${error.message}`));
      response.on('aborted', () => settle('response aborted'));
    });
    outgoing.end(options.body);
  });
}

function getEvents(
  options: LoadClientOptions,
  agent: Agent,
  eventsUrl: URL,
  onResponse: (response: IncomingMessage) => void,
  onError: (error: Error) => void,
): void {
  const outgoing = request(eventsUrl, {
    agent,
    headers: { ...options.headers, accept: 'text/event-stream' },
    timeout: options.requestTimeoutMs,
  });
  outgoing.on('timeout', () => outgoing.destroy(new Error('request timed out')));
  outgoing.on('error', onError);
  outgoing.on('response', onResponse);
  outgoing.end();
}

/** Reads a generation as fast as it can; resolves with a failure description, if any. */
function fastReader(
  options: LoadClientOptions,
  agent: Agent,
  recorder: LoadRecorder,
  eventsUrl: URL,
  measured: boolean,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const counter = new SseTokenCounter('native');
    let lastTokenAt: number | undefined;
    getEvents(
      options,
      agent,
      eventsUrl,
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          resolve(`reader status ${response.statusCode}`);
          return;
        }
        response.on('data', (chunk: Buffer) => {
          const now = performance.now();
          const arrived = counter.feed(chunk);
          if (arrived === 0 || !measured) return;
          if (lastTokenAt !== undefined) recorder.interToken.push(now - lastTokenAt);
          for (let index = 1; index < arrived; index += 1) recorder.interToken.push(0);
          lastTokenAt = now;
        });
        response.on('end', () =>
          resolve(counter.ended ? undefined : 'reader ended without a terminal event'),
        );
        response.on('error', (error) => resolve(`reader error: ${error.message}`));
      },
      (error) => resolve(`reader request error: ${error.message}`),
    );
  });
}

/** Reads a generation slowly (pausing after every read) and gives up after a while. */
function slowReader(options: LoadClientOptions, agent: Agent, eventsUrl: URL): void {
  getEvents(
    options,
    agent,
    eventsUrl,
    (response) => {
      const giveUp = setTimeout(() => response.destroy(), SLOW_READER_LIFETIME_MS);
      response.on('data', () => {
        response.pause();
        setTimeout(() => response.resume(), SLOW_READER_PAUSE_MS);
      });
      response.on('close', () => clearTimeout(giveUp));
      // Being cut by the gateway's backpressure rules is what slow readers are for.
      response.on('error', () => undefined);
    },
    () => undefined,
  );
}

function completionFailure(
  options: LoadClientOptions,
  counter: SseTokenCounter,
  deltas: number,
): string | undefined {
  if (counter.error !== undefined) return `stream error: ${counter.error.slice(0, 200)}`;
  if (!counter.ended) return `stream ended without a terminal frame after ${deltas} deltas`;
  if (options.expectedCharacters === undefined) {
    // Without the text to compare, merged deltas are fine; more deltas than tokens is not.
    if (deltas === 0 || deltas > options.expectedTokens) {
      return `received ${deltas} deltas for ${options.expectedTokens} tokens`;
    }
  } else if (counter.characters !== options.expectedCharacters) {
    return `received ${counter.characters} characters, expected ${options.expectedCharacters}`;
  }
  return undefined;
}

export async function runLoad(options: LoadClientOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const readersPerStream = 1 + options.extraFastReaders;
  const agent = new Agent({
    keepAlive: true,
    maxSockets: options.concurrency * readersPerStream,
    maxFreeSockets: options.concurrency * readersPerStream,
  });
  // Slow readers outlive their generation: their own sockets, so they never queue the load.
  const slowAgent = new Agent({ keepAlive: false });
  const recorder = new LoadRecorder();
  const origin = performance.now();
  recorder.measureStart = origin + options.warmupMs;
  recorder.measureEnd = recorder.measureStart + options.durationMs;
  let stopping = false;

  const openTimer = setTimeout(
    () => void sendToParent({ type: 'measure-start' }),
    options.warmupMs,
  );
  let closeWindow!: () => void;
  const windowClosed = new Promise<void>((resolve) => {
    closeWindow = resolve;
  });
  const windowTimer = setTimeout(() => closeWindow(), options.warmupMs + options.durationMs);

  const slot = async (index: number) => {
    const delay = (index * options.rampMs) / options.concurrency;
    await new Promise((resolve) => setTimeout(resolve, delay));
    while (!stopping) {
      await runOne(options, agent, slowAgent, recorder, url);
      const done = recorder.requestsCompleted + recorder.errors;
      if (options.maxRequests !== undefined && done >= options.maxRequests) closeWindow();
    }
  };
  const slots = Array.from({ length: options.concurrency }, (_, index) => slot(index));

  await windowClosed;
  clearTimeout(windowTimer);
  clearTimeout(openTimer);
  const closedAt = performance.now();
  recorder.measureEnd = Math.min(recorder.measureEnd, closedAt);
  stopping = true;
  void sendToParent({ type: 'measure-end' });

  const drained = Promise.all(slots).then(() => true);
  const timedOut = new Promise<boolean>((resolve) =>
    setTimeout(() => resolve(false), options.drainTimeoutMs).unref(),
  );
  if (!(await Promise.race([drained, timedOut]))) {
    recorder.fail('some requests were still running when the drain timeout passed');
  }
  agent.destroy();
  slowAgent.destroy();

  const measuredSeconds = (recorder.measureEnd - recorder.measureStart) / 1000;
  const tokensInWindow =
    options.expectedCharacters === undefined
      ? recorder.unitsInWindow
      : Math.round((recorder.unitsInWindow * options.expectedTokens) / options.expectedCharacters);
  return {
    concurrency: options.concurrency,
    measuredSeconds,
    requestsMeasured: recorder.requestsMeasured,
    requestsCompleted: recorder.requestsCompleted,
    errors: recorder.errors,
    errorSamples: recorder.errorSamples,
    tokensInWindow,
    tokensPerSecond: tokensInWindow / measuredSeconds,
    timeToFirstTokenMs: summarize(recorder.timeToFirstToken.values()),
    interTokenMs: summarize(recorder.interToken.values()),
    endToEndMs: summarize(recorder.endToEnd.values()),
    deltasPerRequest: summarize(recorder.deltasPerRequest.values()),
  };
}

async function main(): Promise<void> {
  const argument = process.argv[2];
  if (argument === undefined) {
    process.stderr.write("Usage: node bench/load-client.ts '<options JSON>'\n");
    process.exitCode = 2;
    return;
  }
  exitWithParent(() => {});
  const result = await runLoad(JSON.parse(argument) as LoadClientOptions);
  if (process.send) {
    await sendToParent({ type: 'result', result });
    process.exit(0);
  } else {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
}

if (import.meta.main) await main();
