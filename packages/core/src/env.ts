import type { JwsAlgorithm } from './jws/algorithms.js';
import type { TokenGuardOptions } from './options.js';
import { presetFromEnv } from './presets/env.js';

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
 * | `TOKENGUARD_INTROSPECTION_CLIENT_ID` | `introspection.clientId` (turns introspection on) |
 * | `TOKENGUARD_INTROSPECTION_CLIENT_SECRET` | `introspection.clientSecret` |
 * | `TOKENGUARD_INTROSPECTION_ENDPOINT` | `introspection.endpoint` |
 * | `TOKENGUARD_INTROSPECTION_MODE` | `introspection.mode` (`opaque` or `always`) |
 * | `TOKENGUARD_INTROSPECTION_REQUIRE_AUDIENCE` | `introspection.requireAudience` (`true` or `false`) |
 * | `TOKENGUARD_DPOP` | `dpop.mode` (`allowed`, `required` or `disabled`) |
 * | `TOKENGUARD_DPOP_NONCE_SECRET` | `dpop.nonce.secret` (turns server nonces on) |
 * | `TOKENGUARD_PROVIDER` | a preset: `auth0`, `okta`, `entra`, `keycloak`, `cognito`, `zitadel`, `spiffe` (with `TOKENGUARD_AUDIENCE` and the provider's variables; not with `TOKENGUARD_ISSUER` or `TOKENGUARD_JWKS_URI`) |
 * | `TOKENGUARD_AUTH0_DOMAIN` | `presets.auth0({ domain })` |
 * | `TOKENGUARD_OKTA_DOMAIN`, `TOKENGUARD_OKTA_AUTHORIZATION_SERVER_ID` | `presets.okta({ domain, authorizationServerId })` |
 * | `TOKENGUARD_ENTRA_TENANT_ID` or `TOKENGUARD_ENTRA_TENANTS` (comma-separated), `TOKENGUARD_ENTRA_VERSION` (`1` or `2`), `TOKENGUARD_ENTRA_INSTANCE`, `TOKENGUARD_ENTRA_V1_ISSUER_HOST` | `presets.entra({ tenantId, tenants, version, instance, v1IssuerHost })` |
 * | `TOKENGUARD_KEYCLOAK_URL`, `TOKENGUARD_KEYCLOAK_REALM`, `TOKENGUARD_KEYCLOAK_CLIENT_ID` | `presets.keycloak({ url, realm, clientId })` |
 * | `TOKENGUARD_COGNITO_USER_POOL_ID`, `TOKENGUARD_COGNITO_CLIENT_IDS` (comma-separated), `TOKENGUARD_COGNITO_REGION`, `TOKENGUARD_COGNITO_ENDPOINT` | `presets.cognito({ userPoolId, clientIds, region, endpoint })` |
 * | `TOKENGUARD_ZITADEL_DOMAIN`, `TOKENGUARD_ZITADEL_PROJECT_ID` | `presets.zitadel({ domain, projectId })` |
 * | `TOKENGUARD_SPIFFE_TRUST_DOMAINS` (`<name>=<bundle URL>`, comma-separated), `TOKENGUARD_SPIFFE_IDS` (comma-separated) | `presets.spiffe({ trustDomains, ids })` |
 *
 * Unset variables are left out, so `createTokenGuard` reports what is missing by option name.
 * With a provider, the other variables add to the preset's options (`TOKENGUARD_ALGORITHMS`
 * replaces its algorithms).
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
  const preset = presetFromEnv(read);
  if (preset !== undefined) Object.assign(options, preset);
  const issuer = read('TOKENGUARD_ISSUER');
  if (issuer !== undefined) {
    const issuers = split(issuer);
    options.issuer = issuers.length === 1 ? issuers[0] : issuers;
  }
  const audience = read('TOKENGUARD_AUDIENCE');
  if (audience !== undefined && preset === undefined) {
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

  const clientId = read('TOKENGUARD_INTROSPECTION_CLIENT_ID');
  if (clientId !== undefined) {
    const introspection: NonNullable<TokenGuardOptions['introspection']> = { clientId };
    const secret = read('TOKENGUARD_INTROSPECTION_CLIENT_SECRET');
    if (secret !== undefined) introspection.clientSecret = secret;
    const endpoint = read('TOKENGUARD_INTROSPECTION_ENDPOINT');
    if (endpoint !== undefined) introspection.endpoint = endpoint;
    const mode = read('TOKENGUARD_INTROSPECTION_MODE');
    if (mode !== undefined) introspection.mode = mode as 'opaque' | 'always';
    const requireAudience = read('TOKENGUARD_INTROSPECTION_REQUIRE_AUDIENCE');
    if (requireAudience !== undefined) {
      if (requireAudience !== 'true' && requireAudience !== 'false') {
        throw new TypeError(
          'tokenguard: "TOKENGUARD_INTROSPECTION_REQUIRE_AUDIENCE" (introspection.requireAudience) must be true or false',
        );
      }
      introspection.requireAudience = requireAudience === 'true';
    }
    options.introspection = introspection;
  }
  const dpopMode = read('TOKENGUARD_DPOP');
  const nonceSecret = read('TOKENGUARD_DPOP_NONCE_SECRET');
  if (dpopMode !== undefined || nonceSecret !== undefined) {
    const dpop: NonNullable<TokenGuardOptions['dpop']> = {};
    if (dpopMode !== undefined) dpop.mode = dpopMode as 'allowed' | 'required' | 'disabled';
    if (nonceSecret !== undefined) dpop.nonce = { secret: nonceSecret };
    options.dpop = dpop;
  }
  return options;
}
