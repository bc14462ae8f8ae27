import { describe, expect, it } from 'vitest';
import { buildChallenge, type ChallengeConfig, quote } from '../src/challenge.js';
import {
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
  ServiceUnavailableError,
  UseDpopNonceError,
} from '../src/errors.js';
import { attachHeaders } from '../src/respond.js';

const plain: ChallengeConfig = {
  realm: undefined,
  resourceMetadata: undefined,
  dpopAlgs: undefined,
  dpopRequired: false,
};
const full: ChallengeConfig = {
  realm: 'orders',
  resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource',
  dpopAlgs: undefined,
  dpopRequired: false,
};
const dpop: ChallengeConfig = { ...plain, dpopAlgs: 'ES256 EdDSA' };
const request = {
  scheme: undefined,
  privateAnswer: false,
  crossOrigin: false,
  dpopNonce: undefined,
} as const;

describe('WWW-Authenticate challenges (RFC 6750 §3)', () => {
  it('is a bare Bearer challenge when no credentials came (no error attribute)', () => {
    expect(buildChallenge(new MissingTokenError(), plain, undefined)).toBe('Bearer');
    expect(buildChallenge(new MissingTokenError(), full, undefined)).toBe(
      'Bearer realm="orders", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"',
    );
  });

  it('carries error and a fixed description for an invalid token', () => {
    expect(buildChallenge(new InvalidTokenError('jwt.signature'), full, 'Bearer')).toBe(
      'Bearer realm="orders", error="invalid_token", error_description="The access token is invalid", ' +
        'resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"',
    );
    expect(
      buildChallenge(
        new InvalidTokenError('jwt.expired', 'The access token expired'),
        plain,
        'Bearer',
      ),
    ).toBe('Bearer error="invalid_token", error_description="The access token expired"');
  });

  it('names the required scopes for insufficient_scope', () => {
    expect(
      buildChallenge(
        new InsufficientScopeError('authz.scope_missing', ['orders:read', 'orders:write']),
        plain,
        'Bearer',
      ),
    ).toBe(
      'Bearer error="insufficient_scope", error_description="The access token lacks the required scope", scope="orders:read orders:write"',
    );
  });

  it('carries acr_values and max_age for step-up (RFC 9470)', () => {
    expect(
      buildChallenge(
        new InsufficientUserAuthenticationError('authz.acr', ['urn:mace:incommon:iap:silver'], 300),
        plain,
        'Bearer',
      ),
    ).toBe(
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:mace:incommon:iap:silver", max_age="300"',
    );
  });

  it('escapes quotes and backslashes in quoted strings (RFC 9110 §5.6.4)', () => {
    expect(quote('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
    expect(
      buildChallenge(new MissingTokenError(), { ...plain, realm: 'say "hi"' }, undefined),
    ).toBe('Bearer realm="say \\"hi\\""');
  });

  it('offers a DPoP challenge beside Bearer, the error on the scheme the client used (RFC 9449 §7.1)', () => {
    expect(buildChallenge(new MissingTokenError(), dpop, undefined)).toBe(
      'Bearer, DPoP algs="ES256 EdDSA"',
    );
    expect(buildChallenge(new InvalidTokenError('x'), dpop, 'Bearer')).toBe(
      'Bearer error="invalid_token", error_description="The access token is invalid", DPoP algs="ES256 EdDSA"',
    );
    expect(buildChallenge(new InvalidTokenError('x'), dpop, 'DPoP')).toBe(
      'Bearer, DPoP error="invalid_token", error_description="The access token is invalid", algs="ES256 EdDSA"',
    );
    expect(
      buildChallenge(new InvalidTokenError('x'), { ...dpop, dpopRequired: true }, 'Bearer'),
    ).toBe(
      'DPoP error="invalid_token", error_description="The access token is invalid", algs="ES256 EdDSA"',
    );
  });

  it('puts the error on both challenges when the scheme the client meant is not known', () => {
    expect(
      buildChallenge(new InvalidRequestError('request.duplicate_authorization'), dpop, undefined),
    ).toBe(
      'Bearer error="invalid_request", error_description="The request is malformed", ' +
        'DPoP error="invalid_request", error_description="The request is malformed", algs="ES256 EdDSA"',
    );
    // A bare challenge stays bare.
    expect(buildChallenge(new MissingTokenError(), dpop, undefined)).toBe(
      'Bearer, DPoP algs="ES256 EdDSA"',
    );
  });
});

describe('response headers of a rejection', () => {
  it('sets the challenge, and a JSON body unless credentials were missing', () => {
    const error = attachHeaders(new InvalidTokenError('jwt.signature'), plain, request);
    expect(error.toResponse()).toEqual({
      status: 401,
      headers: {
        'WWW-Authenticate':
          'Bearer error="invalid_token", error_description="The access token is invalid"',
        'Content-Type': 'application/json',
      },
      body: '{"error":"invalid_token","error_description":"The access token is invalid"}',
      json: { error: 'invalid_token', error_description: 'The access token is invalid' },
    });
    expect(attachHeaders(new MissingTokenError(), plain, request).toResponse()).toEqual({
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer' },
      body: undefined,
      json: undefined,
    });
  });

  it('answers 400 invalid_request with a challenge too', () => {
    const { status, headers } = attachHeaders(
      new InvalidRequestError('request.multiple_methods'),
      plain,
      request,
    ).toResponse();
    expect(status).toBe(400);
    expect(headers['WWW-Authenticate']).toBe(
      'Bearer error="invalid_request", error_description="The request is malformed"',
    );
  });

  it('answers 503 with Retry-After and no challenge', () => {
    const { status, headers, body } = attachHeaders(
      new ServiceUnavailableError('jwks.unavailable', 7),
      plain,
      request,
    ).toResponse();
    expect(status).toBe(503);
    expect(headers).toEqual({
      'Retry-After': '7',
      'Cache-Control': 'no-store',
      'Content-Type': 'application/json',
    });
    expect(JSON.parse(body!)).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The authorization service is temporarily unavailable',
    });
  });

  it('marks answers to query-string tokens Cache-Control: private (RFC 6750 §2.3)', () => {
    expect(
      attachHeaders(new InvalidTokenError('x'), plain, { ...request, privateAnswer: true }).headers[
        'Cache-Control'
      ],
    ).toBe('private');
    // A 503 is never stored, wherever the token came from.
    expect(
      attachHeaders(new ServiceUnavailableError('x'), plain, { ...request, privateAnswer: true })
        .headers['Cache-Control'],
    ).toBe('no-store');
  });

  it('exposes the challenge to cross-origin browser clients', () => {
    expect(
      attachHeaders(new InvalidTokenError('x'), plain, { ...request, crossOrigin: true }).headers[
        'Access-Control-Expose-Headers'
      ],
    ).toBe('WWW-Authenticate');
    const nonce = attachHeaders(new UseDpopNonceError(), dpop, {
      ...request,
      crossOrigin: true,
      dpopNonce: 'n-1',
      scheme: 'DPoP',
    });
    expect(nonce.headers).toMatchObject({
      'DPoP-Nonce': 'n-1',
      'Cache-Control': 'no-store',
      'Access-Control-Expose-Headers': 'WWW-Authenticate, DPoP-Nonce',
    });
  });
});

describe('mergeResponseHeader', () => {
  it('merges list headers a CORS middleware set, without duplicates, and replaces others', async () => {
    const { mergeResponseHeader } = await import('../src/response-headers.js');
    expect(
      mergeResponseHeader(
        'Access-Control-Expose-Headers',
        'X-Request-Id, www-authenticate',
        'WWW-Authenticate, DPoP-Nonce',
      ),
    ).toBe('X-Request-Id, www-authenticate, DPoP-Nonce');
    expect(mergeResponseHeader('access-control-expose-headers', ['A', 'B'], 'C')).toBe('A, B, C');
    expect(
      mergeResponseHeader('Access-Control-Expose-Headers', undefined, 'WWW-Authenticate'),
    ).toBe('WWW-Authenticate');
    expect(mergeResponseHeader('WWW-Authenticate', 'Basic', 'Bearer')).toBe('Bearer');
  });
});
