import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { createApp, type Platform } from './app.js';

// `npm start`, on Express or on Fastify (NEST_PLATFORM=fastify). With TOKENGUARD_ISSUER set, the
// API trusts that authorization server (TOKENGUARD_AUDIENCE names this API). Without it, a local
// authorization server starts in this process so that everything works with nothing else
// installed.
const port = Number(process.env.PORT ?? 3000);
const platform = (process.env.NEST_PLATFORM ?? 'express') as Platform;
let as: AuthorizationServer | undefined;

try {
  if (process.env.TOKENGUARD_ISSUER) {
    const app = await createApp({ platform, logger: true });
    app.enableShutdownHooks();
    await app.listen(port);
    console.log(`orders API on port ${app.getHttpServer().address().port} (${platform})`);
    console.log(`trusting ${process.env.TOKENGUARD_ISSUER} for ${process.env.TOKENGUARD_AUDIENCE}`);
  } else {
    as = await createAuthorizationServer();
    const client = as.registerClient({
      clientId: 'orders-client',
      scopes: ['orders:read', 'orders:write'],
    });
    const app = await createApp({
      platform,
      auth: { issuer: as.issuer, audience: as.audience },
    });
    await app.listen(port, '127.0.0.1');
    const api = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    const basic = `${client.clientId}:${client.clientSecret}`;
    console.log(`orders API            ${api} (NestJS on ${platform})`);
    console.log(
      `authorization server  ${as.issuer} (local, in memory; TOKENGUARD_ISSUER is unset)`,
    );
    console.log(`client                ${client.clientId} / ${client.clientSecret}`);
    console.log('\nGet a token (client_credentials):\n');
    console.log(
      `  curl -s -u '${basic}' -d grant_type=client_credentials -d scope=orders:read ${as.tokenEndpoint}`,
    );
    console.log('\nCall the API with it:\n');
    console.log(
      `  TOKEN=$(curl -s -u '${basic}' -d grant_type=client_credentials ${as.tokenEndpoint} | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')`,
    );
    console.log(`  curl -si -H "Authorization: Bearer $TOKEN" ${api}/orders`);
    console.log(
      `  curl -si -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"item":"cups","quantity":3}' ${api}/orders\n`,
    );
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        void app.close().then(() => as?.close());
      });
    }
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await as?.close();
  process.exit(1);
}
