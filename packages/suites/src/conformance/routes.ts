// The conformance API: the routes every adapter's conformance app serves, the guard options it is
// made with, and the shape of the table's requests, answers and cases.

import type { AuthorizationServer } from '@tokenguard/testing';
import { type ConformanceRevocationCheck, conformanceIsRevoked } from './revocation.js';

/** Claim rules in tokenguard's `claims` format, as far as the conformance routes use them. */
export type ConformanceClaims = Readonly<
  Record<string, { equals: string } | { oneOf: readonly string[] } | { exists: boolean }>
>;

/**
 * Requirements declared one level further out than a route's own, to show that composing levels
 * only ever adds constraints. Each adapter puts them where its users would: NestJS on the
 * controller (`@Claims()`, `@AnyScopes()`, `@OptionalAuth()`), Fastify in the route's `config`
 * (with the route's own requirements in its `requireToken()` hook), Express in a first
 * `requireToken()` / `optionalToken()` (with the route's own in `requireScopes()`,
 * `requireAnyScope()`, `requireClaims()` after it), core through `composeRequirements()`.
 */
export interface ConformanceOuterLevel {
  anyScopes?: readonly string[];
  claims?: ConformanceClaims;
  /** The outer level lets anonymous requests through; the route's own level requires a token. */
  optional?: true;
}

/**
 * The conformance API: the routes every tokenguard adapter's test app serves, so one table of
 * cases ({@link conformanceCases}) drives Express, Fastify and NestJS alike. The guard of the app
 * is made with {@link conformanceGuardOptions}, guard-level `anyScopes` included.
 *
 * Every handler answers `{ route, subject }` (`subject` is `auth.subject`, or `null` when the
 * request is anonymous) with status 200, except `POST /orders`, which answers 201, and
 * `GET /principal`, which answers the whole principal (see {@link conformanceBody}).
 */
export interface ConformanceRoute {
  method: 'GET' | 'POST';
  path: string;
  /** `public`: no authentication; `token`: required; `optional`: anonymous allowed. */
  protection: 'public' | 'token' | 'optional';
  scopes?: readonly string[];
  anyScopes?: readonly string[];
  /** Route-level claim rules in tokenguard's `claims` format. */
  claims?: ConformanceClaims;
  /** Requirements one level further out than the route's own (see {@link ConformanceOuterLevel}). */
  outer?: ConformanceOuterLevel;
  /** The status of a successful answer. */
  status: 200 | 201;
}

/** The routes of the conformance API. */
export const CONFORMANCE_ROUTES: readonly ConformanceRoute[] = Object.freeze<ConformanceRoute[]>([
  { method: 'GET', path: '/health', protection: 'public', status: 200 },
  { method: 'GET', path: '/me', protection: 'token', status: 200 },
  // The principal as core mapped it (client id, scopes with roles, SPIFFE ID): the provider table.
  { method: 'GET', path: '/principal', protection: 'token', status: 200 },
  { method: 'GET', path: '/orders', protection: 'token', scopes: ['orders:read'], status: 200 },
  { method: 'POST', path: '/orders', protection: 'token', scopes: ['orders:write'], status: 201 },
  {
    method: 'GET',
    path: '/admin',
    protection: 'token',
    anyScopes: ['admin', 'orders:admin'],
    status: 200,
  },
  {
    method: 'GET',
    path: '/tenant',
    protection: 'token',
    claims: { tenant: { equals: 'acme' } },
    status: 200,
  },
  { method: 'GET', path: '/optional', protection: 'optional', status: 200 },
  // Composed routes: every level's requirements hold at once.
  {
    method: 'GET',
    path: '/tenant/admin',
    protection: 'token',
    outer: { claims: { tenant: { equals: 'acme' } } },
    claims: { tenant: { exists: true }, role: { equals: 'admin' } },
    status: 200,
  },
  {
    method: 'GET',
    path: '/reports',
    protection: 'token',
    outer: { anyScopes: ['reports:read', 'reports:admin'] },
    anyScopes: ['orders:read', 'orders:admin'],
    status: 200,
  },
  {
    method: 'GET',
    path: '/optional/orders',
    protection: 'token',
    outer: { optional: true },
    scopes: ['orders:read'],
    status: 200,
  },
]);

/**
 * The scopes every request to the conformance API needs one of (guard-level `anyScopes`): one
 * "at least one of" group that each route's own groups add to, never replace.
 */
export const CONFORMANCE_GUARD_ANY_SCOPES: readonly string[] = Object.freeze([
  'orders:read',
  'orders:write',
  'orders:admin',
]);

/** What {@link conformanceBody} reads of `req.auth`: tokenguard's `AuthContext`. */
export interface ConformancePrincipal {
  subject?: string;
  clientId?: string;
  principalId?: string;
  scopes?: ReadonlySet<string>;
  spiffeId?: string;
}

/** The body of `GET /principal`: the principal's fields, `null` when absent, scopes sorted. */
export interface PrincipalBody {
  route: string;
  subject: string | null;
  clientId: string | null;
  principalId: string | null;
  scopes: string[];
  spiffeId: string | null;
}

/**
 * The body every conformance handler answers with: `{ route, subject }`, and for
 * `GET /principal` the whole principal ({@link PrincipalBody}).
 */
export function conformanceBody(
  route: Pick<ConformanceRoute, 'method' | 'path'>,
  auth: ConformancePrincipal | null | undefined,
): { route: string; subject: string | null } | PrincipalBody {
  const name = `${route.method} ${route.path}`;
  if (route.path !== '/principal') return { route: name, subject: auth?.subject ?? null };
  return {
    route: name,
    subject: auth?.subject ?? null,
    clientId: auth?.clientId ?? null,
    principalId: auth?.principalId ?? null,
    scopes: [...(auth?.scopes ?? [])].sort(),
    spiffeId: auth?.spiffeId ?? null,
  };
}

/** The resource identifier and realm the conformance guard is configured with. */
export const CONFORMANCE_RESOURCE = 'https://api.example.com';
export const CONFORMANCE_REALM = 'orders-api';

/**
 * Guard options for the conformance app (tokenguard's `TokenGuardOptions`). The JWKS cooldown
 * and failure backoff are zero so that the outage case reaches the (faulty) JWKS every time. The
 * `isRevoked` check answers what the table says ({@link conformanceIsRevoked}).
 * Every request needs one of {@link CONFORMANCE_GUARD_ANY_SCOPES} (guard-level `anyScopes`);
 * the table's tokens carry `orders:read` (the default scope) unless a case says otherwise.
 */
export function conformanceGuardOptions(as: AuthorizationServer): {
  issuer: string;
  audience: string;
  anyScopes: readonly string[];
  realm: string;
  resource: string;
  jwks: { cooldown: number; failureBackoff: number; timeout: number };
  introspection: { clientId: string; clientSecret: string };
  dpop: { algorithms: Array<'ES256' | 'EdDSA'> };
  isRevoked: ConformanceRevocationCheck;
} {
  return {
    issuer: as.issuer,
    audience: as.audience,
    anyScopes: CONFORMANCE_GUARD_ANY_SCOPES,
    realm: CONFORMANCE_REALM,
    resource: CONFORMANCE_RESOURCE,
    jwks: { cooldown: 0, failureBackoff: 0, timeout: 2 },
    // Opaque tokens are introspected with the server's default client; DPoP is allowed.
    introspection: {
      clientId: as.defaultClient.clientId,
      clientSecret: as.defaultClient.clientSecret,
    },
    dpop: { algorithms: ['ES256', 'EdDSA'] },
    // The application's own revocation check, driven by the table (see revokeForConformance).
    isRevoked: conformanceIsRevoked,
  };
}

/** The cookie the cookie cases put their token in (`tokenLocations` of {@link cookieGuardOptions}). */
export const CONFORMANCE_COOKIE = '__Host-access_token';

/**
 * The conformance guard with a cookie as a token location besides the header: the cases with
 * `guard: 'cookie'` run against an app made with these options.
 */
export function cookieGuardOptions(as: AuthorizationServer): ReturnType<
  typeof conformanceGuardOptions
> & {
  tokenLocations: Array<'header' | { cookie: string }>;
} {
  return {
    ...conformanceGuardOptions(as),
    tokenLocations: ['header', { cookie: CONFORMANCE_COOKIE }],
  };
}

/** A request of the table. Header values that are arrays are sent as repeated header lines. */
export interface ConformanceRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string | string[]>;
}

/** What a client observed, normalised for comparison across frameworks. */
export interface ConformanceResponse {
  status: number;
  /** Only the headers the case names, lower-case; `null` means "must be absent". */
  headers: Record<string, string | null>;
  /** Parsed JSON, or `undefined` for an empty body. */
  body: unknown;
}

/** One row of the table. */
export interface ConformanceCase {
  name: string;
  /** Builds the request; `baseUrl` is the app's, for DPoP proofs (their `htu` names it). */
  request(as: AuthorizationServer, baseUrl: string): Promise<ConformanceRequest>;
  expected: ConformanceResponse;
  /**
   * `cookie`: run against the app made with {@link cookieGuardOptions} (a cookie in
   * `tokenLocations`) instead of {@link conformanceGuardOptions}.
   */
  guard?: 'cookie';
  /** Puts the authorization server in a state for this case (a fault); undone by `cleanup`. */
  setup?(as: AuthorizationServer): void;
  cleanup?(as: AuthorizationServer): void;
}

/** The `scopes_supported` the conformance app's metadata route advertises. */
export const CONFORMANCE_SCOPES: readonly string[] = Object.freeze([
  'orders:read',
  'orders:write',
  'orders:admin',
  'admin',
  'reports:read',
  'reports:admin',
]);
