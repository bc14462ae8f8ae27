// The provider table: every provider's row, its tokens at a guard made without a preset, and how
// one request of it is run.

import diagnostics from 'node:diagnostics_channel';
import type { AuthorizationServer } from '@tokenguard/testing';
import type { ConformanceRequest, ConformanceResponse } from '../conformance/routes.js';
import type { ConformanceTransport } from '../conformance/run.js';
import { sendRequest } from '../send.js';
import { ENTRA_FIXTURES, ENTRA_PLAIN_CASES } from './entra.js';
import type { PlainCase, ProviderFixture } from './fixture.js';
import { OAUTH_FIXTURES, OAUTH_PLAIN_CASES } from './oauth.js';
import { WORKLOAD_FIXTURES, WORKLOAD_PLAIN_CASES } from './workloads.js';

/**
 * Every provider's row: Auth0, Okta, Keycloak, ZITADEL, Entra ID (v2.0, v1.0, multi-tenant),
 * Amazon Cognito and SPIFFE JWT-SVIDs. Start each row's `server` with
 * `createAuthorizationServer`, make a guard with `presets[row.preset](row.parameters(as))` plus
 * `row.extra(as)`, and run its cases with {@link runProviderCase}.
 */
export function providerFixtures(): readonly ProviderFixture[] {
  return [...OAUTH_FIXTURES, ...ENTRA_FIXTURES, ...WORKLOAD_FIXTURES];
}

/**
 * Each provider's token at a guard made without a preset — `issuers` with every row's issuer and
 * `audience` with every row's audience ({@link PLAIN_AUDIENCES}) — and what that guard does: the
 * shape a preset exists for is rejected, with the reason.
 */
export function plainCases(): readonly PlainCase[] {
  return [...OAUTH_PLAIN_CASES, ...ENTRA_PLAIN_CASES, ...WORKLOAD_PLAIN_CASES];
}

/** The audiences of the rows' tokens, for the guard made without a preset. */
export const PLAIN_AUDIENCES: readonly string[] = Object.freeze([
  'https://orders.example.com',
  'api://default',
  'orders-api',
  '274637598417174530',
  '6e74172b-be56-4843-9ff4-e66a39bb12e3',
  'api://orders-api',
  'spiffe://prod.example.org/ns/orders/sa/api',
]);

/** What a client saw, and the reason tokenguard published on `tokenguard:rejected`. */
export interface ProviderOutcome extends ConformanceResponse {
  reason: string | undefined;
}

/**
 * Sends a request to a running conformance app and returns what the client observed (the
 * headers the expected answer names; `content-type` without parameters) with the rejection
 * reason read from the `tokenguard:rejected` diagnostics channel — the app runs in this process.
 */
export async function runProviderRequest(
  request: ConformanceRequest,
  expected: ConformanceResponse,
  context: { baseUrl: string; transport?: ConformanceTransport },
): Promise<ProviderOutcome> {
  const reasons: string[] = [];
  const listener = (event: unknown) => reasons.push((event as { reason: string }).reason);
  diagnostics.subscribe('tokenguard:rejected', listener);
  let raw: { status: number; headers: Record<string, string | string[] | undefined>; text: string };
  try {
    raw =
      context.transport === undefined
        ? await sendRequest(new URL(request.path, context.baseUrl), request)
        : await context.transport(request);
  } finally {
    diagnostics.unsubscribe('tokenguard:rejected', listener);
  }
  const headers: Record<string, string | null> = {};
  for (const name of Object.keys(expected.headers)) {
    const value = raw.headers[name];
    const text = Array.isArray(value) ? value.join(', ') : value;
    headers[name] = text === undefined ? null : text;
  }
  let body: unknown;
  try {
    body = raw.text === '' ? undefined : JSON.parse(raw.text);
  } catch {
    body = { unparsed: raw.text.slice(0, 200) };
  }
  return { status: raw.status, headers, body, reason: reasons.at(-1) };
}

/** Runs one case of a row: its request, and the answer and reason it expects. */
export async function runProviderCase(
  testCase: ProviderFixture['cases'][number],
  context: { as: AuthorizationServer; baseUrl: string; transport?: ConformanceTransport },
): Promise<{ actual: ProviderOutcome; expected: ProviderOutcome }> {
  const request = await testCase.request(context.as, context.baseUrl);
  const expected = testCase.expected(context.as);
  const actual = await runProviderRequest(request, expected, context);
  return { actual, expected: { ...expected, reason: testCase.reason } };
}
