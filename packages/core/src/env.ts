import type { JwsAlgorithm } from './jwt/algorithms.js';
import type { TokenGuardOptions } from './options.js';

const split = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);

/**
 * Reads guard options from `TOKENGUARD_*` environment variables: the one place tokenguard reads
 * the environment. Adapters call it when given no options, so `app.use(requireToken())` works.
 *
 * | variable | option |
 * | --- | --- |
 * | `TOKENGUARD_ISSUER` | `issuer` (comma-separated for several) |
 * | `TOKENGUARD_AUDIENCE` | `audience` (comma-separated for several) |
 * | `TOKENGUARD_JWKS_URI` | `jwksUri` |
 * | `TOKENGUARD_ALGORITHMS` | `algorithms` (comma-separated) |
 * | `TOKENGUARD_CLOCK_TOLERANCE` | `clockTolerance` (seconds) |
 * | `TOKENGUARD_RESOURCE` | `resource` |
 * | `TOKENGUARD_REALM` | `realm` |
 *
 * Unset variables are left out, so `createTokenGuard` reports what is missing by option name.
 *
 * @example
 * ```ts
 * // TOKENGUARD_ISSUER=https://auth.example.com/ TOKENGUARD_AUDIENCE=https://api.example.com
 * const guard = createTokenGuard(optionsFromEnv());
 * ```
 */
export function optionsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): TokenGuardOptions {
  const options: TokenGuardOptions = {};
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const issuer = read('TOKENGUARD_ISSUER');
  if (issuer !== undefined) {
    const issuers = split(issuer);
    options.issuer = issuers.length === 1 ? issuers[0] : issuers;
  }
  const audience = read('TOKENGUARD_AUDIENCE');
  if (audience !== undefined) {
    const audiences = split(audience);
    options.audience = audiences.length === 1 ? audiences[0] : audiences;
  }
  const jwksUri = read('TOKENGUARD_JWKS_URI');
  if (jwksUri !== undefined) options.jwksUri = jwksUri;
  const algorithms = read('TOKENGUARD_ALGORITHMS');
  if (algorithms !== undefined) options.algorithms = split(algorithms) as JwsAlgorithm[];
  const tolerance = read('TOKENGUARD_CLOCK_TOLERANCE');
  if (tolerance !== undefined) {
    const value = Number(tolerance);
    if (!/^\d+(\.\d+)?$/.test(tolerance) || !Number.isFinite(value)) {
      throw new TypeError(
        'tokenguard: "TOKENGUARD_CLOCK_TOLERANCE" (clockTolerance) must be a number of seconds',
      );
    }
    options.clockTolerance = value;
  }
  const resource = read('TOKENGUARD_RESOURCE');
  if (resource !== undefined) options.resource = resource;
  const realm = read('TOKENGUARD_REALM');
  if (realm !== undefined) options.realm = realm;
  return options;
}
