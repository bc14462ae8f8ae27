import { describe, expect, it } from 'vitest';
import { principalIdOf } from '../src/jwt/verified-token.js';

// The documented format: `<issuer>|<subject>`, or `<issuer>|client:<client_id>` without a
// subject, with `%` and `|` escaped in the issuer, `%` in the subject, and a subject starting
// with `client:` written `client%3A…`, so that no two callers share an id.
describe('principalIdOf', () => {
  it('is injective over issuer, subject and client id', () => {
    const inputs: Array<[string, string | undefined, string | undefined]> = [
      ['https://a', 'b|c', undefined],
      ['https://a|b', 'c', undefined],
      ['https://a', 'client:x', undefined],
      ['https://a', undefined, 'x'],
      ['https://a', 'client%3Ax', undefined],
      ['https://a%7Cb', 'c', undefined],
      ['https://a', undefined, 'x|y'],
      ['https://a|client:x', undefined, undefined],
      ['https://a', '%', undefined],
      ['https://a', '%25', undefined],
    ];
    const ids = inputs.map(([iss, sub, client]) => principalIdOf(iss, sub, client));
    expect(new Set(ids).size).toBe(inputs.length);
    expect(ids[7]).toBeUndefined();
    expect(principalIdOf('https://a', undefined, undefined)).toBeUndefined();
    expect(principalIdOf('https://a', undefined, '')).toBeUndefined();
  });

  it('leaves ordinary issuers and subjects as they are', () => {
    expect(principalIdOf('https://as.example/', 'alice', 'web')).toBe('https://as.example/|alice');
    expect(principalIdOf('https://as.example/', undefined, 'svc')).toBe(
      'https://as.example/|client:svc',
    );
  });
});
