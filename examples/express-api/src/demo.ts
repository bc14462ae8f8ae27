import type { AddressInfo } from 'node:net';
import { createAuthorizationServer } from '@tokenguard/testing';
import { createApp } from './app.js';
import {
  challengeError,
  type DemoContext,
  demoSteps,
  type Exchange,
  newDpopKey,
} from './demo-steps.js';

// `pnpm demo`: the orders API and a local authorization server on loopback, a client that gets a
// token, and a transcript of real requests and answers. Exits 1 if any answer is not the expected
// one.

/** Long credentials are cut short: the transcript is for reading. */
const short = (text: string) =>
  text
    .replace(/\b(eyJ[\w-]{16})[\w-]*\.[\w-]+\.[\w-]*/g, '$1…')
    .replace(/(Basic [\w+/]{12})[\w+/=]*/g, '$1…')
    .replace(/\b(Bearer|DPoP) (?!eyJ)([\w-]{10})[\w~+/.=-]*/g, '$1 $2…');

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  201: 'Created',
  401: 'Unauthorized',
  403: 'Forbidden',
};

function print(exchange: Exchange): void {
  console.log(`   > ${exchange.method} ${exchange.target}`);
  for (const [name, value] of Object.entries(exchange.requestHeaders)) {
    if (name === 'authorization') console.log(`   > Authorization: ${short(value)}`);
    if (name === 'dpop') console.log(`   > DPoP: ${short(value)}`);
  }
  if (exchange.requestBody !== undefined) console.log(`   > ${exchange.requestBody}`);
  const text = exchange.statusText || STATUS_TEXT[exchange.status] || '';
  console.log(`   < ${exchange.status} ${text}`.trimEnd());
  for (const [name, value] of Object.entries(exchange.responseHeaders)) {
    const display =
      name === 'www-authenticate'
        ? 'WWW-Authenticate'
        : name.replace(/\b\w/g, (c) => c.toUpperCase());
    console.log(`   < ${display}: ${value}`);
  }
  console.log(
    exchange.responseBody === '' ? '   < (no body)' : `   < ${short(exchange.responseBody)}`,
  );
}

const as = await createAuthorizationServer();
const client = as.registerClient({
  clientId: 'demo-client',
  scopes: ['orders:read', 'orders:write'],
});
const opaqueClient = as.registerClient({
  clientId: 'demo-opaque-client',
  scopes: ['orders:read'],
  tokenFormat: 'opaque',
});
// The API's own credentials at the authorization server, for introspection.
const api = as.registerClient({ clientId: 'orders-api' });
const app = createApp({
  auth: {
    issuer: as.issuer,
    audience: as.audience,
    realm: 'orders-api',
    introspection: { clientId: api.clientId, clientSecret: api.clientSecret },
    dpop: { algorithms: ['ES256', 'EdDSA'] },
  },
});
const server = app.listen(0, '127.0.0.1');
await new Promise<void>((resolve, reject) => {
  server.once('listening', resolve).once('error', reject);
});
const context: DemoContext = {
  api: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  as,
  client,
  opaqueClient,
  dpop: { key: newDpopKey() },
};

console.log('tokenguard demo: an Express API protected by @tokenguard/express\n');
console.log(`  authorization server  ${as.issuer}  (local, from @tokenguard/testing)`);
console.log(`  orders API            ${context.api}`);
console.log(`  client                ${client.clientId}, may ask for orders:read orders:write\n`);

const failures: string[] = [];
for (const [index, step] of demoSteps.entries()) {
  console.log(`${index + 1}. ${step.title}`);
  try {
    const result = await step.run(context);
    print(result);
    const error = challengeError(result.responseHeaders['www-authenticate']);
    if (result.status !== step.expected.status || error !== step.expected.error) {
      const want = `${step.expected.status}${step.expected.error ? ` ${step.expected.error}` : ''}`;
      const got = `${result.status}${error ? ` ${error}` : ''}`;
      failures.push(`step ${index + 1}: expected ${want}, got ${got}`);
      console.log(`   ✘ expected ${want}, got ${got}\n`);
    } else {
      console.log(`   ✔ ${result.status}${error ? ` ${error}` : ''}, as expected\n`);
    }
  } catch (error) {
    failures.push(`step ${index + 1}: ${(error as Error).message}`);
    console.log(`   ✘ ${(error as Error).message}\n`);
  }
}

server.closeAllConnections();
await new Promise<void>((resolve) => server.close(() => resolve()));
await as.close();

if (failures.length === 0) {
  console.log(`All ${demoSteps.length} steps answered as expected.`);
} else {
  console.log(
    `${failures.length} of ${demoSteps.length} steps did not:\n  ${failures.join('\n  ')}`,
  );
  process.exitCode = 1;
}
