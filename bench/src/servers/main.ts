// One API server process per measurement. The parent reads its CPU time and the requests it
// received over IPC, before and after the measured load, so the CPU cost per request is the
// server's own, whatever the load generator and the authorization server do.
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { serveParent } from '../lib/ipc.js';
import type { ServerConfig } from './config.js';

const config = JSON.parse(process.env.BENCH_SERVER ?? '{}') as ServerConfig;
const starters: Record<ServerConfig['framework'], () => Promise<Server>> = {
  express: async () => (await import('./express.js')).start(config),
  fastify: async () => (await import('./fastify.js')).start(config),
  'nest-express': async () => (await import('./nest.js')).start(config, 'express'),
  'nest-fastify': async () => (await import('./nest.js')).start(config, 'fastify'),
  hono: async () => (await import('./hono.js')).start(config),
};
const server = await starters[config.framework]();

let received = 0;
server.on('request', () => {
  received++;
});
let mark = { cpu: process.cpuUsage(), received: 0 };

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
      mark = { cpu: process.cpuUsage(), received };
      return true;
    },
    stop: async () => {
      const cpu = process.cpuUsage(mark.cpu);
      const requests = received - mark.received;
      if (session && profileFile) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(profileFile, JSON.stringify(profile));
      }
      return { cpuMicros: cpu.user + cpu.system, requests };
    },
  },
);
