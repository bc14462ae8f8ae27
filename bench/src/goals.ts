// The goals of issue 19, read against one run: each measured, with its ratio, met or missed. The
// rows come from the frameworks' declared roles (./frameworks/types.ts), so a framework added to
// the registry gets its rows without a change here.
import { FRAMEWORKS } from './frameworks/index.js';
import type { ContenderDef, FrameworkDef } from './frameworks/types.js';
import { delta, fmt, median } from './lib/stats.js';
import { DPOP_FLOOR } from './micro/dpop.js';
import type { HttpIndex, Key, Results } from './results.js';

export interface Goal {
  name: string;
  measured: string;
  ratio: string;
  target: string;
  /** `undefined`: for information, or not measured in this run (see `measured`). */
  met: boolean | undefined;
}

const x = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');
const us = (value: number) => `${delta(value)} µs`;
const MIB = 1_048_576;
/** The memory goal: at most this much heap growth per 200,000 distinct tokens, in every phase. */
const MEMORY_BOUND = 64 * MIB;

const byRole = (fw: FrameworkDef, role: ContenderDef['role'], has: (c: ContenderDef) => boolean) =>
  fw.contenders.filter((c) => c.role === role && has(c));

export function goals(r: Results, h: HttpIndex): Goal[] {
  const rows: Goal[] = [];
  const notMeasured = (name: string, target: string) =>
    rows.push({ name, measured: 'not measured in this run', ratio: '–', target, met: undefined });
  for (const fw of FRAMEWORKS) {
    const base = h.get(fw.id, 'none', 'hit');
    if (base === undefined) continue;
    const added = (k: Key | undefined) => h.cpu(k) - h.cpu(base);
    const tg = byRole(
      fw,
      'tokenguard',
      (c) => c.workloads.miss !== undefined || !!c.workloads.hit,
    )[0];
    // The miss path: against the hand-rolled floor and every anchor, algorithm by algorithm.
    const floor = byRole(fw, 'floor', (c) => c.workloads.miss !== undefined)[0];
    const anchors = byRole(fw, 'anchor', (c) => c.workloads.miss !== undefined);
    for (const alg of tg?.workloads.miss ?? []) {
      const w = `miss ${alg}`;
      const mine = h.get(fw.id, (tg as ContenderDef).id, w);
      if (mine === undefined) continue;
      const title = `${fw.title}, ${alg}, first-seen token`;
      const floorKey = floor === undefined ? undefined : h.get(fw.id, floor.id, w);
      if (floorKey !== undefined) {
        const over = added(mine) - added(floorKey);
        rows.push({
          name: `${title}: added CPU ≤ the hand-rolled floor's + 10 µs`,
          measured: `${us(over)} over the floor (${us(added(mine))} against ${us(added(floorKey))})`,
          ratio: x(h.cpu(floorKey) / h.cpu(mine)),
          target: '≤ +10 µs',
          met: over <= 10,
        });
      } else if (floor !== undefined) {
        notMeasured(`${title}: added CPU ≤ the hand-rolled floor's + 10 µs`, '≤ +10 µs');
      }
      // The issue measured a first-seen token as `cache: false`: the signature path without the
      // verified-token cache's insert, which the row above (the default) pays as well.
      const bare = h.get(fw.id, 'tokenguard-nocache', w);
      if (floorKey !== undefined && bare !== undefined) {
        const over = added(bare) - added(floorKey);
        rows.push({
          name: `${title}, \`cache: false\` (the issue's measure): added CPU ≤ the floor's + 10 µs`,
          measured: `${us(over)} over the floor (${us(added(bare))} against ${us(added(floorKey))})`,
          ratio: x(h.cpu(floorKey) / h.cpu(bare)),
          target: '≤ +10 µs',
          met: over <= 10,
        });
      }
      const rivals = anchors
        .map((a) => ({ a, k: h.get(fw.id, a.id, w) }))
        .filter((v): v is { a: ContenderDef; k: Key } => v.k !== undefined);
      if (rivals.length === 0) {
        if (anchors.length > 0) notMeasured(`${title}: below and ahead of every anchor`, '–');
        continue;
      }
      const cheapest = rivals.reduce((a, b) => (added(a.k) <= added(b.k) ? a : b));
      const fastest = rivals.reduce((a, b) => (h.rps(a.k) >= h.rps(b.k) ? a : b));
      rows.push({
        name: `${title}: added CPU below every anchor's`,
        measured: `${us(added(mine))} against ${us(added(cheapest.k))} (${cheapest.a.id})`,
        ratio: x(h.cpu(cheapest.k) / h.cpu(mine)),
        target: '< the cheapest anchor',
        met: added(mine) < added(cheapest.k),
      });
      rows.push({
        name: `${title}: req/s ahead of every anchor's`,
        measured: `${fmt(h.rps(mine))} against ${fmt(h.rps(fastest.k))} req/s (${fastest.a.id})`,
        ratio: x(h.rps(mine) / h.rps(fastest.k)),
        target: '≥ 1×',
        met: h.rps(mine) >= h.rps(fastest.k),
      });
    }
    // The hit path: a cache hit over this framework's no-auth.
    const hitKey = tg === undefined ? undefined : h.get(fw.id, tg.id, 'hit');
    if (hitKey !== undefined) {
      rows.push({
        name: `${fw.title}, cache hit: added CPU over no auth`,
        measured: us(added(hitKey)),
        ratio: x(h.rps(hitKey) / h.rps(base)),
        target: fw.hitGoal === undefined ? 'for information' : `≤ +${fw.hitGoal} µs`,
        met: fw.hitGoal === undefined ? undefined : added(hitKey) <= fw.hitGoal,
      });
    }
    // Introspection: uncached against one pooled undici call per request; cached against no auth.
    const tgOpaque = byRole(fw, 'tokenguard', (c) => !!c.workloads.opaque)[0];
    const floorOpaque = byRole(fw, 'floor', (c) => !!c.workloads.opaque)[0];
    if (tgOpaque !== undefined) {
      const miss = h.get(fw.id, tgOpaque.id, 'opaque miss');
      const floorMiss = floorOpaque && h.get(fw.id, floorOpaque.id, 'opaque miss');
      if (miss !== undefined && floorMiss !== undefined) {
        const byCpu = h.cpu(floorMiss) / h.cpu(miss);
        rows.push({
          name: `${fw.title}, introspection, a new opaque token per request: ≥ 0.9× the pooled undici floor`,
          measured: `by CPU; ${us(added(miss))} against ${us(added(floorMiss))}, ${x(h.rps(miss) / h.rps(floorMiss))} by req/s`,
          ratio: x(byCpu),
          target: '≥ 0.9×',
          met: byCpu >= 0.9,
        });
      }
      const hit = h.get(fw.id, tgOpaque.id, 'opaque hit');
      if (hit !== undefined) {
        const byCpu = h.cpu(base) / h.cpu(hit);
        rows.push({
          name: `${fw.title}, introspection, a cached answer: ≥ 0.85× no auth`,
          measured: `by CPU; ${us(added(hit))}, ${x(h.rps(hit) / h.rps(base))} by req/s`,
          ratio: x(byCpu),
          target: '≥ 0.85×',
          met: byCpu >= 0.85,
        });
      }
    }
    // DPoP over HTTP: no worse than the hand-rolled check with the proof key cached.
    const tgDpop = byRole(fw, 'tokenguard', (c) => !!c.workloads.dpop)[0];
    const floorDpop = byRole(fw, 'floor', (c) => !!c.workloads.dpop)[0];
    const dpop = tgDpop && h.get(fw.id, tgDpop.id, 'dpop');
    const dpopFloor = floorDpop && h.get(fw.id, floorDpop.id, 'dpop');
    if (dpop !== undefined && dpopFloor !== undefined) {
      rows.push({
        name: `${fw.title}, DPoP (a fresh ES256 proof per request): added CPU ≤ the hand-rolled key-cached check's`,
        measured: `${us(added(dpop))} against ${us(added(dpopFloor))}`,
        ratio: x(h.cpu(dpopFloor) / h.cpu(dpop)),
        target: '≥ 1× by CPU',
        met: added(dpop) <= added(dpopFloor),
      });
    }
  }
  // DPoP in one process: authenticate() of a request with a fresh proof against one verify.
  const dpopMicro = (name: string) =>
    median(r.dpopMicro.filter((m) => m.contender === name).map((m) => m.opsPerSecond));
  if (r.dpopMicro.length > 0) {
    const ratio = dpopMicro('tokenguard') / dpopMicro(DPOP_FLOOR);
    rows.push({
      name: 'DPoP in one process: authenticate() ≥ 0.85× one ES256 crypto.verify',
      measured: `${fmt(dpopMicro('tokenguard'))} against ${fmt(dpopMicro(DPOP_FLOOR))} per second`,
      ratio: x(ratio),
      target: '≥ 0.85×',
      met: ratio >= 0.85,
    });
  }
  for (const phase of r.memory ?? []) {
    const first = phase.samples[0];
    const half = phase.samples[2];
    const last = phase.samples.at(-1);
    if (first === undefined || last === undefined || half === undefined) continue;
    const growth = last.heap - first.heap;
    const per200k = (growth * 200_000) / phase.count;
    const full = phase.count >= 200_000;
    rows.push({
      name: `memory, ${phase.phase}: heap growth per 200,000 ≤ 64 MiB`,
      measured: `${mib(growth)} over ${fmt(phase.count)} (second half ${mib(last.heap - half.heap)})${full ? '' : `; the goal is read on a 200,000-request flood (--full)`}`,
      // A short flood says nothing about 200,000 tokens: no extrapolated ratio.
      ratio: full ? x(per200k / MEMORY_BOUND) : '–',
      target: '≤ 64 MiB',
      met: full ? per200k <= MEMORY_BOUND : undefined,
    });
  }
  // The sanity step: a measurement of a contender that accepts what it must refuse is worthless.
  const failed = h
    .keys()
    .map((k) => ({ k, why: h.sanity(k) }))
    .filter((v) => v.why.length > 0);
  if (r.http.length > 0) {
    rows.push({
      name: 'sanity: every contender answered 200 with the right subject, 401 to a tampered signature, a replayed proof and a bound token as Bearer',
      measured:
        failed.length === 0
          ? 'all passed'
          : failed
              .map((v) => `${v.k.framework} ${v.k.contender} ${v.k.workload}: ${v.why.join('; ')}`)
              .join(' · '),
      ratio: '–',
      target: 'all',
      met: failed.length === 0,
    });
  }
  return rows;
}

const mib = (bytes: number) => `${bytes < 0 ? '−' : '+'}${fmt(Math.abs(bytes) / MIB, 1)} MiB`;

export function goalTable(rows: readonly Goal[], line: (text?: string) => void): void {
  line('| goal | measured | ratio | target | |');
  line('| --- | --- | ---: | --- | --- |');
  for (const g of rows) {
    const verdict = g.met === undefined ? '' : g.met ? 'met' : '**missed**';
    line(`| ${g.name} | ${g.measured} | ${g.ratio} | ${g.target} | ${verdict} |`);
  }
}
