import type {
  AccessTokenClaims,
  AuthContext,
  AuthRequirements,
  ProtectedResourceMetadataOptions,
  TokenGuard,
  TokenGuardOptions,
} from '@tokenguard/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The claims type of `request.auth.claims`: the standard access-token claims, plus whatever you
 * declare. Declaring a claim types it; it does NOT check that tokens carry it (require it with
 * `config: { claims: { tenant: { exists: true } } }` or a guard-level `claims` rule).
 *
 * @example
 * ```ts
 * declare module '@tokenguard/fastify' {
 *   interface AuthClaims {
 *     tenant: string;
 *   }
 * }
 * app.get('/orders', async (request) => ({ tenant: request.auth?.claims.tenant }));
 * ```
 */
export interface AuthClaims extends AccessTokenClaims {}

/**
 * What one route requires of an authenticated request, on top of the guard's own checks (core's
 * `AuthRequirements`).
 *
 * @example
 * ```ts
 * app.get('/orders', { onRequest: app.requireToken({ scopes: ['orders:read'] }) }, listOrders);
 * ```
 */
export type RouteRequirements = Omit<AuthRequirements, 'optional'>;

/**
 * Options of the plugin: core's `TokenGuardOptions` (or an existing `guard`), plus how the plugin
 * protects routes. With none, the guard is built from `TOKENGUARD_*` (`optionsFromEnv()`).
 *
 * @example
 * ```ts
 * await app.register(tokenGuard, {
 *   issuer: 'https://auth.example.com/',
 *   audience: 'https://api.example.com',
 *   global: true,
 * });
 * ```
 */
export interface TokenGuardPluginOptions extends TokenGuardOptions {
  /** Use this guard (and its key cache) instead of creating one; the plugin then does not close it. */
  guard?: TokenGuard;
  /**
   * Protect every route registered after the plugin in this context, except those with
   * `config: { public: true }`. Default false: protect routes with `app.requireToken()`.
   */
  global?: boolean;
  /**
   * The RFC 9728 document's extra members (`scopesSupported`, …), or `false` to not serve it. It is
   * served only when `resource` is configured.
   */
  metadata?: false | ProtectedResourceMetadataOptions;
  /**
   * Render `AuthError`s as RFC 6750 responses through an error handler at the plugin's level,
   * when its scope has no error handler yet. Default true. With `false` (or a handler of your own
   * already set), your `setErrorHandler` gets them: render with `sendAuthError(reply, err)`.
   */
  errorHandler?: boolean;
}

/** tokenguard's keys in a route's `config`. */
type ConfigKey =
  | 'scopes'
  | 'anyScopes'
  | 'claims'
  | 'acrValues'
  | 'maxAge'
  | 'introspect'
  | 'public'
  | 'optional';

type Singular<K extends string> = K extends `${infer S}s` ? S : never;
type SnakeCase<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}`
  : S;
type KebabCase<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `-${Lowercase<H>}`}${KebabCase<T>}`
  : S;
type Spellings<K extends string> =
  | K
  | Lowercase<K>
  | Uppercase<K>
  | Capitalize<K>
  | SnakeCase<K>
  | KebabCase<K>;

/**
 * Misspellings of tokenguard's route `config` keys that the types refuse (`scope`, `anyScope`,
 * `max_age`, `acr_values`, `Scopes`…). At registration the plugin refuses every key close to one
 * of its own (see the README); the types catch the common ones while you type.
 */
export type MisspelledConfigKey = Exclude<
  | Spellings<ConfigKey>
  | Spellings<Singular<ConfigKey>>
  | 'acr'
  | 'scp'
  | 'introspection'
  | 'anonymous',
  ConfigKey
>;

/** No misspelled tokenguard key in a route's `config`. */
type NoMisspelledConfigKeys = { readonly [K in MisspelledConfigKey]?: never };

/** An `onRequest` / `preValidation` hook that authenticates the request. */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The verified principal, set by the plugin's hooks; `null` before authentication and for an
     * anonymous request on an optional route.
     */
    auth: AuthContext<AuthClaims> | null;
  }
  interface FastifyInstance {
    /** The core guard the plugin uses. */
    tokenGuard: TokenGuard;
    /** A hook that requires a valid token (and these requirements) on a route. */
    requireToken(requirements?: RouteRequirements): AuthHook;
    /** A hook that lets anonymous requests through but still rejects bad credentials. */
    optionalToken(requirements?: RouteRequirements): AuthHook;
  }
  interface FastifyContextConfig extends NoMisspelledConfigKeys {
    /** Every one of these scopes is required. */
    scopes?: readonly string[];
    /** At least one of these scopes is required (a list of lists: one of each). */
    anyScopes?: AuthRequirements['anyScopes'];
    /** Claim rules; a failing one is a 403 (a list of rule objects: all of them). */
    claims?: AuthRequirements['claims'];
    /** Step-up: accepted `acr` values (RFC 9470). */
    acrValues?: readonly string[];
    /** Step-up: the longest time since the user authenticated, in seconds (RFC 9470). */
    maxAge?: number;
    /** Ask the authorization server about this token every time (introspection). */
    introspect?: boolean;
    /** With `global: true`: this route needs no token. */
    public?: boolean;
    /**
     * Anonymous requests pass (`request.auth` stays `null`); bad credentials are still rejected.
     * A `requireToken()` hook on the route wins: a token is then required.
     */
    optional?: boolean;
  }
}
