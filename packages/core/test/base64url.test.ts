import { describe, expect, it } from 'vitest';
import { decodeBase64url, isCanonicalBase64url } from '../src/lib/base64url.js';

describe('strict base64url', () => {
  it('accepts canonical unpadded base64url', () => {
    for (const bytes of [[], [0], [255, 254], [1, 2, 3], [250, 251, 252, 253]]) {
      const encoded = Buffer.from(bytes).toString('base64url');
      expect(isCanonicalBase64url(encoded)).toBe(true);
      expect([...decodeBase64url(encoded)!]).toEqual(bytes);
    }
  });

  it('rejects padding, the standard alphabet, whitespace and impossible lengths', () => {
    for (const bad of ['AA==', 'a+b/', 'AA AA', 'A', 'AAAAA', 'AA\n']) {
      expect(isCanonicalBase64url(bad)).toBe(false);
    }
  });

  it('rejects non-canonical trailing bits that Node would silently drop', () => {
    // "AQ" encodes [1]; "AR" decodes to the same byte with a stray bit set.
    expect(Buffer.from('AR', 'base64url')).toEqual(Buffer.from([1]));
    expect(isCanonicalBase64url('AQ')).toBe(true);
    expect(isCanonicalBase64url('AR')).toBe(false);
    expect(isCanonicalBase64url('AQE')).toBe(true);
    expect(isCanonicalBase64url('AQF')).toBe(false);
  });
});

describe('strict JSON for JOSE members', () => {
  it('finds repeated member names at any depth, also when escaped differently', async () => {
    const { hasDuplicateMembers, parseJsonObject } = await import('../src/lib/json.js');
    expect(hasDuplicateMembers('{"iss":"a","sub":"b"}')).toBe(false);
    expect(hasDuplicateMembers('{"iss":"a","iss":"b"}')).toBe(true);
    expect(hasDuplicateMembers('{"a":{"x":1,"x":2}}')).toBe(true);
    expect(hasDuplicateMembers('{"a":{"x":1},"b":{"x":2}}')).toBe(false);
    expect(hasDuplicateMembers('{"a":[{"x":1},{"x":2}],"b":"x"}')).toBe(false);
    expect(hasDuplicateMembers('{"iss":"a","\\u0069ss":"b"}')).toBe(true);
    expect(hasDuplicateMembers('{"s":"a \\"quoted\\", \\"s\\":","t":1}')).toBe(false);
    expect(parseJsonObject(Buffer.from('{"iss":"a","iss":"b"}'))).toBeUndefined();
    expect(parseJsonObject(Buffer.from('{"iss":"a"}'))).toEqual({ iss: 'a' });
  });
});
