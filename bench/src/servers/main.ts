// One API server process per measurement. The parent reads its CPU time and the requests it
// received over IPC, before and after the measured load, so the CPU cost per request is the
// server's own, whatever the load generator and the authorization server do.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { framework } from '../frameworks/index.js';
import type { ServerConfig } from '../frameworks/types.js';
import { serveParent } from '../lib/ipc.js';

const config = JSON.parse(process.env.BENCH_SERVER ?? '{}') as ServerConfig;
const server = await framework(config.framework).start(config);

let received = 0;
server.on('request', () => {
  received++;
});
let mark = { usage: process.resourceUsage(), received: 0, heap: 0 };
// Allocation and garbage collection over the measured load: V8's GC profiler records the heap
// before and after each collection, so what was allocated in between is known exactly.
let gcProfiler: GCProfiler | undefined;

interface GcStatistics {
  gcType: string;
  cost: number;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

/** Bytes allocated since `start`, collections by kind and their summed cost (µs). */
function gcSummary(statistics: GcStatistics[], start: number) {
  let allocated = 0;
  let previous = start;
  let micros = 0;
  const byType: Record<string, number> = {};
  for (const gc of statistics) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - previous;
    previous = gc.afterGC.heapStatistics.usedHeapSize;
    micros += gc.cost;
    byType[gc.gcType] = (byType[gc.gcType] ?? 0) + 1;
  }
  allocated += getHeapStatistics().used_heap_size - previous;
  return { allocatedBytes: allocated, gcMicros: micros, collections: byType };
}

// `pnpm --filter @tokenguard/bench profile`: the V8 CPU profiler (what `node --cpu-prof` runs),
// on for the measured load only, so start-up and warm-up stay out of the profile.
const profileFile = process.env.BENCH_PROFILE;
const session = profileFile ? new Session() : undefined;
session?.connect();

serveParent(
  { port: (server.address() as AddressInfo).port, node: process.version },
  {
    start: async () => {
      if (session) {
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 100 });
        await session.post('Profiler.start');
      }
      gcProfiler = new GCProfiler();
      mark = { usage: process.resourceUsage(), received, heap: getHeapStatistics().used_heap_size };
      gcProfiler.start();
      return true;
    },
    stop: async () => {
      const gc = gcSummary(
        (gcProfiler?.stop()?.statistics ?? []) as unknown as GcStatistics[],
        mark.heap,
      );
      const now = process.resourceUsage();
      const requests = received - mark.received;
      const user = now.userCPUTime - mark.usage.userCPUTime;
      const system = now.systemCPUTime - mark.usage.systemCPUTime;
      if (session && profileFile) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(profileFile, JSON.stringify(profile));
      }
      return {
        cpuMicros: user + system,
        userMicros: user,
        systemMicros: system,
        voluntarySwitches: now.voluntaryContextSwitches - mark.usage.voluntaryContextSwitches,
        involuntarySwitches: now.involuntaryContextSwitches - mark.usage.involuntaryContextSwitches,
        requests,
        ...gc,
      };
    },
  },
);
