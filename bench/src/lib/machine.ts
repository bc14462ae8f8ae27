import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  openssl: string;
  loadavg: string;
  date: string;
}

/** The machine a run came from: printed first, stored with the results. */
export function machine(): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown CPU',
    cores: cpu.length,
    memory: `${Math.round(totalmem() / 1024 ** 3)} GiB`,
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    loadavg: currentLoad(),
    date: new Date().toISOString(),
  };
}

/** The 1, 5 and 15-minute load averages. */
export const currentLoad = (): string =>
  loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');

export const describe = (m: Machine): string =>
  `${m.cpu}, ${m.cores} cores, ${m.memory}; Node ${m.node}, OpenSSL ${m.openssl}; load average ${m.loadavg} at the start`;
