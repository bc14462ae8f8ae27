import diagnostics from 'node:diagnostics_channel';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels } from '../src/diagnostics.js';
import {
  type AuthContext,
  AuthError,
  createTokenGuard,
  type TokenGuard,
  type TokenGuardOptions,
} from '../src/index.js';

// The options presets are made of, on their own: where scopes and the client id are read from,
// the client binding for tokens without `aud`, and multi-tenant issuer templates.

let as: AuthorizationServer;
const guards: TokenGuard[] = [];

beforeAll(async () => {
  as = await createAuthorizationServer({ algorithms: ['ES256'] });
});
afterAll(async () => {
  await Promise.all(guards.map((guard) => guard.close()));
  await as?.close();
});

function guardWith(options: Partial<TokenGuardOptions>): TokenGuard {
  const guard = createTokenGuard({ issuer: as.issuer, audience: as.audience, ...options });
  guards.push(guard);
  return guard;
}

/** The principal, or the rejection's reason. */
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

describe('scopeClaims: roles, groups and permissions as prefixed scopes', () => {
  const sources = {
    scopeClaims: [
      { claim: 'roles', prefix: 'role:' },
      { claim: ['realm_access', 'roles'], prefix: 'realm:' },
      { claim: 'urn:zitadel:iam:org:project:1:roles', prefix: 'role:' },
      { claim: 'permissions', prefix: '' },
    ],
  };

  it('reads arrays, space-delimited strings, nested members and object member names', async () => {
    const guard = guardWith(sources);
    const auth = await outcome(
      guard,
      await as.mintAccessToken({
        scope: 'orders:read',
        roles: ['Orders.Admin'],
        realm_access: { roles: 'offline_access admin' },
        'urn:zitadel:iam:org:project:1:roles': { reader: { org1: 'acme.example' } },
        permissions: ['orders:write'],
      }),
    );
    expect([...(auth as AuthContext).scopes].sort()).toEqual([
      'orders:read',
      'orders:write',
      'realm:admin',
      'realm:offline_access',
      'role:Orders.Admin',
      'role:reader',
    ]);
  });

  it('meets scope requirements with a role', async () => {
    const guard = guardWith({ ...sources, scopes: ['role:Orders.Admin'] });
    const token = await as.mintAccessToken({ scope: undefined, roles: ['Orders.Admin'] });
    expect(await outcome(guard, token)).toMatchObject({ subject: 'user-123' });
    const other = await as.mintAccessToken({ scope: 'Orders.Admin', roles: undefined });
    expect(await outcome(guard, other)).toBe('authz.scope_missing');
  });

  it('leaves out values no requirement could name, and refuses a malformed claim', async () => {
    const guard = guardWith(sources);
    const spaced = await as.mintAccessToken({ scope: undefined, roles: ['Power User', 'ok', ''] });
    expect([...((await outcome(guard, spaced)) as AuthContext).scopes]).toEqual(['role:ok']);
    for (const roles of [42, [1], { a: 1 }, true]) {
      const token = await as.mintAccessToken({ roles: roles === undefined ? null : roles });
      const result = await outcome(guard, token);
      // An object's member names are values (ZITADEL's shape): only non-objects are malformed.
      if (typeof roles === 'object' && !Array.isArray(roles))
        expect(result).not.toBeTypeOf('string');
      else expect(result).toBe('jwt.scope_claim_malformed');
    }
  });

  it('is refused with a TypeError naming the option when malformed', () => {
    expect(() => guardWith({ scopeClaims: [{ claim: 'roles' } as never] })).toThrow(
      'tokenguard: "scopeClaims[0].prefix" is required',
    );
    expect(() => guardWith({ scopeClaims: [{ claim: [], prefix: 'r:' }] })).toThrow(
      '"scopeClaims[0].claim" must be a claim name or a non-empty array of member names',
    );
    expect(() => guardWith({ scopeClaims: [{ claim: 'r', prefix: 'a b' }] })).toThrow(
      '"scopeClaims[0].prefix" is required: a string without spaces or quotes',
    );
  });
});

describe('clientIdClaim', () => {
  it('reads the client id from the named claims, first present wins', async () => {
    const guard = guardWith({ clientIdClaim: ['cid', 'client_id'] });
    const okta = await as.mintAccessToken({ client_id: undefined, cid: '0oa1' });
    expect(await outcome(guard, okta)).toMatchObject({ clientId: '0oa1' });
    const both = await as.mintAccessToken({ client_id: 'b', cid: 'a' });
    expect(await outcome(guard, both)).toMatchObject({ clientId: 'a' });
    const wrong = await as.mintAccessToken({ cid: 7 });
    expect(await outcome(guard, wrong)).toBe('jwt.client_id_malformed');
    // Not named: azp is no longer read.
    const azp = await as.mintAccessToken({ client_id: undefined, azp: 'web' });
    expect(await outcome(guard, azp)).not.toHaveProperty('clientId');
  });
});

describe('clientBinding: tokens without aud (Amazon Cognito)', () => {
  const binding = { clientIds: ['app-1', 'app-2'], claims: { token_use: 'access' } };

  it('accepts a token without aud only with an allowed client and the binding claims', async () => {
    const guard = createTokenGuard({ issuer: as.issuer, clientBinding: binding });
    guards.push(guard);
    const mint = (claims: Record<string, unknown>) =>
      as.mintAccessToken({ aud: undefined, token_use: 'access', client_id: 'app-1', ...claims });
    expect(await outcome(guard, await mint({}))).toMatchObject({ clientId: 'app-1' });
    expect(await outcome(guard, await mint({ client_id: 'app-3' }))).toBe(
      'jwt.aud_binding.client_id',
    );
    expect(await outcome(guard, await mint({ client_id: undefined }))).toBe(
      'jwt.aud_binding.client_id_missing',
    );
    expect(await outcome(guard, await mint({ token_use: 'id' }))).toBe('jwt.aud_binding.token_use');
    expect(await outcome(guard, await mint({ token_use: undefined }))).toBe(
      'jwt.aud_binding.token_use',
    );
    // A token with aud is held to the audience, and this guard has none: never "any audience".
    expect(await outcome(guard, await mint({ aud: 'app-1' }))).toBe('jwt.aud');
  });

  it('leaves tokens with aud to the audience when both are configured', async () => {
    const guard = guardWith({ clientBinding: binding });
    const withAud = await as.mintAccessToken({ client_id: 'someone-else' });
    expect(await outcome(guard, withAud)).toMatchObject({ clientId: 'someone-else' });
  });

  it('without a binding, a token without aud is still jwt.aud_missing', async () => {
    const guard = guardWith({});
    expect(await outcome(guard, await as.mintAccessToken({ aud: undefined }))).toBe(
      'jwt.aud_missing',
    );
  });

  it('is refused with a TypeError naming the option when it binds nothing', () => {
    expect(() => createTokenGuard({ issuer: as.issuer, clientBinding: { clientIds: [] } })).toThrow(
      'tokenguard: "clientBinding.clientIds" is required',
    );
    expect(() =>
      createTokenGuard({
        issuer: as.issuer,
        clientBinding: { clientIds: ['a'], claims: { 'token use': 'access' } },
      }),
    ).toThrow('"clientBinding.claims.token use" must be a string value of a claim named with');
    expect(() => createTokenGuard({ issuer: as.issuer })).toThrow('"audience" is required');
  });
});

describe('issuer templates: multi-tenant issuers bound to their tenant', () => {
  const tenants = ['tenant-a', 'tenant-b'];
  const template = () => ({
    issuers: [{ issuer: `${as.url}/{tenantid}/v2.0`, jwksUri: as.jwksUri, tenants }],
  });
  const tokenOf = (tenant: string, tid = tenant) =>
    as.mintAccessToken({ iss: `${as.url}/${tenant}/v2.0`, tid });

  it("accepts each allowed tenant's token under its own issuer, with one key set", async () => {
    const guard = createTokenGuard({ ...template(), audience: as.audience });
    guards.push(guard);
    expect(guard.issuers).toEqual([`${as.url}/tenant-a/v2.0`, `${as.url}/tenant-b/v2.0`]);
    as.resetCounts();
    expect(await outcome(guard, await tokenOf('tenant-a'))).toMatchObject({
      issuer: `${as.url}/tenant-a/v2.0`,
      principalId: `${as.url}/tenant-a/v2.0|user-123`,
    });
    expect(await outcome(guard, await tokenOf('tenant-b'))).toMatchObject({
      issuer: `${as.url}/tenant-b/v2.0`,
    });
    expect(as.counts.jwks).toBe(1);
  });

  it("rejects a tenant not allowed, a tid that is not the issuer's, and an unknown issuer", async () => {
    const guard = createTokenGuard({ ...template(), audience: as.audience });
    guards.push(guard);
    expect(await outcome(guard, await tokenOf('tenant-c'))).toBe('jwt.iss_tenant_not_allowed');
    expect(await outcome(guard, await tokenOf('tenant-a', 'tenant-b'))).toBe(
      'jwt.iss_tenant_mismatch',
    );
    const noTid = await as.mintAccessToken({ iss: `${as.url}/tenant-a/v2.0` });
    expect(await outcome(guard, noTid)).toBe('jwt.iss_tenant_mismatch');
    expect(await outcome(guard, await as.mintAccessToken({ iss: `${as.url}/other` }))).toBe(
      'jwt.iss',
    );
  });

  it.each<[TokenGuardOptions, string]>([
    [
      {
        issuers: [
          { issuer: 'https://login.example.com/{tenantid}/v2.0', jwksUri: 'https://k.example' },
        ],
      },
      '"issuers[0].tenants" is required with an issuer template: the tenant ids whose tokens are accepted (never any tenant)',
    ],
    [
      { issuer: 'https://login.example.com/{tenantid}/v2.0' },
      '"tenants" is required with an issuer template',
    ],
    [
      { issuers: [{ issuer: 'https://login.example.com/{tenantid}/v2.0', tenants: ['a'] }] },
      '"issuers[0].jwksUri" is required with an issuer template',
    ],
    [
      {
        issuers: [
          {
            issuer: 'https://{tenantid}.example.com/',
            jwksUri: 'https://k.example',
            tenants: ['a'],
          },
        ],
      },
      '"issuers[0].issuer" may hold {tenantid} once, as a path segment',
    ],
    [
      {
        issuers: [
          {
            issuer: 'https://login.example.com/t-{tenantid}',
            jwksUri: 'https://k.example',
            tenants: ['a'],
          },
        ],
      },
      '"issuers[0].issuer" may hold {tenantid} once, as a path segment',
    ],
    [
      {
        issuers: [
          {
            issuer: 'https://login.example.com/{tenantid}x/v2.0',
            jwksUri: 'https://k.example',
            tenants: ['a'],
          },
        ],
      },
      '"issuers[0].issuer" may hold {tenantid} once, as a path segment',
    ],
    [
      { issuers: [{ issuer: 'https://login.example.com/x', tenants: ['a'] }] },
      '"issuers[0].tenants" needs an issuer template with {tenantid}',
    ],
    [
      {
        issuers: [
          {
            issuer: 'https://login.example.com/{tenantid}/v2.0',
            jwksUri: 'https://k.example',
            tenants: ['a/b'],
          },
        ],
      },
      '"issuers[0].tenants" must be a non-empty list of tenant ids',
    ],
  ])('refuses %o with a TypeError naming the option', (options, message) => {
    expect(() => createTokenGuard({ audience: 'a', ...options })).toThrow(message);
  });
});

describe('rejection reasons on the diagnostics channel name the binding', () => {
  it('publishes jwt.aud_binding.client_id for a Cognito-style token from another client', async () => {
    const reasons: string[] = [];
    const listener = (event: unknown) => reasons.push((event as { reason: string }).reason);
    diagnostics.subscribe(channels.rejected, listener);
    try {
      const guard = createTokenGuard({
        issuer: as.issuer,
        clientBinding: { clientIds: ['app-1'] },
      });
      guards.push(guard);
      await outcome(guard, await as.mintAccessToken({ aud: undefined, client_id: 'app-9' }));
    } finally {
      diagnostics.unsubscribe(channels.rejected, listener);
    }
    expect(reasons).toEqual(['jwt.aud_binding.client_id']);
  });
});
