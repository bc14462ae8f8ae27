import type { AuthServerInfo } from '../auth-server.js';

export type Framework = 'express' | 'fastify' | 'nest-express' | 'nest-fastify' | 'hono';

/** What one API server process serves: a framework, a contender, one route. */
export interface ServerConfig {
  framework: Framework;
  contender: string;
  as: AuthServerInfo;
}

/** Every contender answers `GET /orders` with this body once the request is authenticated. */
export const ORDERS = { orders: [] as unknown[] };

/** The token of `Authorization: Bearer <token>`, as the hand-rolled contenders read it. */
export const bearer = (header: string | undefined): string =>
  header !== undefined && header.slice(0, 7).toLowerCase() === 'bearer ' ? header.slice(7) : '';
