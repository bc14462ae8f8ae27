import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

/** The key pairs the testing package generates with Node's key generator. */
export type KeyPairSpec =
  | { type: 'ec'; namedCurve: 'P-256' | 'P-384' | 'P-521' }
  | { type: 'rsa'; modulusLength: number; publicExponent?: number }
  | { type: 'ed25519' };

export interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

const ENCODING: {
  publicKeyEncoding: { type: 'spki'; format: 'der' };
  privateKeyEncoding: { type: 'pkcs8'; format: 'der' };
} = {
  publicKeyEncoding: { type: 'spki', format: 'der' },
  privateKeyEncoding: { type: 'pkcs8', format: 'der' },
};

// Node 20 can deadlock when a key made by `generateKeyPair(Sync)` is exported (and perhaps used)
// while the garbage collector frees the job that made it: the job's destructor takes the key's
// lock, which the export holds while it allocates. Seen here as a flood of fresh DPoP keys hanging
// at 0% CPU; gdb showed `ExportJWKEdKey` → GC → `~KeyGenJob` → a mutex the same thread held. So
// the job encodes the keys itself (DER), and the KeyObjects handed out are imported from that
// encoding: they share no lock with any job. It costs one DER import per key.
function imported(pair: { publicKey: Buffer; privateKey: Buffer }): KeyPair {
  return {
    publicKey: createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' }),
    privateKey: createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' }),
  };
}

/** `generateKeyPairSync`, without Node 20's deadlock between key export and the job's cleanup. */
export function newKeyPairSync(spec: KeyPairSpec): KeyPair {
  switch (spec.type) {
    case 'ec':
      return imported(
        generateKeyPairSync('ec', {
          namedCurve: spec.namedCurve,
          publicKeyEncoding: { type: 'spki', format: 'der' },
          privateKeyEncoding: { type: 'pkcs8', format: 'der' },
        }),
      );
    case 'rsa':
      return imported(
        generateKeyPairSync('rsa', {
          modulusLength: spec.modulusLength,
          publicExponent: spec.publicExponent ?? 0x10001,
          publicKeyEncoding: { type: 'spki', format: 'der' },
          privateKeyEncoding: { type: 'pkcs8', format: 'der' },
        }),
      );
    case 'ed25519':
      return imported(
        generateKeyPairSync('ed25519', {
          publicKeyEncoding: { type: 'spki', format: 'der' },
          privateKeyEncoding: { type: 'pkcs8', format: 'der' },
        }),
      );
  }
}

/** `generateKeyPair`, without Node 20's deadlock between key export and the job's cleanup. */
export function newKeyPair(spec: KeyPairSpec): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: Buffer, privateKey: Buffer) => {
      if (error) reject(error);
      else resolve(imported({ publicKey, privateKey }));
    };
    switch (spec.type) {
      case 'ec':
        generateKeyPair('ec', { namedCurve: spec.namedCurve, ...ENCODING }, done);
        break;
      case 'rsa':
        generateKeyPair(
          'rsa',
          {
            modulusLength: spec.modulusLength,
            publicExponent: spec.publicExponent ?? 0x10001,
            ...ENCODING,
          },
          done,
        );
        break;
      case 'ed25519':
        generateKeyPair('ed25519', ENCODING, done);
        break;
    }
  });
}
