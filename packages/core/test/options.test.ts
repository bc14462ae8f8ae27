import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES, optionsFromEnv } from '../src/env.js';
import { createTokenGuard } from '../src/index.js';
import type { TokenGuardOptions } from '../src/options.js';

const base = { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' };

describe('createTokenGuard: configuration errors name the option', () => {
  it.each<[string, TokenGuardOptions, string]>([
    ['missing issuer', { audience: 'a' }, 'tokenguard: "issuer" is required'],
    ['missing audience', { issuer: base.issuer }, 'tokenguard: "audience" is required'],
    [
      'none algorithm',
      { ...base, algorithms: ['none' as never] },
      '"algorithms" must not contain "none"',
    ],
    [
      'NoNe algorithm',
      { ...base, algorithms: ['NoNe' as never] },
      '"algorithms" must not contain "none"',
    ],
    [
      'unknown algorithm',
      { ...base, algorithms: ['RS1' as never] },
      '"algorithms" contains an unsupported algorithm',
    ],
    [
      'HS without secret',
      { ...base, algorithms: ['HS256'] },
      '"algorithms" contains HS256, which requires "secret"',
    ],
    ['short secret', { ...base, secret: 'short' }, '"secret" must be at least 32 bytes for HS256'],
    ['http issuer', { ...base, issuer: 'http://auth.example.com/' }, '"issuer" must use https'],
    [
      'http jwksUri',
      { ...base, jwksUri: 'http://auth.example.com/jwks' },
      '"jwksUri" must use https',
    ],
    ['relative issuer', { ...base, issuer: '/auth' }, '"issuer" must be an absolute URL'],
    [
      'clock tolerance too large',
      { ...base, clockTolerance: 301 },
      '"clockTolerance" must be a finite number of seconds between 0 and 300',
    ],
    [
      'clock tolerance infinite',
      { ...base, clockTolerance: Number.POSITIVE_INFINITY },
      '"clockTolerance"',
    ],
    [
      'jwks timeout in milliseconds',
      { ...base, jwks: { timeout: 5000 } },
      '"jwks.timeout" must be a finite number of seconds between 0 and 60',
    ],
    [
      'jwksUri with two issuers',
      { ...base, issuer: [base.issuer, 'https://b.example.com/'], jwksUri: 'https://a/jwks' },
      '"jwksUri" needs exactly one issuer',
    ],
    [
      'bad issuers entry',
      { audience: 'a', issuers: [{} as never] },
      '"issuers[0].issuer" is required',
    ],
    [
      'bad issuers jwksUri',
      { audience: 'a', issuers: [{ issuer: base.issuer, jwksUri: 'http://x.example/jwks' }] },
      '"issuers[0].jwksUri" must use https',
    ],
    [
      'bad token location',
      { ...base, tokenLocations: ['cookie' as never] },
      '"tokenLocations" may only contain',
    ],
    [
      'cookie location without a valid name',
      { ...base, tokenLocations: ['header', { cookie: 'access token' }] },
      '"tokenLocations[].cookie" must be a cookie name',
    ],
    [
      'cookie location with other keys',
      { ...base, tokenLocations: [{ cookie: 'at', path: '/' } as never] },
      '"tokenLocations" entries are "header", "query", "body" or { cookie: "<name>" }',
    ],
    [
      'two cookie locations',
      { ...base, tokenLocations: [{ cookie: 'a' }, { cookie: 'b' }] },
      '"tokenLocations" may name one cookie only',
    ],
    [
      'isRevoked not a function',
      { ...base, isRevoked: true as never },
      '"isRevoked" must be a function (auth) => boolean | Promise<boolean>',
    ],
    ['bad scopes', { ...base, scopes: ['a b'] }, '"options.scopes"'],
    ['bad claims', { ...base, claims: { tenant: 5 as never } }, '"claims.tenant"'],
    ['bad realm', { ...base, realm: 'a\r\nb' }, '"realm" must be a string of printable ASCII'],
    [
      'resource with query',
      { ...base, resource: 'https://api.example.com/?x=1' },
      '"resource" must not have a query',
    ],
    [
      'unknown option',
      { ...base, audiance: 'x' } as never,
      'unknown option "audiance"; did you mean "audience"?',
    ],
    ['bad profile', { ...base, accessTokenProfile: 'jwt' as never }, '"accessTokenProfile"'],
    [
      'bad store',
      { ...base, store: {} as never },
      '"store" must implement get, set and setIfAbsent',
    ],
  ])('%s', (_name, options, message) => {
    expect(() => createTokenGuard(options)).toThrow(TypeError);
    expect(() => createTokenGuard(options)).toThrow(message);
  });

  it('accepts plain http on loopback, and elsewhere only with allowInsecureRequests', () => {
    expect(() => createTokenGuard({ ...base, issuer: 'http://127.0.0.1:4000' })).not.toThrow();
    expect(() => createTokenGuard({ ...base, issuer: 'http://localhost:4000/' })).not.toThrow();
    expect(() =>
      createTokenGuard({ ...base, issuer: 'http://auth.internal/', allowInsecureRequests: true }),
    ).not.toThrow();
  });

  it('accepts a secret long enough for HS256', () => {
    expect(() => createTokenGuard({ ...base, secret: 'x'.repeat(32) })).not.toThrow();
    expect(() =>
      createTokenGuard({ ...base, secret: 'x'.repeat(32), algorithms: ['HS512'] }),
    ).toThrow('at least 64 bytes for HS512');
  });

  it('checks the secret length for HS algorithms given per issuer too (RFC 7518 §3.2)', () => {
    const perIssuer = (algorithms: TokenGuardOptions['algorithms']) => () =>
      createTokenGuard({
        audience: base.audience,
        secret: 'x'.repeat(32),
        issuers: [{ issuer: base.issuer, algorithms }],
      });
    expect(perIssuer(['HS512'])).toThrow(TypeError);
    expect(perIssuer(['HS512'])).toThrow(
      'tokenguard: "secret" must be at least 64 bytes for HS512 in "issuers[0].algorithms" (RFC 7518 §3.2)',
    );
    expect(perIssuer(['ES256', 'HS384'])).toThrow('at least 48 bytes for HS384');
    expect(perIssuer(['HS256'])).not.toThrow();
  });
});

describe('optionsFromEnv', () => {
  it('reads TOKENGUARD_* variables', () => {
    expect(
      optionsFromEnv({
        TOKENGUARD_ISSUER: 'https://a.example/, https://b.example/',
        TOKENGUARD_AUDIENCE: 'https://api.example.com',
        TOKENGUARD_JWKS_URI: 'https://a.example/jwks',
        TOKENGUARD_ALGORITHMS: 'ES256,RS256',
        TOKENGUARD_CLOCK_TOLERANCE: '10',
        TOKENGUARD_REALM: 'api',
      }),
    ).toEqual({
      issuer: ['https://a.example/', 'https://b.example/'],
      audience: 'https://api.example.com',
      jwksUri: 'https://a.example/jwks',
      algorithms: ['ES256', 'RS256'],
      clockTolerance: 10,
      realm: 'api',
    });
  });

  it('reads TOKENGUARD_TOKEN_COOKIE as a cookie location besides the header', () => {
    expect(optionsFromEnv({ TOKENGUARD_TOKEN_COOKIE: '__Host-access_token' })).toEqual({
      tokenLocations: ['header', { cookie: '__Host-access_token' }],
    });
    expect(() =>
      createTokenGuard({ ...base, ...optionsFromEnv({ TOKENGUARD_TOKEN_COOKIE: 'a;b' }) }),
    ).toThrow('"tokenLocations[].cookie" must be a cookie name');
  });

  it('reads introspection and DPoP settings', () => {
    expect(
      optionsFromEnv({
        TOKENGUARD_INTROSPECTION_CLIENT_ID: 'api',
        TOKENGUARD_INTROSPECTION_CLIENT_SECRET: 's',
        TOKENGUARD_INTROSPECTION_MODE: 'always',
        TOKENGUARD_DPOP: 'required',
        TOKENGUARD_DPOP_NONCE_SECRET: 'n'.repeat(32),
      }),
    ).toEqual({
      introspection: { clientId: 'api', clientSecret: 's', mode: 'always' },
      dpop: { mode: 'required', nonce: { secret: 'n'.repeat(32) } },
    });
    expect(() =>
      createTokenGuard(
        optionsFromEnv({
          TOKENGUARD_ISSUER: 'https://a.example/',
          TOKENGUARD_AUDIENCE: 'x',
          TOKENGUARD_DPOP: 'maybe',
        }),
      ),
    ).toThrow('"dpop.mode"');
  });

  it('reads the introspection audience opt-out, and nothing but true or false', () => {
    const env = { TOKENGUARD_INTROSPECTION_CLIENT_ID: 'api' };
    expect(
      optionsFromEnv({ ...env, TOKENGUARD_INTROSPECTION_REQUIRE_AUDIENCE: 'false' }).introspection,
    ).toEqual({ clientId: 'api', requireAudience: false });
    expect(
      optionsFromEnv({ ...env, TOKENGUARD_INTROSPECTION_REQUIRE_AUDIENCE: 'true' }).introspection,
    ).toEqual({ clientId: 'api', requireAudience: true });
    expect(() =>
      optionsFromEnv({ ...env, TOKENGUARD_INTROSPECTION_REQUIRE_AUDIENCE: 'no' }),
    ).toThrow(
      'tokenguard: "TOKENGUARD_INTROSPECTION_REQUIRE_AUDIENCE" (introspection.requireAudience) must be true or false',
    );
  });

  it('leaves unset variables out, so the guard names the missing option', () => {
    expect(optionsFromEnv({})).toEqual({});
    expect(() => createTokenGuard(optionsFromEnv({ TOKENGUARD_AUDIENCE: 'x' }))).toThrow(
      '"issuer" is required',
    );
  });

  it('refuses an unknown TOKENGUARD_* variable, naming the closest one', () => {
    expect(() =>
      optionsFromEnv({ TOKENGUARD_ISSUER: 'https://a.example/', TOKENGUARD_AUDIANCE: 'x' }),
    ).toThrow(
      new TypeError(
        'tokenguard: unknown environment variable "TOKENGUARD_AUDIANCE"; did you mean "TOKENGUARD_AUDIENCE"? (the variables tokenguard reads are listed in @tokenguard/core\'s README)',
      ),
    );
    expect(() => optionsFromEnv({ TOKENGUARD_TOKEN_TYPE: 'JWT' })).toThrow(
      'did you mean "TOKENGUARD_TOKEN_TYPES"?',
    );
    expect(() => optionsFromEnv({ TOKENGUARD_COLOUR: 'blue' })).toThrow(
      /unknown environment variable "TOKENGUARD_COLOUR" \(/,
    );
    // Other prefixes are not ours.
    expect(optionsFromEnv({ TOKENGUARDIAN: 'x', MY_TOKENGUARD_X: 'y' })).toEqual({});
  });

  it('has a variable for every option a deployment varies', () => {
    const options = optionsFromEnv({
      TOKENGUARD_TOKEN_TYPES: 'JWT, application/jwt',
      TOKENGUARD_PUBLIC_URL: 'https://api.example.com/v1',
      TOKENGUARD_ACCESS_TOKEN_PROFILE: 'rfc9068',
      TOKENGUARD_MAX_TOKEN_AGE: '3600',
      TOKENGUARD_TOKEN_LOCATIONS: 'header,query',
      TOKENGUARD_SCOPES: 'api',
      TOKENGUARD_ANY_SCOPES: 'orders:read,orders:admin',
      TOKENGUARD_JWKS_TIMEOUT: '2.5',
      TOKENGUARD_JWKS_COOLDOWN: '10',
      TOKENGUARD_INTROSPECTION_CLIENT_ID: 'api',
      TOKENGUARD_INTROSPECTION_CLIENT_AUTH: 'client_secret_post',
      TOKENGUARD_INTROSPECTION_TIMEOUT: '1',
      TOKENGUARD_INTROSPECTION_CACHE_TTL: '30',
      TOKENGUARD_DPOP_ALGORITHMS: 'ES256,EdDSA',
      TOKENGUARD_MTLS: 'required',
      TOKENGUARD_MTLS_CERTIFICATE_HEADER: 'x-ssl-client-cert',
      TOKENGUARD_ALLOW_INSECURE_REQUESTS: 'false',
      TOKENGUARD_WARM_UP: 'fail',
      TOKENGUARD_LOG: 'off',
    });
    expect(options).toEqual({
      tokenTypes: ['JWT', 'application/jwt'],
      publicUrl: 'https://api.example.com/v1',
      accessTokenProfile: 'rfc9068',
      maxTokenAge: 3600,
      tokenLocations: ['header', 'query'],
      scopes: ['api'],
      anyScopes: ['orders:read', 'orders:admin'],
      jwks: { timeout: 2.5, cooldown: 10 },
      introspection: {
        clientId: 'api',
        clientAuth: 'client_secret_post',
        timeout: 1,
        cacheTtl: 30,
      },
      dpop: { algorithms: ['ES256', 'EdDSA'] },
      mtls: { required: true, certificateHeader: 'x-ssl-client-cert' },
      allowInsecureRequests: false,
      warmUp: 'fail',
      logger: false,
    });
    expect(optionsFromEnv({ TOKENGUARD_LOG: 'debug' }).logger).toMatchObject({ level: 'debug' });
    expect(optionsFromEnv({ TOKENGUARD_WARM_UP: 'off' }).warmUp).toBe(false);
    expect(() => optionsFromEnv({ TOKENGUARD_WARM_UP: 'yes' })).toThrow(
      'tokenguard: "TOKENGUARD_WARM_UP" (warmUp) must be fail, warn or off',
    );
  });

  it("lists every variable in the README's table, and no other", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Environment variables'),
      readme.indexOf('## When a request is rejected'),
    );
    const documented = [...section.matchAll(/^\| `(TOKENGUARD_\w+)` \| `([\w.]+)` \|/gm)].map(
      (match) => `${match[1]} ${match[2]}`,
    );
    expect(documented).toEqual(
      ENV_VARIABLES.map((variable) => `${variable.name} ${variable.option}`),
    );
  });

  it("adds the table's variables to a provider's preset, and names a misspelled provider variable", () => {
    const options = optionsFromEnv({
      TOKENGUARD_PROVIDER: 'auth0',
      TOKENGUARD_AUTH0_DOMAIN: 'example.us.auth0.com',
      TOKENGUARD_AUDIENCE: 'https://api.example.com',
      TOKENGUARD_DPOP: 'required',
      TOKENGUARD_WARM_UP: 'fail',
    });
    expect(options).toMatchObject({
      issuer: 'https://example.us.auth0.com/',
      audience: 'https://api.example.com',
      dpop: { mode: 'required' },
      warmUp: 'fail',
    });
    expect(() =>
      optionsFromEnv({
        TOKENGUARD_PROVIDER: 'auth0',
        TOKENGUARD_AUTH0_DOMAIN: 'example.us.auth0.com',
        TOKENGUARD_AUDIENCE: 'x',
        TOKENGUARD_AUTH0_DOMIAN: 'typo.example',
      }),
    ).toThrow('did you mean "TOKENGUARD_AUTH0_DOMAIN"?');
  });

  it('refuses two variables that set the same option', () => {
    expect(() =>
      optionsFromEnv({ TOKENGUARD_TOKEN_LOCATIONS: 'header', TOKENGUARD_TOKEN_COOKIE: 'at' }),
    ).toThrow(
      'tokenguard: "TOKENGUARD_TOKEN_LOCATIONS" and "TOKENGUARD_TOKEN_COOKIE" both set tokenLocations; set one of them',
    );
  });

  it('turns a feature on with any of its variables, so a missing client id is named', () => {
    expect(() =>
      createTokenGuard(
        optionsFromEnv({
          TOKENGUARD_ISSUER: 'https://a.example/',
          TOKENGUARD_AUDIENCE: 'x',
          TOKENGUARD_INTROSPECTION_CLIENT_SECRET: 's',
        }),
      ),
    ).toThrow('"introspection.clientId" is required');
  });

  it('rejects a malformed number, naming the variable', () => {
    expect(() => optionsFromEnv({ TOKENGUARD_CLOCK_TOLERANCE: 'ten' })).toThrow(
      'TOKENGUARD_CLOCK_TOLERANCE',
    );
  });
});
