// The shape of the provider table and the helpers its rows share: tokens shaped like a provider's
// (only the claims it writes), requests, and the answers a guard built from a preset gives.

import {
  type AuthorizationServer,
  type AuthorizationServerOptions,
  type Claims,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import type {
  ConformanceRequest,
  ConformanceResponse,
  PrincipalBody,
} from '../conformance/routes.js';

/** The names of tokenguard's presets (`presets.<name>()`), as the table names them. */
export type PresetName = 'auth0' | 'okta' | 'entra' | 'keycloak' | 'cognito' | 'zitadel' | 'spiffe';

/**
 * One row of the provider table: a provider's authorization server (its issuer path, its JWKS
 * and introspection paths), the preset and its parameters, and requests with the answer a guard
 * made with them gives — through every adapter.
 */
export interface ProviderFixture {
  /** How the table names the row: `Entra ID v2.0, single tenant`. */
  name: string;
  /** The local authorization server, at the provider's paths. */
  server: AuthorizationServerOptions;
  preset: PresetName;
  /** The preset's parameters, with the local server standing in for the provider's host. */
  parameters(as: AuthorizationServer): Record<string, unknown>;
  /** Further guard options the row adds to the preset (DPoP, introspection credentials, …). */
  extra?(as: AuthorizationServer): Record<string, unknown>;
  /** Whether `extra` turns DPoP on (`algs="ES256"`): it adds a `DPoP` challenge to each 401. */
  dpop?: boolean;
  cases: ProviderCase[];
}

/** A request of the provider table and what every adapter answers. */
export interface ProviderCase {
  name: string;
  request(as: AuthorizationServer, baseUrl: string): Promise<ConformanceRequest>;
  expected(as: AuthorizationServer): ConformanceResponse;
  /** The reason on `tokenguard:rejected` (diagnostics), for a rejected request. */
  reason?: string;
}

/** A token in a provider's shape: without `plain`, a guard made with no preset (see the table). */
export interface PlainCase {
  /** The row whose server signs the token. */
  fixture: string;
  name: string;
  token(as: AuthorizationServer): Promise<string>;
  /** What a guard with only `issuer` and `audience` does with it: 200 or the 401's reason. */
  reason: string | undefined;
}

/** Seconds since the epoch. */
export const now = (): number => Math.floor(Date.now() / 1000);

// The claims `mintAccessToken` adds by default that not every provider writes: a row's token
// starts without them, so that it has exactly the claims the provider's documentation shows.
const NOT_DEFAULTS: Claims = {
  sub: undefined,
  aud: undefined,
  jti: undefined,
  client_id: undefined,
  scope: undefined,
};

/**
 * Signs a token shaped like a provider's: `header` is the JOSE header beside `alg` and `kid`
 * (`typ` or none, `x5t`, …), `claims` every claim but `iss`, `iat` and `exp` (the server's, unless
 * given).
 */
export function providerToken(
  as: AuthorizationServer,
  header: { typ?: string } & Record<string, unknown>,
  claims: Claims,
): Promise<string> {
  const { typ, ...rest } = header;
  return as.mintAccessToken({ ...NOT_DEFAULTS, ...claims }, { typ: typ ?? null, header: rest });
}

/** An opaque token whose introspection answer is exactly `claims` (and `active: true`). */
export function providerOpaqueToken(as: AuthorizationServer, claims: Claims): Promise<string> {
  return as.mintOpaqueToken({ ...NOT_DEFAULTS, token_type: undefined, ...claims });
}

/** `GET path` with `Authorization: Bearer <token>`. */
export function get(path: string, token: string): ConformanceRequest {
  return { method: 'GET', path, headers: { authorization: `Bearer ${token}` } };
}

/** A DPoP-bound request: the token is minted with `cnf.jkt` of a fresh key, and a proof goes along. */
export async function dpopGet(
  path: string,
  baseUrl: string,
  mint: (jkt: string) => Promise<string>,
): Promise<ConformanceRequest> {
  const key = createDpopKey();
  const token = await mint(key.thumbprint);
  const proof = await createDpopProof({
    key,
    htm: 'GET',
    htu: `${baseUrl}${path}`,
    accessToken: token,
  });
  return { method: 'GET', path, headers: { authorization: `DPoP ${token}`, dpop: proof } };
}

/** The answer of `GET /principal`: 200 and the principal, fields not given `null`. */
export function principal(fields: Partial<Omit<PrincipalBody, 'route'>>): ConformanceResponse {
  return {
    status: 200,
    headers: { 'www-authenticate': null },
    body: {
      route: 'GET /principal',
      subject: null,
      clientId: null,
      principalId: null,
      scopes: [],
      spiffeId: null,
      ...fields,
    },
  };
}

/** A route's success body. */
export function ok(method: 'GET' | 'POST', path: string, subject: string, status = 200) {
  return {
    status,
    headers: { 'www-authenticate': null },
    body: { route: `${method} ${path}`, subject },
  } satisfies ConformanceResponse;
}

const DPOP = ', DPoP algs="ES256"';

/** 401 `invalid_token`, with the `DPoP` challenge when the row turns DPoP on. */
export function invalidToken(dpop = false): ConformanceResponse {
  return {
    status: 401,
    headers: {
      'www-authenticate': `Bearer error="invalid_token", error_description="The access token is invalid"${dpop ? DPOP : ''}`,
    },
    body: { error: 'invalid_token', error_description: 'The access token is invalid' },
  };
}

/** 403 `insufficient_scope` naming the scopes, with the `DPoP` challenge when the row turns DPoP on. */
export function insufficientScope(scope: string, dpop = false): ConformanceResponse {
  return {
    status: 403,
    headers: {
      'www-authenticate': `Bearer error="insufficient_scope", error_description="The access token lacks the required scope", scope="${scope}"${dpop ? DPOP : ''}`,
    },
    body: {
      error: 'insufficient_scope',
      error_description: 'The access token lacks the required scope',
    },
  };
}
