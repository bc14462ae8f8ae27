import { request } from 'node:http';
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

/** What a client saw. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body, or `undefined` when it is empty or not JSON. */
  json: unknown;
}

/** Sends a request with node:http, so headers go out exactly as given. */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: { connection: 'close', ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `Authorization: Bearer <token>`. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
