import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenGuardOptions } from '@tokenguard/core';
import type { ConformanceTransport, ModelRequirements } from '@tokenguard/suites';

/** An API on loopback, protected by one adapter. */
export interface RunningApi {
  baseUrl: string;
  /** Set when the table's requests go another way than HTTP (Fastify's `app.inject()`). */
  transport?: ConformanceTransport;
  close(): Promise<void>;
}

/**
 * Starts the conformance routes (`CONFORMANCE_ROUTES`), protected by an adapter with these guard
 * options; with a `resource` in them, the app serves its RFC 9728 metadata too.
 */
export type StartApi = (options: TokenGuardOptions) => Promise<RunningApi>;

/** A route's levels after the guard's, outermost first, as the composition property draws them. */
export type RouteLevels = readonly ModelRequirements[];

/** An app serving `GET /r<i>` for each route of a composition batch. */
export interface LevelsApp {
  /** Per route: `undefined` when it was declared, else what declaring it threw. */
  refusals: unknown[];
  /** `GET <path>` with a bearer token: the status and the body's `error`. */
  get(path: string, token: string): Promise<{ status: number; error?: string }>;
  close(): Promise<void>;
}

/** Declares one route per entry of `routes` at `/r<i>`, each with its levels, on one app. */
export type ServeLevels = (
  options: TokenGuardOptions,
  routes: readonly RouteLevels[],
) => Promise<LevelsApp>;

/** The base URL of a node:http server listening on loopback. */
export async function listening(server: Server): Promise<string> {
  if (!server.listening) await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a node:http server, its open connections included. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** `GET` over HTTP with a bearer token: the status and the body's `error`. */
export async function getOverHttp(
  url: string,
  token: string,
): Promise<{ status: number; error?: string }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { error?: string };
  return { status: res.status, error: body.error };
}
