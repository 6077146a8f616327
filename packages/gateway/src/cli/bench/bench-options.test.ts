/**
 * Flag parsing for `sluice bench`: defaults, every option, endpoint paths, and the bad
 * inputs that must become usage errors (without echoing header values).
 */
import { describe, expect, test } from 'vitest';
import { BenchUsageError, DEFAULT_REQUESTS, parseBenchArguments } from './bench-options.ts';
import { displayUrl, endpointUrl, prepareRequest } from './bench-request.ts';

function parse(argv: string[]) {
  const result = parseBenchArguments(argv);
  if (result.help) throw new Error('expected options, got help');
  return result.options;
}

function usageError(argv: string[]): string {
  try {
    parseBenchArguments(argv);
  } catch (error) {
    expect(BenchUsageError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

const BASE = ['--url', 'http://127.0.0.1:7700', '--model', 'simulator'];

describe('parseBenchArguments', () => {
  test('applies the documented defaults', () => {
    const options = parse(BASE);
    expect(options).toMatchObject({
      api: 'openai',
      model: 'simulator',
      concurrency: 10,
      rate: undefined,
      arrival: 'poisson',
      requests: DEFAULT_REQUESTS,
      durationMs: undefined,
      maxTokens: 128,
      stream: true,
      headers: {},
      extraBody: {},
      timeoutMs: 120_000,
      json: false,
      htmlFile: undefined,
      seed: 0,
    });
  });

  test('reads every option', () => {
    const options = parse([
      ...BASE,
      '--api',
      'sluice',
      '--concurrency',
      '4',
      '--rate',
      '2.5',
      '--arrival',
      'constant',
      '--duration',
      '1.5',
      '--prompt',
      'hi',
      '--max-tokens',
      '16',
      '--header',
      'Authorization: Bearer abc:def',
      '--header',
      'X-Trace:1',
      '--extra-body',
      '{"temperature":0}',
      '--timeout',
      '3',
      '--json',
      '--html',
      'out.html',
      '--seed',
      '9',
    ]);
    expect(options).toMatchObject({
      api: 'sluice',
      concurrency: 4,
      rate: 2.5,
      arrival: 'constant',
      requests: undefined,
      durationMs: 1500,
      prompt: 'hi',
      maxTokens: 16,
      headers: { authorization: 'Bearer abc:def', 'x-trace': '1' },
      extraBody: { temperature: 0 },
      timeoutMs: 3000,
      json: true,
      htmlFile: 'out.html',
      seed: 9,
    });
  });

  test('--help wins over everything else', () => {
    expect(parseBenchArguments(['--help'])).toEqual({ help: true });
    expect(parseBenchArguments(['-h', '--url', 'nonsense'])).toEqual({ help: true });
  });

  test.each([
    [[], /--url is required/],
    [['--url', 'http://x'], /--model is required/],
    [[...BASE, '--bogus'], /Unknown option '--bogus'/],
    [[...BASE, 'extra'], /positional/],
    [['--url', 'ftp://x', '--model', 'm'], /--url must be an http/],
    [['--url', 'not a url', '--model', 'm'], /--url must be an http/],
    [[...BASE, '--concurrency', '0'], /--concurrency/],
    [[...BASE, '--concurrency', '2.5'], /--concurrency must be a whole number/],
    [[...BASE, '--rate=-1'], /--rate must be a number/],
    [[...BASE, '--rate', 'fast'], /--rate must be a number/],
    [[...BASE, '--requests', '10', '--duration', '5'], /not both/],
    [[...BASE, '--arrival', 'constant'], /--arrival needs --rate/],
    [[...BASE, '--rate', '1', '--arrival', 'bursty'], /--arrival/],
    [[...BASE, '--api', 'grpc'], /--api/],
    [[...BASE, '--api', 'sluice', '--no-stream'], /--no-stream works with --api openai only/],
    [[...BASE, '--max-tokens', '0'], /--max-tokens/],
    [[...BASE, '--extra-body', '[1]'], /--extra-body must be a JSON object/],
    [[...BASE, '--extra-body', '{oops'], /--extra-body must be a JSON object/],
    [[...BASE, '--concurrency'], /argument missing/],
  ])('rejects %j', (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });

  test('a malformed header is refused without echoing its value', () => {
    const message = usageError([...BASE, '--header', 'Bearer sk-very-secret']);
    expect(message).toBe("--header #1 must look like 'Name: value'");
    expect(message).not.toContain('sk-very-secret');
  });
});

describe('request preparation', () => {
  test('places the endpoint under the base URL, whatever form it takes', () => {
    const paths = (url: string, api: 'openai' | 'sluice') =>
      endpointUrl(new URL(url), api).pathname;
    expect(paths('http://h:1', 'openai')).toBe('/v1/chat/completions');
    expect(paths('http://h:1/', 'openai')).toBe('/v1/chat/completions');
    expect(paths('https://api.example/v1', 'openai')).toBe('/v1/chat/completions');
    expect(paths('http://h/proxy/v1/', 'openai')).toBe('/proxy/v1/chat/completions');
    expect(paths('http://h/v1/chat/completions', 'openai')).toBe('/v1/chat/completions');
    expect(paths('http://h:1', 'sluice')).toBe('/v1/generations');
    expect(paths('http://h/v1', 'sluice')).toBe('/v1/generations');
  });

  test('an OpenAI body asks for usage in the stream; extra body fields are merged in', () => {
    const prepared = prepareRequest(
      parse([...BASE, '--max-tokens', '5', '--extra-body', '{"temperature":0}']),
    );
    expect(JSON.parse(prepared.body)).toEqual({
      model: 'simulator',
      messages: [{ role: 'user', content: expect.any(String) }],
      max_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0,
    });
    expect(prepared.headers.accept).toBe('text/event-stream');
  });

  test('a Sluice body uses the native field names', () => {
    const prepared = prepareRequest(parse([...BASE, '--api', 'sluice', '--prompt', 'Hello']));
    expect(JSON.parse(prepared.body)).toEqual({
      model: 'simulator',
      messages: [{ role: 'user', content: 'Hello' }],
      maxTokens: 128,
    });
    expect(prepared.url.pathname).toBe('/v1/generations');
  });

  test('the printed target carries no credentials and no query', () => {
    expect(displayUrl(new URL('https://user:pw@host:8443/v1/chat/completions?key=sk'))).toBe(
      'https://host:8443/v1/chat/completions',
    );
  });
});
