// Every framework the benchmark knows: one line each. A framework is a definition (its
// contenders, their roles and workloads: ./types.ts) and a server file; see bench/README.md,
// "Adding a framework or a contender".
import { express } from './express.js';
import { fastify } from './fastify.js';
import { hono } from './hono.js';
import { nestExpress, nestFastify } from './nest.js';
import type { FrameworkDef } from './types.js';

export const FRAMEWORKS: readonly FrameworkDef[] = [
  express,
  fastify,
  nestExpress,
  nestFastify,
  hono,
];

export function framework(id: string): FrameworkDef {
  const found = FRAMEWORKS.find((f) => f.id === id);
  if (found === undefined) throw new Error(`bench: no framework ${id}`);
  return found;
}
