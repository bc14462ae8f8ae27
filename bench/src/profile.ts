// Why is a contender as fast as it is? Runs one HTTP contender like the benchmark does, with the
// V8 CPU profiler on in the server process for the measured load, then prints where the server
// spent its CPU: by package, and the functions with the most self time.
//
//   pnpm --filter @tokenguard/bench profile -- --framework=express --contender=tokenguard --workload=hit
//
// Workloads: hit, "miss RS256", "miss ES256", "miss EdDSA", "opaque hit", "opaque miss", dpop.
// --seconds=N (default 8); --cpus=0: the server pinned to CPU 0 (taskset).
// --node=<major> (or TOKENGUARD_BENCH_NODE=<major>): on that Node from the npm registry.
// The .cpuprofile is kept in bench/results/ for Chrome DevTools or speedscope.
//
// V8's profiler samples wall-clock time: when the server is preempted (the load generator it
// just woke up takes the CPU, on a loaded machine any process does), the time is charged to the
// function that was running — on a server that is mostly `writev`. `--perf` samples CPU time
// instead, with Linux `perf` (`perf record -p <server> -e cpu-clock`, the server started with
// `--perf-basic-prof` so JavaScript frames have names), kernel included. `--trace-gc` passes
// `--trace-gc` to the server. Every run also prints what the server allocated and collected per
// request (V8's GC profiler over the measured load) and its user/system CPU split.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthServerInfo } from './auth-server.js';
import { framework } from './frameworks/index.js';
import type { Alg } from './frameworks/types.js';
import { type HttpRun, runHttp } from './http/run.js';
import { startChild } from './lib/ipc.js';
import { onRequestedNode } from './lib/node-version.js';
import { fmt } from './lib/stats.js';
import { defaultChecks } from './plan.js';
import { Pools, type Workload } from './workloads.js';

const args = await onRequestedNode(process.argv.slice(2));
const flag = (name: string, fallback: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const frameworkId = flag('framework', 'express');
const contender = flag('contender', 'tokenguard');
const workloadName = flag('workload', 'hit');
const seconds = Number(flag('seconds', '8'));
const usePerf = args.includes('--perf');
const PERF_HZ = 1999;
const traceGc = args.includes('--trace-gc');
const cpus = args.find((a) => a.startsWith('--cpus='))?.slice('--cpus='.length);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const dir = here('../results/');
mkdirSync(dir, { recursive: true });
const file = join(
  dir,
  `profile-${frameworkId}-${contender}-${workloadName}.cpuprofile`.replace(/[^\w.-]+/g, '_'),
);
const perfFile = file.replace(/\.cpuprofile$/, '.perf.data');
const as = await startChild(here('./auth-server.ts'));
const info = as.ready as AuthServerInfo;
const loader = await startChild(here('./http/loader.ts'));
const { dpopThumbprint } = loader.ready as { dpopThumbprint: string };
const pools = new Pools({
  as,
  dir: mkdtempSync(join(tmpdir(), 'tokenguard-profile-')),
  // A first-seen token per request for the whole load, at up to 12,000 requests per second.
  distinct: Math.ceil(seconds * 12_000),
  warmupSeconds: 2,
  seconds,
  dpopThumbprint,
  log: (line) => console.error(`  · ${line}`),
});
try {
  const def = framework(frameworkId);
  const c = def.contenders.find((x) => x.id === contender);
  if (c === undefined) throw new TypeError(`profile: ${frameworkId} has no contender ${contender}`);
  const miss = /^miss (RS256|ES256|EdDSA)$/.exec(workloadName);
  const workload: Workload =
    workloadName === 'dpop'
      ? await pools.dpop()
      : workloadName === 'opaque hit' || workloadName === 'opaque miss'
        ? (await pools.opaque())[workloadName === 'opaque hit' ? 'hit' : 'miss']
        : workloadName === 'hit'
          ? (await pools.jwt('RS256', c.tokens?.typ)).hit
          : miss !== null
            ? (await pools.jwt(miss[1] as Alg, c.tokens?.typ)).miss
            : (() => {
                throw new TypeError(
                  `profile: --workload is hit, miss RS256, miss ES256, miss EdDSA, opaque hit, opaque miss or dpop`,
                );
              })();
  const [run] = (await runHttp(
    {
      framework: frameworkId,
      contender,
      alg: workload.alg,
      workloads: [workload],
      checks: c.checks ?? defaultChecks(workload.kind),
      ...(cpus === undefined ? {} : { cpus }),
    },
    0,
    {
      as,
      info,
      loader,
      settings: { seconds, warmupSeconds: 2, connections: 32 },
      serverEnv: usePerf ? {} : { BENCH_PROFILE: file },
      serverArgs: [...(usePerf ? ['--perf-basic-prof'] : []), ...(traceGc ? ['--trace-gc'] : [])],
      ...(usePerf ? { measuring: perfRecorder(perfFile) } : {}),
    },
  )) as [HttpRun];
  console.log(
    `${frameworkId} ${contender} ${workloadName} on Node ${process.version}: ${fmt(run.rps)} req/s, ${fmt(run.cpuPerRequest)} CPU µs/req (${fmt(run.systemPerRequest, 1)} in the kernel; profiler on: slower than the benchmark), ${run.non2xx + run.errors} errors; sanity ${run.sanityFailed.length === 0 ? 'passed' : `FAILED: ${run.sanityFailed.join('; ')}`}`,
  );
  console.log(
    `per request: ${fmt(run.allocatedPerRequest)} bytes allocated, ${fmt(run.gcPerRequest, 1)} µs in GC (${Object.entries(
      run.collections,
    )
      .map(([kind, n]) => `${n} ${kind}`)
      .join(
        ', ',
      )}), ${fmt(run.voluntarySwitchesPerRequest, 2)} voluntary / ${fmt(run.involuntarySwitchesPerRequest, 2)} involuntary context switches`,
  );
  if (usePerf) {
    perfSummary(perfFile, run.requests);
    console.log(`\nperf data: ${perfFile}`);
  } else {
    summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, run.requests);
    console.log(`\nprofile: ${file}`);
  }
} finally {
  await loader.stop();
  await as.stop();
}

interface Profile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

/** Where a script URL comes from: an npm package, a tokenguard package, node itself, or V8. */
function origin(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const pkg = url.match(
    /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/,
  );
  if (pkg) return pkg[1] as string;
  const own = url.match(/packages\/([^/]+)\/dist\//);
  if (own) return `@tokenguard/${own[1]}`;
  if (url.startsWith('node:'))
    return `node:${url.slice(5).split('/')[url.startsWith('node:internal') ? 1 : 0]}`;
  if (url.includes('/bench/src/')) return 'bench harness';
  return url;
}

function summarise(profile: Profile, requests: number): void {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const micros = self.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = origin(url, functionName);
    byOrigin.set(where, (byOrigin.get(where) ?? 0) + micros);
    const fn = `${functionName || '(anonymous)'} ${where}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  }
  const perRequest = (micros: number) => `${fmt(micros / requests, 1)} µs/req`;
  const table = (title: string, map: Map<string, number>, top: number) => {
    console.log(`\n${title}\n`);
    console.log('| self time | share | per request | where |');
    console.log('| ---: | ---: | ---: | --- |');
    for (const [name, micros] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(
        `| ${fmt(micros / 1000)} ms | ${((micros / total) * 100).toFixed(1)}% | ${perRequest(micros)} | ${name} |`,
      );
    }
  };
  table('By origin (self time; (idle) is time the event loop waited)', byOrigin, 15);
  table('Functions with the most self time', byFunction, 30);
}

/** `perf record` of one process (all its threads) while the load is measured. */
function perfRecorder(output: string): {
  start(pid: number): Promise<void>;
  stop(): Promise<void>;
} {
  let perf: ChildProcess | undefined;
  return {
    async start(pid) {
      perf = spawn(
        'perf',
        ['record', '-e', 'cpu-clock', '-F', String(PERF_HZ), '-g', '-p', String(pid), '-o', output],
        { stdio: 'ignore' },
      );
      // perf needs a moment to attach.
      await new Promise((resolve) => setTimeout(resolve, 300));
    },
    async stop() {
      if (perf === undefined) return;
      const exited = new Promise((resolve) => perf?.once('exit', resolve));
      perf.kill('SIGINT');
      await exited;
    },
  };
}

/** CPU time by where it was spent (kernel, V8, node, JavaScript by package) and by function. */
function perfSummary(data: string, requests: number): void {
  const text = execFileSync(
    'perf',
    [
      'report',
      '-i',
      data,
      '--no-children',
      '--sort',
      'dso,sym',
      '--stdio',
      '-g',
      'none',
      '-F',
      'period,dso,sym',
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const rows: Array<{ micros: number; dso: string; sym: string }> = [];
  for (const line of text.split('\n')) {
    const match = line.match(/^\s+(\d+)\s+(\S+)\s+\[(.)\]\s+(.*)$/);
    if (!match) continue;
    // cpu-clock periods are nanoseconds.
    rows.push({
      micros: Number(match[1]) / 1000,
      dso: match[2] as string,
      sym: `[${match[3]}] ${match[4]}`,
    });
  }
  const total = rows.reduce((sum, row) => sum + row.micros, 0);
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const row of rows) {
    const where = perfOrigin(row.dso, row.sym);
    byOrigin.set(where, (byOrigin.get(where) ?? 0) + row.micros);
    const name = `${row.sym.replace(/^\[.\] /, '').slice(0, 110)} (${where})`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + row.micros);
  }
  const table = (title: string, map: Map<string, number>, top: number) => {
    console.log(`\n${title}\n`);
    console.log('| CPU time | share | per request | where |');
    console.log('| ---: | ---: | ---: | --- |');
    for (const [name, micros] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(
        `| ${fmt(micros / 1000)} ms | ${((micros / total) * 100).toFixed(1)}% | ${fmt(micros / requests, 1)} µs/req | ${name.replaceAll('|', '\\|')} |`,
      );
    }
  };
  console.log(`\nperf: ${fmt(total / requests, 1)} µs of CPU per request sampled`);
  table('CPU time by origin (perf, cpu-clock)', byOrigin, 15);
  table('Functions with the most CPU time', byFunction, 30);
}

function perfOrigin(dso: string, sym: string): string {
  if (sym.startsWith('[k]') || dso.startsWith('[kernel')) return 'kernel';
  const js = sym.match(/(?:JS|LazyCompile|Function):\S*\s+(\S+)$/);
  if (js) return origin((js[1] as string).replace(/:\d+:\d+$/, ''), 'js');
  if (dso.startsWith('[JIT]') && !sym.includes('Builtin')) return 'JIT code (unnamed)';
  if (sym.includes('Builtins_') || sym.includes('v8::') || sym.includes('Builtin:'))
    return 'V8 (builtins, runtime, GC)';
  if (sym.includes('RegExp:')) return 'V8 (regular expressions)';
  if (
    /libcrypto|\b_*(?:EVP|RSA|BN|bn|ECDSA|ecp|ossl|OPENSSL|sha256|SHA256|CRYPTO|ERR|OBJ|EC)_/.test(
      `${dso} ${sym}`,
    )
  )
    return 'OpenSSL';
  if (dso.startsWith('libc') || dso.includes('libc.so') || dso.includes('ld-linux')) return 'libc';
  if (sym.includes('node::') || sym.includes('uv_') || sym.includes('llhttp'))
    return 'node (C++), libuv, llhttp';
  return dso;
}
