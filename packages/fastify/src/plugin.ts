import {
  type AuthContext,
  type AuthRequirements,
  createTokenGuard,
  optionsFromEnv,
  type TokenGuard,
  type TokenGuardOptions,
  type TokenRequest,
} from '@tokenguard/core';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { authErrorHandler, setHeaders } from './errors.js';
import { toTokenRequest } from './request.js';
import type { AuthClaims, AuthHook, RouteRequirements, TokenGuardPluginOptions } from './types.js';

const ROUTE_REQUIREMENTS = Symbol('tokenguard.routeRequirements');
const REQUIREMENT_KEYS = [
  'scopes',
  'anyScopes',
  'claims',
  'acrValues',
  'maxAge',
  'introspect',
  'optional',
] as const;
const PLUGIN_KEYS = new Set(['guard', 'global', 'metadata', 'errorHandler']);
const NO_REQUIREMENTS: Readonly<AuthRequirements> = Object.freeze({});

/** What the plugin remembers of a request it authenticated. */
interface Authenticated {
  auth: AuthContext | undefined;
  request: TokenRequest;
}

// Keyed by the request object: a second hook on the same request (a global one, then a route's
// requireToken()) checks requirements on the principal instead of authenticating again, which for
// DPoP would replay a single-use proof.
const authenticated = new WeakMap<FastifyRequest, Authenticated>();

/** The requirements a route declares in its `config`, validated and frozen once. */
function requirementsOf(config: Record<PropertyKey, unknown>): Readonly<AuthRequirements> {
  const picked: Record<string, unknown> = {};
  for (const key of REQUIREMENT_KEYS) {
    if (config[key] !== undefined) picked[key] = config[key];
  }
  return Object.keys(picked).length === 0 ? NO_REQUIREMENTS : Object.freeze(picked);
}

function routeName(route: Pick<RouteOptions, 'method' | 'url'>): string {
  const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
  return `route ${method} ${route.url}`;
}

function checkedRouteRequirements(
  guard: TokenGuard,
  name: string,
  requirements: RouteRequirements | undefined,
  optional: boolean,
): Readonly<AuthRequirements> {
  if (requirements === undefined)
    return optional ? Object.freeze({ optional: true }) : NO_REQUIREMENTS;
  if (typeof requirements !== 'object' || requirements === null) {
    throw new TypeError(`tokenguard: the requirements of ${name} must be an object`);
  }
  if ('optional' in requirements) {
    throw new TypeError(`tokenguard: "${name}.optional" is not an option; use app.optionalToken()`);
  }
  const frozen = Object.freeze(
    optional ? { ...requirements, optional: true } : { ...requirements },
  );
  guard.checkRequirements(frozen, name);
  return frozen;
}

async function tokenGuardPlugin(
  fastify: FastifyInstance,
  options: TokenGuardPluginOptions,
): Promise<void> {
  const { guard: given, global = false, metadata, errorHandler = true, ...rest } = options;
  let guard: TokenGuard;
  if (given !== undefined) {
    guard = given;
  } else {
    // Only the plugin's own keys (or nothing): the guard comes from TOKENGUARD_* variables.
    const guardOptions = Object.fromEntries(
      Object.entries(rest).filter(([key]) => !PLUGIN_KEYS.has(key)),
    ) as TokenGuardOptions;
    guard = createTokenGuard(
      Object.keys(guardOptions).length === 0 ? optionsFromEnv() : guardOptions,
    );
    fastify.addHook('onClose', async () => {
      await guard.close();
    });
  }
  // Body tokens are only there after parsing: authenticate in preValidation then.
  const phase = options.tokenLocations?.includes('body') ? 'preValidation' : 'onRequest';

  async function run(
    request: FastifyRequest,
    reply: FastifyReply,
    requirements: Readonly<AuthRequirements>,
  ): Promise<void> {
    const seen = authenticated.get(request);
    if (seen !== undefined) {
      guard.authorize(seen.auth, requirements, seen.request);
      return;
    }
    const tokenRequest = toTokenRequest(guard, request);
    const auth = await guard.authenticate<AuthClaims>(tokenRequest, requirements);
    authenticated.set(request, { auth, request: tokenRequest });
    request.auth = auth ?? null;
    if (auth?.responseHeaders !== undefined) setHeaders(reply, auth.responseHeaders);
  }

  const configured = (request: FastifyRequest): Readonly<AuthRequirements> =>
    ((request.routeOptions.config as unknown as Record<PropertyKey, unknown>)[ROUTE_REQUIREMENTS] as
      | Readonly<AuthRequirements>
      | undefined) ?? NO_REQUIREMENTS;

  /** A hook for these requirements, merged once per route with what the route's config says. */
  function hook(
    name: string,
    requirements: RouteRequirements | undefined,
    optional: boolean,
  ): AuthHook {
    const own = checkedRouteRequirements(guard, name, requirements, optional);
    const merged = new WeakMap<object, Readonly<AuthRequirements>>();
    return async (request, reply) => {
      const fromConfig = configured(request);
      let combined = merged.get(fromConfig);
      if (combined === undefined) {
        combined =
          fromConfig === NO_REQUIREMENTS
            ? own
            : Object.freeze({
                ...fromConfig,
                ...own,
                scopes: [...(fromConfig.scopes ?? []), ...(own.scopes ?? [])],
              });
        merged.set(fromConfig, combined);
      }
      await run(request, reply, combined);
    };
  }

  fastify.decorateRequest('auth', null);
  fastify.decorate('tokenGuard', guard);
  fastify.decorate('requireToken', (requirements?: RouteRequirements) =>
    hook('requireToken()', requirements, false),
  );
  fastify.decorate('optionalToken', (requirements?: RouteRequirements) =>
    hook('optionalToken()', requirements, true),
  );

  // Only where no error handler was set yet: replacing one in the same scope would override the
  // user's choice (Fastify warns about it). A user's handler receives the AuthError instead, with
  // statusCode, code and headers; `sendAuthError(reply, err)` renders it.
  if (errorHandler && fastify.errorHandler.name === 'defaultErrorHandler') {
    fastify.setErrorHandler(authErrorHandler(fastify.errorHandler));
  }

  const globalHook: onRequestHookHandler = async function authenticateRoute(request, reply) {
    await run(request, reply, configured(request));
  };
  fastify.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as Record<PropertyKey, unknown>;
    const requirements = requirementsOf(config);
    // Validated when the route is declared, so a mistake fails startup, not a request.
    if (requirements !== NO_REQUIREMENTS) guard.checkRequirements(requirements, routeName(route));
    route.config = { ...config, [ROUTE_REQUIREMENTS]: requirements } as RouteOptions['config'];
    if (!global || config.public === true) return;
    const existing = route[phase];
    route[phase] = [
      globalHook,
      ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
    ] as RouteOptions['onRequest'];
  });

  const document = metadata === false ? undefined : guard.protectedResourceMetadata(metadata ?? {});
  if (document !== undefined) {
    fastify.get(document.path, { config: { public: true } }, async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=3600');
      return document.document;
    });
  }
}

/**
 * The tokenguard plugin for Fastify 5: authenticates requests with `@tokenguard/core` and sets
 * `request.auth`. With `global: true` every route registered after it in the same context is
 * protected (opt out with `config: { public: true }`); otherwise protect routes with
 * `onRequest: app.requireToken({ scopes })`. Route `config` (`scopes`, `anyScopes`, `claims`,
 * `introspect`, `optional`) is honoured either way. Rejections are core's `AuthError`s, answered
 * as RFC 6750 responses by an error handler at the plugin's level. The decisions are core's; this
 * plugin only maps requests and replies.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { tokenGuard } from '@tokenguard/fastify';
 *
 * const app = Fastify();
 * await app.register(tokenGuard, {
 *   issuer: 'https://auth.example.com/',
 *   audience: 'https://api.example.com',
 *   global: true,
 * });
 * app.get('/health', { config: { public: true } }, async () => ({ status: 'ok' }));
 * app.get('/orders', { config: { scopes: ['orders:read'] } }, async (request) => ({
 *   subject: request.auth?.subject,
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750
 */
export const tokenGuard = fp(tokenGuardPlugin, {
  fastify: '5.x',
  name: '@tokenguard/fastify',
});
