// One API server process, then for each of its workloads: the sanity step, a warm-up, and the
// measured load from the load generator's process. The server's CPU time, allocation and
// collections, and the authorization server's counters are read around the measured part.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AuthServerInfo, Counts } from '../auth-server.js';
import type { Alg, Check, ServerConfig, WorkloadKind } from '../frameworks/types.js';
import { type Child, startChild } from '../lib/ipc.js';
import type { Workload } from '../workloads.js';
import type { LoadResult } from './loader.js';

const SERVER = fileURLToPath(new URL('../servers/main.ts', import.meta.url));

/** One server process and the workloads measured on it, in order. */
export interface RunSpec {
  framework: string;
  contender: string;
  /** The algorithm its verifier is configured for (`perAlg` contenders), else the first one's. */
  alg: Alg;
  workloads: Workload[];
  checks: readonly Check[];
  /** CPUs the server may use (`taskset -c`), for the threadpool comparison; all without. */
  cpus?: string;
}

export interface HttpRun {
  framework: string;
  contender: string;
  workload: string;
  kind: WorkloadKind;
  alg: Alg;
  /** `1` when the server was pinned to one CPU, `all` otherwise. */
  cpus: '1' | 'all';
  round: number;
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU time (user + system) per request received during the measured load, µs. */
  cpuPerRequest: number;
  /** …of which in the kernel (system time: the sockets, loopback TCP included), µs. */
  systemPerRequest: number;
  /** Context switches of the server per request: voluntary (waiting for I/O) and not. */
  voluntarySwitchesPerRequest: number;
  involuntarySwitchesPerRequest: number;
  /** Bytes the server allocated per request, and its garbage collectors' time per request (µs). */
  allocatedPerRequest: number;
  gcPerRequest: number;
  /** Collections during the measured load, by kind (Scavenge, MarkSweepCompact, …). */
  collections: Record<string, number>;
  requests: number;
  seconds: number;
  non2xx: number;
  errors: number;
  /** Upstream calls seen by the authorization server during the warm-up and the measured load. */
  upstream: Counts;
  /** …and during the measured load alone. */
  upstreamMeasured: Counts;
  /** Sanity checks that failed before this measurement (empty: all passed). */
  sanityFailed: string[];
  wrapped: boolean;
  exhausted: boolean;
}

/** What the server process reports about the measured load (see servers/main.ts). */
interface ServerUsage {
  cpuMicros: number;
  userMicros: number;
  systemMicros: number;
  voluntarySwitches: number;
  involuntarySwitches: number;
  requests: number;
  allocatedBytes: number;
  gcMicros: number;
  collections: Record<string, number>;
}

export interface Harness {
  as: Child;
  info: AuthServerInfo;
  loader: Child;
  settings: { seconds: number; warmupSeconds: number; connections: number };
  /** Extra environment for the server process (`BENCH_PROFILE` when profiling). */
  serverEnv?: Record<string, string>;
  /** Extra Node flags for the server process (`--perf-basic-prof`, `--trace-gc` when profiling). */
  serverArgs?: string[];
  /** Called around the measured load with the server's pid (the profiler's `--perf` mode). */
  measuring?: { start(pid: number): Promise<void>; stop(): Promise<void> };
}

export async function runHttp(spec: RunSpec, round: number, h: Harness): Promise<HttpRun[]> {
  const config: ServerConfig = {
    framework: spec.framework,
    contender: spec.contender,
    as: h.info,
    alg: spec.alg,
  };
  const server = await startChild(SERVER, {
    env: { BENCH_SERVER: JSON.stringify(config), ...h.serverEnv },
    execArgv: h.serverArgs ?? [],
  });
  try {
    const { port, node } = server.ready as { port: number; node: string };
    // The tables name the Node they were measured on (--node): the server must run on it too.
    if (node !== process.version) {
      throw new Error(`the server runs on Node ${node}, the run on ${process.version}`);
    }
    if (spec.cpus !== undefined) pin(server.process.pid as number, spec.cpus);
    const runs: HttpRun[] = [];
    for (const workload of spec.workloads) {
      runs.push(await measure(spec, workload, round, h, server, port));
    }
    return runs;
  } finally {
    await server.stop();
  }
}

async function measure(
  spec: RunSpec,
  workload: Workload,
  round: number,
  h: Harness,
  server: Child,
  port: number,
): Promise<HttpRun> {
  await h.as.ask('reset');
  const sanityFailed = await h.loader.ask<string[]>('sanity', {
    port,
    checks: spec.checks,
    input: workload.sanity,
  });
  const { seconds, warmupSeconds, connections } = h.settings;
  await h.loader.ask('prepare', { source: workload.warmup, port });
  const warm = await h.loader.ask<LoadResult>('load', {
    port,
    seconds: warmupSeconds,
    connections,
  });
  if (warm.requests === 0 || warm.non2xx === warm.requests) {
    throw new Error(
      `no successful request during warm-up (${warm.non2xx} non-2xx, ${warm.errors} errors)`,
    );
  }
  await h.loader.ask('prepare', { source: workload.measure, port });
  const before = await h.as.ask<Counts>('counts');
  await h.measuring?.start(server.process.pid as number);
  await server.ask('start');
  const load = await h.loader.ask<LoadResult>('load', { port, seconds, connections });
  const usage = await server.ask<ServerUsage>('stop');
  await h.measuring?.stop();
  const after = await h.as.ask<Counts>('counts');
  const per = (value: number) => (usage.requests > 0 ? value / usage.requests : Number.NaN);
  return {
    framework: spec.framework,
    contender: spec.contender,
    workload: workload.name,
    kind: workload.kind,
    alg: workload.alg,
    cpus: spec.cpus === undefined ? 'all' : '1',
    round,
    rps: load.rps,
    p50: load.p50,
    p99: load.p99,
    cpuPerRequest: per(usage.cpuMicros),
    systemPerRequest: per(usage.systemMicros),
    voluntarySwitchesPerRequest: per(usage.voluntarySwitches),
    involuntarySwitchesPerRequest: per(usage.involuntarySwitches),
    allocatedPerRequest: per(usage.allocatedBytes),
    gcPerRequest: per(usage.gcMicros),
    collections: usage.collections,
    requests: load.requests,
    seconds: load.seconds,
    non2xx: load.non2xx,
    errors: load.errors,
    upstream: after,
    upstreamMeasured: {
      jwks: after.jwks - before.jwks,
      introspection: after.introspection - before.introspection,
      metadata: after.metadata - before.metadata,
    },
    sanityFailed,
    wrapped: load.wrapped,
    exhausted: load.exhausted,
  };
}

/** Pins every thread of a process (the threadpool and V8's helpers included) to `cpus`. */
export function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}
