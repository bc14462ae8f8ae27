// Which HTTP runs a benchmark makes, from the registered frameworks (./frameworks/index.ts), the
// sections asked for and `--filter`; the same list is repeated every round, in the same order.
import { FRAMEWORKS } from './frameworks/index.js';
import type { Alg, Check, ContenderDef, FrameworkDef, WorkloadKind } from './frameworks/types.js';
import type { RunSpec } from './http/run.js';
import type { Pools, Workload } from './workloads.js';

/** The sections of a benchmark run (`--only=`), HTTP ones here. */
export type Section = 'http' | 'introspection' | 'dpop' | 'threadpool';

export interface PlanOptions {
  sections: ReadonlySet<Section>;
  /** Keep only runs whose "framework contender workload" contains this text. */
  filter: string | undefined;
  /**
   * `--quick`: only the rows the goal table needs (no `fullOnly` contender; an anchor on its
   * first algorithm only), and one server per contender for all its workloads.
   */
  quick: boolean;
}

/** What each section measures. */
const SECTION_OF: Record<WorkloadKind, Section> = {
  hit: 'http',
  miss: 'http',
  'opaque hit': 'introspection',
  'opaque miss': 'introspection',
  dpop: 'dpop',
};

/** The contenders and algorithms the threadpool comparison runs, on one CPU and on all. */
const THREADPOOL = {
  frameworks: ['fastify', 'express'],
  contenders: ['handrolled', 'handrolled-threadpool', 'jose', 'tokenguard'],
  algs: ['RS256', 'ES256'] as readonly Alg[],
};

/** The sanity checks of a contender that declares none, by what it serves. */
export const defaultChecks = (kind: WorkloadKind): readonly Check[] =>
  kind === 'dpop'
    ? ['subject', 'tampered', 'replay', 'bound-as-bearer']
    : kind.startsWith('opaque')
      ? ['subject', 'inactive']
      : ['subject', 'tampered'];

/** Every workload of a contender, as (kind, algorithm) pairs. */
function workloadsOf(c: ContenderDef, quick: boolean): Array<[WorkloadKind, Alg]> {
  const out: Array<[WorkloadKind, Alg]> = [];
  if (c.workloads.hit) out.push(['hit', 'RS256']);
  const miss = c.workloads.miss ?? [];
  for (const alg of quick && c.role === 'anchor' ? miss.slice(0, 1) : miss) out.push(['miss', alg]);
  if (c.workloads.opaque) {
    out.push(['opaque miss', 'RS256']);
    if (c.role === 'tokenguard') out.push(['opaque hit', 'RS256']);
  }
  if (c.workloads.dpop) out.push(['dpop', 'RS256']);
  return out;
}

async function workload(
  pools: Pools,
  c: ContenderDef,
  kind: WorkloadKind,
  alg: Alg,
): Promise<Workload> {
  switch (kind) {
    case 'hit':
    case 'miss':
      return (await pools.jwt(alg, c.tokens?.typ))[kind];
    case 'opaque hit':
      return (await pools.opaque()).hit;
    case 'opaque miss':
      return (await pools.opaque()).miss;
    case 'dpop':
      return pools.dpop();
  }
}

/** The runs of one round, in the order every round repeats them. */
export async function plan(pools: Pools, options: PlanOptions): Promise<RunSpec[]> {
  const specs: RunSpec[] = [];
  const wanted = (fw: FrameworkDef, c: ContenderDef, name: string, kind: WorkloadKind) =>
    options.sections.has(SECTION_OF[kind]) &&
    (options.filter === undefined || `${fw.id} ${c.id} ${name}`.includes(options.filter));
  for (const fw of FRAMEWORKS) {
    // The baseline of a framework runs whenever anything of it does.
    const baseline = fw.contenders.find((c) => c.role === 'baseline');
    const rows: RunSpec[] = [];
    for (const c of fw.contenders) {
      if (c.role === 'baseline' || (options.quick && c.fullOnly)) continue;
      const chosen: Workload[] = [];
      for (const [kind, alg] of workloadsOf(c, options.quick)) {
        const name = kind === 'miss' ? `miss ${alg}` : kind;
        if (wanted(fw, c, name, kind)) chosen.push(await workload(pools, c, kind, alg));
      }
      const checks = (kind: WorkloadKind) => c.checks ?? defaultChecks(kind);
      // A server per workload in a full run; in a quick one, a server per contender (and per
      // algorithm for a verifier configured for one).
      const groups = new Map<string, Workload[]>();
      for (const w of chosen) {
        const key = options.quick ? (c.perAlg ? w.alg : 'all') : w.name;
        groups.set(key, [...(groups.get(key) ?? []), w]);
      }
      for (const group of groups.values()) {
        const first = group[0] as Workload;
        rows.push({
          framework: fw.id,
          contender: c.id,
          alg: first.alg,
          workloads: group,
          checks: checks(first.kind),
        });
      }
    }
    if (rows.length > 0 && baseline !== undefined) {
      const hit = (await pools.jwt('RS256', baseline.tokens?.typ)).hit;
      specs.push({
        framework: fw.id,
        contender: baseline.id,
        alg: 'RS256',
        workloads: [hit],
        checks: [],
      });
    }
    specs.push(...rows);
  }
  if (options.sections.has('threadpool')) specs.push(...(await threadpool(pools, options, specs)));
  return specs;
}

/** Signature checks on the event loop or on libuv's threadpool, with one CPU and with all. */
async function threadpool(
  pools: Pools,
  options: PlanOptions,
  planned: readonly RunSpec[],
): Promise<RunSpec[]> {
  const specs: RunSpec[] = [];
  const measured = (fw: string, c: string, name: string) =>
    planned.some(
      (s) =>
        s.cpus === undefined &&
        s.framework === fw &&
        s.contender === c &&
        s.workloads.some((w) => w.name === name),
    );
  for (const fwId of THREADPOOL.frameworks) {
    const fw = FRAMEWORKS.find((f) => f.id === fwId);
    if (fw === undefined) continue;
    for (const cpus of ['0', undefined]) {
      for (const id of THREADPOOL.contenders) {
        const c = fw.contenders.find((x) => x.id === id);
        if (c === undefined) continue;
        for (const alg of THREADPOOL.algs) {
          const w = (await pools.jwt(alg, c.tokens?.typ)).miss;
          if (
            options.filter !== undefined &&
            !`${fw.id} ${c.id} ${w.name}`.includes(options.filter)
          )
            continue;
          // With all CPUs, the HTTP section may have measured it already.
          if (cpus === undefined && measured(fw.id, c.id, w.name)) continue;
          specs.push({
            framework: fw.id,
            contender: c.id,
            alg,
            workloads: [w],
            checks: c.checks ?? defaultChecks('miss'),
            ...(cpus === undefined ? {} : { cpus }),
          });
        }
      }
    }
  }
  return specs;
}
