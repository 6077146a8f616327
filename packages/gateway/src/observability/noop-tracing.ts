/**
 * Tracing when it is off: shared no-op spans, no SDK loaded, no allocation per request
 * unless the request carries a valid `traceparent`, which is then forwarded upstream
 * unchanged (with its `tracestate`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type {
  GatewayTracing,
  ProviderSpan,
  RequestInfo,
  RequestSpan,
  StepSpan,
} from './tracing.ts';

// version-traceid-parentid-flags, lowercase hex; version ff and all-zero ids are invalid.
const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
const MAXIMUM_TRACESTATE_LENGTH = 512;

const noEnd = () => {};
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const NOOP_REQUEST: RequestSpan = { end: noEnd };
const NOOP_PROVIDER: ProviderSpan = { upstreamHeaders: NO_HEADERS, firstChunk: noEnd, end: noEnd };
const NOOP_STEP: StepSpan = { end: noEnd };

class PassThroughRequestSpan implements RequestSpan {
  readonly provider: ProviderSpan;
  constructor(headers: Readonly<Record<string, string>>) {
    this.provider = { upstreamHeaders: headers, firstChunk: noEnd, end: noEnd };
  }
  end(): void {}
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The trace headers to forward when tracing is off, or undefined when there are none. */
export function passThroughTraceHeaders(
  headers: IncomingHttpHeaders,
): Record<string, string> | undefined {
  const traceparent = first(headers.traceparent)?.trim();
  if (traceparent === undefined || !TRACEPARENT.test(traceparent)) return undefined;
  const forwarded: Record<string, string> = { traceparent };
  const tracestate = first(headers.tracestate)?.trim();
  if (tracestate && tracestate.length <= MAXIMUM_TRACESTATE_LENGTH) {
    forwarded.tracestate = tracestate;
  }
  return forwarded;
}

export class NoopTracing implements GatewayTracing {
  readonly enabled = false;

  startRequestSpan(request: RequestInfo): RequestSpan {
    const forwarded = passThroughTraceHeaders(request.headers);
    return forwarded === undefined ? NOOP_REQUEST : new PassThroughRequestSpan(forwarded);
  }

  startProviderSpan(parent: RequestSpan | undefined): ProviderSpan {
    return parent instanceof PassThroughRequestSpan ? parent.provider : NOOP_PROVIDER;
  }

  startStepSpan(): StepSpan {
    return NOOP_STEP;
  }

  async shutdown(): Promise<void> {}
}
