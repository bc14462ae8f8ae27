import { describe, expect, it } from 'vitest';
import { type ExtractOptions, extractToken } from '../src/bearer/extract-token.js';
import { AuthError } from '../src/errors.js';
import type { TokenRequest } from '../src/request.js';

const headerOnly: ExtractOptions = {
  locations: { header: true, query: false, body: false },
  dpop: false,
  maxTokenLength: 8192,
};
const everywhere: ExtractOptions = {
  ...headerOnly,
  locations: { header: true, query: true, body: true },
};

function req(overrides: Partial<TokenRequest> = {}): TokenRequest {
  return { method: 'GET', url: 'https://api.example.com/orders', headers: {}, ...overrides };
}

function rejection(fn: () => unknown): { status: number; code: string; reason: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuthError)
      return { status: error.status, code: error.code, reason: error.reason };
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('extractToken: Authorization header (RFC 6750 §2.1)', () => {
  it('reads a Bearer token, the scheme in any case', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(
        extractToken(
          req({ headers: { authorization: `${scheme} abc.def-ghi_jkl~+/==` } }),
          headerOnly,
        ),
      ).toEqual({
        token: 'abc.def-ghi_jkl~+/==',
        scheme: 'Bearer',
        location: 'header',
      });
    }
  });

  it('tolerates several spaces between scheme and token', () => {
    expect(
      extractToken(req({ headers: { authorization: 'Bearer   tok' } }), headerOnly)?.token,
    ).toBe('tok');
  });

  it('finds no credentials without a header or with another scheme', () => {
    expect(extractToken(req(), headerOnly)).toBeUndefined();
    expect(
      extractToken(req({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }), headerOnly),
    ).toBeUndefined();
    // DPoP is a scheme of its own; with DPoP off it carries nothing this guard accepts.
    expect(
      extractToken(req({ headers: { authorization: 'DPoP tok' } }), headerOnly),
    ).toBeUndefined();
  });

  it('reads the DPoP scheme when DPoP is on', () => {
    expect(
      extractToken(req({ headers: { authorization: 'dpop tok' } }), { ...headerOnly, dpop: true }),
    ).toEqual({
      token: 'tok',
      scheme: 'DPoP',
      location: 'header',
    });
  });

  it.each([
    ['scheme without token', 'Bearer'],
    ['scheme and blanks only', 'Bearer    '],
    ['a comma', 'Bearer abc,def'],
    ['a second word', 'Bearer abc def'],
    ['a quote', 'Bearer "abc"'],
    ['padding in the middle', 'Bearer ab=c'],
    ['non-ASCII', 'Bearer abcé'],
    ['a tab after the scheme', 'Bearer\tabc'],
    ['a tab, then a space', 'Bearer\t abc'],
    ['a comma after the scheme', 'Bearer,abc'],
    ['a colon after the scheme', 'bearer:abc'],
  ])('rejects a malformed header (%s) with 400 invalid_request', (_name, value) => {
    expect(
      rejection(() => extractToken(req({ headers: { authorization: value } }), headerOnly)),
    ).toMatchObject({
      status: 400,
      code: 'invalid_request',
    });
  });

  it('reads a longer scheme name that starts with a known one as another scheme', () => {
    expect(
      extractToken(req({ headers: { authorization: 'Bearerx abc' } }), headerOnly),
    ).toBeUndefined();
    expect(
      extractToken(req({ headers: { authorization: 'DPoP-ish abc' } }), {
        ...headerOnly,
        dpop: true,
      }),
    ).toBeUndefined();
  });

  it('rejects the DPoP scheme followed by a tab when DPoP is on, and ignores it when off', () => {
    expect(
      rejection(() =>
        extractToken(req({ headers: { authorization: 'DPoP\tabc' } }), {
          ...headerOnly,
          dpop: true,
        }),
      ),
    ).toMatchObject({ status: 400, reason: 'request.authorization_malformed' });
    expect(
      extractToken(req({ headers: { authorization: 'DPoP\tabc' } }), headerOnly),
    ).toBeUndefined();
  });

  it('rejects two Authorization headers, seen through rawHeaders', () => {
    const request = req({
      headers: { authorization: 'Bearer one' },
      rawHeaders: ['Host', 'x', 'Authorization', 'Bearer one', 'authorization', 'Bearer two'],
    });
    expect(rejection(() => extractToken(request, headerOnly))).toEqual({
      status: 400,
      code: 'invalid_request',
      reason: 'request.duplicate_authorization',
    });
  });

  it('rejects an array of Authorization values', () => {
    expect(
      rejection(() =>
        extractToken(req({ headers: { authorization: ['Bearer a', 'Bearer b'] } }), headerOnly),
      ),
    ).toMatchObject({ status: 400, reason: 'request.duplicate_authorization' });
  });

  it('rejects a token over the length limit as invalid_token, before looking at it', () => {
    const long = 'a'.repeat(8193);
    expect(
      rejection(() =>
        extractToken(req({ headers: { authorization: `Bearer ${long}` } }), headerOnly),
      ),
    ).toEqual({
      status: 401,
      code: 'invalid_token',
      reason: 'request.token_too_long',
    });
    // Even a token with characters that would make it malformed is first rejected for length.
    expect(
      rejection(() =>
        extractToken(req({ headers: { authorization: `Bearer ${'"'.repeat(9000)}` } }), headerOnly),
      ),
    ).toMatchObject({ reason: 'request.token_too_long' });
    expect(
      extractToken(req({ headers: { authorization: `Bearer ${'a'.repeat(8192)}` } }), headerOnly)
        ?.token,
    ).toHaveLength(8192);
  });
});

describe('extractToken: query and body (RFC 6750 §2.2, §2.3), opt-in', () => {
  it('ignores query and body tokens unless enabled', () => {
    expect(
      extractToken(req({ url: 'https://api.example.com/x?access_token=tok' }), headerOnly),
    ).toBeUndefined();
    const form = req({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: { access_token: 'tok' },
    });
    expect(extractToken(form, headerOnly)).toBeUndefined();
  });

  it('reads the access_token query parameter when enabled', () => {
    expect(
      extractToken(
        req({ url: 'https://api.example.com/x?a=1&access_token=tok%2B1#frag' }),
        everywhere,
      ),
    ).toEqual({
      token: 'tok+1',
      scheme: 'Bearer',
      location: 'query',
    });
  });

  it('rejects a repeated or empty query token', () => {
    expect(
      rejection(() => extractToken(req({ url: '/x?access_token=a&access_token=b' }), everywhere)),
    ).toMatchObject({
      status: 400,
      code: 'invalid_request',
    });
    expect(
      rejection(() => extractToken(req({ url: '/x?access_token=' }), everywhere)),
    ).toMatchObject({ status: 400 });
  });

  it('reads a form body token only for form-encoded requests with a body method', () => {
    const form = (method: string, type: string) =>
      req({ method, headers: { 'content-type': type }, body: { access_token: 'tok' } });
    expect(
      extractToken(form('POST', 'application/x-www-form-urlencoded; charset=utf-8'), everywhere)
        ?.location,
    ).toBe('body');
    expect(extractToken(form('POST', 'application/json'), everywhere)).toBeUndefined();
    expect(
      extractToken(form('GET', 'application/x-www-form-urlencoded'), everywhere),
    ).toBeUndefined();
  });

  it('rejects more than one method at once with 400', () => {
    const both = req({ url: '/x?access_token=q', headers: { authorization: 'Bearer h' } });
    expect(rejection(() => extractToken(both, everywhere))).toEqual({
      status: 400,
      code: 'invalid_request',
      reason: 'request.multiple_methods',
    });
  });
});

describe('extractToken: a named cookie, opt-in', () => {
  const NAME = '__Host-access_token';
  const withCookie: ExtractOptions = {
    ...headerOnly,
    locations: { header: true, query: false, body: false, cookie: NAME },
  };
  const cookie = (value: string, extra: Partial<TokenRequest> = {}) =>
    req({ headers: { cookie: value }, ...extra });

  it('ignores every cookie unless one is named in tokenLocations', () => {
    expect(extractToken(cookie(`${NAME}=tok`), headerOnly)).toBeUndefined();
    expect(extractToken(cookie(`${NAME}=tok`), everywhere)).toBeUndefined();
  });

  it('reads the named cookie as a bearer token, among others, with optional whitespace', () => {
    expect(
      extractToken(cookie(`theme=dark; ${NAME}=abc.def-ghi_jkl; lang=en`), withCookie),
    ).toEqual({
      token: 'abc.def-ghi_jkl',
      scheme: 'Bearer',
      location: 'cookie',
    });
    expect(extractToken(cookie(`a=1;${NAME} = tok ;b=2`), withCookie)?.token).toBe('tok');
    // Node joins repeated Cookie headers with "; "; an array is read the same way.
    expect(
      extractToken(cookie('', { headers: { cookie: ['a=1', `${NAME}=tok`] } }), withCookie)?.token,
    ).toBe('tok');
  });

  it('reads a quoted or percent-encoded value as the cookie package does', () => {
    expect(extractToken(cookie(`${NAME}="tok.en"`), withCookie)?.token).toBe('tok.en');
    expect(extractToken(cookie(`${NAME}=tok%2Ben`), withCookie)?.token).toBe('tok+en');
  });

  it('matches the name exactly: another case, a prefix or a suffix is another cookie', () => {
    for (const other of ['__host-access_token', 'access_token', `${NAME}2`, `x${NAME}`]) {
      expect(extractToken(cookie(`${other}=tok`), withCookie)).toBeUndefined();
    }
  });

  it('takes an emptied cookie (what a logout leaves) as no credentials', () => {
    expect(extractToken(cookie(`${NAME}=`), withCookie)).toBeUndefined();
    expect(extractToken(cookie(`${NAME}=""`), withCookie)).toBeUndefined();
  });

  it('applies the header rules: token68 charset (400) and maxTokenLength (401)', () => {
    expect(rejection(() => extractToken(cookie(`${NAME}=a,b`), withCookie))).toEqual({
      status: 400,
      code: 'invalid_request',
      reason: 'request.token_malformed',
    });
    expect(rejection(() => extractToken(cookie(`${NAME}=a%20b`), withCookie))).toMatchObject({
      status: 400,
    });
    expect(
      rejection(() => extractToken(cookie(`${NAME}=${'a'.repeat(8193)}`), withCookie)),
    ).toEqual({
      status: 401,
      code: 'invalid_token',
      reason: 'request.token_too_long',
    });
  });

  it('refuses two cookies of that name (one planted by a sibling subdomain, say) with 400', () => {
    expect(rejection(() => extractToken(cookie(`${NAME}=a; ${NAME}=b`), withCookie))).toEqual({
      status: 400,
      code: 'invalid_request',
      reason: 'request.duplicate_cookie',
    });
    // Even when a framework's parser kept only the first.
    expect(
      rejection(() =>
        extractToken(cookie(`${NAME}=a; ${NAME}=b`, { cookies: { [NAME]: 'a' } }), withCookie),
      ),
    ).toMatchObject({ status: 400, reason: 'request.duplicate_cookie' });
  });

  it('refuses a cookie and an Authorization header at once with 400 (one method only)', () => {
    const both = cookie(`${NAME}=c`, {
      headers: { cookie: `${NAME}=c`, authorization: 'Bearer h' },
    });
    expect(rejection(() => extractToken(both, withCookie))).toEqual({
      status: 400,
      code: 'invalid_request',
      reason: 'request.multiple_methods',
    });
    // Another scheme carries no credentials, so the cookie is the only method.
    const basic = req({ headers: { cookie: `${NAME}=c`, authorization: 'Basic dXNlcjpwYXNz' } });
    expect(extractToken(basic, withCookie)?.location).toBe('cookie');
  });

  it("uses the framework's parsed cookies when a parser ran", () => {
    // cookie-parser or @fastify/cookie already decoded the value.
    const parsed = cookie(`${NAME}=raw`, { cookies: { [NAME]: 'from.framework' } });
    expect(extractToken(parsed, withCookie)?.token).toBe('from.framework');
    // The parser left the cookie out (a signed cookie, say): no credentials.
    expect(extractToken(cookie(`${NAME}=raw`, { cookies: {} }), withCookie)).toBeUndefined();
    // cookie-parser's JSON cookies (`j:…`) are not tokens.
    expect(
      rejection(() => extractToken(cookie(`${NAME}=j:1`, { cookies: { [NAME]: 1 } }), withCookie)),
    ).toMatchObject({ status: 400, reason: 'request.token_malformed' });
  });
});
