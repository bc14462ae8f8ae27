import type { StartApi } from './api.js';
import { expressApi } from './express.js';
import { fastifyApi } from './fastify.js';
import { honoApi } from './hono.js';
import { nestApi } from './nestjs.js';
import { nodeHttpApi } from './node-http.js';
import { webApi } from './web.js';

export type { LevelsApp, RouteLevels, RunningApi, ServeLevels, StartApi } from './api.js';

/**
 * Every adapter once, as most users wire it, for `describe.each`: its name and how to start the
 * conformance API on it. The oidc-provider, attack, fault and fuzz suites run over this list.
 */
export const ADAPTERS: ReadonlyArray<readonly [string, StartApi]> = [
  ['node:http + core', nodeHttpApi],
  ['Express', expressApi(5)],
  ['Fastify', fastifyApi('global')],
  ['NestJS on Express', nestApi('express')],
  ['NestJS on Fastify', nestApi('fastify')],
];

/**
 * The fetch-style adapters once each: `@tokenguard/web` as a plain fetch handler, and Hono. The
 * attack table runs over these too. The fault, fuzz and oidc-provider suites do not: they drive
 * core's upstream handling and parsers, which these adapters reach exactly as the Node ones do
 * (the same `RequestView`), and CI time is shared (interop/test/runtimes.test.ts runs Hono's
 * tables on Bun and Deno as well).
 */
export const FETCH_ADAPTERS: ReadonlyArray<readonly [string, StartApi]> = [
  ['@tokenguard/web (fetch handler)', webApi],
  ['Hono on Node', honoApi],
];

/**
 * Every adapter in every way it can be wired: both Express majors, Fastify's global and per-route
 * protection and its `app.inject()`, Nest's APP_GUARD and `@UseGuards()` on both platforms; in
 * each framework, some apps with the framework's cookie parser and some without (core parses the
 * `Cookie` header then). The shared conformance table runs over this list.
 */
export const CONFORMANCE_VARIANTS: ReadonlyArray<readonly [string, StartApi]> = [
  ['node:http + core', nodeHttpApi],
  ['Express 5, with cookie-parser', expressApi(5, { cookies: 'cookie-parser' })],
  ['Express 4', expressApi(4)],
  [
    'Fastify, global protection, with @fastify/cookie',
    fastifyApi('global', 'http', { cookies: '@fastify/cookie' }),
  ],
  ['Fastify, per-route protection', fastifyApi('per-route')],
  ['Fastify, through app.inject()', fastifyApi('global', 'inject')],
  [
    'NestJS on Express, global APP_GUARD, with cookie-parser',
    nestApi('express', 'APP_GUARD', { cookies: 'parser' }),
  ],
  ['NestJS on Express, @UseGuards(TokenGuard)', nestApi('express', '@UseGuards')],
  [
    'NestJS on Fastify, global APP_GUARD, with @fastify/cookie',
    nestApi('fastify', 'APP_GUARD', { cookies: 'parser' }),
  ],
  ['NestJS on Fastify, @UseGuards(TokenGuard)', nestApi('fastify', '@UseGuards')],
  ['@tokenguard/web, a fetch handler on @hono/node-server', webApi],
  ['Hono on @hono/node-server', honoApi],
];
