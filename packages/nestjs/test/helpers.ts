import type { INestApplication, Type } from '@nestjs/common';
import { type AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';

export type Platform = () => AbstractHttpAdapter;

/** Both platforms, for `describe.each`: a name and a fresh HTTP adapter. */
export const PLATFORMS: ReadonlyArray<readonly [string, Platform]> = [
  ['Express', () => new ExpressAdapter()],
  ['Fastify', () => new FastifyAdapter()],
];

/** A Nest application listening on an ephemeral loopback port. */
export interface RunningApp {
  app: INestApplication;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Creates the application of `module` on a platform and listens on 127.0.0.1. `setup` runs
 * before `listen` (global filters, CORS, …). Initialisation errors reject (no `process.abort()`).
 */
export async function startApp(
  platform: Platform,
  module: Type<unknown>,
  setup?: (app: INestApplication) => void,
): Promise<RunningApp> {
  const app = await NestFactory.create(module, platform(), {
    logger: false,
    abortOnError: false,
  });
  setup?.(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/**
 * Sends a request with node:http, so that headers such as Host and repeated lines go out exactly
 * as given: the one HTTP client of tokenguard's tests.
 */
export { sendRequest as send } from '@tokenguard/suites';

/** `Authorization: Bearer <token>`. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
