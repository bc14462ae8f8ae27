import diagnostics from 'node:diagnostics_channel';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels, type JwksEvent } from '../src/diagnostics.js';
import {
  type AuthContext,
  AuthError,
  createTokenGuard,
  presets,
  type TokenGuard,
  type TokenGuardOptions,
} from '../src/index.js';
import { parseSpiffeId, SpiffeIdAllowList } from '../src/spiffe/spiffe-id.js';

describe('SPIFFE ID syntax (SPIFFE-ID §2)', () => {
  it.each([
    'spiffe://example.org/ns/prod/sa/web',
    'spiffe://prod.example-1_a.org/a',
    'spiffe://example.org/A.b-c_d/9',
    'spiffe://example.org',
    'spiffe://1.2.3.4/x',
  ])('accepts %s', (id) => {
    expect(parseSpiffeId(id)?.id).toBe(id);
  });

  it.each([
    ['another scheme', 'https://example.org/ns'],
    ['the scheme in upper case', 'SPIFFE://example.org/ns'],
    ['an upper-case trust domain', 'spiffe://Example.org/ns'],
    ['an empty trust domain', 'spiffe:///ns'],
    ['a port', 'spiffe://example.org:8443/ns'],
    ['user info', 'spiffe://user@example.org/ns'],
    ['percent-encoding', 'spiffe://example.org/n%73'],
    ['an empty segment', 'spiffe://example.org/ns//sa'],
    ['a trailing slash', 'spiffe://example.org/ns/'],
    ['a dot segment', 'spiffe://example.org/ns/./sa'],
    ['a dot-dot segment', 'spiffe://example.org/ns/../sa'],
    ['a query', 'spiffe://example.org/ns?x=1'],
    ['a fragment', 'spiffe://example.org/ns#x'],
    ['a space', 'spiffe://example.org/n s'],
    ['an IPv6 address', 'spiffe://[::1]/ns'],
    ['more than 2048 bytes', `spiffe://example.org/${'a'.repeat(2030)}`],
    ['a trust domain over 255 bytes', `spiffe://${'a'.repeat(256)}/x`],
    ['not a string', 42],
  ])('refuses %s', (_name, id) => {
    expect(parseSpiffeId(id)).toBeUndefined();
  });

  it('matches allow-list patterns segment by segment, never across trust domains', () => {
    const parse = (id: string) => parseSpiffeId(id, true)!;
    const list = new SpiffeIdAllowList([
      parse('spiffe://example.org/ns/prod/sa/web'),
      parse('spiffe://example.org/ns/*/sa/billing'),
      parse('spiffe://example.org/jobs/**'),
    ]);
    const allows = (id: string) => list.allows(parseSpiffeId(id)!);
    expect(allows('spiffe://example.org/ns/prod/sa/web')).toBe(true);
    expect(allows('spiffe://example.org/ns/dev/sa/billing')).toBe(true);
    expect(allows('spiffe://example.org/jobs/nightly')).toBe(true);
    expect(allows('spiffe://example.org/jobs/a/b/c')).toBe(true);
    expect(allows('spiffe://example.org/jobs')).toBe(false);
    expect(allows('spiffe://example.org/ns/prod/sa/web/x')).toBe(false);
    expect(allows('spiffe://example.org/ns/a/b/sa/billing')).toBe(false);
    expect(allows('spiffe://example.net/ns/prod/sa/billing')).toBe(false);
  });
});

describe('JWT-SVIDs through a SPIFFE bundle endpoint', () => {
  const DOMAIN = 'prod.example.org';
  const CALLER = `spiffe://${DOMAIN}/ns/payments/sa/billing`;
  const AUDIENCE = `spiffe://${DOMAIN}/ns/orders/sa/api`;
  let bundle: AuthorizationServer;
  let oauth: AuthorizationServer;
  const guards: TokenGuard[] = [];

  beforeAll(async () => {
    [bundle, oauth] = await Promise.all([
      createAuthorizationServer({ keyUse: 'jwt-svid', algorithms: ['ES256', 'EdDSA'] }),
      createAuthorizationServer({ algorithms: ['ES256'] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(guards.map((guard) => guard.close()));
    await Promise.all([bundle?.close(), oauth?.close()]);
  });

  function guardWith(extra: Partial<TokenGuardOptions> = {}, bundleUri = bundle.jwksUri) {
    const guard = createTokenGuard({
      ...presets.spiffe({
        trustDomains: { [DOMAIN]: bundleUri },
        ids: [`spiffe://${DOMAIN}/ns/payments/**`],
        audience: AUDIENCE,
      }),
      ...extra,
    });
    guards.push(guard);
    return guard;
  }

  const svid = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    bundle.mintAccessToken(
      {
        iss: undefined,
        sub: CALLER,
        aud: AUDIENCE,
        jti: undefined,
        client_id: undefined,
        scope: undefined,
        ...claims,
      },
      { typ: 'JWT', header },
    );

  async function outcome(guard: TokenGuard, token: string): Promise<AuthContext | string> {
    try {
      return await guard.authenticate({
        method: 'GET',
        url: 'http://api.test/orders',
        headers: { authorization: `Bearer ${token}` },
      });
    } catch (error) {
      if (error instanceof AuthError) return error.reason;
      throw error;
    }
  }

  it('puts the SPIFFE ID on the principal; its trust domain is the issuer', async () => {
    const auth = await outcome(guardWith(), await svid());
    expect(auth).toMatchObject({
      issuer: `spiffe://${DOMAIN}`,
      subject: CALLER,
      principalId: CALLER,
      spiffeId: CALLER,
      format: 'jwt',
    });
    expect((auth as AuthContext).clientId).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
    ['no sub', { sub: undefined }, {}, 'spiffe.sub_missing'],
    ['sub not a SPIFFE ID', { sub: 'billing' }, {}, 'spiffe.id_malformed'],
    [
      'sub a trust domain ID (no workload path)',
      { sub: `spiffe://${DOMAIN}` },
      {},
      'spiffe.id_malformed',
    ],
    [
      'another trust domain',
      { sub: 'spiffe://other.example.org/ns/payments/sa/billing' },
      {},
      'spiffe.trust_domain',
    ],
    [
      'an ID not on the list',
      { sub: `spiffe://${DOMAIN}/ns/web/sa/frontend` },
      {},
      'spiffe.id_not_allowed',
    ],
    ['no aud', { aud: undefined }, {}, 'jwt.aud_missing'],
    ['another audience', { aud: 'spiffe://prod.example.org/ns/other' }, {}, 'jwt.aud'],
    ['no exp', { exp: undefined }, {}, 'jwt.exp_missing'],
    [
      'a header member JWT-SVID does not allow',
      {},
      { jku: 'https://evil.example/keys' },
      'spiffe.header',
    ],
    ['typ at+jwt', {}, { typ: 'at+jwt' }, 'spiffe.typ'],
  ])('rejects %s', async (_name, claims, header, reason) => {
    expect(await outcome(guardWith(), await svid(claims, header))).toBe(reason);
  });

  it('accepts typ JOSE or none, and an iss it does not use', async () => {
    const guard = guardWith();
    for (const header of [{ typ: 'JOSE' }, { typ: undefined }]) {
      expect(await outcome(guard, await svid({}, header))).toMatchObject({ spiffeId: CALLER });
    }
    expect(await outcome(guard, await svid({ iss: 'https://anything.example' }))).toMatchObject({
      spiffeId: CALLER,
    });
  });

  it('refuses an algorithm JWT-SVID does not allow, even when the guard would', async () => {
    const guard = guardWith({ algorithms: ['ES256', 'EdDSA'] });
    const eddsa = await bundle.mintAccessToken(
      { iss: undefined, sub: CALLER, aud: AUDIENCE },
      { typ: 'JWT', alg: 'EdDSA' },
    );
    expect(await outcome(guard, eddsa)).toBe('spiffe.alg');
  });

  it('takes only use "jwt-svid" keys from a bundle, and never such a key from an OAuth JWKS', async () => {
    const skipped: JwksEvent[] = [];
    const listener = (event: unknown) => {
      if ((event as JwksEvent).event === 'skipped_key') skipped.push(event as JwksEvent);
    };
    diagnostics.subscribe(channels.jwks, listener);
    try {
      // An OAuth JWKS served as a bundle: its keys are `use: sig`, none verifies a JWT-SVID.
      const fromJwks = guardWith({}, oauth.jwksUri);
      const token = await oauth.mintAccessToken(
        { iss: undefined, sub: CALLER, aud: AUDIENCE, client_id: undefined, scope: undefined },
        { typ: 'JWT' },
      );
      const result = await outcome(fromJwks, token);
      expect(result).toBe('jwks.unavailable');
      expect(skipped.map((e) => e.detail)).toEqual(['not_for_signature']);

      // A bundle's key in an OAuth issuer's JWKS is skipped there.
      skipped.length = 0;
      const { kid } = await oauth.addKey({ alg: 'ES256', jwk: { use: 'jwt-svid' } });
      const oauthGuard = createTokenGuard({ issuer: oauth.issuer, audience: oauth.audience });
      guards.push(oauthGuard);
      expect(await outcome(oauthGuard, await oauth.mintAccessToken({}, { kid }))).toBe(
        'jwks.kid_unknown',
      );
      expect(skipped.map((e) => e.detail)).toEqual(['not_for_signature']);
      oauth.removeKey(kid);
    } finally {
      diagnostics.unsubscribe(channels.jwks, listener);
    }
  });

  it('serves OAuth issuers and trust domains from one guard, each with its own rules', async () => {
    const guard = guardWith({ issuer: oauth.issuer, audience: [AUDIENCE, oauth.audience] });
    expect(await outcome(guard, await oauth.mintAccessToken())).toMatchObject({
      issuer: oauth.issuer,
      principalId: `${oauth.issuer}|user-123`,
    });
    expect(await outcome(guard, await svid())).toMatchObject({ spiffeId: CALLER });
    // Not a trusted issuer and no SPIFFE ID: the OAuth reason.
    expect(
      await outcome(guard, await oauth.mintAccessToken({ iss: 'https://other.example' })),
    ).toBe('jwt.iss');
  });

  it.each<[Record<string, unknown>, string]>([
    [
      { spiffe: { trustDomains: {}, ids: ['spiffe://a.org/x'] } },
      '"spiffe.trustDomains" must map at least one trust domain',
    ],
    [
      { spiffe: { trustDomains: { 'A.org': 'https://b' }, ids: [] } },
      '"spiffe.trustDomains" has an invalid trust domain name',
    ],
    [
      { spiffe: { trustDomains: { 'a.org': 'http://spire.a.org' }, ids: ['spiffe://a.org/x'] } },
      '"spiffe.trustDomains.a.org" must use https',
    ],
    [
      { spiffe: { trustDomains: { 'a.org': 'https://spire.a.org' }, ids: [] } },
      '"spiffe.ids" is required',
    ],
    [
      { spiffe: { trustDomains: { 'a.org': 'https://spire.a.org' }, ids: ['spiffe://b.org/x'] } },
      '"spiffe.ids[0]" is in a trust domain that "spiffe.trustDomains" does not list',
    ],
    [
      { spiffe: { trustDomains: { 'a.org': 'https://spire.a.org' }, ids: ['spiffe://a.org'] } },
      `"spiffe.ids[0]" must be a workload's SPIFFE ID`,
    ],
    [
      {
        spiffe: { trustDomains: { 'a.org': 'https://spire.a.org' }, ids: ['spiffe://a.org/**/x'] },
      },
      `"spiffe.ids[0]" must be a workload's SPIFFE ID`,
    ],
    [
      {
        spiffe: { trustDomains: { 'a.org': 'https://spire.a.org' }, ids: ['spiffe://a.org/x'] },
        audience: undefined,
      },
      '"audience" is required with "spiffe"',
    ],
    [
      {
        spiffe: { trustDomains: { 'a.org': 'https://spire.a.org' }, ids: ['spiffe://a.org/x'] },
        secret: 'x'.repeat(32),
      },
      '"secret" cannot be used with "spiffe"',
    ],
  ])('refuses %o with a TypeError naming the option', (options, message) => {
    expect(() => createTokenGuard({ audience: 'orders', ...options } as TokenGuardOptions)).toThrow(
      message,
    );
  });
});
