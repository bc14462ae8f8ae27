import { optionsFromEnv } from '@tokenguard/core';
import type { TokenGuardPluginOptions } from '@tokenguard/fastify';
import { createRedisStore, type RedisStore } from '@tokenguard/redis';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { build } from './app.js';

// `npm start`. With TOKENGUARD_ISSUER set, the API trusts that authorization server
// (TOKENGUARD_AUDIENCE names this API). Without it, a local authorization server starts in this
// process so that everything works with nothing else installed. With REDIS_URL set, DPoP replay
// detection and introspection answers are shared with every other instance using that Redis.
const port = Number(process.env.PORT ?? 3000);
const store: RedisStore | undefined = process.env.REDIS_URL
  ? createRedisStore({ url: process.env.REDIS_URL })
  : undefined;
let as: AuthorizationServer | undefined;

let auth: TokenGuardPluginOptions;
let host = '0.0.0.0';
if (process.env.TOKENGUARD_ISSUER) {
  auth = { ...optionsFromEnv(), ...(store && { store }) };
} else {
  as = await createAuthorizationServer();
  auth = { issuer: as.issuer, audience: as.audience, ...(store && { store }) };
  host = '127.0.0.1';
}
const app = await build({ auth });
let address: string;
try {
  address = await app.listen({ port, host });
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
console.log(`orders API            ${address}`);
if (as === undefined) {
  console.log(`trusting ${process.env.TOKENGUARD_ISSUER} for ${process.env.TOKENGUARD_AUDIENCE}`);
} else {
  const client = as.registerClient({
    clientId: 'orders-client',
    scopes: ['orders:read', 'orders:write'],
  });
  console.log(`authorization server  ${as.issuer} (local, in memory; TOKENGUARD_ISSUER is unset)`);
  console.log(`client                ${client.clientId} / ${client.clientSecret}`);
  console.log('\nGet a token (client_credentials):\n');
  console.log(
    `  curl -s -u '${client.clientId}:${client.clientSecret}' -d grant_type=client_credentials -d scope=orders:read ${as.tokenEndpoint}`,
  );
  console.log('\nCall the API with it:\n');
  console.log(
    `  TOKEN=$(curl -s -u '${client.clientId}:${client.clientSecret}' -d grant_type=client_credentials ${as.tokenEndpoint} | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')`,
  );
  console.log(`  curl -si -H "Authorization: Bearer $TOKEN" ${address}/orders\n`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => Promise.all([as?.close(), store?.close()]));
  });
}
