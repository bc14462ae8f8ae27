import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runDoctor } from '@tokenguard/cli';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENTS,
  clientCredentials,
  OTHER_RESOURCE,
  RESOURCE,
  type RunningProvider,
  revoke,
  SHORT_LIVED_RESOURCE,
  startProvider,
} from '../src/provider.js';

// The token doctor against an authorization server nobody here wrote: real tokens from
// oidc-provider, each misconfiguration diagnosed with its fix line, the token never printed.

let provider: RunningProvider;
let other: AuthorizationServer;
let dir: string;
beforeAll(async () => {
  provider = await startProvider();
  other = await createAuthorizationServer();
  dir = mkdtempSync(join(tmpdir(), 'tokenguard-doctor-'));
});
afterAll(async () => {
  await provider?.close();
  await other?.close();
});

async function doctor(token: string, args: string[] = [], extra: Record<string, string> = {}) {
  let out = '';
  const status = await runDoctor(args, {
    env: { TOKENGUARD_ISSUER: provider.issuer, TOKENGUARD_AUDIENCE: RESOURCE, ...extra },
    stdin: Readable.from([token]),
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (out += text) },
    cwd: dir,
  });
  expect(out).not.toContain(token);
  return { status, out };
}

/** The fix line under the ✘ of the token's failed check. */
const fixOf = (out: string) =>
  out
    .slice(out.indexOf('\nToken ('))
    .split('\n')
    .find((line, i, lines) => line.trimStart().startsWith('fix:') && lines[i - 1]?.includes('✘'))
    ?.trim();

const jwt = (options: Parameters<typeof clientCredentials>[2] = {}) =>
  clientCredentials(provider.issuer, CLIENTS.jwt, options).then((r) => r.access_token);

describe('tokenguard doctor against oidc-provider', () => {
  it('accepts its token: exit 0', async () => {
    const { status, out } = await doctor(await jwt(), ['--scope', 'orders:read']);
    expect(status).toBe(0);
    expect(out).toContain('✔ The token is accepted');
  });

  it('a token for another resource: wrong aud', async () => {
    const { status, out } = await doctor(await jwt({ resource: OTHER_RESOURCE }));
    expect(status).toBe(1);
    expect(fixOf(out)).toBe(
      `fix: aud is "${OTHER_RESOURCE}" but TOKENGUARD_AUDIENCE is "${RESOURCE}" — ask the authorization server for a token for this API (its audience or resource parameter); if this API is "${OTHER_RESOURCE}", set TOKENGUARD_AUDIENCE`,
    );
  });

  it('TOKENGUARD_ISSUER with a trailing slash the provider does not have', async () => {
    const { out } = await doctor(await jwt(), [], { TOKENGUARD_ISSUER: `${provider.issuer}/` });
    expect(out).toContain(
      `fix: the metadata names issuer "${provider.issuer}" but TOKENGUARD_ISSUER is "${provider.issuer}/" — remove the trailing slash`,
    );
    expect(fixOf(out)).toBe(
      `fix: iss is "${provider.issuer}" but TOKENGUARD_ISSUER is "${provider.issuer}/" — remove the trailing slash`,
    );
  });

  it('an expired token, no clock tolerance', async () => {
    const token = await jwt({ resource: SHORT_LIVED_RESOURCE });
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
    // The token lives one second: wait for it to expire rather than move a clock.
    while (Date.now() / 1000 < exp) await new Promise((resolve) => setTimeout(resolve, 50));
    const { out } = await doctor(token, [], { TOKENGUARD_CLOCK_TOLERANCE: '0' });
    expect(fixOf(out)).toMatch(
      /^fix: exp was \d+ s ago, beyond the clock tolerance of 0 s — get a new token; if the clocks of the two servers disagree, sync them \(NTP\) or raise TOKENGUARD_CLOCK_TOLERANCE \(at most 300\)$/,
    );
  });

  it('keys from another server: an unknown kid', async () => {
    const { out } = await doctor(await jwt(), [], { TOKENGUARD_JWKS_URI: other.jwksUri });
    expect(fixOf(out)).toMatch(
      /^fix: kid "[\w-]+" is not in the JWKS \(its kids: .+\) — the token was signed by a key these keys do not include: check that TOKENGUARD_JWKS_URI/,
    );
  });

  it('its ES256 tokens with TOKENGUARD_ALGORITHMS=RS256', async () => {
    const { out } = await doctor(await jwt(), [], { TOKENGUARD_ALGORITHMS: 'RS256' });
    expect(fixOf(out)).toBe(
      'fix: alg is "ES256" but TOKENGUARD_ALGORITHMS is "RS256" — add ES256 to TOKENGUARD_ALGORITHMS',
    );
  });

  it('a missing scope', async () => {
    const { out } = await doctor(await jwt({ scope: 'orders:read' }), ['--scope', 'orders:write']);
    expect(fixOf(out)).toBe(
      'fix: the token has the scopes "orders:read"; required: "orders:write" — ask the authorization server for "orders:write" (the scope parameter)',
    );
  });

  it('an opaque token it revoked: not active', async () => {
    const { access_token } = await clientCredentials(provider.issuer, CLIENTS.opaque);
    await revoke(provider.issuer, access_token);
    const { out } = await doctor(access_token, [], {
      TOKENGUARD_INTROSPECTION_CLIENT_ID: CLIENTS.api.clientId,
      TOKENGUARD_INTROSPECTION_CLIENT_SECRET: CLIENTS.api.clientSecret,
    });
    expect(fixOf(out)).toBe(
      'fix: the authorization server says the token is not active: expired, revoked, or not one it issued — get a new token',
    );
  });

  it('its DPoP-bound token with a proof for another URL: htu', async () => {
    const key = createDpopKey();
    const tokenProof = await createDpopProof({ key, htm: 'POST', htu: `${provider.issuer}/token` });
    const token = await jwt({ dpop: tokenProof });
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: 'https://api.example.com/orders',
      accessToken: token,
    });
    writeFileSync(join(dir, 'proof.txt'), proof);
    const { out } = await doctor(
      token,
      ['--dpop', 'proof.txt', '--url', 'https://api.example.com/reports'],
      { TOKENGUARD_DPOP: 'allowed' },
    );
    expect(out).not.toContain(proof);
    expect(fixOf(out)).toBe(
      `fix: htu is "https://api.example.com/orders" but the request URL is "https://api.example.com/reports" — the client must sign the URL it calls (without query and fragment); behind a proxy, set TOKENGUARD_PUBLIC_URL to this API's public URL`,
    );
  });
});
