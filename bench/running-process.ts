/**
 * A server the bench started and measures: where it listens, which pid to account CPU
 * and memory to, and how to stop it.
 */
export interface RunningProcess {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  pid: number;
  stop(): Promise<void>;
}
