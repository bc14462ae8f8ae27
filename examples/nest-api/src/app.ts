import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { TokenGuardOptions } from '@tokenguard/nestjs';
import { AppModule } from './app.module.js';

/** The HTTP platforms the API runs on. */
export type Platform = 'express' | 'fastify';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** `express` (default) or `fastify`. */
  platform?: Platform;
  /**
   * tokenguard guard options: the authorization server to trust (`issuer`) and this API's
   * identifier (`audience`). Without them, the guard reads `TOKENGUARD_ISSUER` and
   * `TOKENGUARD_AUDIENCE` from the environment.
   */
  auth?: TokenGuardOptions;
  /** Nest's logger; off by default (the server turns it on). */
  logger?: boolean;
}

/**
 * The orders API as a Nest application, not yet listening: `GET /health` is public, `GET /me`
 * needs any valid token, `GET /orders` the `orders:read` scope, `POST /orders` the
 * `orders:write` scope.
 *
 * @example
 * ```ts
 * const app = await createApp({ platform: 'fastify', auth: { issuer, audience } });
 * await app.listen(3000);
 * ```
 */
export async function createApp(options: AppOptions = {}): Promise<INestApplication> {
  const platform = options.platform ?? 'express';
  if (platform !== 'express' && platform !== 'fastify') {
    throw new TypeError(`unknown platform "${String(platform)}": use express or fastify`);
  }
  const adapter = platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(AppModule.register(options.auth), adapter, {
    logger: options.logger === true ? undefined : false,
    // A configuration mistake rejects here, instead of Nest's default process.abort().
    abortOnError: false,
  });
  return app;
}
