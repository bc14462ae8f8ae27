import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisSkipReason, startRedis } from './redis-server.js';

// Two separate API processes — the Express example and the Fastify example, as a load balancer
// would front them — share nothing but one real redis-server.
const skip = redisSkipReason();
const require = createRequire(import.meta.url);
const serverOf = (pkg: string) =>
  join(dirname(require.resolve(`${pkg}/package.json`)), 'src', 'server.ts');
const PUBLIC_HOST = 'api.example.test';

interface Instance {
  port: number;
  process: ChildProcess;
}

async function startInstance(pkg: string, env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverOf(pkg)], {
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${pkg} did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(?:port |:)(\d{2,5})\b/.exec(
        output.split('\n').find((line) => line.startsWith('orders API')) ?? '',
      );
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`${pkg} exited with ${code}:\n${output}`)));
  });
  return { port, process: child };
}

/** GET /orders on an instance, addressed as the public host both instances serve. */
function get(instance: Instance, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: instance.port,
        path: '/orders',
        headers: { host: PUBLIC_HOST, ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(skip !== undefined)('two API processes, one Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let as: AuthorizationServer;
  let express: Instance;
  let fastify: Instance;

  beforeAll(async () => {
    redis = await startRedis();
    as = await createAuthorizationServer();
    const api = as.registerClient({ clientId: 'orders-api' });
    const env = {
      TOKENGUARD_ISSUER: as.issuer,
      TOKENGUARD_AUDIENCE: as.audience,
      TOKENGUARD_DPOP: 'allowed',
      TOKENGUARD_INTROSPECTION_CLIENT_ID: api.clientId,
      TOKENGUARD_INTROSPECTION_CLIENT_SECRET: api.clientSecret,
      REDIS_URL: redis.url,
    };
    [express, fastify] = await Promise.all([
      startInstance('@tokenguard/example-express-api', env),
      startInstance('@tokenguard/example-fastify-api', env),
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const instance of [express, fastify]) instance?.process.kill('SIGKILL');
    await as?.close();
    redis?.stop();
  });

  it('rejects a DPoP proof replayed against the other instance', async () => {
    const key = createDpopKey();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: `http://${PUBLIC_HOST}/orders`,
      accessToken: token,
    });
    const headers = { authorization: `DPoP ${token}`, dpop: proof };
    expect(await get(express, headers)).toBe(200);
    expect(await get(fastify, headers)).toBe(401);

    const second = await createDpopProof({
      key,
      htm: 'GET',
      htu: `http://${PUBLIC_HOST}/orders`,
      accessToken: token,
    });
    expect(await get(fastify, { authorization: `DPoP ${token}`, dpop: second })).toBe(200);
    expect(await get(express, { authorization: `DPoP ${token}`, dpop: second })).toBe(401);
  });

  it('serves an opaque token introspected by one instance from Redis to the other', async () => {
    const token = await as.mintOpaqueToken();
    as.resetCounts();
    expect(await get(fastify, { authorization: `Bearer ${token}` })).toBe(200);
    expect(await get(express, { authorization: `Bearer ${token}` })).toBe(200);
    expect(as.counts.introspection).toBe(1);
  });
});
