/** One operation on one input; may return a promise. */
export type Op = (input: string) => unknown;

/** Where each operation left off in its inputs, so a later measurement goes on with new ones. */
const cursors = new WeakMap<Op, number>();

/**
 * Runs `op` over `inputs` for about `ms` milliseconds with `inFlight` calls outstanding (1: each
 * call finishes before the next starts; 32: batches of 32 awaited together); returns operations
 * per second. Inputs are taken in order, go on from where the previous measurement of the same
 * `op` stopped, and wrap around: a pool larger than a cache in `op` never hits it.
 */
export async function opsPerSecond(
  op: Op,
  inputs: readonly string[],
  ms: number,
  inFlight: number,
): Promise<{ opsPerSecond: number; cpuPerOp: number }> {
  let index = cursors.get(op) ?? 0;
  let done = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < deadline) {
    if (inFlight === 1) {
      for (let i = 0; i < 32; i++) {
        const result = op(inputs[index++ % inputs.length] as string);
        if (result instanceof Promise) await result;
      }
      done += 32;
    } else {
      const batch: unknown[] = [];
      for (let i = 0; i < inFlight; i++) batch.push(op(inputs[index++ % inputs.length] as string));
      await Promise.all(batch);
      done += inFlight;
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  cursors.set(op, index % inputs.length);
  // The process's CPU time, every thread's: a check on the threadpool counts too.
  return { opsPerSecond: done / seconds, cpuPerOp: (used.user + used.system) / done };
}

/** Runs `op` once over every input, one at a time; returns operations per second and CPU µs per op. */
export async function opsPerSecondOnce(
  op: Op,
  inputs: readonly string[],
): Promise<{ opsPerSecond: number; cpuPerOp: number }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (const input of inputs) {
    const result = op(input);
    if (result instanceof Promise) await result;
  }
  const used = process.cpuUsage(cpu);
  return {
    opsPerSecond: inputs.length / (Number(process.hrtime.bigint() - started) / 1e9),
    cpuPerOp: (used.user + used.system) / inputs.length,
  };
}

/**
 * Calls an Express-style middleware with the smallest request it reads; resolves `true` on
 * `next()`, rejects on `next(err)`.
 */
export function asMiddleware(
  handler: (req: never, res: never, next: (error?: unknown) => void) => unknown,
  headers: (input: string) => Record<string, string>,
): Op {
  return (input) =>
    new Promise<true>((resolve, reject) => {
      const h: Record<string, string> = { host: 'localhost', ...headers(input) };
      const req = {
        headers: h,
        method: 'GET',
        url: '/orders',
        originalUrl: '/orders',
        protocol: 'http',
        query: {},
        get: (name: string) => h[name.toLowerCase()],
        is: () => false,
      };
      handler(req as never, {} as never, (error?: unknown) =>
        error ? reject(error) : resolve(true),
      );
    });
}

/** Throws unless `op` accepts `input`: a contender that rejects would measure its error path. */
export async function mustAccept(name: string, op: Op, input: string): Promise<void> {
  const result = await op(input);
  if (result === false || result === undefined) throw new Error(`${name} rejected a valid input`);
}
