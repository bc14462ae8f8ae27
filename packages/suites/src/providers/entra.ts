// Rows of the provider table for Microsoft Entra ID: v2.0 and v1.0 access tokens, single- and
// multi-tenant, as the access token claims reference shows them, signed by the local
// authorization server serving the JWKS at the tenant's (or the common) discovery path.
//
// https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
// Header: `typ: JWT`, RS256, `kid` (v1.0 also `x5t`). v2.0 payload: `aud` (the API's client id),
// `iss` `https://login.microsoftonline.com/<tid>/v2.0`, `iat`, `nbf`, `exp`, `aio`, `azp`,
// `azpacr`, `name`, `oid`, `preferred_username`, `rh`, `scp` (delegated) or `roles` (application
// permissions, with `idtyp: app`), `sub`, `tid`, `uti`, `ver` "2.0". v1.0: `iss`
// `https://sts.windows.net/<tid>/`, `appid`, `appidacr`, `unique_name`, `upn`, `ver` "1.0".

import type { AuthorizationServer } from '@tokenguard/testing';
import {
  get,
  insufficientScope,
  invalidToken,
  now,
  ok,
  type PlainCase,
  type ProviderFixture,
  principal,
  providerToken,
} from './fixture.js';

const TENANT_A = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const TENANT_B = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const TENANT_C = '9188040d-6c67-4c5b-b112-36a304b66dad';
/** The API's Application (client) ID: v2.0 tokens' `aud`. */
const API_CLIENT_ID = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
/** The API's Application ID URI: v1.0 tokens' `aud` when the client asked for it. */
const API_URI = 'api://orders-api';
/** The calling client application. */
const CLIENT_APP = 'f3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const USER_OID = 'a1b2c3d4-e5f6-4789-8abc-def012345678';
const USER_SUB = 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ';

function v2Issuer(as: AuthorizationServer, tenant: string): string {
  return `${as.url}/${tenant}/v2.0`;
}

function v1Issuer(as: AuthorizationServer, tenant: string): string {
  return `${as.url}/${tenant}/`;
}

/** A v2.0 delegated (user) token of `tenant`. */
function v2UserToken(
  as: AuthorizationServer,
  tenant: string,
  claims: Record<string, unknown> = {},
) {
  return providerToken(
    as,
    { typ: 'JWT' },
    {
      aud: API_CLIENT_ID,
      iss: v2Issuer(as, tenant),
      nbf: now(),
      aio: 'AWQAm/8TAAAA4VZl2dTeW2ZMwBk1N0BUt1oIYk6P2s3+3e3vJ8/2wUFXw1z2Yc4',
      azp: CLIENT_APP,
      azpacr: '0',
      name: 'Alice Example',
      oid: USER_OID,
      preferred_username: 'alice@contoso.example',
      rh: '0.AXEA9cn4MR6jSkuT5F9XHpElWivBdG5Cvkh-n-Zbf8Rqdzv7AAA.',
      scp: 'orders:read',
      sub: USER_SUB,
      tid: tenant,
      uti: 'fqiBqXLPj0eQa82S-IYFAA',
      ver: '2.0',
      ...claims,
    },
  );
}

/** A v2.0 application (client credentials) token: `roles`, no `scp`. */
function v2AppToken(as: AuthorizationServer, tenant: string, roles: string[]) {
  return providerToken(
    as,
    { typ: 'JWT' },
    {
      aud: API_CLIENT_ID,
      iss: v2Issuer(as, tenant),
      nbf: now(),
      aio: 'E2ZgYGj7d/X7c6uz/W7+2Lq+AgA=',
      azp: CLIENT_APP,
      azpacr: '1',
      idtyp: 'app',
      oid: 'b2c3d4e5-f6a7-4890-9bcd-ef0123456789',
      rh: '0.AXEA9cn4MR6jSkuT5F9XHpElWivBdG5Cvkh-n-Zbf8Rqdzv7AAA.',
      roles,
      sub: 'b2c3d4e5-f6a7-4890-9bcd-ef0123456789',
      tid: tenant,
      uti: 'kLc8G7h6d0SxV5b4a3Z2YA',
      ver: '2.0',
    },
  );
}

/** A v1.0 delegated token of `tenant`. */
function v1UserToken(as: AuthorizationServer, tenant: string) {
  return providerToken(
    as,
    { typ: 'JWT', x5t: 'nOo3ZDrODXEK1jKWhXslHR_KXEg' },
    {
      aud: API_URI,
      iss: v1Issuer(as, tenant),
      nbf: now(),
      acr: '1',
      aio: 'ATQAy/8TAAAAiZ0YyQ3t4dR2k1Wq8gDmN7sX3hQeD3bR5nL0c1Yk2v8A',
      amr: ['pwd'],
      appid: CLIENT_APP,
      appidacr: '0',
      family_name: 'Example',
      given_name: 'Alice',
      ipaddr: '203.0.113.7',
      name: 'Alice Example',
      oid: USER_OID,
      rh: '0.AXEA9cn4MR6jSkuT5F9XHpElWivBdG5Cvkh-n-Zbf8Rqdzv7AAA.',
      scp: 'orders:read',
      sub: 'l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA',
      tid: tenant,
      unique_name: 'alice@contoso.example',
      upn: 'alice@contoso.example',
      uti: 'fqiBqXLPj0eQa82S-IYFAA',
      ver: '1.0',
    },
  );
}

const entraV2: ProviderFixture = {
  name: 'Entra ID v2.0, single tenant',
  server: {
    issuerPath: `/${TENANT_A}/v2.0`,
    jwksPath: `/${TENANT_A}/discovery/v2.0/keys`,
    algorithms: ['RS256'],
  },
  preset: 'entra',
  parameters: (as) => ({ tenantId: TENANT_A, audience: API_CLIENT_ID, instance: as.url }),
  // A user's delegated scope or an application permission (an app role): either will do.
  extra: () => ({ anyScopes: ['orders:read', 'role:Orders.Read.All'] }),
  cases: [
    {
      name: 'a delegated token: scopes from scp, the client from azp',
      request: async (as) => get('/principal', await v2UserToken(as, TENANT_A)),
      expected: (as) =>
        principal({
          subject: USER_SUB,
          clientId: CLIENT_APP,
          principalId: `${v2Issuer(as, TENANT_A)}|${USER_SUB}`,
          scopes: ['orders:read'],
        }),
    },
    {
      name: 'an application token: its app roles as role:<value> meet the same requirement',
      request: async (as) => get('/principal', await v2AppToken(as, TENANT_A, ['Orders.Read.All'])),
      expected: (as) =>
        principal({
          subject: 'b2c3d4e5-f6a7-4890-9bcd-ef0123456789',
          clientId: CLIENT_APP,
          principalId: `${v2Issuer(as, TENANT_A)}|b2c3d4e5-f6a7-4890-9bcd-ef0123456789`,
          scopes: ['role:Orders.Read.All'],
        }),
    },
    {
      name: 'an application token without that permission: 403 naming both',
      request: async (as) => get('/me', await v2AppToken(as, TENANT_A, ['Orders.Write.All'])),
      expected: () => insufficientScope('orders:read role:Orders.Read.All'),
      reason: 'authz.scope_missing',
    },
    {
      name: 'a v1.0 token at a v2.0 configuration: 401 jwt.iss',
      request: async (as) => get('/me', await v1UserToken(as, TENANT_A)),
      expected: () => invalidToken(),
      reason: 'jwt.iss',
    },
    {
      name: 'a token for another API (its client id in aud): 401 jwt.aud',
      request: async (as) =>
        get(
          '/me',
          await v2UserToken(as, TENANT_A, { aud: '00000003-0000-0000-c000-000000000000' }),
        ),
      expected: () => invalidToken(),
      reason: 'jwt.aud',
    },
  ],
};

const entraV1: ProviderFixture = {
  name: 'Entra ID v1.0, single tenant',
  server: {
    issuerPath: `/${TENANT_A}/`,
    jwksPath: `/${TENANT_A}/discovery/keys`,
    algorithms: ['RS256'],
  },
  preset: 'entra',
  parameters: (as) => ({
    tenantId: TENANT_A,
    audience: API_URI,
    version: 1,
    instance: as.url,
    v1IssuerHost: as.url,
  }),
  cases: [
    {
      name: 'a v1.0 token: the client from appid',
      request: async (as) => get('/principal', await v1UserToken(as, TENANT_A)),
      expected: (as) =>
        principal({
          subject: 'l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA',
          clientId: CLIENT_APP,
          principalId: `${v1Issuer(as, TENANT_A)}|l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA`,
          scopes: ['orders:read'],
        }),
    },
    {
      name: 'a v2.0 token at a v1.0 configuration: 401 jwt.iss',
      request: async (as) => get('/me', await v2UserToken(as, TENANT_A, { aud: API_URI })),
      expected: () => invalidToken(),
      reason: 'jwt.iss',
    },
  ],
};

const entraMulti: ProviderFixture = {
  name: 'Entra ID v2.0, multi-tenant',
  server: {
    issuerPath: `/${TENANT_A}/v2.0`,
    jwksPath: '/common/discovery/v2.0/keys',
    algorithms: ['RS256'],
  },
  preset: 'entra',
  parameters: (as) => ({
    tenants: [TENANT_A, TENANT_B],
    audience: API_CLIENT_ID,
    instance: as.url,
  }),
  cases: [
    {
      name: "an allowed tenant's token: its own issuer in the principal",
      request: async (as) => get('/principal', await v2UserToken(as, TENANT_B)),
      expected: (as) =>
        principal({
          subject: USER_SUB,
          clientId: CLIENT_APP,
          principalId: `${v2Issuer(as, TENANT_B)}|${USER_SUB}`,
          scopes: ['orders:read'],
        }),
    },
    {
      name: 'a tenant not allowed: 401 jwt.iss_tenant_not_allowed',
      request: async (as) => get('/me', await v2UserToken(as, TENANT_C)),
      expected: () => invalidToken(),
      reason: 'jwt.iss_tenant_not_allowed',
    },
    {
      name: "an allowed tenant's issuer with another tenant's tid: 401 jwt.iss_tenant_mismatch",
      request: async (as) => get('/me', await v2UserToken(as, TENANT_A, { tid: TENANT_C })),
      expected: () => invalidToken(),
      reason: 'jwt.iss_tenant_mismatch',
    },
    {
      name: 'a tenant allowed through its own issuer',
      request: async (as) => get('/me', await v2UserToken(as, TENANT_A)),
      expected: () => ok('GET', '/me', USER_SUB),
    },
  ],
};

/** The Entra ID rows. */
export const ENTRA_FIXTURES: readonly ProviderFixture[] = [entraV2, entraV1, entraMulti];

/** Their tokens at a guard made without a preset: `typ: JWT` is not an access token type there. */
export const ENTRA_PLAIN_CASES: readonly PlainCase[] = [
  {
    fixture: entraV2.name,
    name: 'typ JWT',
    token: (as) => v2UserToken(as, TENANT_A),
    reason: 'jwt.typ',
  },
  {
    fixture: entraV1.name,
    name: 'typ JWT',
    token: (as) => v1UserToken(as, TENANT_A),
    reason: 'jwt.typ',
  },
];
