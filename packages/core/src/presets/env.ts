import { closestName, fail } from '../lib/validate.js';
import type { TokenGuardOptions } from '../options.js';
import { type ProviderName, presets } from './index.js';

type Kind = 'string' | 'list' | 'version' | 'trustDomains';

/** Each provider's variables: the preset parameter each one sets, and how it is read. */
const VARIABLES: Readonly<Record<ProviderName, Readonly<Record<string, readonly [string, Kind]>>>> =
  {
    auth0: { TOKENGUARD_AUTH0_DOMAIN: ['domain', 'string'] },
    okta: {
      TOKENGUARD_OKTA_DOMAIN: ['domain', 'string'],
      TOKENGUARD_OKTA_AUTHORIZATION_SERVER_ID: ['authorizationServerId', 'string'],
    },
    entra: {
      TOKENGUARD_ENTRA_TENANT_ID: ['tenantId', 'string'],
      TOKENGUARD_ENTRA_TENANTS: ['tenants', 'list'],
      TOKENGUARD_ENTRA_VERSION: ['version', 'version'],
      TOKENGUARD_ENTRA_INSTANCE: ['instance', 'string'],
      TOKENGUARD_ENTRA_V1_ISSUER_HOST: ['v1IssuerHost', 'string'],
    },
    keycloak: {
      TOKENGUARD_KEYCLOAK_URL: ['url', 'string'],
      TOKENGUARD_KEYCLOAK_REALM: ['realm', 'string'],
      TOKENGUARD_KEYCLOAK_CLIENT_ID: ['clientId', 'string'],
    },
    cognito: {
      TOKENGUARD_COGNITO_USER_POOL_ID: ['userPoolId', 'string'],
      TOKENGUARD_COGNITO_CLIENT_IDS: ['clientIds', 'list'],
      TOKENGUARD_COGNITO_REGION: ['region', 'string'],
      TOKENGUARD_COGNITO_ENDPOINT: ['endpoint', 'string'],
    },
    zitadel: {
      TOKENGUARD_ZITADEL_DOMAIN: ['domain', 'string'],
      TOKENGUARD_ZITADEL_PROJECT_ID: ['projectId', 'string'],
    },
    spiffe: {
      TOKENGUARD_SPIFFE_TRUST_DOMAINS: ['trustDomains', 'trustDomains'],
      TOKENGUARD_SPIFFE_IDS: ['ids', 'list'],
    },
  };

/**
 * Every variable the provider presets read: `TOKENGUARD_PROVIDER` and each provider's
 * parameters (for the check that refuses unknown `TOKENGUARD_*` variables).
 */
export const PROVIDER_VARIABLES: readonly string[] = Object.freeze([
  'TOKENGUARD_PROVIDER',
  ...Object.values(VARIABLES).flatMap((variables) => Object.keys(variables)),
]);

const split = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);

function parse(variable: string, kind: Kind, value: string): unknown {
  if (kind === 'string') return value;
  if (kind === 'list') return split(value);
  if (kind === 'version') {
    if (value !== '1' && value !== '2') fail(`"${variable}" must be 1 or 2`);
    return Number(value);
  }
  // `name=url,name=url`: trust domain names hold no `=` or `,`, and neither do bundle URLs here.
  const domains: Record<string, string> = {};
  for (const pair of split(value)) {
    const at = pair.indexOf('=');
    if (at <= 0)
      fail(`"${variable}" must list <trust domain>=<bundle endpoint URL>, comma-separated`);
    domains[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return domains;
}

/**
 * The preset `TOKENGUARD_PROVIDER` selects, made from its variables and `TOKENGUARD_AUDIENCE`;
 * `undefined` when no provider is selected. A provider variable without its provider selected,
 * an unknown provider, or `TOKENGUARD_ISSUER` / `TOKENGUARD_JWKS_URI` beside a provider (the
 * preset sets them) is a `TypeError` naming the variable; so is a preset's own complaint, with
 * its parameter named by its variable.
 */
export function presetFromEnv(
  read: (name: string) => string | undefined,
): TokenGuardOptions | undefined {
  const provider = read('TOKENGUARD_PROVIDER');
  const names = Object.keys(VARIABLES) as ProviderName[];
  for (const name of names) {
    if (name === provider) continue;
    for (const variable of Object.keys(VARIABLES[name])) {
      if (read(variable) !== undefined) {
        fail(`"${variable}" is set, but "TOKENGUARD_PROVIDER" is not ${name}`);
      }
    }
  }
  if (provider === undefined) return undefined;
  if (!(names as string[]).includes(provider)) {
    const closest = closestName(provider, names);
    fail(
      `"TOKENGUARD_PROVIDER" must be one of ${names.join(', ')}${closest === undefined ? '' : `; did you mean "${closest}"?`}`,
    );
  }
  for (const variable of ['TOKENGUARD_ISSUER', 'TOKENGUARD_JWKS_URI']) {
    if (read(variable) !== undefined) {
      fail(
        `"${variable}" cannot be set with "TOKENGUARD_PROVIDER": the ${provider} preset sets it`,
      );
    }
  }
  const name = provider as ProviderName;
  const parameters: Record<string, unknown> = {};
  const audience = read('TOKENGUARD_AUDIENCE');
  if (audience !== undefined) {
    const audiences = split(audience);
    parameters.audience = audiences.length === 1 ? audiences[0] : audiences;
  }
  for (const [variable, [parameter, kind]] of Object.entries(VARIABLES[name])) {
    const value = read(variable);
    if (value !== undefined) parameters[parameter] = parse(variable, kind, value);
  }
  try {
    return (presets[name] as (options: object) => TokenGuardOptions)(parameters);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    // Name the variable the user sets, not the preset's parameter.
    let message = error.message;
    for (const [variable, [parameter]] of Object.entries(VARIABLES[name])) {
      message = message.replaceAll(`"${parameter}"`, `"${variable}"`);
    }
    throw new TypeError(message.replaceAll('"audience"', '"TOKENGUARD_AUDIENCE"'));
  }
}
