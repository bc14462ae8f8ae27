import type { AuthRequirements, TokenGuard } from '@tokenguard/core';
import { composeRequirements } from '../authorize/compose.js';
import {
  checkRequirementKeys,
  REQUIREMENT_KEYS,
  validateRequirements,
} from '../authorize/requirements.js';

const NO_REQUIREMENTS: Readonly<AuthRequirements> = Object.freeze({});

/**
 * The requirements a route declares in an object of the framework's — Express's requirements
 * argument, a Fastify route's `config`, a NestJS handler's decorator metadata — as one frozen
 * `AuthRequirements` holding only the requirement keys that are set (the same empty object when
 * none is). Every adapter picks them here, so a typo is refused with the same message everywhere:
 * a `TypeError` naming the key and the closest valid one, before any value is validated.
 *
 * - `known`, `loose`, `hint`: as for `checkRequirementKeys()` (Fastify's `config` holds the
 *   application's keys too: `loose`, and `known: ['public']`).
 * - `refuse`: requirement keys that are no option here, each with the advice to give
 *   (`{ optional: 'use optionalToken() for anonymous access' }`).
 *
 * It does NOT check the requirements against a guard: {@link routeRequirements} does.
 *
 * @example
 * ```ts
 * pickRequirements({ scopes: ['orders:read'], cacheTtl: 60 }, 'route GET /orders', { loose: true });
 * // { scopes: ['orders:read'] }
 * ```
 */
export function pickRequirements(
  source: object,
  name: string,
  options: {
    known?: readonly string[];
    loose?: boolean;
    hint?: string;
    refuse?: Readonly<Partial<Record<keyof AuthRequirements, string>>>;
  } = {},
): Readonly<AuthRequirements> {
  const values = source as Record<string, unknown>;
  for (const [key, advice] of Object.entries(options.refuse ?? {})) {
    if (Object.hasOwn(values, key)) {
      throw new TypeError(`tokenguard: "${name}.${key}" is not an option; ${advice}`);
    }
  }
  checkRequirementKeys(source, name, options);
  const picked: Record<string, unknown> = {};
  let any = false;
  for (const key of REQUIREMENT_KEYS) {
    if (values[key] !== undefined) {
      picked[key] = values[key];
      any = true;
    }
  }
  if (!any) return NO_REQUIREMENTS;
  validateRequirements(picked, name);
  return Object.freeze(picked);
}

/**
 * The requirements of a route declared at several levels (outermost first: guard or module,
 * controller, route, hook), composed by core's rule and checked against the guard now, so that
 * a mistake — levels no token could meet, `introspect: true` without introspection — is a
 * `TypeError` naming the route when it is declared, never an error on a request. Returns the
 * object to pass on every request (core compiles it once).
 *
 * @example
 * ```ts
 * const requirements = routeRequirements(guard, 'route GET /orders', controllerLevel, routeLevel);
 * ```
 */
export function routeRequirements(
  guard: TokenGuard,
  name: string,
  ...levels: ReadonlyArray<Readonly<AuthRequirements> | undefined>
): Readonly<AuthRequirements> {
  let requirements: Readonly<AuthRequirements>;
  try {
    requirements = composeRequirements(...levels);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new TypeError(`${error.message} (${name})`, { cause: error });
  }
  guard.checkRequirements(requirements, name);
  return requirements;
}
