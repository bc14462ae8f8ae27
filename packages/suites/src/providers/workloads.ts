// Rows of the provider table for Amazon Cognito (access tokens without `aud`) and SPIFFE JWT-SVIDs
// (workload identities, keys from a SPIFFE bundle endpoint).

import type { AuthorizationServer } from '@tokenguard/testing';
import {
  get,
  invalidToken,
  now,
  ok,
  type PlainCase,
  type ProviderFixture,
  principal,
  providerToken,
} from './fixture.js';

// --- Amazon Cognito ----------------------------------------------------------------------------
// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
// Header: `kid`, `alg` RS256, no `typ`. Payload: `sub`, `cognito:groups`, `iss`
// `https://cognito-idp.<region>.amazonaws.com/<pool>`, `version` 2, `client_id`, `origin_jti`,
// `event_id`, `token_use` "access", `scope`, `auth_time`, `exp`, `iat`, `jti`, `username`; no
// `aud`. The ID token
// (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html)
// has `aud` (the client id) and `token_use` "id".

const POOL = 'us-east-1_AbCdEf123';
const APP_CLIENT = '4bpqi8dv1ovqk2v4fsmo2nbhs1';
const COGNITO_USER = '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d';

function cognitoAccessToken(as: AuthorizationServer, claims: Record<string, unknown> = {}) {
  return providerToken(
    as,
    {},
    {
      sub: COGNITO_USER,
      'cognito:groups': ['admins'],
      version: 2,
      client_id: APP_CLIENT,
      origin_jti: 'c3f1b0a2-9d8e-4f7a-b6c5-d4e3f2a1b0c9',
      event_id: 'e1d2c3b4-a5f6-4789-8a0b-1c2d3e4f5a6b',
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin openid orders:read',
      auth_time: now() - 60,
      jti: 'f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f',
      username: 'alice',
      ...claims,
    },
  );
}

const cognito: ProviderFixture = {
  name: 'Amazon Cognito',
  server: {
    issuerPath: `/${POOL}`,
    jwksPath: `/${POOL}/.well-known/jwks.json`,
    algorithms: ['RS256'],
  },
  preset: 'cognito',
  parameters: (as) => ({ userPoolId: POOL, clientIds: [APP_CLIENT], endpoint: as.url }),
  cases: [
    {
      name: 'an access token (no aud): bound by client_id and token_use; groups as group:<name>',
      request: async (as) => get('/principal', await cognitoAccessToken(as)),
      expected: (as) =>
        principal({
          subject: COGNITO_USER,
          clientId: APP_CLIENT,
          principalId: `${as.issuer}|${COGNITO_USER}`,
          scopes: ['aws.cognito.signin.user.admin', 'group:admins', 'openid', 'orders:read'],
        }),
    },
    {
      name: 'an app client not on the list: 401 jwt.aud_binding.client_id',
      request: async (as) =>
        get('/me', await cognitoAccessToken(as, { client_id: '7h3v5n1o2p8q9r0s1t2u3v4w5x' })),
      expected: () => invalidToken(),
      reason: 'jwt.aud_binding.client_id',
    },
    {
      name: 'token_use "id" without aud: 401 jwt.aud_binding.token_use',
      request: async (as) => get('/me', await cognitoAccessToken(as, { token_use: 'id' })),
      expected: () => invalidToken(),
      reason: 'jwt.aud_binding.token_use',
    },
    {
      name: 'an ID token (aud the client id, token_use "id"): 401 jwt.aud',
      request: async (as) =>
        get(
          '/me',
          await providerToken(
            as,
            {},
            {
              sub: COGNITO_USER,
              'cognito:groups': ['admins'],
              email_verified: true,
              'cognito:username': 'alice',
              origin_jti: 'c3f1b0a2-9d8e-4f7a-b6c5-d4e3f2a1b0c9',
              aud: APP_CLIENT,
              event_id: 'e1d2c3b4-a5f6-4789-8a0b-1c2d3e4f5a6b',
              token_use: 'id',
              auth_time: now() - 60,
              jti: 'a9b8c7d6-e5f4-4321-9876-543210fedcba',
              email: 'alice@example.com',
            },
          ),
        ),
      expected: () => invalidToken(),
      reason: 'jwt.aud',
    },
    {
      name: 'a client credentials token: the app client is the subject',
      request: async (as) =>
        get(
          '/me',
          await cognitoAccessToken(as, {
            sub: APP_CLIENT,
            'cognito:groups': undefined,
            username: undefined,
            origin_jti: undefined,
            event_id: undefined,
            auth_time: undefined,
            scope: 'orders-api/orders.read',
          }),
        ),
      expected: () => ok('GET', '/me', APP_CLIENT),
    },
  ],
};

// --- SPIFFE JWT-SVID ---------------------------------------------------------------------------
// https://github.com/spiffe/spiffe/blob/main/standards/JWT-SVID.md: header `alg` (RS/ES/PS),
// optional `kid`, optional `typ` JWT or JOSE; claims `sub` (the workload's SPIFFE ID), `aud`
// (required), `exp` (required), `iat`; `iss` optional. The bundle endpoint serves a JWK set whose
// JWT-SVID keys carry `use: "jwt-svid"` (SPIFFE Trust Domain and Bundle, §4).

const TRUST_DOMAIN = 'prod.example.org';
const SERVICE = `spiffe://${TRUST_DOMAIN}/ns/orders/sa/api`;
const CALLER = `spiffe://${TRUST_DOMAIN}/ns/payments/sa/billing`;

function svid(as: AuthorizationServer, claims: Record<string, unknown> = {}) {
  return providerToken(
    as,
    { typ: 'JWT' },
    { iss: undefined, sub: CALLER, aud: [SERVICE], ...claims },
  );
}

const spiffe: ProviderFixture = {
  name: 'SPIFFE JWT-SVID',
  server: { keyUse: 'jwt-svid', algorithms: ['ES256'], jwksPath: '/bundle' },
  preset: 'spiffe',
  parameters: (as) => ({
    trustDomains: { [TRUST_DOMAIN]: as.jwksUri },
    ids: [`spiffe://${TRUST_DOMAIN}/ns/payments/sa/*`],
    audience: SERVICE,
  }),
  cases: [
    {
      name: "a workload's JWT-SVID: its SPIFFE ID is the principal",
      request: async (as) => get('/principal', await svid(as)),
      expected: () =>
        principal({ subject: CALLER, principalId: CALLER, spiffeId: CALLER, scopes: [] }),
    },
    {
      name: 'a JWT-SVID with an iss (SPIRE with jwt_issuer): iss does not choose the keys',
      request: async (as) => get('/me', await svid(as, { iss: 'https://oidc.prod.example.org' })),
      expected: () => ok('GET', '/me', CALLER),
    },
    {
      name: 'a SPIFFE ID of another trust domain: 401 spiffe.trust_domain',
      request: async (as) =>
        get('/me', await svid(as, { sub: 'spiffe://partner.example.net/ns/payments/sa/billing' })),
      expected: () => invalidToken(),
      reason: 'spiffe.trust_domain',
    },
    {
      name: 'a malformed SPIFFE ID (an empty path segment): 401 spiffe.id_malformed',
      request: async (as) =>
        get('/me', await svid(as, { sub: `spiffe://${TRUST_DOMAIN}/ns//sa/billing` })),
      expected: () => invalidToken(),
      reason: 'spiffe.id_malformed',
    },
    {
      name: 'no aud: 401 jwt.aud_missing',
      request: async (as) => get('/me', await svid(as, { aud: undefined })),
      expected: () => invalidToken(),
      reason: 'jwt.aud_missing',
    },
    {
      name: 'a workload the allow-list does not name: 401 spiffe.id_not_allowed',
      request: async (as) =>
        get('/me', await svid(as, { sub: `spiffe://${TRUST_DOMAIN}/ns/marketing/sa/crawler` })),
      expected: () => invalidToken(),
      reason: 'spiffe.id_not_allowed',
    },
    {
      name: "a key outside the trust domain's bundle: 401 jwks.kid_unknown",
      request: async (as) =>
        get(
          '/me',
          await as.mintAccessToken(
            { iss: undefined, sub: CALLER, aud: [SERVICE], client_id: undefined, scope: undefined },
            { typ: 'JWT', key: 'unpublished' },
          ),
        ),
      expected: () => invalidToken(),
      reason: 'jwks.kid_unknown',
    },
  ],
};

/** The Cognito and SPIFFE rows. */
export const WORKLOAD_FIXTURES: readonly ProviderFixture[] = [cognito, spiffe];

/** Their tokens at a guard made without a preset. */
export const WORKLOAD_PLAIN_CASES: readonly PlainCase[] = [
  {
    fixture: cognito.name,
    name: 'no aud',
    token: (as) => cognitoAccessToken(as),
    reason: 'jwt.aud_missing',
  },
  // `typ: JWT` is checked first; a JWT-SVID without it would fail on its missing `iss`.
  { fixture: spiffe.name, name: 'typ JWT, no iss', token: (as) => svid(as), reason: 'jwt.typ' },
];
