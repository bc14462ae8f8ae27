import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import express4 from 'express4';

/** Both supported majors, for `describe.each`. */
export const EXPRESS_VERSIONS = [
  ['Express 5', express],
  ['Express 4', express4],
] as const satisfies ReadonlyArray<readonly [string, () => Express]>;

/** A listening app on an ephemeral loopback port. */
export interface RunningApp {
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 with an ephemeral port. */
export async function listen(app: Express): Promise<RunningApp> {
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Sends a request with node:http, so that headers such as Host and repeated lines go out exactly
 * as given: the one HTTP client of tokenguard's tests.
 */
export { sendRequest as send } from '@tokenguard/suites';

/** `Authorization: Bearer <token>`. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
