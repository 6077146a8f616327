/**
 * The `sluice bench` usage line and `--help` text. The help defines every metric the way
 * vLLM's serving benchmark does, so figures from both tools can be compared knowingly.
 */

export const BENCH_USAGE = `Usage: sluice bench --url URL --model MODEL [options]
  --url URL              Target base URL (e.g. http://127.0.0.1:7700 or https://host/v1)
  --api openai|sluice    openai: POST /v1/chat/completions (OpenAI, vLLM, Ollama, Sluice);
                         sluice: POST /v1/generations with Accept: text/event-stream
                         (default openai)
  --model MODEL          Model name sent in every request (required)
  --concurrency N        Most requests in flight at once (default 10)
  --rate R               Requests started per second (default: as fast as concurrency allows)
  --arrival KIND         poisson (default) or constant spacing of starts; needs --rate
  --requests N           Number of requests to send (default 100)
  --duration S           Or: keep starting requests for S seconds, then wait for the last
  --prompt TEXT          The user message (default: a short story prompt)
  --max-tokens N         Output tokens asked for per request (default 128)
  --no-stream            Ask for whole responses (openai only): TTFT then equals latency
  --header 'K: V'        Extra request header, repeatable (values never appear in output)
  --extra-body JSON      JSON object merged into every request body
  --timeout S            A request still running after S seconds fails (default 120)
  --seed N               Seed for the Poisson schedule (default 0)
  --json                 Print the report as JSON on stdout (no progress, no table)
  --html FILE            Also write a self-contained HTML report with charts
  -h, --help             Show this help with the definition of every metric`;

export const BENCH_METRICS_HELP = `Metrics (all times in milliseconds, measured with performance.now() on this machine):
  Time to first token (TTFT)   From sending the request to receiving the first chunk
                               that carries output text. Includes queueing at the server
                               and prompt processing. Without streaming it equals E2E.
  Inter-token latency (ITL)    Every gap between two consecutive text-carrying chunks of
                               one response, pooled over all requests. Chunks that arrive
                               in the same network read have a gap of 0.
  Time per output token (TPOT) Per request: (E2E - TTFT) / (output tokens - 1), the mean
                               time to generate each token after the first. Requests with
                               fewer than 2 output tokens, or without streaming, have none.
  End-to-end latency (E2E)     From sending the request to the end of the response.
  Output tokens                Per request: the server's usage count when it reports one
                               (openai: usage.completion_tokens, sent because the request
                               sets stream_options.include_usage; sluice: the
                               response-finish usage), otherwise the text chunks counted.
  Output token throughput      Output tokens of all successful requests divided by the
                               benchmark duration (tokens/s).
  Request throughput           Successful requests divided by the benchmark duration
                               (requests/s).
  Benchmark duration           From the first request sent to the last one finished.
  Errors                       Requests that did not complete: connection refused, timeout,
                               HTTP status other than 2xx, an error event in the stream, or
                               a stream that ended before its terminal event. Counted per
                               reason; failed requests are left out of every latency figure.

Percentiles use the nearest-rank method: pN is the sample at rank ceil(N/100 x count) in
ascending order, i.e. the smallest observed value that at least N% of the samples do not
exceed. p50/p90/p99, max and mean are reported; every figure is an observed value.

Exit codes: 0 every request succeeded, 1 at least one request failed, 2 bad flags.`;

export const BENCH_HELP = `${BENCH_USAGE}\n\n${BENCH_METRICS_HELP}`;
