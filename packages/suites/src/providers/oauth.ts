// Rows of the provider table for Auth0, Okta, Keycloak and ZITADEL: their access tokens as their
// documentation shows them (the source is named above each), signed by the local authorization
// server serving discovery and the JWKS at the provider's paths.

import type { AuthorizationServer } from '@tokenguard/testing';
import {
  dpopGet,
  get,
  insufficientScope,
  invalidToken,
  now,
  ok,
  type PlainCase,
  type ProviderFixture,
  principal,
  providerOpaqueToken,
  providerToken,
} from './fixture.js';

// --- Auth0 -------------------------------------------------------------------------------------
// https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles (the Auth0 and the RFC
// 9068 profile's sample tokens; `permissions` with RBAC's "Add Permissions in the Access Token";
// `gty` and `<client>@clients` for client credentials). Header: RS256, `typ: JWT` (Auth0
// profile) or `at+jwt` (RFC 9068 profile), `kid`.

const AUTH0_API = 'https://orders.example.com';
const AUTH0_CLIENT = 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja';
const AUTH0_USER = 'auth0|65f1c0ffee0123456789abcd';

/** An Auth0-profile user token: audience array with `/userinfo`, `azp`, RBAC `permissions`. */
function auth0UserToken(as: AuthorizationServer, claims: Record<string, unknown> = {}) {
  return providerToken(
    as,
    { typ: 'JWT' },
    {
      sub: AUTH0_USER,
      aud: [AUTH0_API, `${as.issuer}userinfo`],
      azp: AUTH0_CLIENT,
      scope: 'openid profile orders:read',
      permissions: ['orders:read', 'orders:write'],
      ...claims,
    },
  );
}

const auth0: ProviderFixture = {
  name: 'Auth0',
  server: { issuerPath: '/', jwksPath: '/.well-known/jwks.json', algorithms: ['RS256'] },
  preset: 'auth0',
  parameters: (as) => ({ domain: as.url, audience: AUTH0_API }),
  extra: () => ({ dpop: { algorithms: ['ES256'] } }),
  dpop: true,
  cases: [
    {
      name: 'a user token (Auth0 profile): permissions are scopes only as permission:<name>',
      request: async (as) => get('/principal', await auth0UserToken(as)),
      expected: (as) =>
        principal({
          subject: AUTH0_USER,
          clientId: AUTH0_CLIENT,
          principalId: `${as.issuer}|${AUTH0_USER}`,
          scopes: [
            'openid',
            'orders:read',
            'permission:orders:read',
            'permission:orders:write',
            'profile',
          ],
        }),
    },
    {
      name: 'a permission the client did not get as a scope does not pass a scope requirement',
      request: async (as) => ({
        ...get('/orders', await auth0UserToken(as)),
        method: 'POST',
      }),
      expected: () => insufficientScope('orders:write', true),
      reason: 'authz.scope_missing',
    },
    {
      name: 'a machine-to-machine token (client credentials: <client>@clients, gty)',
      request: async (as) => ({
        ...get(
          '/orders',
          await providerToken(
            as,
            { typ: 'JWT' },
            {
              sub: `${AUTH0_CLIENT}@clients`,
              aud: AUTH0_API,
              azp: AUTH0_CLIENT,
              scope: 'orders:read orders:write',
              gty: 'client-credentials',
              permissions: ['orders:read', 'orders:write'],
            },
          ),
        ),
        method: 'POST',
      }),
      expected: () => ok('POST', '/orders', `${AUTH0_CLIENT}@clients`, 201),
    },
    {
      name: 'an RFC 9068-profile token (typ at+jwt, client_id)',
      request: async (as) =>
        get(
          '/principal',
          await providerToken(
            as,
            { typ: 'at+jwt' },
            {
              sub: AUTH0_USER,
              aud: AUTH0_API,
              client_id: AUTH0_CLIENT,
              jti: '73WakrfVbNJBaAmhQtEeDv',
              scope: 'orders:read',
            },
          ),
        ),
      expected: (as) =>
        principal({
          subject: AUTH0_USER,
          clientId: AUTH0_CLIENT,
          principalId: `${as.issuer}|${AUTH0_USER}`,
          scopes: ['orders:read'],
        }),
    },
    {
      name: 'a DPoP-bound token (cnf.jkt) with its proof',
      request: (as, baseUrl) =>
        dpopGet('/me', baseUrl, (jkt) => auth0UserToken(as, { cnf: { jkt } })),
      expected: () => ok('GET', '/me', AUTH0_USER),
    },
    {
      name: "another tenant's token: 401 jwt.iss",
      request: async (as) =>
        get('/me', await auth0UserToken(as, { iss: 'https://other-tenant.eu.auth0.com/' })),
      expected: () => invalidToken(true),
      reason: 'jwt.iss',
    },
  ],
};

// --- Okta --------------------------------------------------------------------------------------
// https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/ (custom authorization
// server access tokens: `ver`, `jti` "AT.…", `cid`, `uid`, `scp` as an array, `auth_time`, `sub`
// the login; header `kid` and `alg` RS256, no `typ`; the introspection answer with `client_id`,
// `username`, `token_type`).

const OKTA_AUDIENCE = 'api://default';
const OKTA_CLIENT = '0oa1b2c3d4e5F6g7H8i9';
const OKTA_UID = '00u1a2b3c4D5e6F7g8h9';

function oktaToken(as: AuthorizationServer, claims: Record<string, unknown> = {}) {
  return providerToken(
    as,
    {},
    {
      ver: 1,
      jti: 'AT.7mFXhM1fTdHw6cpHdS3dHz4t6ZV6uXxQ3IhyE1VmCPU',
      aud: OKTA_AUDIENCE,
      cid: OKTA_CLIENT,
      uid: OKTA_UID,
      scp: ['openid', 'orders:read'],
      auth_time: now() - 60,
      sub: 'alice@example.com',
      ...claims,
    },
  );
}

const okta: ProviderFixture = {
  name: 'Okta',
  server: {
    issuerPath: '/oauth2/default',
    jwksPath: '/oauth2/default/v1/keys',
    introspectionPath: '/oauth2/default/v1/introspect',
    algorithms: ['RS256'],
  },
  preset: 'okta',
  parameters: (as) => ({ domain: as.url, audience: OKTA_AUDIENCE }),
  extra: (as) => ({
    dpop: { algorithms: ['ES256'] },
    introspection: {
      clientId: as.defaultClient.clientId,
      clientSecret: as.defaultClient.clientSecret,
    },
  }),
  dpop: true,
  cases: [
    {
      name: 'a user token: the client id from cid, scopes from the scp array',
      request: async (as) => get('/principal', await oktaToken(as)),
      expected: (as) =>
        principal({
          subject: 'alice@example.com',
          clientId: OKTA_CLIENT,
          principalId: `${as.issuer}|alice@example.com`,
          scopes: ['openid', 'orders:read'],
        }),
    },
    {
      name: 'a scope missing from scp: 403',
      request: async (as) => ({ ...get('/orders', await oktaToken(as)), method: 'POST' }),
      expected: () => insufficientScope('orders:write', true),
      reason: 'authz.scope_missing',
    },
    {
      name: 'an opaque token, introspected: the answer names the client in client_id',
      request: async (as) =>
        get(
          '/principal',
          await providerOpaqueToken(as, {
            scope: 'orders:read',
            username: 'alice@example.com',
            sub: 'alice@example.com',
            aud: OKTA_AUDIENCE,
            jti: 'AT.3MbX9PCzsfAqzY9nT6xHbm9Dpe0y8lWI8X3j_nVnpYw',
            token_type: 'Bearer',
            client_id: OKTA_CLIENT,
            uid: OKTA_UID,
          }),
        ),
      expected: (as) =>
        principal({
          subject: 'alice@example.com',
          clientId: OKTA_CLIENT,
          principalId: `${as.issuer}|alice@example.com`,
          scopes: ['orders:read'],
        }),
    },
    {
      name: 'a DPoP-bound token with its proof',
      request: (as, baseUrl) => dpopGet('/me', baseUrl, (jkt) => oktaToken(as, { cnf: { jkt } })),
      expected: () => ok('GET', '/me', 'alice@example.com'),
    },
    {
      name: 'a token of the org authorization server (iss without /oauth2/…): 401 jwt.iss',
      request: async (as) => get('/me', await oktaToken(as, { iss: as.url, aud: as.url })),
      expected: () => invalidToken(true),
      reason: 'jwt.iss',
    },
  ],
};

// --- Keycloak ----------------------------------------------------------------------------------
// https://www.keycloak.org/docs/latest/server_admin/#_oidc_token_role_mappings and the access
// token a realm issues (header RS256, `typ: JWT`, `kid`; payload `typ` "Bearer", `azp`,
// `realm_access.roles`, `resource_access.<client>.roles`, `aud` with `account`, `sid`,
// `allowed-origins`; DPoP-bound tokens say `typ` "DPoP" and carry `cnf.jkt`).

const KEYCLOAK_API = 'orders-api';
const KEYCLOAK_USER = '5f2b7c1e-3a4d-4e8f-9b0c-1d2e3f4a5b6c';

function keycloakToken(as: AuthorizationServer, claims: Record<string, unknown> = {}) {
  return providerToken(
    as,
    { typ: 'JWT' },
    {
      auth_time: now() - 60,
      jti: 'onrtac:1b6f0a7e-2c8d-4e3f-9a1b-5c6d7e8f9a0b',
      aud: [KEYCLOAK_API, 'account'],
      sub: KEYCLOAK_USER,
      typ: 'Bearer',
      azp: 'orders-web',
      sid: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
      acr: '1',
      'allowed-origins': ['https://app.example.com'],
      realm_access: {
        roles: ['default-roles-acme', 'offline_access', 'uma_authorization', 'orders-admin'],
      },
      resource_access: {
        [KEYCLOAK_API]: { roles: ['admin'] },
        account: { roles: ['manage-account', 'view-profile'] },
      },
      scope: 'openid email profile orders:read',
      email_verified: true,
      preferred_username: 'alice',
      ...claims,
    },
  );
}

const keycloak: ProviderFixture = {
  name: 'Keycloak',
  server: {
    issuerPath: '/realms/acme',
    jwksPath: '/realms/acme/protocol/openid-connect/certs',
    introspectionPath: '/realms/acme/protocol/openid-connect/token/introspect',
    algorithms: ['RS256'],
  },
  preset: 'keycloak',
  parameters: (as) => ({
    url: as.url,
    realm: 'acme',
    audience: KEYCLOAK_API,
    clientId: KEYCLOAK_API,
  }),
  extra: (as) => ({
    dpop: { algorithms: ['ES256'] },
    introspection: {
      clientId: as.defaultClient.clientId,
      clientSecret: as.defaultClient.clientSecret,
    },
  }),
  dpop: true,
  cases: [
    {
      name: "realm roles as realm:<role>, the API client's roles as role:<role>, not account's",
      request: async (as) => get('/principal', await keycloakToken(as)),
      expected: (as) =>
        principal({
          subject: KEYCLOAK_USER,
          clientId: 'orders-web',
          principalId: `${as.issuer}|${KEYCLOAK_USER}`,
          scopes: [
            'email',
            'openid',
            'orders:read',
            'profile',
            'realm:default-roles-acme',
            'realm:offline_access',
            'realm:orders-admin',
            'realm:uma_authorization',
            'role:admin',
          ],
        }),
    },
    {
      name: 'aud only "account" (no Audience mapper): 401 jwt.aud',
      request: async (as) => get('/me', await keycloakToken(as, { aud: 'account' })),
      expected: () => invalidToken(true),
      reason: 'jwt.aud',
    },
    {
      name: "an ID token of the API's own client (payload typ ID): 401 jwt.claims",
      request: async (as) =>
        get(
          '/me',
          await keycloakToken(as, {
            typ: 'ID',
            aud: KEYCLOAK_API,
            azp: KEYCLOAK_API,
            realm_access: undefined,
            resource_access: undefined,
            scope: undefined,
          }),
        ),
      expected: () => invalidToken(true),
      reason: 'jwt.claims',
    },
    {
      name: 'a DPoP-bound token (payload typ DPoP) with its proof',
      request: (as, baseUrl) =>
        dpopGet('/me', baseUrl, (jkt) => keycloakToken(as, { typ: 'DPoP', cnf: { jkt } })),
      expected: () => ok('GET', '/me', KEYCLOAK_USER),
    },
    {
      name: "an opaque token, introspected: Keycloak's answer, client_id and typ Bearer",
      request: async (as) =>
        get(
          '/principal',
          await providerOpaqueToken(as, {
            jti: 'onrtac:0c9b8a7f-6e5d-4c3b-2a19-087f6e5d4c3b',
            aud: KEYCLOAK_API,
            sub: KEYCLOAK_USER,
            typ: 'Bearer',
            azp: 'orders-batch',
            client_id: 'orders-batch',
            username: 'service-account-orders-batch',
            token_type: 'Bearer',
            scope: 'orders:read',
            realm_access: { roles: ['default-roles-acme'] },
          }),
        ),
      expected: (as) =>
        principal({
          subject: KEYCLOAK_USER,
          clientId: 'orders-batch',
          principalId: `${as.issuer}|${KEYCLOAK_USER}`,
          scopes: ['orders:read', 'realm:default-roles-acme'],
        }),
    },
  ],
};

// --- ZITADEL -----------------------------------------------------------------------------------
// https://zitadel.com/docs/apis/openidoauth/claims (what a JWT access token carries: `iss`,
// `sub`, `aud` with the client ids and the project id, `azp`, `exp`, `iat`, `nbf`, `jti`, the
// project roles as `{ role: { orgId: orgDomain } }`; opaque tokens are introspected). Header:
// zitadel/oidc signs with `typ: JWT` (pkg/op/signer.go), RS256, `kid`.

const ZITADEL_PROJECT = '274637598417174530';
const ZITADEL_CLIENT = '274637612224560386';
const ZITADEL_USER = '274637474731057410';
const ZITADEL_ROLES = `urn:zitadel:iam:org:project:${ZITADEL_PROJECT}:roles`;

function zitadelToken(as: AuthorizationServer, claims: Record<string, unknown> = {}) {
  return providerToken(
    as,
    { typ: 'JWT' },
    {
      sub: ZITADEL_USER,
      aud: [ZITADEL_CLIENT, ZITADEL_PROJECT],
      azp: ZITADEL_CLIENT,
      nbf: now(),
      jti: '274637913294700802',
      [ZITADEL_ROLES]: { 'orders-admin': { '274637474730926338': 'acme.zitadel.cloud' } },
      ...claims,
    },
  );
}

const zitadel: ProviderFixture = {
  name: 'ZITADEL',
  server: {
    jwksPath: '/oauth/v2/keys',
    introspectionPath: '/oauth/v2/introspect',
    algorithms: ['RS256'],
  },
  preset: 'zitadel',
  parameters: (as) => ({ domain: as.url, projectId: ZITADEL_PROJECT }),
  extra: (as) => ({
    introspection: {
      clientId: as.defaultClient.clientId,
      clientSecret: as.defaultClient.clientSecret,
    },
  }),
  cases: [
    {
      name: "a JWT access token: the project's roles as role:<role>",
      request: async (as) => get('/principal', await zitadelToken(as)),
      expected: (as) =>
        principal({
          subject: ZITADEL_USER,
          clientId: ZITADEL_CLIENT,
          principalId: `${as.issuer}|${ZITADEL_USER}`,
          scopes: ['role:orders-admin'],
        }),
    },
    {
      name: 'a token for another project (the project id not in aud): 401 jwt.aud',
      request: async (as) =>
        get('/me', await zitadelToken(as, { aud: [ZITADEL_CLIENT, '274637598417999999'] })),
      expected: () => invalidToken(),
      reason: 'jwt.aud',
    },
    {
      name: "an opaque token (ZITADEL's default), introspected",
      request: async (as) =>
        get(
          '/principal',
          await providerOpaqueToken(as, {
            scope: 'openid orders:read',
            client_id: ZITADEL_CLIENT,
            token_type: 'Bearer',
            nbf: now(),
            sub: ZITADEL_USER,
            aud: [ZITADEL_CLIENT, ZITADEL_PROJECT],
            jti: '274637913294700803',
            username: 'alice@acme.zitadel.cloud',
            [ZITADEL_ROLES]: { 'orders-admin': { '274637474730926338': 'acme.zitadel.cloud' } },
          }),
        ),
      expected: (as) =>
        principal({
          subject: ZITADEL_USER,
          clientId: ZITADEL_CLIENT,
          principalId: `${as.issuer}|${ZITADEL_USER}`,
          scopes: ['openid', 'orders:read', 'role:orders-admin'],
        }),
    },
  ],
};

/** The Auth0, Okta, Keycloak and ZITADEL rows. */
export const OAUTH_FIXTURES: readonly ProviderFixture[] = [auth0, okta, keycloak, zitadel];

/** Their tokens at a guard made without a preset (only `issuer` and `audience`). */
export const OAUTH_PLAIN_CASES: readonly PlainCase[] = [
  { fixture: 'Auth0', name: 'typ JWT', token: (as) => auth0UserToken(as), reason: 'jwt.typ' },
  // Okta's tokens pass (no typ), but the client id in cid is not read: see the principal.
  { fixture: 'Okta', name: 'no typ: accepted', token: (as) => oktaToken(as), reason: undefined },
  { fixture: 'Keycloak', name: 'typ JWT', token: (as) => keycloakToken(as), reason: 'jwt.typ' },
  { fixture: 'ZITADEL', name: 'typ JWT', token: (as) => zitadelToken(as), reason: 'jwt.typ' },
];
