/**
 * One measured scenario: a target at one concurrency. Starts the proxy in front of the
 * shared upstream when the target needs one, runs the load client, and samples each
 * process's CPU time at the exact edges of the measured window (the client announces
 * them over IPC), plus the proxy's memory idle and under load.
 */
import { fileURLToPath } from 'node:url';
import { type AnswerKind, answerCharacters } from './answer-kinds.ts';
import { forkBenchModule, nextMessage, stopChild } from './child-processes.ts';
import type { FastUpstreamSettings } from './fast-upstream.ts';
import {
  type GatewayProcess,
  startGatewayProcess,
  UPSTREAM_MODEL_NAME,
} from './gateway-process.ts';
import { type VariantName, variantSetup } from './gateway-variants.ts';
import type { LoadClientOptions } from './load-client.ts';
import type { LoadResult } from './load-result.ts';
import { startNginxProcess } from './nginx-process.ts';
import { startNodeRelayProcess } from './node-relay-process.ts';
import {
  familyCpuSeconds,
  familyMemory,
  type MemoryUsage,
  machineBusySeconds,
} from './process-usage.ts';
import type { RunningProcess } from './running-process.ts';
import { proxyOf, type TargetName, targetRequest } from './targets.ts';

const LOAD_CLIENT_MODULE = fileURLToPath(new URL('./load-client.ts', import.meta.url));
const UPSTREAM_MODEL = 'bench-model';

export interface ScenarioSettings {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  maxRequests: number | undefined;
  upstream: FastUpstreamSettings;
  /** How the gateway is set up and what the client adds; ignored for direct and nginx. */
  variant: VariantName;
  /** Text tokens or tool-call argument fragments. */
  answer: AnswerKind;
}

export interface SessionContext {
  repositoryRoot: string;
  workDirectory: string;
  upstream: RunningProcess;
  /** When set, the gateway runs under --cpu-prof and writes its profile here. */
  profileDirectory: string | undefined;
  /** The loopback OTLP sink for the tracing variant. */
  otlpEndpoint: string | undefined;
}

export interface CpuSeconds {
  proxy: number | undefined;
  /** The proxy's kernel time (system calls, loopback TCP): what nginx pays as well. */
  proxyKernel: number | undefined;
  upstream: number;
  client: number;
  /** Everything busy on the machine, all cores (kernel work included). */
  machine: number;
  /** The bench's own coordinator, `run.ts`. */
  coordinator: number;
}

export interface ScenarioResult {
  target: TargetName;
  variant: VariantName;
  answer: AnswerKind;
  concurrency: number;
  load: LoadResult;
  /** CPU seconds each process used inside the measured window. */
  cpuSeconds: CpuSeconds;
  /** Proxy (gateway or nginx) CPU seconds per million tokens relayed in the window. */
  proxyCpuPerMillionTokens: number | undefined;
  proxyMemoryIdle: MemoryUsage | undefined;
  proxyMemoryLoaded: MemoryUsage | undefined;
}

function coordinatorCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1_000_000;
}

async function startProxy(
  target: TargetName,
  variant: VariantName,
  context: SessionContext,
): Promise<(RunningProcess & Partial<Pick<GatewayProcess, 'apiKey'>>) | undefined> {
  const proxy = proxyOf(target);
  if (proxy === 'gateway') {
    return startGatewayProcess({
      repositoryRoot: context.repositoryRoot,
      workDirectory: context.workDirectory,
      upstreamOrigin: context.upstream.origin,
      profileDirectory: context.profileDirectory,
      variant: variantSetup(variant),
      otlpEndpoint: context.otlpEndpoint,
    });
  }
  if (proxy === 'nginx') {
    return startNginxProcess(context.workDirectory, context.upstream.origin);
  }
  if (proxy === 'node-relay') return startNodeRelayProcess(context.upstream.origin);
  return undefined;
}

export async function runScenario(
  target: TargetName,
  settings: ScenarioSettings,
  context: SessionContext,
): Promise<ScenarioResult> {
  const variant = proxyOf(target) === 'gateway' ? settings.variant : 'default';
  const setup = variantSetup(variant);
  const proxy = await startProxy(target, variant, context);
  try {
    const request = targetRequest(
      target,
      UPSTREAM_MODEL,
      UPSTREAM_MODEL_NAME,
      settings.upstream,
      settings.answer,
    );
    const origin = proxy?.origin ?? context.upstream.origin;
    const headers =
      proxy?.apiKey === undefined
        ? request.headers
        : { ...request.headers, authorization: `Bearer ${proxy.apiKey}` };
    const streamMs =
      settings.upstream.ttftMs + settings.upstream.tokens * settings.upstream.tokenIntervalMs;
    const options: LoadClientOptions = {
      url: `${origin}${request.path}`,
      body: JSON.stringify(request.body),
      headers,
      format: request.format,
      extraFastReaders: setup.extraFastReaders,
      slowReaders: setup.slowReaders,
      concurrency: settings.concurrency,
      // One answer's length spreads the streams' phases evenly without delaying the window.
      rampMs: Math.min(streamMs, settings.warmupMs * 0.8),
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
      maxRequests: settings.maxRequests,
      expectedTokens: settings.upstream.tokens,
      expectedCharacters:
        target === 'simulator'
          ? undefined
          : answerCharacters(settings.answer, settings.upstream.tokens),
      requestTimeoutMs: 30_000,
      drainTimeoutMs: 60_000,
    };
    const proxyMemoryIdle = proxy === undefined ? undefined : familyMemory(proxy.pid);
    const client = forkBenchModule(LOAD_CLIENT_MODULE, [JSON.stringify(options)]);
    const clientPid = client.pid as number;
    const sample = (): CpuSeconds => ({
      proxy: proxy === undefined ? undefined : familyCpuSeconds(proxy.pid),
      proxyKernel: proxy === undefined ? undefined : familyCpuSeconds(proxy.pid, 'kernel'),
      upstream: familyCpuSeconds(context.upstream.pid),
      client: familyCpuSeconds(clientPid),
      machine: machineBusySeconds(),
      coordinator: coordinatorCpuSeconds(),
    });
    let before: CpuSeconds | undefined;
    let after: CpuSeconds | undefined;
    let proxyMemoryLoaded: MemoryUsage | undefined;
    // Sampled inside the message handlers, the moment the window opens and closes.
    client.on('message', (message: { type?: string }) => {
      if (message.type === 'measure-start') before = sample();
      if (message.type === 'measure-end') {
        after = sample();
        if (proxy !== undefined) proxyMemoryLoaded = familyMemory(proxy.pid);
      }
    });
    const timeoutMs = settings.warmupMs + settings.durationMs + options.drainTimeoutMs + 30_000;
    let load: LoadResult;
    try {
      ({ result: load } = await nextMessage(client, 'result', timeoutMs));
    } finally {
      await stopChild(client);
    }
    if (before === undefined || after === undefined) {
      throw new Error('the load client never announced its measured window');
    }
    const cpuSeconds: CpuSeconds = {
      proxy:
        before.proxy === undefined || after.proxy === undefined
          ? undefined
          : after.proxy - before.proxy,
      proxyKernel:
        before.proxyKernel === undefined || after.proxyKernel === undefined
          ? undefined
          : after.proxyKernel - before.proxyKernel,
      upstream: after.upstream - before.upstream,
      client: after.client - before.client,
      machine: after.machine - before.machine,
      coordinator: after.coordinator - before.coordinator,
    };
    return {
      target,
      variant,
      answer: settings.answer,
      concurrency: settings.concurrency,
      load,
      cpuSeconds,
      proxyCpuPerMillionTokens:
        cpuSeconds.proxy === undefined || load.tokensInWindow === 0
          ? undefined
          : (cpuSeconds.proxy / load.tokensInWindow) * 1_000_000,
      proxyMemoryIdle,
      proxyMemoryLoaded,
    };
  } finally {
    await proxy?.stop();
  }
}
