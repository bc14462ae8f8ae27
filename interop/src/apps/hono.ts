import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { CONFORMANCE_ROUTES, CONFORMANCE_SCOPES } from '@tokenguard/suites';
import { closeServer, listening, type StartApi } from './api.js';
import { honoConformanceApp } from './hono-app.js';

/**
 * The conformance API on Hono, on Node through `@hono/node-server`: the adapter reads the raw
 * header lines and the socket it hands over in `c.env.incoming`.
 */
export const honoApi: StartApi = async (options) => {
  const { app, guard, close } = honoConformanceApp(options, CONFORMANCE_ROUTES, CONFORMANCE_SCOPES);
  // Fail fast, as a fetch-style app does it: the keys before the server is started.
  if (options.warmUp === 'fail')
    await guard.warmUp().catch(async (error: unknown) => {
      await close();
      throw error;
    });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  return {
    baseUrl: await listening(server),
    async close() {
      await closeServer(server);
      await close();
    },
  };
};
