// Attack table, signatures and keys that must not verify (RFC 8725 §3.2–§3.4, RFC 7518 §3).

import { b64, me, split } from './helpers.js';
import type { AttackCase } from './types.js';

const P256_ORDER = Buffer.from(
  'FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551',
  'hex',
);
const ED25519_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

/** An IEEE P1363 `r ‖ s` ECDSA signature as ASN.1 DER, the other encoding of the same value. */
function p1363ToDer(signature: Buffer): Buffer {
  const integer = (bytes: Buffer) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    let body = bytes.subarray(start);
    if ((body[0] as number) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
    return Buffer.concat([Buffer.from([0x02, body.length]), body]);
  };
  const half = signature.length / 2;
  const seq = Buffer.concat([
    integer(signature.subarray(0, half)),
    integer(signature.subarray(half)),
  ]);
  return Buffer.concat([Buffer.from([0x30, seq.length]), seq]);
}

function littleEndian(bytes: Buffer): bigint {
  return BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);
}

function toLittleEndian(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex').reverse();
}

export function signatureCases(): AttackCase[] {
  const resign = (
    name: string,
    reference: string,
    alg: 'ES256' | 'RS256' | 'EdDSA',
    tamper: (signature: Buffer) => Buffer,
  ): AttackCase => ({
    name,
    reference,
    status: 401,
    async request({ as }) {
      const [h, p, s] = split(await as.mintAccessToken({ sub: 'attacker' }, { alg }));
      return me(`${h}.${p}.${b64(tamper(Buffer.from(s, 'base64url')))}`);
    },
  });
  return [
    resign(
      'psychic ECDSA signature (r = s = 0) under a real kid',
      'CVE-2022-21449; RFC 8725 §3.3',
      'ES256',
      () => Buffer.alloc(64),
    ),
    resign(
      'ECDSA signature with r = s = n (the curve order)',
      'CVE-2022-21449; RFC 8725 §3.3',
      'ES256',
      () => Buffer.concat([P256_ORDER, P256_ORDER]),
    ),
    resign(
      'a valid ECDSA signature re-encoded as ASN.1 DER',
      'RFC 7518 §3.4 (R ‖ S only)',
      'ES256',
      p1363ToDer,
    ),
    resign('an ECDSA signature one byte short', 'RFC 7518 §3.4', 'ES256', (s) => s.subarray(1)),
    resign(
      'an Ed25519 signature with S + L (malleated)',
      'RFC 8032 §5.1.7 (S < L)',
      'EdDSA',
      (s) => {
        const S = littleEndian(s.subarray(32));
        return Buffer.concat([s.subarray(0, 32), toLittleEndian(S + ED25519_ORDER, 32)]);
      },
    ),
    resign(
      'an RSA signature with a leading zero byte (longer than the modulus)',
      'RFC 8017 §8.2.2 (length check)',
      'RS256',
      (s) => Buffer.concat([Buffer.from([0]), s]),
    ),
    resign('an RSA signature of all zeros', 'RFC 8725 §3.3', 'RS256', (s) =>
      Buffer.alloc(s.length),
    ),
    ...(
      [
        [
          'a 512-bit RSA key',
          { modulusLength: 512 },
          'RFC 7518 §3.3 (2048 bits or larger); RFC 8725 §3.2',
        ],
        [
          'a 1024-bit RSA key',
          { modulusLength: 1024 },
          'RFC 7518 §3.3 (2048 bits or larger); RFC 8725 §3.2',
        ],
        [
          'an RSA key with public exponent 3',
          { publicExponent: 3 },
          "Bleichenbacher's e=3 forgery; CVE-2022-24771, CVE-2022-24772 (node-forge)",
        ],
        [
          'a 16384-bit RSA key (each check about 20x costlier)',
          { modulusLength: 16384 },
          'CWE-400; RFC 8725 §3.2 (at most 8192 bits)',
        ],
        [
          'a 3072-bit RSA key with a 3070-bit exponent (each check about 170x costlier)',
          { modulusLength: 3072, publicExponentLength: 3070 },
          'CWE-400 (exponent at most 2^32)',
        ],
      ] as const
    ).map(
      ([label, options, reference]): AttackCase => ({
        name: `${label} published in the JWKS`,
        reference,
        status: 401,
        upstream: { jwks: 1 },
        async request({ as }) {
          const { kid } = await as.addKey({ alg: 'RS256', ...options });
          return me(await as.mintAccessToken({ sub: 'attacker' }, { kid }));
        },
      }),
    ),
    {
      name: 'a key not in the JWKS under a real kid (forged signature)',
      reference: 'RFC 8725 §3.3',
      status: 401,
      request: async ({ as }) =>
        me(
          await as.mintAccessToken({ sub: 'attacker' }, { key: 'unpublished', kid: as.kids.ES256 }),
        ),
    },
  ];
}
