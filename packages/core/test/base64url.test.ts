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
