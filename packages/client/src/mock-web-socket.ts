/**
 * A scripted `WebSocket` for unit tests of the WebSocket transport: it records every
 * socket made and every frame sent, and a test plays the gateway — opens the socket,
 * sends frames, closes it with a code. Not exported from the package.
 */
import type { WebSocketLike } from './websocket-connection.ts';

type Listener = (event: unknown) => void;

export class MockWebSocket implements WebSocketLike {
  static readonly instances: MockWebSocket[] = [];
  readonly url: string;
  readonly sent: Array<Record<string, unknown>> = [];
  readyState = 0;
  closedWith: number | undefined;
  readonly #listeners = new Map<string, Listener[]>();

  constructor(url: string) {
    this.url = url;
    MockWebSocket.instances.push(this);
  }

  static reset(): void {
    MockWebSocket.instances.length = 0;
  }

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code?: number): void {
    if (this.readyState >= 2) return;
    this.closedWith = code;
    this.readyState = 2;
    queueMicrotask(() => this.serverClose(code ?? 1005));
  }

  /** Sent frames of one type. */
  framesOf(type: string): Array<Record<string, unknown>> {
    return this.sent.filter((frame) => frame.type === type);
  }

  serverOpen(): void {
    this.readyState = 1;
    this.#emit('open', {});
  }

  serverSend(frame: Record<string, unknown> | string): void {
    this.#emit('message', { data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  serverClose(code: number): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.#emit('close', { code });
  }

  #emit(type: string, event: object): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }
}
