// Running one case of the table against a running conformance app.

import type { AuthorizationServer } from '@tokenguard/testing';
import { sendRequest } from '../send.js';
import type { ConformanceCase, ConformanceRequest, ConformanceResponse } from './routes.js';

/**
 * How a case's request reaches the app when it is not sent over HTTP: Fastify's `app.inject()`,
 * for instance. Header values in the answer are strings, or arrays of strings for repeated ones.
 */
export type ConformanceTransport = (request: ConformanceRequest) => Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}>;

/**
 * Sends a case's request to a running conformance app and returns what the client observed next
 * to what the case expects, both normalised (`content-type` without parameters; only the headers
 * the case names). Uses `node:http` so that repeated headers really are sent as separate lines,
 * unless `transport` says otherwise (the app still listens at `baseUrl`: proofs name it, and a
 * case may send a request of its own before its own).
 */
export async function runConformanceCase(
  testCase: ConformanceCase,
  context: { baseUrl: string; as: AuthorizationServer; transport?: ConformanceTransport },
): Promise<{ actual: ConformanceResponse; expected: ConformanceResponse }> {
  const { as, baseUrl } = context;
  const send =
    context.transport ??
    ((req: ConformanceRequest) => sendRequest(new URL(req.path, baseUrl), req));
  const req = await testCase.request(as, baseUrl);
  testCase.setup?.(as);
  let raw: { status: number; headers: Record<string, string | string[] | undefined>; text: string };
  try {
    raw = await send(req);
  } finally {
    testCase.cleanup?.(as);
  }
  const headers: Record<string, string | null> = {};
  for (const name of Object.keys(testCase.expected.headers)) {
    const value = raw.headers[name];
    const text = Array.isArray(value) ? value.join(', ') : value;
    headers[name] =
      text === undefined
        ? null
        : name === 'content-type'
          ? (text.split(';')[0] as string).trim()
          : text;
  }
  const expected = structuredClone(testCase.expected);
  const body = expected.body as { authorization_servers?: string[] } | undefined;
  if (body?.authorization_servers?.[0] === '<issuer>') body.authorization_servers = [as.issuer];
  return {
    actual: {
      status: raw.status,
      headers,
      body: raw.text === '' ? undefined : parseJson(raw.text),
    },
    expected,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { unparsed: text.slice(0, 200) };
  }
}
