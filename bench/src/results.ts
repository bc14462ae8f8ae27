// What a benchmark run produced, and the index the tables and the goal table read it through.
import type { HttpRun } from './http/run.js';
import type { Machine } from './lib/machine.js';
import { median } from './lib/stats.js';
import type { DpopMicroRun } from './micro/dpop.js';
import type { MicroRun } from './micro/jwt.js';
import type { Settings } from './settings.js';

export interface MemoryPhase {
  phase: string;
  count: number;
  seconds: number;
  samples: Array<{ done: number; heap: number; rss: number }>;
}

export interface Results {
  machine: Machine;
  settings: Settings;
  micro: MicroRun[];
  dpopMicro: DpopMicroRun[];
  http: HttpRun[];
  memory?: MemoryPhase[];
  failures: string[];
  endLoad?: string;
  minutes?: number;
}

export interface Key {
  framework: string;
  contender: string;
  workload: string;
  cpus: '1' | 'all';
}

/** The HTTP runs grouped by framework, contender, workload and CPUs; medians over rounds. */
export class HttpIndex {
  constructor(readonly runs: readonly HttpRun[]) {}

  keys(cpus: '1' | 'all' = 'all'): Key[] {
    const seen = new Map<string, Key>();
    for (const { framework, contender, workload, cpus: c } of this.runs) {
      if (c === cpus)
        seen.set(`${framework}|${contender}|${workload}`, { framework, contender, workload, cpus });
    }
    return [...seen.values()];
  }

  get(framework: string, contender: string, workload: string, cpus: '1' | 'all' = 'all') {
    const key: Key = { framework, contender, workload, cpus };
    return this.of(key).length > 0 ? key : undefined;
  }

  of(k: Key | undefined): HttpRun[] {
    if (k === undefined) return [];
    return this.runs.filter(
      (x) =>
        x.framework === k.framework &&
        x.contender === k.contender &&
        x.workload === k.workload &&
        x.cpus === k.cpus,
    );
  }

  /** Median of one measure over the rounds; NaN when there is no run. */
  median(k: Key | undefined, measure: (run: HttpRun) => number): number {
    return median(this.of(k).map(measure));
  }

  rps(k: Key | undefined): number {
    return this.median(k, (x) => x.rps);
  }

  cpu(k: Key | undefined): number {
    return this.median(k, (x) => x.cpuPerRequest);
  }

  /** Sanity failures of a row, over all its rounds. */
  sanity(k: Key | undefined): string[] {
    return [...new Set(this.of(k).flatMap((x) => x.sanityFailed))];
  }
}
