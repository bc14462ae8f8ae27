import { describe, expect, it } from 'vitest';
import { optionsFromEnv } from '../src/env.js';
import { createTokenGuard, presets } from '../src/index.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const API_ID = '6e74172b-be56-4843-9ff4-e66a39bb12e3';

// Each preset is a plain function returning ordinary options: these are exactly what they set,
// so that a user can read (and print) what a preset means.
describe('presets return ordinary options', () => {
  it('auth0: issuer with a trailing slash, typ JWT, permissions under permission:', () => {
    expect(presets.auth0({ domain: 'acme.eu.auth0.com', audience: 'https://orders' })).toEqual({
      issuer: 'https://acme.eu.auth0.com/',
      audience: 'https://orders',
      algorithms: ['RS256', 'PS256'],
      tokenTypes: ['JWT'],
      scopeClaims: [{ claim: 'permissions', prefix: 'permission:' }],
    });
    // A URL works as well as a host name; the trailing slash is the preset's.
    expect(presets.auth0({ domain: 'https://login.example.com/', audience: 'a' }).issuer).toBe(
      'https://login.example.com/',
    );
  });

  it('okta: the custom authorization server, the client id from cid', () => {
    expect(presets.okta({ domain: 'acme.okta.com', audience: 'api://default' })).toEqual({
      issuer: 'https://acme.okta.com/oauth2/default',
      audience: 'api://default',
      algorithms: ['RS256'],
      clientIdClaim: ['cid', 'client_id'],
    });
    expect(
      presets.okta({ domain: 'acme.okta.com', authorizationServerId: 'aus1x', audience: 'a' })
        .issuer,
    ).toBe('https://acme.okta.com/oauth2/aus1x');
  });

  it('entra: v2.0 and v1.0 single-tenant issuers and key sets', () => {
    const common = {
      algorithms: ['RS256'],
      tokenTypes: ['JWT'],
      scopeClaims: [{ claim: 'roles', prefix: 'role:' }],
    };
    expect(presets.entra({ tenantId: TENANT, audience: API_ID })).toEqual({
      ...common,
      audience: API_ID,
      clientIdClaim: ['azp'],
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
    });
    expect(presets.entra({ tenantId: TENANT, audience: 'api://orders', version: 1 })).toEqual({
      ...common,
      audience: 'api://orders',
      clientIdClaim: ['appid'],
      issuer: `https://sts.windows.net/${TENANT}/`,
      jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/keys`,
    });
  });

  it('entra: a multi-tenant API names its tenants through an issuer template', () => {
    expect(presets.entra({ tenants: [TENANT, OTHER_TENANT], audience: API_ID })).toMatchObject({
      issuers: [
        {
          issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
          jwksUri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
          tenants: [TENANT, OTHER_TENANT],
        },
      ],
    });
    const guard = createTokenGuard(
      presets.entra({ tenants: [TENANT, OTHER_TENANT], audience: API_ID }),
    );
    expect(guard.issuers).toEqual([
      `https://login.microsoftonline.com/${TENANT}/v2.0`,
      `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0`,
    ]);
  });

  it('keycloak: realm and client roles, the payload typ of an access token', () => {
    expect(
      presets.keycloak({
        url: 'https://sso.example.com/auth/',
        realm: 'acme',
        audience: 'orders-api',
        clientId: 'orders-api',
      }),
    ).toEqual({
      issuer: 'https://sso.example.com/auth/realms/acme',
      audience: 'orders-api',
      tokenTypes: ['JWT'],
      claims: { typ: { oneOf: ['Bearer', 'DPoP'] } },
      scopeClaims: [
        { claim: ['realm_access', 'roles'], prefix: 'realm:' },
        { claim: ['resource_access', 'orders-api', 'roles'], prefix: 'role:' },
      ],
    });
  });

  it('cognito: no audience, a client binding instead; the region from the pool id', () => {
    expect(
      presets.cognito({
        userPoolId: 'eu-west-1_AbCdEf123',
        clientIds: ['4bpqi8dv1ovqk2v4fsmo2nbhs1'],
      }),
    ).toEqual({
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
      clientBinding: { clientIds: ['4bpqi8dv1ovqk2v4fsmo2nbhs1'], claims: { token_use: 'access' } },
      clientIdClaim: 'client_id',
      algorithms: ['RS256'],
      scopeClaims: [{ claim: 'cognito:groups', prefix: 'group:' }],
    });
  });

  it("zitadel: the project id is the audience, the project's roles are role:<role>", () => {
    expect(
      presets.zitadel({ domain: 'acme-x1.zitadel.cloud', projectId: '274637598417174530' }),
    ).toEqual({
      issuer: 'https://acme-x1.zitadel.cloud',
      audience: '274637598417174530',
      algorithms: ['RS256'],
      tokenTypes: ['JWT'],
      scopeClaims: [
        { claim: 'urn:zitadel:iam:org:project:274637598417174530:roles', prefix: 'role:' },
      ],
    });
  });

  it('spiffe: trust domains and allowed IDs, the JWT-SVID algorithms and types', () => {
    const options = presets.spiffe({
      trustDomains: { 'example.org': 'https://spire.example.org/bundle' },
      ids: ['spiffe://example.org/ns/*/sa/billing'],
      audience: 'orders',
    });
    expect(options).toEqual({
      spiffe: {
        trustDomains: { 'example.org': 'https://spire.example.org/bundle' },
        ids: ['spiffe://example.org/ns/*/sa/billing'],
      },
      audience: 'orders',
      algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'],
      tokenTypes: ['JWT', 'JOSE'],
    });
    expect(createTokenGuard(options).issuers).toEqual([]);
  });

  it('every preset makes a guard', async () => {
    for (const options of [
      presets.auth0({ domain: 'a.auth0.com', audience: 'x' }),
      presets.okta({ domain: 'a.okta.com', audience: 'x' }),
      presets.entra({ tenantId: TENANT, audience: API_ID }),
      presets.keycloak({ url: 'https://sso.example.com', realm: 'r', audience: 'x' }),
      presets.cognito({ userPoolId: 'us-east-1_Abc', clientIds: ['c'] }),
      presets.zitadel({ domain: 'z.zitadel.cloud', projectId: '1' }),
    ]) {
      await createTokenGuard(options).close();
    }
  });
});

describe('a preset takes further options', () => {
  it('adds claim rules and scope claims to its own, unites token types, replaces defaults', () => {
    const options = presets.keycloak({
      url: 'https://sso.example.com',
      realm: 'acme',
      audience: 'orders-api',
      claims: { tenant: { equals: 'acme' } },
      scopeClaims: [{ claim: 'groups', prefix: 'group:' }],
      tokenTypes: ['JWT', 'at+jwt'],
      algorithms: ['ES256'],
      dpop: { mode: 'required' },
    });
    expect(options).toMatchObject({
      claims: { typ: { oneOf: ['Bearer', 'DPoP'] }, tenant: { equals: 'acme' } },
      scopeClaims: [
        { claim: ['realm_access', 'roles'], prefix: 'realm:' },
        { claim: 'groups', prefix: 'group:' },
      ],
      tokenTypes: ['JWT', 'at+jwt'],
      algorithms: ['ES256'],
      dpop: { mode: 'required' },
    });
  });

  it.each([
    [
      () =>
        presets.auth0({
          domain: 'a.auth0.com',
          audience: 'x',
          issuer: 'https://evil.example/',
        } as never),
      'tokenguard: presets.auth0(): "issuer" is set by the preset; use plain options instead of the preset to choose it',
    ],
    [
      () =>
        presets.cognito({
          userPoolId: 'us-east-1_Abc',
          clientIds: ['c'],
          clientBinding: { clientIds: ['any'] },
        } as never),
      'tokenguard: presets.cognito(): "clientBinding" is set by the preset',
    ],
    [
      () =>
        presets.keycloak({
          url: 'https://sso.example.com',
          realm: 'r',
          audience: 'x',
          claims: { typ: { equals: 'ID' } },
        }),
      'tokenguard: presets.keycloak(): "claims.typ" is already a rule of the preset',
    ],
  ])('refuses to replace what says whose tokens these are: %#', (make, message) => {
    expect(make).toThrow(new TypeError(message).message);
  });
});

describe('preset parameters: the common mistakes fail at construction', () => {
  it.each<[string, () => unknown, string]>([
    [
      'entra: "common" trusts every tenant',
      () => presets.entra({ tenantId: 'common', audience: API_ID }),
      `presets.entra(): "tenantId" is 'common', which would trust every tenant; list the allowed ones in "tenants" instead`,
    ],
    [
      'entra: a domain name where the tenant id goes',
      () => presets.entra({ tenantId: 'contoso.onmicrosoft.com', audience: API_ID }),
      'presets.entra(): "tenantId" must be the Directory (tenant) ID, a GUID',
    ],
    [
      'entra: an Application ID URI as the audience of v2.0 tokens',
      () => presets.entra({ tenantId: TENANT, audience: 'api://orders' }),
      '"audience" of v2.0 tokens is the API\'s Application (client) ID, a GUID',
    ],
    [
      'entra: tenantId and tenants',
      () => presets.entra({ tenantId: TENANT, tenants: [TENANT], audience: API_ID }),
      'presets.entra(): give "tenantId" or "tenants", not both',
    ],
    [
      'entra: an empty tenant list',
      () => presets.entra({ tenants: [], audience: API_ID }),
      '"tenants" must be a non-empty list of Directory (tenant) IDs',
    ],
    [
      'cognito: not a pool id',
      () => presets.cognito({ userPoolId: 'AbCdEf123', clientIds: ['c'] }),
      '"userPoolId" must be a user pool id such as us-east-1_AbCdEf123',
    ],
    [
      'cognito: a region the pool is not in',
      () => presets.cognito({ userPoolId: 'us-east-1_Abc', clientIds: ['c'], region: 'eu-west-1' }),
      '"region" must be the region the user pool id names (us-east-1)',
    ],
    [
      'cognito: no client ids',
      () => presets.cognito({ userPoolId: 'us-east-1_Abc', clientIds: [] }),
      '"clientIds" is required',
    ],
    [
      'okta: a path as the domain',
      () => presets.okta({ domain: 'https://acme.okta.com/oauth2/default', audience: 'a' }),
      'presets.okta(): "domain" must be a host name or an https URL without a path',
    ],
    [
      'keycloak: a realm path',
      () =>
        presets.keycloak({ url: 'https://sso.example.com', realm: 'realms/acme', audience: 'a' }),
      'presets.keycloak(): "realm" must be a realm name, not a path',
    ],
    [
      'zitadel: no project id',
      () => presets.zitadel({ domain: 'z.zitadel.cloud' } as never),
      `presets.zitadel(): "projectId" is required`,
    ],
    [
      'no argument',
      () => presets.auth0(undefined as never),
      'presets.auth0(): expects an options object',
    ],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });
});

describe('TOKENGUARD_PROVIDER: a preset from the environment', () => {
  it('makes the preset from its variables and TOKENGUARD_AUDIENCE, and adds the others', () => {
    expect(
      optionsFromEnv({
        TOKENGUARD_PROVIDER: 'entra',
        TOKENGUARD_ENTRA_TENANTS: `${TENANT}, ${OTHER_TENANT}`,
        TOKENGUARD_AUDIENCE: API_ID,
        TOKENGUARD_DPOP: 'allowed',
      }),
    ).toEqual({
      ...presets.entra({ tenants: [TENANT, OTHER_TENANT], audience: API_ID }),
      dpop: { mode: 'allowed' },
    });
    expect(
      optionsFromEnv({
        TOKENGUARD_PROVIDER: 'cognito',
        TOKENGUARD_COGNITO_USER_POOL_ID: 'us-east-1_Abc',
        TOKENGUARD_COGNITO_CLIENT_IDS: 'c1,c2',
      }),
    ).toEqual(presets.cognito({ userPoolId: 'us-east-1_Abc', clientIds: ['c1', 'c2'] }));
    expect(
      optionsFromEnv({
        TOKENGUARD_PROVIDER: 'spiffe',
        TOKENGUARD_SPIFFE_TRUST_DOMAINS:
          'a.example=https://spire.a.example/bundle, b.example=https://spire.b.example/bundle',
        TOKENGUARD_SPIFFE_IDS: 'spiffe://a.example/**',
        TOKENGUARD_AUDIENCE: 'orders',
      }),
    ).toEqual(
      presets.spiffe({
        trustDomains: {
          'a.example': 'https://spire.a.example/bundle',
          'b.example': 'https://spire.b.example/bundle',
        },
        ids: ['spiffe://a.example/**'],
        audience: 'orders',
      }),
    );
    expect(
      optionsFromEnv({
        TOKENGUARD_PROVIDER: 'entra',
        TOKENGUARD_ENTRA_TENANT_ID: TENANT,
        TOKENGUARD_ENTRA_VERSION: '1',
        TOKENGUARD_AUDIENCE: 'api://orders',
      }).issuer,
    ).toBe(`https://sts.windows.net/${TENANT}/`);
  });

  it.each<[Record<string, string>, string]>([
    [
      { TOKENGUARD_PROVIDER: 'entraid' },
      '"TOKENGUARD_PROVIDER" must be one of auth0, okta, entra, keycloak, cognito, zitadel, spiffe; did you mean "entra"?',
    ],
    [
      { TOKENGUARD_AUTH0_DOMAIN: 'a.auth0.com' },
      '"TOKENGUARD_AUTH0_DOMAIN" is set, but "TOKENGUARD_PROVIDER" is not auth0',
    ],
    [
      {
        TOKENGUARD_PROVIDER: 'okta',
        TOKENGUARD_OKTA_DOMAIN: 'a.okta.com',
        TOKENGUARD_ENTRA_TENANT_ID: TENANT,
      },
      '"TOKENGUARD_ENTRA_TENANT_ID" is set, but "TOKENGUARD_PROVIDER" is not entra',
    ],
    [
      {
        TOKENGUARD_PROVIDER: 'auth0',
        TOKENGUARD_AUTH0_DOMAIN: 'a.auth0.com',
        TOKENGUARD_ISSUER: 'https://x/',
      },
      '"TOKENGUARD_ISSUER" cannot be set with "TOKENGUARD_PROVIDER": the auth0 preset sets it',
    ],
    [
      {
        TOKENGUARD_PROVIDER: 'entra',
        TOKENGUARD_ENTRA_TENANT_ID: 'common',
        TOKENGUARD_AUDIENCE: API_ID,
      },
      `presets.entra(): "TOKENGUARD_ENTRA_TENANT_ID" is 'common', which would trust every tenant; list the allowed ones in "TOKENGUARD_ENTRA_TENANTS" instead`,
    ],
    [
      {
        TOKENGUARD_PROVIDER: 'entra',
        TOKENGUARD_ENTRA_TENANT_ID: TENANT,
        TOKENGUARD_ENTRA_VERSION: '3',
      },
      '"TOKENGUARD_ENTRA_VERSION" must be 1 or 2',
    ],
    [{ TOKENGUARD_PROVIDER: 'auth0' }, 'presets.auth0(): "TOKENGUARD_AUTH0_DOMAIN" is required'],
  ])('refuses %o, naming the variable', (env, message) => {
    expect(() => optionsFromEnv(env)).toThrow(TypeError);
    expect(() => optionsFromEnv(env)).toThrow(message);
  });
});
