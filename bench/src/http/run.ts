// One HTTP measurement: a fresh API server process, a warm-up, then the measured load from the
// load generator's process; the server's CPU time and the authorization server's counters are
// read around the measured part.
import { fileURLToPath } from 'node:url';
import type { AuthServerInfo, Counts } from '../auth-server.js';
import { type Child, startChild } from '../lib/ipc.js';
import type { Framework, ServerConfig } from '../servers/config.js';
import type { LoadResult, Source } from './loader.js';

const SERVER = fileURLToPath(new URL('../servers/main.ts', import.meta.url));

export interface Workload {
  name: string;
  warmup: Source;
  measure: Source;
}

export interface RunSpec {
  framework: Framework;
  contender: string;
  workload: Workload;
}

export interface HttpRun {
  framework: Framework;
  contender: string;
  workload: string;
  round: number;
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU time (user + system) per request received during the measured load, µs. */
  cpuPerRequest: number;
  requests: number;
  seconds: number;
  non2xx: number;
  errors: number;
  /** Upstream calls seen by the authorization server over the whole run (start, warm-up, load). */
  upstream: Counts;
  /** …and during the measured load alone. */
  upstreamMeasured: Counts;
  wrapped: boolean;
  exhausted: boolean;
}

export interface Harness {
  as: Child;
  info: AuthServerInfo;
  loader: Child;
  settings: { seconds: number; warmupSeconds: number; connections: number };
  /** Extra environment for the server process (`BENCH_PROFILE` when profiling). */
  serverEnv?: Record<string, string>;
}

export async function runHttp(spec: RunSpec, round: number, h: Harness): Promise<HttpRun> {
  await h.as.ask('reset');
  const config: ServerConfig = { framework: spec.framework, contender: spec.contender, as: h.info };
  const server = await startChild(SERVER, {
    env: { BENCH_SERVER: JSON.stringify(config), ...h.serverEnv },
  });
  try {
    const { port, node } = server.ready as { port: number; node: string };
    // The tables name the Node they were measured on (--node): the server must run on it too.
    if (node !== process.version) {
      throw new Error(`the server runs on Node ${node}, the run on ${process.version}`);
    }
    const { seconds, warmupSeconds, connections } = h.settings;
    await h.loader.ask('prepare', { source: spec.workload.warmup, port });
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
    await h.loader.ask('prepare', { source: spec.workload.measure, port });
    const before = await h.as.ask<Counts>('counts');
    await server.ask('start');
    const load = await h.loader.ask<LoadResult>('load', { port, seconds, connections });
    const { cpuMicros, requests } = await server.ask<{ cpuMicros: number; requests: number }>(
      'stop',
    );
    const after = await h.as.ask<Counts>('counts');
    return {
      framework: spec.framework,
      contender: spec.contender,
      workload: spec.workload.name,
      round,
      rps: load.rps,
      p50: load.p50,
      p99: load.p99,
      cpuPerRequest: requests > 0 ? cpuMicros / requests : Number.NaN,
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
      wrapped: load.wrapped,
      exhausted: load.exhausted,
    };
  } finally {
    await server.stop();
  }
}
