// Markdown from the raw runs: the goal table first (./goals.ts), then tables of medians over the
// rounds with min–max, server CPU per request and what it was spent on, every heading naming the
// Node it was measured on. Frameworks, contenders and their labels come from the registry.
import { FRAMEWORKS } from './frameworks/index.js';
import type { FrameworkDef } from './frameworks/types.js';
import { goals, goalTable } from './goals.js';
import { describe } from './lib/machine.js';
import { delta, fmt, median, ratio, summarize } from './lib/stats.js';
import { DPOP_FLOOR, type DpopMicroRun } from './micro/dpop.js';
import { FLOOR, type MicroRun } from './micro/jwt.js';
import { HttpIndex, type Key, type Results } from './results.js';

type Line = (text?: string) => void;

export function report(r: Results): string {
  const out: string[] = [];
  const line: Line = (text = '') => out.push(text);
  const s = r.settings;
  const on = `(Node ${r.machine.node})`;
  line(`# tokenguard benchmarks (${s.mode} run, Node ${r.machine.node})`);
  line();
  line(
    `machine: ${describe(r.machine)}${r.endLoad ? `, ${r.endLoad} at the end` : ''}; ${r.machine.date}${r.minutes ? `; ${r.minutes.toFixed(1)} minutes` : ''}`,
  );
  line();
  line(
    `settings: ${s.rounds} interleaved rounds (every contender once per round, same order), medians with min–max. ` +
      `HTTP: ${s.connections} connections, ${s.warmupSeconds} s warm-up then ${s.seconds} s measured per workload, ` +
      `autocannon in a process of its own, the authorization server in a third, all on 127.0.0.1; before each measurement the sanity step. ` +
      `CPU µs/req is the server process's own CPU time (user + system, every thread) over the requests it received; ` +
      `"added" is that minus the framework's no-auth server. Micro: ${s.microMs} ms per measurement. Memory: ${fmt(s.flood)} requests per phase.`,
  );
  const h = new HttpIndex(r.http);
  const rows = goals(r, h);
  if (rows.length > 0) {
    line();
    line(`## Goals of issue 19 ${on}`);
    line();
    goalTable(rows, line);
  }
  if (r.micro.length > 0) microTables(r.micro, on, line);
  if (r.dpopMicro.length > 0) dpopMicroTable(r.dpopMicro, on, line);
  for (const fw of FRAMEWORKS) frameworkTables(h, fw, on, line);
  threadpoolTable(h, on, line);
  if (r.memory && r.memory.length > 0) memoryTable(r, on, line);
  if (r.failures.length > 0) {
    line();
    line('## Runs that failed');
    line();
    for (const failure of [...new Set(r.failures)]) line(`- ${failure}`);
  }
  return `${out.join('\n')}\n`;
}

/** The workload groups a framework's tables show, in order. */
const TABLES: Array<{ title: string; has: (workload: string) => boolean }> = [
  { title: 'JWT access tokens', has: (w) => w === 'hit' || w.startsWith('miss ') },
  { title: 'opaque tokens through introspection (RFC 7662)', has: (w) => w.startsWith('opaque') },
  { title: 'DPoP, a fresh ES256 proof per request (RS256 access token)', has: (w) => w === 'dpop' },
];

function frameworkTables(h: HttpIndex, fw: FrameworkDef, on: string, line: Line): void {
  const base = h.get(fw.id, 'none', 'hit');
  const label = (id: string) => fw.contenders.find((c) => c.id === id)?.label ?? id;
  for (const table of TABLES) {
    const keys = h
      .keys()
      .filter((k) => k.framework === fw.id && k.contender !== 'none' && table.has(k.workload))
      .sort((a, b) => a.workload.localeCompare(b.workload));
    if (keys.length === 0) continue;
    line();
    line(`## HTTP: ${fw.title}, ${table.title} ${on}`);
    line();
    line(
      '| contender | workload | req/s (min–max) | × no auth | CPU µs/req | added | of which kernel | bytes allocated/req | GC µs/req | p99 ms | upstream calls (JWKS / introspection) | sanity | errors |',
    );
    line(
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    );
    for (const k of base === undefined ? keys : [base, ...keys]) {
      const runs = h.of(k);
      const rps = summarize(runs.map((x) => x.rps));
      const m = (f: (x: (typeof runs)[number]) => number) => median(runs.map(f));
      const isBase = k === base;
      const sanity = h.sanity(k);
      line(
        `| ${label(k.contender)} | ${isBase ? 'any (hit headers)' : k.workload}${runs.some((x) => x.wrapped) ? ' (pool reused)' : ''} | ${fmt(rps.median)} (${fmt(rps.min)}–${fmt(rps.max)}) | ${ratio(rps.median, h.rps(base))} | ${fmt(h.cpu(k))} | ${isBase ? '–' : delta(h.cpu(k) - h.cpu(base))} | ${fmt(m((x) => x.systemPerRequest))} | ${fmt(m((x) => x.allocatedPerRequest))} | ${fmt(
          m((x) => x.gcPerRequest),
          1,
        )} | ${fmt(
          m((x) => x.p99),
          1,
        )} | ${fmt(m((x) => x.upstreamMeasured.jwks))} / ${fmt(m((x) => x.upstreamMeasured.introspection))} | ${isBase ? '–' : sanity.length === 0 ? 'passed' : `**failed**: ${sanity.join('; ')}`} | ${runs.reduce((n, x) => n + x.non2xx + x.errors, 0)} |`,
      );
    }
  }
}

/** The threadpool comparison: the same miss workloads on one CPU and on all of them. */
function threadpoolTable(h: HttpIndex, on: string, line: Line): void {
  const pinned = h.keys('1');
  if (pinned.length === 0) return;
  line();
  line(`## Signature checks on the event loop or on the threadpool, one CPU and all ${on}`);
  line();
  line(
    'The server pinned to CPU 0 (`taskset -a -c 0`, its threadpool and V8 helpers included) and unpinned; the load generator and the authorization server unpinned.',
  );
  line();
  line(
    '| framework | contender | workload | 1 CPU: req/s | 1 CPU: CPU µs/req | all CPUs: req/s | all CPUs: CPU µs/req |',
  );
  line('| --- | --- | --- | ---: | ---: | ---: | ---: |');
  for (const k of pinned) {
    const all = h.get(k.framework, k.contender, k.workload, 'all');
    line(
      `| ${k.framework} | ${k.contender} | ${k.workload} | ${fmt(h.rps(k))} | ${fmt(h.cpu(k))} | ${fmt(h.rps(all))} | ${fmt(h.cpu(all))} |`,
    );
  }
}

function memoryTable(r: Results, on: string, line: Line): void {
  const mib = (bytes: number) => fmt(bytes / 1048576, 1);
  for (const phase of r.memory ?? []) {
    line();
    line(`## Memory: ${phase.phase}, ${fmt(phase.count)} requests through one guard ${on}`);
    line();
    line('| requests | heap used after GC | RSS |');
    line('| ---: | ---: | ---: |');
    const [first] = phase.samples;
    for (const sample of phase.samples) {
      const growth = (now: number, then: number | undefined) =>
        sample.done === 0
          ? 'start'
          : `${now >= (then ?? 0) ? '+' : '−'}${mib(Math.abs(now - (then ?? 0)))}`;
      line(
        `| ${fmt(sample.done)} | ${mib(sample.heap)} MiB (${growth(sample.heap, first?.heap)}) | ${mib(sample.rss)} MiB (${growth(sample.rss, first?.rss)}) |`,
      );
    }
    line();
    line(
      `${fmt(phase.count / phase.seconds)} requests/s through authenticate() (minting included).`,
    );
  }
}

function microTables(micro: MicroRun[], on: string, line: Line): void {
  const pick = (alg: string, contender: string, workload: string, inFlight: number) =>
    micro.filter(
      (m) =>
        m.alg === alg &&
        m.contender === contender &&
        m.workload === workload &&
        m.inFlight === inFlight,
    );
  line();
  line(`## Micro: verifications per second in one process (core, no HTTP) ${on}`);
  line();
  line(
    '`distinct`: every token new, the signature path (10,500 tokens cycled through tokenguard’s default 10,000-entry cache, so each one misses it); `repeated`: 100 tokens over and over (the verified-token cache). The floor is one `crypto.verify` with a pre-imported `KeyObject` on pre-split input. CPU µs/op is the process’s CPU time (every thread: the threadpool counts) per operation.',
  );
  for (const alg of ['RS256', 'ES256', 'EdDSA']) {
    const rows = [
      ...new Map(
        micro.filter((m) => m.alg === alg).map((m) => [`${m.contender}|${m.workload}`, m]),
      ).values(),
    ];
    if (rows.length === 0) continue;
    line();
    line(`### ${alg} ${on}`);
    line();
    line(
      '| contender | workload | 1 in flight: ops/s (min–max) | × floor | CPU µs/op | 32 in flight: ops/s (min–max) | × floor | CPU µs/op |',
    );
    line('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) {
      const cells = [1, 32].map((inFlight) => {
        const runs = pick(alg, row.contender, row.workload, inFlight);
        const s = summarize(runs.map((m) => m.opsPerSecond));
        const floor = median(pick(alg, FLOOR, 'distinct', inFlight).map((m) => m.opsPerSecond));
        return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)}) | ${ratio(s.median, floor)} | ${fmt(median(runs.map((m) => m.cpuPerOp)), 1)}`;
      });
      const name =
        row.contender === 'tokenguard' ? '**tokenguard** `authenticate()`' : row.contender;
      line(`| ${name} | ${row.workload} | ${cells.join(' | ')} |`);
    }
  }
}

function dpopMicroTable(runs: DpopMicroRun[], on: string, line: Line): void {
  line();
  line(
    `## Micro: DPoP proof checks per second in one process, one at a time, a fresh ES256 proof each ${on}`,
  );
  line();
  line(
    'Everyone checks the same RS256 access token, bound to the proof key: tokenguard from its verified-token cache, the hand-rolled and jose checks through a Map of verified tokens, express-oauth2-jwt-bearer by verifying it again (it has no cache). The floor checks the proof signature only.',
  );
  line();
  line('| contender | proofs/s (min–max) | × floor | CPU µs/op |');
  line('| --- | ---: | ---: | ---: |');
  const floor = median(runs.filter((x) => x.contender === DPOP_FLOOR).map((x) => x.opsPerSecond));
  for (const contender of [...new Set(runs.map((x) => x.contender))]) {
    const mine = runs.filter((x) => x.contender === contender);
    const s = summarize(mine.map((x) => x.opsPerSecond));
    line(
      `| ${contender === 'tokenguard' ? '**tokenguard** `authenticate()`' : contender} | ${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)}) | ${ratio(s.median, floor)} | ${fmt(median(mine.map((x) => x.cpuPerOp)), 1)} |`,
    );
  }
}

export type { Key };
