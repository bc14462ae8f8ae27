import {
  type AuthorizationServer,
  conformanceCases,
  createAuthorizationServer,
  runConformanceCase,
} from '@tokenguard/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceApp, type Style } from './app.js';

let as: AuthorizationServer;
beforeAll(async () => {
  as = await createAuthorizationServer();
});
afterAll(() => as.close());

const cases = conformanceCases().map((c) => [c.name, c] as const);

describe.each<Style>(['global', 'per-route'])('shared adapter table, %s protection', (style) => {
  let app: FastifyInstance;
  let baseUrl: string;
  beforeAll(async () => {
    app = await conformanceApp(as, style);
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it.each(cases)('over HTTP: %s', async (_name, testCase) => {
    const { actual, expected } = await runConformanceCase(testCase, { baseUrl, as });
    expect(actual).toEqual(expected);
  });
});

describe('shared adapter table through app.inject()', () => {
  let app: FastifyInstance;
  let baseUrl: string;
  beforeAll(async () => {
    app = await conformanceApp(as, 'global');
    // Listening too: DPoP proofs name the app's URL, and the replay case uses a proof over HTTP
    // before injecting it again.
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it.each(cases)('inject: %s', async (_name, testCase) => {
    const request = await testCase.request(as, baseUrl);
    testCase.setup?.(as);
    let response: Awaited<ReturnType<FastifyInstance['inject']>>;
    try {
      response = await app.inject({
        method: request.method,
        url: request.path,
        headers: { host: new URL(baseUrl).host, ...request.headers },
      });
    } finally {
      testCase.cleanup?.(as);
    }
    const headers: Record<string, string | null> = {};
    for (const name of Object.keys(testCase.expected.headers)) {
      const value = response.headers[name];
      const text = Array.isArray(value)
        ? value.join(', ')
        : value === undefined
          ? undefined
          : String(value);
      headers[name] =
        text === undefined ? null : name === 'content-type' ? (text.split(';')[0] as string) : text;
    }
    const expected = structuredClone(testCase.expected);
    const body = expected.body as { authorization_servers?: string[] } | undefined;
    if (body?.authorization_servers) body.authorization_servers = [as.issuer];
    expect({
      status: response.statusCode,
      headers,
      body: response.body === '' ? undefined : JSON.parse(response.body),
    }).toEqual(expected);
  });
});
