// `pnpm bench` / `pnpm bench --quick` (the quick run) and `pnpm bench --full`: tokenguard side by
// side with the libraries users would otherwise pick, and with the floor, in one run, interleaved,
// on one machine. Prints the machine, the goal table of issue 19 and tables of medians; writes
// JSON and Markdown into bench/results/.
//
// Flags: --quick (the default) or --full; --only=micro,http,introspection,dpop,threadpool,memory
// (sections; threadpool runs in --full only unless asked for); --filter=<text> (HTTP runs whose
// "framework contender workload" contains it); --rounds=N; --seconds=N; --flood=N; --node=<major>
// (or TOKENGUARD_BENCH_NODE=<major>): the whole run on that Node from the npm registry.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthServerInfo } from './auth-server.js';
import { runHttp } from './http/run.js';
import { startChild } from './lib/ipc.js';
import { currentLoad, describe, machine } from './lib/machine.js';
import { nodeMajor, onRequestedNode } from './lib/node-version.js';
import { runMicroDpop } from './micro/dpop.js';
import { runMicroJwt } from './micro/jwt.js';
import { plan, type Section } from './plan.js';
import { report } from './report.js';
import type { MemoryPhase, Results } from './results.js';
import { FULL, QUICK } from './settings.js';
import { Pools } from './workloads.js';

const SECTIONS = ['micro', 'http', 'introspection', 'dpop', 'threadpool', 'memory'] as const;
type AnySection = (typeof SECTIONS)[number];

const args = await onRequestedNode(process.argv.slice(2));
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const full = args.includes('--full');
const settings = { ...(full ? FULL : QUICK) };
if (flag('rounds')) settings.rounds = Number(flag('rounds'));
if (flag('seconds')) settings.seconds = Number(flag('seconds'));
if (flag('flood')) settings.flood = Number(flag('flood'));
const only = flag('only')?.split(',');
for (const name of only ?? []) {
  if (!(SECTIONS as readonly string[]).includes(name)) {
    throw new TypeError(`bench: --only: no section "${name}" (${SECTIONS.join(', ')})`);
  }
}
const sections = new Set<AnySection>(
  (only as AnySection[] | undefined) ?? SECTIONS.filter((s) => full || s !== 'threadpool'),
);
const filter = flag('filter');
const log = (line: string) => console.error(`  · ${line}`);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const host = machine();
const started = Date.now();
console.log(`# tokenguard benchmarks (${settings.mode} run, Node ${process.version})\n`);
console.log(`machine: ${describe(host)}; ${host.date}\n`);

const as = await startChild(here('./auth-server.ts'));
const info = as.ready as AuthServerInfo;
const loader = await startChild(here('./http/loader.ts'));
const { dpopThumbprint } = loader.ready as { dpopThumbprint: string };
const temp = mkdtempSync(join(tmpdir(), 'tokenguard-bench-'));
const pools = new Pools({
  as,
  dir: temp,
  distinct: settings.distinctPool,
  warmupSeconds: settings.warmupSeconds,
  seconds: settings.seconds,
  dpopThumbprint,
  log,
});
const results: Results = {
  machine: host,
  settings,
  micro: [],
  dpopMicro: [],
  http: [],
  failures: [],
};

try {
  if (sections.has('micro')) {
    const quick = !full;
    results.micro = await runMicroJwt(info, (alg) => pools.tokens(alg), {
      rounds: settings.rounds,
      ms: settings.microMs,
      quick,
      log,
    });
    results.dpopMicro = await runMicroDpop(
      info,
      async (jkt) => (await as.ask<string[]>('mint', { alg: 'RS256', count: 1, jkt }))[0] as string,
      { rounds: settings.rounds, proofs: settings.dpopProofs, quick, log },
    );
  }
  const specs = await plan(pools, {
    sections: new Set([...sections].filter((s): s is Section => s !== 'micro' && s !== 'memory')),
    filter,
    quick: !full,
  });
  const harness = { as, info, loader, settings };
  for (let round = 0; round < settings.rounds; round++) {
    for (const [i, spec] of specs.entries()) {
      log(
        `round ${round + 1}/${settings.rounds} · ${i + 1}/${specs.length} · ${spec.framework} ${spec.contender} ${spec.workloads.map((w) => w.name).join(', ')}${spec.cpus === undefined ? '' : ` (CPU ${spec.cpus})`}`,
      );
      try {
        results.http.push(...(await runHttp(spec, round, harness)));
      } catch (error) {
        // One contender that cannot run must not cost the others their results.
        results.failures.push(
          `${spec.framework} ${spec.contender} ${spec.workloads.map((w) => w.name).join(', ')}: ${(error as Error).message.split('\n')[0]}`,
        );
      }
    }
  }
  if (sections.has('memory')) {
    log(`memory flood: three phases of ${settings.flood} requests`);
    try {
      results.memory = await memoryFlood(settings.flood);
    } catch (error) {
      // A flood that fails or stalls must not cost the run the results it already has.
      results.failures.push(`memory flood: ${(error as Error).message.split('\n')[0]}`);
    }
  }
} finally {
  await loader.stop();
  await as.stop();
  rmSync(temp, { recursive: true, force: true });
}

results.endLoad = currentLoad();
results.minutes = (Date.now() - started) / 60_000;
const markdown = report(results);
console.log(markdown);
const stamp = `${host.date.replace(/[:.]/g, '-')}-${settings.mode}-node${nodeMajor()}`;
const dir = here('../results/');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(dir, `${stamp}.md`), markdown);
writeFileSync(join(dir, `latest-${settings.mode}.md`), markdown);
writeFileSync(join(dir, `latest-${settings.mode}-node${nodeMajor()}.md`), markdown);
console.error(`\nresults: bench/results/${stamp}.{json,md} (${results.minutes.toFixed(1)} min)`);

/**
 * The flood in a child process of its own. It reports progress every 10,000 requests on stderr;
 * a child silent for three minutes has stalled and is killed, so a stall costs minutes, not the run.
 */
function memoryFlood(count: number): Promise<MemoryPhase[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', here('./memory-flood.ts'), String(count)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let last = '';
    let stalled: NodeJS.Timeout | undefined;
    const watch = () => {
      clearTimeout(stalled);
      stalled = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`stalled for 3 minutes after "${last.trim() || 'start'}"`));
      }, 180_000);
    };
    watch();
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      watch();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      last = chunk.toString().trim().split('\n').at(-1) ?? last;
      log(`memory flood: ${last.trim()}`);
      watch();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(stalled);
      if (code !== 0) {
        reject(
          new Error(`exited with ${code ?? signal}: ${stderr.trim().split('\n').at(-1) ?? ''}`),
        );
        return;
      }
      resolve(
        stdout
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as MemoryPhase),
      );
    });
  });
}
