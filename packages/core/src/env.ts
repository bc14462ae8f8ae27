import { closestName, fail } from './lib/validate.js';
import { consoleLogger } from './logger.js';
import type { TokenGuardOptions } from './options.js';
import { PROVIDER_VARIABLES, presetFromEnv } from './presets/env.js';

/** How a variable's text becomes an option value; a `TypeError` names the variable otherwise. */
type Parse = (value: string, name: string, option: string) => unknown;

/**
 * One `TOKENGUARD_*` variable: its name, the option it sets (a path into `TokenGuardOptions`,
 * `introspection.clientId`), what its value looks like, and how it is read. Add a variable by
 * adding a row to {@link ENV_VARIABLES}: `optionsFromEnv()` and its unknown-variable check read
 * the table, and so does the token doctor.
 */
export interface EnvVariable {
  readonly name: string;
  readonly option: string;
  /** The value's form, for the docs and the doctor: `URL`, `comma-separated`, `seconds`, … */
  readonly value: string;
  readonly parse: Parse;
}

const split = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);

const text: Parse = (value) => value;
const list: Parse = (value) => split(value);
/** One value as a string, several as a list (several issuers, several audiences). */
const oneOrList: Parse = (value) => {
  const values = split(value);
  return values.length === 1 ? values[0] : values;
};
const number: Parse = (value, name, option) => {
  if (!/^\d+(\.\d+)?$/.test(value)) {
    fail(`"${name}" (${option}) must be a number of seconds`);
  }
  return Number(value);
};
const integer: Parse = (value, name, option) => {
  if (!/^\d+$/.test(value)) fail(`"${name}" (${option}) must be a whole number`);
  return Number(value);
};
const flag: Parse = (value, name, option) => {
  if (value !== 'true' && value !== 'false') fail(`"${name}" (${option}) must be true or false`);
  return value === 'true';
};
/** One of the option's words; the guard names the option when it is another. */
const word: Parse = (value) => value;
/** A PEM, or a JWK as JSON. */
const key: Parse = (value, name, option) => {
  if (!value.startsWith('{')) return value.replaceAll('\\n', '\n');
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return fail(`"${name}" (${option}) must be a PEM or a JWK in JSON`);
  }
};
const warmUp: Parse = (value, name, option) => {
  if (value === 'off' || value === 'false') return false;
  if (value !== 'fail' && value !== 'warn') fail(`"${name}" (${option}) must be fail, warn or off`);
  return value;
};
const log: Parse = (value, name, option) => {
  if (value === 'off' || value === 'false') return false;
  if (value !== 'debug' && value !== 'warn')
    fail(`"${name}" (${option}) must be debug, warn or off`);
  return consoleLogger(value);
};
/** A cookie name: the token is read from it, or from the Authorization header. */
const cookie: Parse = (value) => ['header', { cookie: value }];
const mtls: Parse = (value, name, option) => {
  if (value !== 'allowed' && value !== 'required') {
    fail(`"${name}" (${option}) must be allowed or required`);
  }
  return value === 'required';
};

const row = (name: string, option: string, value: string, parse: Parse): EnvVariable =>
  Object.freeze({ name: `TOKENGUARD_${name}`, option, value, parse });

/**
 * Every `TOKENGUARD_*` variable, one row each (the README's table lists them with examples).
 * Variables of a feature turn it on: any `TOKENGUARD_INTROSPECTION_*` makes an `introspection`
 * object (which then needs its client id), any `TOKENGUARD_DPOP*` a `dpop` one, any
 * `TOKENGUARD_MTLS*` an `mtls` one.
 */
export const ENV_VARIABLES: readonly EnvVariable[] = Object.freeze([
  row('ISSUER', 'issuer', 'URL, comma-separated for several', oneOrList),
  row('AUDIENCE', 'audience', 'this API, comma-separated for several', oneOrList),
  row('JWKS_URI', 'jwksUri', 'URL', text),
  row('ALGORITHMS', 'algorithms', 'comma-separated: ES256,RS256', list),
  row('SECRET', 'secret', 'HS256/384/512 shared secret', text),
  row('CLOCK_TOLERANCE', 'clockTolerance', 'seconds (default 30)', number),
  row('MAX_TOKEN_AGE', 'maxTokenAge', 'seconds', number),
  row('ACCESS_TOKEN_PROFILE', 'accessTokenProfile', 'rfc9068', word),
  row('TOKEN_TYPES', 'tokenTypes', 'comma-separated typ values: JWT', list),
  row('MAX_TOKEN_LENGTH', 'maxTokenLength', 'characters (default 8192)', integer),
  row('SCOPES', 'scopes', 'comma-separated, all required', list),
  row('ANY_SCOPES', 'anyScopes', 'comma-separated, one required', list),
  row('RESOURCE', 'resource', 'URL (RFC 9728)', text),
  row('REALM', 'realm', 'text', text),
  row('PUBLIC_URL', 'publicUrl', 'URL of this API behind a proxy', text),
  row('TOKEN_LOCATIONS', 'tokenLocations', 'comma-separated: header,query,body', list),
  row('TOKEN_COOKIE', 'tokenLocations', "a cookie name: ['header', { cookie }]", cookie),
  row('ALLOW_INSECURE_REQUESTS', 'allowInsecureRequests', 'true or false', flag),
  row('JWKS_CACHE_MAX_AGE', 'jwks.cacheMaxAge', 'seconds (default 600)', number),
  row('JWKS_STALE_MAX_AGE', 'jwks.staleMaxAge', 'seconds (default 600)', number),
  row('JWKS_COOLDOWN', 'jwks.cooldown', 'seconds (default 30)', number),
  row('JWKS_FAILURE_BACKOFF', 'jwks.failureBackoff', 'seconds (default 5)', number),
  row('JWKS_TIMEOUT', 'jwks.timeout', 'seconds (default 5)', number),
  row('INTROSPECTION_CLIENT_ID', 'introspection.clientId', 'client id', text),
  row('INTROSPECTION_CLIENT_SECRET', 'introspection.clientSecret', 'client secret', text),
  row(
    'INTROSPECTION_CLIENT_AUTH',
    'introspection.clientAuth',
    'client_secret_basic, client_secret_post or private_key_jwt',
    word,
  ),
  row('INTROSPECTION_PRIVATE_KEY', 'introspection.privateKey', 'PEM or JWK (JSON)', key),
  row('INTROSPECTION_ENDPOINT', 'introspection.endpoint', 'URL (default: discovered)', text),
  row('INTROSPECTION_MODE', 'introspection.mode', 'opaque or always', word),
  row('INTROSPECTION_REQUIRE_AUDIENCE', 'introspection.requireAudience', 'true or false', flag),
  row('INTROSPECTION_CACHE_TTL', 'introspection.cacheTtl', 'seconds (default 60)', number),
  row('INTROSPECTION_TIMEOUT', 'introspection.timeout', 'seconds (default 5)', number),
  row('DPOP', 'dpop.mode', 'allowed, required or disabled', word),
  row('DPOP_ALGORITHMS', 'dpop.algorithms', 'comma-separated: ES256,EdDSA', list),
  row('DPOP_NONCE_SECRET', 'dpop.nonce.secret', 'at least 32 bytes (turns nonces on)', text),
  row('MTLS', 'mtls.required', 'allowed or required', mtls),
  row('MTLS_CERTIFICATE_HEADER', 'mtls.certificateHeader', 'header name', text),
  row('LOG', 'logger', 'debug, warn or off (console)', log),
  row('WARM_UP', 'warmUp', 'fail, warn or off', warmUp),
]);

const PREFIX = 'TOKENGUARD_';
const BY_NAME = new Map(ENV_VARIABLES.map((variable) => [variable.name, variable]));
const PROVIDER = new Set(PROVIDER_VARIABLES);
const SUFFIXES = [...ENV_VARIABLES.map((variable) => variable.name), ...PROVIDER_VARIABLES].map(
  (name) => name.slice(PREFIX.length),
);

function set(options: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let target = options;
  for (const part of parts.slice(0, -1)) {
    // A copy: a preset's nested options are its own.
    target[part] = { ...(target[part] as Record<string, unknown> | undefined) };
    target = target[part] as Record<string, unknown>;
  }
  target[parts[parts.length - 1] as string] = value;
}

/**
 * Reads guard options from `TOKENGUARD_*` environment variables ({@link ENV_VARIABLES}): the one
 * place tokenguard reads the environment. Adapters call it when given no options, so
 * `app.use(requireToken())` works.
 *
 * A `TOKENGUARD_*` variable that is not in the table is a `TypeError` naming the closest one
 * (`TOKENGUARD_AUDIANCE`: did you mean `TOKENGUARD_AUDIENCE`?): a misspelled variable would
 * otherwise be a setting silently not applied. Unset and empty variables are left out, so
 * `createTokenGuard` reports what is missing by option name.
 *
 * `TOKENGUARD_PROVIDER` (`auth0`, `okta`, `entra`, `keycloak`, `cognito`, `zitadel`, `spiffe`)
 * and the provider's variables (`TOKENGUARD_AUTH0_DOMAIN`, `TOKENGUARD_ENTRA_TENANT_ID`, …, see
 * `presets/env.ts`) make the provider's preset, with `TOKENGUARD_AUDIENCE`; the other variables
 * add to it, and `TOKENGUARD_ISSUER` or `TOKENGUARD_JWKS_URI` beside a provider is an error.
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
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  // A provider's preset first; the other variables add to it (TOKENGUARD_ALGORITHMS replaces
  // its algorithms). Its audience is a preset parameter.
  const preset = presetFromEnv(read);
  const options: Record<string, unknown> = { ...preset };
  const setBy = new Map<string, string>();
  for (const name of Object.keys(env)) {
    if (!name.startsWith(PREFIX) || PROVIDER.has(name)) continue;
    if (preset !== undefined && name === 'TOKENGUARD_AUDIENCE') continue;
    const variable = BY_NAME.get(name);
    if (variable === undefined) {
      const closest = closestName(name.slice(PREFIX.length), SUFFIXES);
      fail(
        `unknown environment variable "${name}"${closest === undefined ? '' : `; did you mean "${PREFIX}${closest}"?`} (the variables tokenguard reads are listed in @tokenguard/core's README)`,
      );
    }
    const value = env[name]?.trim();
    if (value === undefined || value === '') continue;
    const other = setBy.get(variable.option);
    if (other !== undefined) {
      fail(`"${other}" and "${name}" both set ${variable.option}; set one of them`);
    }
    setBy.set(variable.option, name);
    set(options, variable.option, variable.parse(value, name, variable.option));
  }
  return options as TokenGuardOptions;
}
