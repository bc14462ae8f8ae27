import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { optionsFromEnv } from '@tokenguard/core';
import type { GuardOptions } from '@tokenguard/express';
import { createRedisStore, type RedisStore } from '@tokenguard/redis';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { createApp } from './app.js';

// `npm start`. With TOKENGUARD_ISSUER set, the API trusts that authorization server
// (TOKENGUARD_AUDIENCE names this API). Without it, a local authorization server starts in this
// process so that everything works with nothing else installed.
// With REDIS_URL set, DPoP replay detection and introspection answers are shared with every other
// instance using the same Redis (see the README's two-instance setup).
const port = Number(process.env.PORT ?? 3000);
const store: RedisStore | undefined = process.env.REDIS_URL
  ? createRedisStore({ url: process.env.REDIS_URL })
  : undefined;
let as: AuthorizationServer | undefined;
let server: Server;

if (process.env.TOKENGUARD_ISSUER) {
  // TOKENGUARD_ISSUER is set, so the environment's options name an issuer.
  const auth = { ...optionsFromEnv(), ...(store && { store }) } as GuardOptions;
  server = createApp({ auth }).listen(port);
  server.once('listening', () => {
    console.log(`orders API on port ${(server.address() as AddressInfo).port}`);
    console.log(`trusting ${process.env.TOKENGUARD_ISSUER} for ${process.env.TOKENGUARD_AUDIENCE}`);
  });
} else {
  as = await createAuthorizationServer();
  const client = as.registerClient({
    clientId: 'orders-client',
    scopes: ['orders:read', 'orders:write'],
  });
  server = createApp({
    auth: { issuer: as.issuer, audience: as.audience, ...(store && { store }) },
  }).listen(port, '127.0.0.1');
  server.once('listening', () => {
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    console.log(`orders API            ${api}`);
    console.log(
      `authorization server  ${as!.issuer} (local, in memory; TOKENGUARD_ISSUER is unset)`,
    );
    console.log(`client                ${client.clientId} / ${client.clientSecret}`);
    console.log('\nGet a token (client_credentials):\n');
    console.log(
      `  curl -s -u '${client.clientId}:${client.clientSecret}' -d grant_type=client_credentials -d scope=orders:read ${as!.tokenEndpoint}`,
    );
    console.log('\nCall the API with it:\n');
    console.log(
      `  TOKEN=$(curl -s -u '${client.clientId}:${client.clientSecret}' -d grant_type=client_credentials ${as!.tokenEndpoint} | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')`,
    );
    console.log(`  curl -si -H "Authorization: Bearer $TOKEN" ${api}/orders\n`);
  });
}

server.once('error', (error) => {
  console.error(error.message);
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close();
    void as?.close();
    void store?.close();
  });
}
