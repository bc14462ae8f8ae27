import {
  type AuthRequirements,
  createTokenGuard,
  isTokenGuard,
  type TokenGuard,
  type TokenGuardOptions,
} from '@tokenguard/core';
import {
  environmentGuard as coreEnvironmentGuard,
  requirementsArgument,
  routeRequirements,
} from '@tokenguard/core/adapter';
import { getRuntimeKey } from 'hono/adapter';

type Variables = Readonly<Record<string, string | undefined>>;

/** `process.env` where there is one (Node, Bun, Deno), else `undefined` (Cloudflare Workers). */
function processEnv(): Variables | undefined {
  const env = (globalThis as { process?: { env?: unknown } }).process?.env;
  return typeof env === 'object' && env !== null ? (env as Variables) : undefined;
}

function hasTokenguardVariables(env: object): boolean {
  for (const name of Object.keys(env)) {
    if (name.startsWith('TOKENGUARD_')) return true;
  }
  return false;
}

/** The string-valued members of a Hono `c.env` (Workers' bindings: variables and secrets). */
function bindings(env: unknown): Variables {
  const variables: Record<string, string> = {};
  if (typeof env !== 'object' || env === null) return variables;
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('TOKENGUARD_') && typeof value === 'string') variables[name] = value;
  }
  return variables;
}

/**
 * The guard built from `TOKENGUARD_*` variables by core's `optionsFromEnv()`, created once and
 * shared by every middleware given no guard. On Node, Bun and Deno the variables come from
 * `process.env`; elsewhere (Cloudflare Workers) from Hono's `c.env` bindings, over whatever
 * `process.env` has, on the first request. Built again only if the variables changed.
 */
export function environmentGuard(cEnv?: unknown): TokenGuard {
  const fromProcess = processEnv();
  const env = cEnv === undefined ? (fromProcess ?? {}) : { ...fromProcess, ...bindings(cEnv) };
  return coreEnvironmentGuard(
    env,
    createTokenGuard,
    'from the environment: process.env, or c.env on Cloudflare Workers',
  );
}

/**
 * Whether the environment's guard is built now, at construction, so that a missing variable is a
 * `TypeError` there: on the runtimes whose variables are in `process.env` (Node, Bun, Deno, Vercel
 * Edge), or wherever `process.env` has `TOKENGUARD_*` variables. Elsewhere (Cloudflare Workers)
 * the variables are bindings, known only on a request.
 */
export function environmentReady(): boolean {
  const runtime = getRuntimeKey();
  if (runtime === 'node' || runtime === 'bun' || runtime === 'deno' || runtime === 'edge-light') {
    return true;
  }
  const env = processEnv();
  return env !== undefined && hasTokenguardVariables(env);
}

/** A guard and the requirements to pass on every request, resolved now or on the first request. */
export interface ResolvedGuard {
  /** The guard and its requirements; `cEnv` is Hono's `c.env`, read only when needed. */
  get(cEnv: unknown): { guard: TokenGuard; requirements: Readonly<AuthRequirements> | undefined };
}

/**
 * Reads the arguments every middleware factory shares: nothing (the environment's guard), guard
 * options (with `issuer` or `issuers`: a new guard), route requirements (the environment's
 * guard), or a guard and optional requirements. Requirements are composed with the guard's and
 * checked against it now — or, for the environment's guard on a platform whose variables are in
 * `c.env`, on the first request — so core compiles them once.
 */
export function resolveGuard(
  name: string,
  first: unknown,
  second: unknown,
  extra?: Readonly<AuthRequirements>,
): ResolvedGuard {
  let guard: TokenGuard | undefined;
  let own: Readonly<AuthRequirements> | undefined;
  if (isTokenGuard(first)) {
    guard = first;
    own = requirementsArgument(name, second);
  } else if (second !== undefined) {
    throw new TypeError(
      `tokenguard: ${name}() takes requirements as its second argument only after a guard`,
    );
  } else if (first === undefined) {
    // guard from the environment, below
  } else if (typeof first !== 'object' || first === null) {
    throw new TypeError(`tokenguard: ${name}() takes a guard, guard options or route requirements`);
  } else if ('issuer' in first || 'issuers' in first) {
    guard = createTokenGuard(first as TokenGuardOptions);
  } else {
    // Requirements first: a mistake in them is reported even when the environment is not set up.
    own = requirementsArgument(name, first, { withoutGuard: true });
  }
  const compose = (g: TokenGuard) =>
    own !== undefined || extra !== undefined ? routeRequirements(g, name, own, extra) : undefined;
  if (guard === undefined && environmentReady()) guard = environmentGuard();
  if (guard !== undefined) {
    const resolved = { guard, requirements: compose(guard) };
    return { get: () => resolved };
  }
  // Cloudflare Workers and the like: the variables are bindings, known per request.
  let lazy: { guard: TokenGuard; requirements: Readonly<AuthRequirements> | undefined } | undefined;
  return {
    get(cEnv) {
      const current = environmentGuard(cEnv);
      if (lazy?.guard !== current) lazy = { guard: current, requirements: compose(current) };
      return lazy;
    },
  };
}
