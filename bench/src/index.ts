// `pnpm bench` (quick) and `pnpm bench --full`: tokenguard side by side with the libraries users
// would otherwise pick, and with the physical floor, in one run, interleaved, on one machine.
// Prints the machine and tables of medians; writes JSON and Markdown into bench/results/.
//
// Flags: --full; --only=micro,http,introspection,dpop,memory; --filter=<text> (HTTP runs whose
// "framework contender workload" contains it); --rounds=N; --seconds=N; --node=<major> (or
// TOKENGUARD_BENCH_NODE=<major>): the whole run on that Node from the npm registry.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Alg, AuthServerInfo } from './auth-server.js';
import { type HttpRun, type RunSpec, runHttp, type Workload } from './http/run.js';
import { startChild } from './lib/ipc.js';
import { currentLoad, describe, machine } from './lib/machine.js';
import { nodeMajor, onRequestedNode } from './lib/node-version.js';
import { runMicroDpop } from './micro/dpop.js';
import { MICRO_POOL, runMicroJwt } from './micro/jwt.js';
import { type MemoryResult, type Results, report } from './report.js';
import type { Framework } from './servers/config.js';
import { FULL, QUICK } from './settings.js';

const args = await onRequestedNode(process.argv.slice(2));
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const settings = { ...(args.includes('--full') ? FULL : QUICK) };
if (flag('rounds')) settings.rounds = Number(flag('rounds'));
if (flag('seconds')) settings.seconds = Number(flag('seconds'));
const only = flag('only')?.split(',');
const wanted = (section: string) => only === undefined || only.includes(section);
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
const mint = (alg: Alg, count: number, jkt?: string, typ?: string) =>
  as.ask<string[]>('mint', { alg, count, jkt, typ });
const results: Results = {
  machine: host,
  settings,
  micro: [],
  dpopMicro: [],
  http: [],
  failures: [],
};

try {
  if (wanted('micro')) {
    results.micro = await runMicroJwt(info, (alg) => mint(alg, MICRO_POOL), {
      rounds: settings.rounds,
      ms: settings.microMs,
      log,
    });
    results.dpopMicro = await runMicroDpop(
      info,
      async (jkt) => (await mint('RS256', 1, jkt))[0] as string,
      {
        rounds: settings.rounds,
        proofs: settings.dpopProofs,
        log,
      },
    );
  }
  const specs = await httpSpecs();
  for (let round = 0; round < settings.rounds; round++) {
    for (const [i, spec] of specs.entries()) {
      log(
        `round ${round + 1}/${settings.rounds} · ${i + 1}/${specs.length} · ${spec.framework} ${spec.contender} ${spec.workload.name}`,
      );
      try {
        results.http.push(await runHttp(spec, round, { as, info, loader, settings }));
      } catch (error) {
        // One contender that cannot run must not cost the others their results.
        results.failures.push(
          `${spec.framework} ${spec.contender} ${spec.workload.name}: ${(error as Error).message.split('\n')[0]}`,
        );
      }
    }
  }
  if (wanted('memory')) {
    log(`memory flood: ${settings.flood} distinct tokens and proofs`);
    try {
      results.memory = await memoryFlood(settings.flood);
    } catch (error) {
      // A flood that fails or hangs must not cost the run the results it already has.
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

/** Every HTTP run of one round, in the order each round repeats them. */
async function httpSpecs(): Promise<RunSpec[]> {
  const specs: RunSpec[] = [];
  const add = (framework: Framework, contender: string, workload: Workload) => {
    if (
      specs.some(
        (s) =>
          s.framework === framework &&
          s.contender === contender &&
          s.workload.name === workload.name,
      )
    )
      return;
    if (filter !== undefined && !`${framework} ${contender} ${workload.name}`.includes(filter))
      return;
    specs.push({ framework, contender, workload });
  };
  const pool = (name: string, tokens: string[]) => {
    const file = join(temp, `${name}.json`);
    writeFileSync(file, JSON.stringify(tokens));
    return file;
  };
  const needJwt = wanted('http') || wanted('introspection');
  let repeated: Workload | undefined;
  let distinct: Workload | undefined;
  if (needJwt) {
    log(`minting ${settings.distinctPool + 2_000} RS256 tokens`);
    const tokens = await mint('RS256', settings.distinctPool + 2_000);
    const warm = pool('rs256-warm', tokens.slice(0, 2_000));
    const repeatedFile = pool('rs256-repeated', tokens.slice(0, 100));
    repeated = {
      name: 'repeated',
      warmup: { kind: 'tokens', file: repeatedFile, mode: 'cycle' },
      measure: { kind: 'tokens', file: repeatedFile, mode: 'cycle' },
    };
    distinct = {
      name: 'distinct',
      warmup: { kind: 'tokens', file: warm, mode: 'cycle' },
      measure: { kind: 'tokens', file: pool('rs256-distinct', tokens.slice(2_000)), mode: 'once' },
    };
  }
  if (wanted('http') && repeated && distinct) {
    const frameworks: Array<[Framework, string[]]> = [
      [
        'express',
        ['tokenguard', 'handrolled', 'jose', 'express-oauth2-jwt-bearer', 'express-jwt+jwks-rsa'],
      ],
      [
        'fastify',
        ['tokenguard', 'handrolled', 'jose', '@fastify/jwt+get-jwks', 'fastify-auth0-verify'],
      ],
      ['nest-express', ['tokenguard', 'passport-jwt+jwks-rsa']],
      ['nest-fastify', ['tokenguard']],
    ];
    for (const [framework, contenders] of frameworks) {
      add(framework, 'none', repeated);
      for (const contender of contenders) {
        add(framework, contender, repeated);
        add(framework, contender, distinct);
      }
    }
    // Hono (src/servers/hono.ts): hono/jwk refuses RFC 9068 tokens (`typ: at+jwt`), so its rows
    // use the same RS256 tokens typed `JWT`, which tokenguard accepts with tokenTypes: ['JWT'].
    const honoRows = ['none', 'tokenguard', 'hono/jwk', 'hono/jwk+keys'].flatMap((c) =>
      ['repeated', 'distinct'].map((w) => `hono ${c} ${w}`),
    );
    if (filter === undefined || honoRows.some((row) => row.includes(filter))) {
      const typed = await mint('RS256', settings.distinctPool + 2_000, undefined, 'JWT');
      const file = pool('rs256-jwt-repeated', typed.slice(0, 100));
      const honoRepeated: Workload = {
        ...repeated,
        warmup: { kind: 'tokens', file, mode: 'cycle' },
        measure: { kind: 'tokens', file, mode: 'cycle' },
      };
      const honoDistinct: Workload = {
        ...distinct,
        warmup: {
          kind: 'tokens',
          file: pool('rs256-jwt-warm', typed.slice(0, 2_000)),
          mode: 'cycle',
        },
        measure: {
          kind: 'tokens',
          file: pool('rs256-jwt-distinct', typed.slice(2_000)),
          mode: 'once',
        },
      };
      add('hono', 'none', honoRepeated);
      for (const contender of ['tokenguard', 'hono/jwk', 'hono/jwk+keys']) {
        add('hono', contender, honoRepeated);
        add('hono', contender, honoDistinct);
      }
    }
  }
  if (wanted('introspection') && repeated) {
    log(`minting ${settings.distinctPool + 2_000} opaque tokens`);
    const tokens = await as.ask<string[]>('opaque', { count: settings.distinctPool + 2_000 });
    const cachedFile = pool('opaque-repeated', tokens.slice(0, 100));
    const uncached: Workload = {
      name: 'opaque distinct',
      warmup: { kind: 'tokens', file: pool('opaque-warm', tokens.slice(0, 2_000)), mode: 'cycle' },
      measure: { kind: 'tokens', file: pool('opaque-distinct', tokens.slice(2_000)), mode: 'once' },
    };
    const cached: Workload = {
      name: 'opaque repeated',
      warmup: { kind: 'tokens', file: cachedFile, mode: 'cycle' },
      measure: { kind: 'tokens', file: cachedFile, mode: 'cycle' },
    };
    add('fastify', 'none', repeated);
    add('fastify', 'tokenguard-introspection', uncached);
    add('fastify', 'introspection-undici', uncached);
    add('fastify', 'introspection-fetch', uncached);
    add('fastify', 'tokenguard-introspection', cached);
  }
  if (wanted('dpop')) {
    const [token] = await mint('RS256', 1, dpopThumbprint);
    const perSecond = 6_000;
    const dpop: Workload = {
      name: 'dpop',
      warmup: {
        kind: 'dpop',
        token: token as string,
        count: Math.ceil(settings.warmupSeconds * perSecond),
      },
      measure: {
        kind: 'dpop',
        token: token as string,
        count: Math.ceil(settings.seconds * perSecond) + 2_000,
      },
    };
    if (repeated) add('express', 'none', repeated);
    for (const contender of [
      'dpop-floor',
      'dpop-handrolled',
      'tokenguard-dpop',
      'express-oauth2-jwt-bearer-dpop',
    ]) {
      add('express', contender, dpop);
    }
  }
  return specs;
}

function memoryFlood(count: number): Promise<MemoryResult> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', here('./memory-flood.ts'), String(count)],
      // 200,000 requests take about 2 minutes here; a child that stops making progress is killed.
      { maxBuffer: 1 << 20, timeout: 10 * 60_000, killSignal: 'SIGKILL' },
      (error, stdout) =>
        error ? reject(error) : resolve(JSON.parse(stdout.trim().split('\n').at(-1) as string)),
    ),
  );
}

export type { HttpRun };
