// Request/response over a child process's IPC channel: the parent asks, the child answers with
// the same id. Every process of the bench (authorization server, API server, load generator)
// speaks it.
import { type ChildProcess, fork } from 'node:child_process';

interface Reply {
  id: number;
  value?: unknown;
  error?: string;
}

export interface Child {
  process: ChildProcess;
  /** The first message the child sends once it is ready (a port, endpoints…). */
  ready: unknown;
  ask<T>(type: string, payload?: object): Promise<T>;
  /** Asks the child to exit and waits for it; kills it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function startChild(
  script: string,
  options: { env?: Record<string, string>; execArgv?: string[] } = {},
): Promise<Child> {
  const child = fork(script, [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  void exited.then((code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`child exited with ${code}`));
    pending.clear();
  });
  const ready = await new Promise<unknown>((resolve, reject) => {
    child.once('message', (message: { ready?: unknown }) => resolve(message.ready));
    void exited.then((code) =>
      reject(new Error(`${script} exited with ${code} before it was ready`)),
    );
  });
  child.on('message', (message: Reply) => {
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(message.error));
    else waiter.resolve(message.value);
  });
  return {
    process: child,
    ready,
    ask: <T>(type: string, payload: object = {}) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ ...payload, type, id });
      }),
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'exit', id: -1 });
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

type Handler = (message: Record<string, unknown>) => unknown;

/** The child's side: announce readiness, then answer each message with its handler's result. */
export function serveParent(ready: unknown, handlers: Record<string, Handler>): void {
  process.on('message', async (message: { id: number; type: string } & Record<string, unknown>) => {
    if (message.type === 'exit') {
      await handlers.exit?.(message);
      process.exit(0);
    }
    try {
      const handler = handlers[message.type];
      if (handler === undefined) throw new Error(`unknown message ${message.type}`);
      process.send?.({ id: message.id, value: await handler(message) });
    } catch (error) {
      process.send?.({ id: message.id, error: (error as Error).stack ?? String(error) });
    }
  });
  process.send?.({ ready });
  // The parent died: do not linger as an orphan holding a port.
  process.on('disconnect', () => process.exit(0));
}
