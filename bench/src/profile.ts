// Why is a contender as fast as it is? Runs one HTTP contender like the benchmark does, with the
// V8 CPU profiler on in the server process for the measured load, then prints where the server
// spent its CPU: by package, and the functions with the most self time.
//
//   pnpm --filter @tokenguard/bench profile -- --framework=express --contender=tokenguard --workload=repeated
//
// Workloads: repeated, distinct, dpop, "opaque distinct", "opaque repeated". --seconds=N (default 8).
// --node=<major> (or TOKENGUARD_BENCH_NODE=<major>): on that Node from the npm registry.
// The .cpuprofile is kept in bench/results/ for Chrome DevTools or speedscope.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthServerInfo } from './auth-server.js';
import { runHttp, type Workload } from './http/run.js';
import { startChild } from './lib/ipc.js';
import { onRequestedNode } from './lib/node-version.js';
import { fmt } from './lib/stats.js';
import type { Framework } from './servers/config.js';

const args = await onRequestedNode(process.argv.slice(2));
const flag = (name: string, fallback: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const framework = flag('framework', 'express') as Framework;
const contender = flag('contender', 'tokenguard');
const workloadName = flag('workload', 'repeated');
const seconds = Number(flag('seconds', '8'));
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const dir = here('../results/');
mkdirSync(dir, { recursive: true });
const file = join(
  dir,
  `profile-${framework}-${contender}-${workloadName}.cpuprofile`.replace(/[^\w.-]+/g, '_'),
);
const as = await startChild(here('./auth-server.ts'));
const info = as.ready as AuthServerInfo;
const loader = await startChild(here('./http/loader.ts'));
const { dpopThumbprint } = loader.ready as { dpopThumbprint: string };
const pool = (name: string, tokens: string[]) => {
  const path = join(dir, `profile-pool-${name}.tmp`);
  writeFileSync(path, JSON.stringify(tokens));
  return path;
};
try {
  const count = Math.ceil(seconds * 12_000) + 2_000;
  let workload: Workload;
  if (workloadName === 'dpop') {
    const [token] = await as.ask<string[]>('mint', { alg: 'RS256', count: 1, jkt: dpopThumbprint });
    workload = {
      name: 'dpop',
      warmup: { kind: 'dpop', token: token as string, count: 6_000 },
      measure: { kind: 'dpop', token: token as string, count },
    };
  } else {
    const opaque = workloadName.startsWith('opaque');
    const repeated = workloadName.endsWith('repeated');
    const tokens = opaque
      ? await as.ask<string[]>('opaque', { count: repeated ? 100 : count })
      : await as.ask<string[]>('mint', {
          alg: 'RS256',
          count: repeated ? 100 : Math.ceil(seconds * 6_000) + 2_000,
        });
    const measure = pool('measure', repeated ? tokens : tokens.slice(2_000));
    workload = {
      name: workloadName,
      warmup: {
        kind: 'tokens',
        file: repeated ? measure : pool('warm', tokens.slice(0, 2_000)),
        mode: 'cycle',
      },
      measure: { kind: 'tokens', file: measure, mode: repeated ? 'cycle' : 'once' },
    };
  }
  const run = await runHttp({ framework, contender, workload }, 0, {
    as,
    info,
    loader,
    settings: { seconds, warmupSeconds: 2, connections: 32 },
    serverEnv: { BENCH_PROFILE: file },
  });
  console.log(
    `${framework} ${contender} ${workloadName} on Node ${process.version}: ${fmt(run.rps)} req/s, ${fmt(run.cpuPerRequest)} CPU µs/req (profiler on: slower than the benchmark), ${run.non2xx + run.errors} errors`,
  );
  summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, run.requests);
  console.log(`\nprofile: ${file}`);
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
