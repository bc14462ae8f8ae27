import {
  type AuthContext,
  type AuthRequirements,
  createTokenGuard,
  optionsFromEnv,
  type TokenGuard,
  type TokenGuardOptions,
} from '@tokenguard/core';
import {
  authenticateNow,
  pickRequirements,
  requestState,
  routeRequirements,
  warmUpGuard,
} from '@tokenguard/core/adapter';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { authErrorHandler, setHeaders } from './errors.js';
import { fastifyReader } from './request.js';
import type { AuthClaims, AuthHook, RouteRequirements, TokenGuardPluginOptions } from './types.js';

const ROUTE = Symbol('tokenguard.route');
const HOOK = Symbol('tokenguard.hook');
/** Marks the hook `global: true` puts first on a route. */
const GLOBAL = Symbol('tokenguard.global');
/** Marks the hook that enforces a route's config when no hook of the plugin protects it. */
const CONFIG = Symbol('tokenguard.config');
const PLUGIN_KEYS = new Set(['guard', 'global', 'metadata', 'errorHandler']);
/** tokenguard's own key in a route's `config`, besides the requirement keys. */
const CONFIG_KEYS = ['public'];
const NO_REQUIREMENTS: Readonly<AuthRequirements> = Object.freeze({});

/** What the plugin decided for a route when it was declared. */
interface RouteState {
  /** Every level of the route, composed: config, then its hooks (the same object every time). */
  readonly requirements: Readonly<AuthRequirements>;
  /** This plugin's hooks the route declares itself; their levels are in `requirements`. */
  readonly hooks: ReadonlySet<AuthHook>;
  /** Set by the plugin that declared it, so that another instance's routes are not mixed up. */
  readonly owner: object;
}

/** What a hook made by `requireToken()` / `optionalToken()` carries, for `onRoute` to find. */
interface HookLevel {
  readonly owner: object;
  readonly level: Readonly<AuthRequirements>;
}

function routeName(route: Pick<RouteOptions, 'method' | 'url'>): string {
  const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
  return `route ${method} ${route.url}`;
}

const isOwnHook = (hook: unknown, owner: object): hook is AuthHook =>
  (hook as { [HOOK]?: HookLevel })[HOOK]?.owner === owner;

/** A route's hooks of one phase, as a list. */
function phaseHooks(route: RouteOptions, phase: 'onRequest' | 'preValidation'): unknown[] {
  const hooks = route[phase];
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

/** This plugin's hooks among a route's own `onRequest` / `preValidation` hooks. */
function ownHooks(route: RouteOptions, owner: object): AuthHook[] {
  const found: AuthHook[] = [];
  for (const phase of ['onRequest', 'preValidation'] as const) {
    for (const hook of phaseHooks(route, phase)) if (isOwnHook(hook, owner)) found.push(hook);
  }
  return found;
}

/** A hook's level: its requirements and whether it lets anonymous requests through. */
function hookLevel(
  guard: TokenGuard,
  name: string,
  requirements: RouteRequirements | undefined,
  optional: boolean,
): Readonly<AuthRequirements> {
  if (requirements !== undefined && (typeof requirements !== 'object' || requirements === null)) {
    throw new TypeError(`tokenguard: the requirements of ${name} must be an object`);
  }
  const picked = pickRequirements(requirements ?? {}, name, {
    refuse: { optional: 'use app.optionalToken()' },
  });
  // Explicit either way: requireToken() is a level that says a token is required, and no other
  // level can undo that (core's rule for `optional`).
  return routeRequirements(guard, name, picked, { optional });
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
    const chosen = Object.keys(guardOptions).length === 0 ? optionsFromEnv() : guardOptions;
    // The application's logger says why (rejections at debug, an issuer down at warn), unless
    // the options name another one or `logger: false`.
    guard = createTokenGuard(
      chosen.logger === undefined ? { ...chosen, logger: fastify.log } : chosen,
    );
    fastify.addHook('onClose', async () => {
      await guard.close();
    });
  }
  // Fail fast or start and warn: `warmUp` fetches the issuer's metadata and keys before the
  // server is ready (`app.ready()`, `app.listen()` reject with core's UpstreamError on 'fail').
  fastify.addHook('onReady', async () => {
    await warmUpGuard(guard, options.warmUp, fastify.log);
  });
  // Identifies this registration's routes and hooks.
  const owner = {};
  // Body tokens are only there after parsing: authenticate in preValidation then.
  const phase = options.tokenLocations?.includes('body') ? 'preValidation' : 'onRequest';

  // A second hook on the same request (a global one, then one added to the context) checks its
  // requirements on the principal instead of authenticating again, which for DPoP would replay a
  // single-use proof: core's authenticateNow() decides. No promise unless core has to wait (a
  // key set to fetch, a proof to remember): a cache hit calls done() at once.
  function run(
    request: FastifyRequest,
    reply: FastifyReply,
    requirements: Readonly<AuthRequirements>,
    done: HookHandlerDoneFunction,
  ): void {
    let outcome: AuthContext | undefined | Promise<AuthContext | undefined>;
    try {
      outcome = authenticateNow(guard, request, fastifyReader, requirements);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (outcome instanceof Promise) {
      outcome.then((auth) => {
        accepted(request, reply, auth);
        done();
      }, done);
      return;
    }
    accepted(request, reply, outcome);
    done();
  }

  /** The route's one hook, made when the route is declared, its requirements bound. */
  const routeHook = (requirements: Readonly<AuthRequirements>): onRequestHookHandler =>
    function authenticateRoute(request, reply, done) {
      run(request, reply, requirements, done);
    };

  // Without `global`, a route whose config declares requirements and that no hook of this plugin
  // authenticated (neither its own nor one added to its context, which run before it) is
  // authenticated here, with them: a declared requirement is never dropped.
  const configHook = (requirements: Readonly<AuthRequirements>): onRequestHookHandler =>
    function enforceRouteConfig(request, reply, done) {
      const seen = requestState(request);
      if (seen?.guard === guard && seen.request !== undefined) done();
      else run(request, reply, requirements, done);
    };

  const routeState = (request: FastifyRequest): RouteState | undefined => {
    const state = (request.routeOptions.config as unknown as Record<PropertyKey, unknown>)[ROUTE] as
      | RouteState
      | undefined;
    return state?.owner === owner ? state : undefined;
  };

  /** A hook for these requirements; a route that declares it composes it with its config. */
  function hook(
    name: string,
    requirements: RouteRequirements | undefined,
    optional: boolean,
  ): AuthHook {
    const level = hookLevel(guard, name, requirements, optional);
    // A hook added to a context rather than to a route: composed with each route once.
    const composed = new WeakMap<object, Readonly<AuthRequirements>>();
    // A route that declares the hook gets a bound copy of it (onRoute, below); this one runs
    // where the hook was added to a context, and finds each request's route.
    const authHook: AuthHook = (request, reply) => {
      const state = routeState(request);
      let combined = state?.hooks.has(authHook) ? state.requirements : undefined;
      if (combined === undefined) {
        const outer = state?.requirements ?? NO_REQUIREMENTS;
        combined = composed.get(outer);
        if (combined === undefined) {
          combined =
            outer === NO_REQUIREMENTS ? level : routeRequirements(guard, name, outer, level);
          composed.set(outer, combined);
        }
      }
      const requirements = combined;
      return new Promise<void>((resolve, reject) => {
        run(request, reply, requirements, (error) => (error ? reject(error) : resolve()));
      });
    };
    Object.defineProperty(authHook, HOOK, { value: { owner, level } satisfies HookLevel });
    return authHook;
  }

  function accepted(request: FastifyRequest, reply: FastifyReply, auth: AuthContext | undefined) {
    // The claims type is the one the application declared (AuthClaims); core verified the
    // token, not the shape of its custom claims.
    request.auth = (auth as AuthContext<AuthClaims> | undefined) ?? null;
    if (auth?.responseHeaders !== undefined) setHeaders(reply, auth.responseHeaders);
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

  // Everything about a route is decided here, when it is declared: a mistake fails startup with a
  // TypeError naming the route, never a request.
  fastify.addHook('onRoute', (route) => {
    const name = routeName(route);
    const config = (route.config ?? {}) as Record<PropertyKey, unknown>;
    // `config` holds the application's keys too: refuse only what looks like a misspelled
    // tokenguard key (`scope`, `anyScope`, `max_age`…), which would otherwise drop a requirement.
    const fromConfig = pickRequirements(config, name, { known: CONFIG_KEYS, loose: true });
    const isPublic = global && config.public === true;
    if (isPublic) {
      const constraining = Object.keys(fromConfig).filter((key) => key !== 'optional');
      if (constraining.length > 0) {
        throw new TypeError(
          `tokenguard: "${name}.public" excludes requirements (${constraining.map((k) => `"${k}"`).join(', ')}): they would never be checked`,
        );
      }
    }
    guard.checkRequirements(fromConfig, name);
    const hooks = ownHooks(route, owner);
    // Under `global: true` a route needs a token unless its config says otherwise; a hook
    // cannot open it (an explicit `optional: false` at the route's level).
    const levels = [
      global && !isPublic && fromConfig.optional === undefined
        ? { ...fromConfig, optional: false }
        : fromConfig,
      ...hooks.map((h) => ((h as { [HOOK]?: HookLevel })[HOOK] as HookLevel).level),
    ];
    // Composed and compiled now, against the guard's configuration (cached by core under this
    // object); a mistake names the route.
    const requirements = routeRequirements(guard, name, ...levels);
    const state: RouteState = { requirements, hooks: new Set(hooks), owner };
    route.config = { ...config, [ROUTE]: state } as RouteOptions['config'];
    // The route's own requireToken() hooks become one hook bound to its composed requirements
    // (the same object each time: core compiles it once, and a second one finds it checked).
    if (hooks.length > 0) {
      const bound = routeHook(requirements);
      // Still this plugin's, with the whole composition as its level: a route made from these
      // options (Fastify's HEAD for a GET) composes the same again.
      Object.defineProperty(bound, HOOK, { value: { owner, level: requirements } });
      for (const own of ['onRequest', 'preValidation'] as const) {
        const list = phaseHooks(route, own);
        if (list.some((hook) => isOwnHook(hook, owner))) {
          route[own] = list.map((hook) =>
            isOwnHook(hook, owner) ? bound : hook,
          ) as RouteOptions['onRequest'];
        }
      }
    }
    if (!global) {
      if (hooks.length === 0 && Object.keys(fromConfig).length > 0) {
        // Last, after the context's hooks and the route's own: a token is required unless the
        // config itself says `optional: true`.
        const enforced = routeRequirements(guard, name, fromConfig, {
          optional: fromConfig.optional === true,
        });
        const last = configHook(enforced);
        Object.defineProperty(last, CONFIG, { value: owner });
        // A route made from these options (Fastify's HEAD for a GET) has this hook already.
        const others = phaseHooks(route, phase).filter(
          (hook) => (hook as { [CONFIG]?: object })[CONFIG] !== owner,
        );
        route[phase] = [...others, last] as RouteOptions['onRequest'];
      }
      return;
    }
    if (isPublic) return;
    const first = routeHook(requirements);
    Object.defineProperty(first, GLOBAL, { value: owner });
    // A route made from these options (Fastify's HEAD for a GET) has this hook already: replaced.
    const others = phaseHooks(route, phase).filter(
      (hook) => (hook as { [GLOBAL]?: object })[GLOBAL] !== owner,
    );
    route[phase] = [first, ...others] as RouteOptions['onRequest'];
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
 * `acrValues`, `maxAge`, `introspect`, `optional`) is honoured either way, composed with the
 * route's `requireToken()` hooks by core's `composeRequirements()`: every level holds; a route
 * whose config declares requirements and that no hook protects is authenticated with them (a
 * token is required unless it says `optional: true`). A misspelled tokenguard key in `config`
 * (`scope`) fails the route's registration. Rejections are core's `AuthError`s, answered as
 * RFC 6750 responses by an error handler at the plugin's level. The guard the plugin creates
 * logs through the app's logger (`logger` option to change it); `warmUp: 'fail'` makes
 * `app.ready()` reject when the issuer's keys cannot be fetched. The decisions are core's; this
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
