import {
  ASYMMETRIC_ALGORITHMS,
  isJwsAlgorithm,
  isSymmetric,
  type JwsAlgorithm,
} from '../jws/algorithms.js';
import { fail, seconds } from '../lib/validate.js';
import type { Store } from '../store.js';
import { NonceIssuer } from './nonce.js';

/**
 * DPoP (RFC 9449) sender-constrained tokens. Durations are in seconds.
 *
 * @example
 * ```ts
 * createTokenGuard({
 *   issuer, audience,
 *   dpop: { mode: 'required', nonce: { secret: process.env.DPOP_NONCE_SECRET } },
 * });
 * ```
 */
export interface DpopOptions {
  /**
   * `'allowed'` (default once `dpop` is given): DPoP-bound tokens with the `DPoP` scheme and
   * unbound tokens with `Bearer`. `'required'`: only DPoP. `'disabled'`: no DPoP scheme (bound
   * tokens are still never accepted as bearer tokens).
   */
  mode?: 'disabled' | 'allowed' | 'required';
  /** Accepted proof algorithms (asymmetric only). Default: every asymmetric algorithm. */
  algorithms?: readonly JwsAlgorithm[];
  /** How old a proof's `iat` may be. Default 60. */
  iatWindow?: number;
  /**
   * How far in the future a proof's `iat` may be (client clock skew). Default 10, the skew
   * interoperability suites expect to pass.
   */
  iatLeeway?: number;
  /**
   * Stateless server nonces (RFC 9449 §9): every proof must carry a nonce this server issued in
   * the last one or two `ttl`s. `secret` (at least 32 bytes) may be a list: the first issues,
   * all verify, so secrets rotate without rejecting nonces in flight.
   */
  nonce?: { secret: string | Uint8Array | readonly (string | Uint8Array)[]; ttl?: number };
  /** Where proof `jti`s are remembered. Default: the guard's `store`. */
  replayStore?: Store;
  /**
   * Most proof `jti`s the built-in in-memory replay memory holds at once (it is used when neither
   * `store` nor `replayStore` is given). A `jti` is kept for `iatWindow + iatLeeway` and never
   * evicted before; when this many are held, DPoP requests are answered 503 until room frees up.
   * Default: 3,000 proofs per second over that window (210,000 with the default window of 60 + 10 s).
   */
  replayCapacity?: number;
  /** Longest accepted proof, in characters. Default 8192. */
  maxProofLength?: number;
}

/** DPoP settings after validation. Durations in milliseconds. Internal. */
export interface ResolvedDpop {
  mode: 'allowed' | 'required';
  algorithms: ReadonlySet<JwsAlgorithm>;
  /** How far back a proof's `iat` may be. */
  iatWindow: number;
  /** How far ahead (client clock skew) a proof's `iat` may be. */
  iatLeeway: number;
  nonce: NonceIssuer | undefined;
  maxProofLength: number;
}

/** `dpop.<name>` in milliseconds. */
const millis = (value: unknown, name: string, fallback: number, max: number): number =>
  seconds(value, `dpop.${name}`, fallback, max) * 1000;

/** Validates `dpop` options (a `TypeError` naming the option); `undefined` when DPoP is off. */
export function resolveDpop(
  options: DpopOptions | undefined,
):
  | { settings: ResolvedDpop; replayStore: Store | undefined; replayCapacity: number | undefined }
  | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) fail('"dpop" must be an object');
  const mode = options.mode ?? 'allowed';
  if (mode !== 'disabled' && mode !== 'allowed' && mode !== 'required') {
    fail('"dpop.mode" must be "disabled", "allowed" or "required"');
  }
  if (mode === 'disabled') return undefined;
  const algorithms = options.algorithms ?? ASYMMETRIC_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0)
    fail('"dpop.algorithms" must be a non-empty array');
  for (const alg of algorithms) {
    if (!isJwsAlgorithm(alg) || isSymmetric(alg)) {
      fail('"dpop.algorithms" may only contain asymmetric algorithms (RS, PS, ES, EdDSA)');
    }
  }
  let nonce: NonceIssuer | undefined;
  if (options.nonce !== undefined) {
    if (typeof options.nonce !== 'object' || options.nonce === null)
      fail('"dpop.nonce" must be { secret, ttl? }');
    const raw = options.nonce.secret;
    const list = Array.isArray(raw) ? raw : [raw];
    if (list.length === 0) fail('"dpop.nonce.secret" is required');
    const secrets = list.map((secret) => {
      if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
        fail('"dpop.nonce.secret" must be a string or bytes (or a list of them)');
      }
      const bytes = Buffer.from(secret as string | Uint8Array);
      if (bytes.length < 32) fail('"dpop.nonce.secret" must be at least 32 bytes');
      return bytes;
    });
    const ttl = millis(options.nonce.ttl, 'nonce.ttl', 300, 86_400);
    if (ttl < 1000) fail('"dpop.nonce.ttl" must be at least 1 second');
    nonce = new NonceIssuer(secrets, ttl);
  }
  const replayStore = options.replayStore;
  if (
    replayStore !== undefined &&
    (typeof replayStore !== 'object' ||
      replayStore === null ||
      typeof replayStore.setIfAbsent !== 'function')
  ) {
    fail('"dpop.replayStore" must implement get, set and setIfAbsent');
  }
  const { replayCapacity } = options;
  if (
    replayCapacity !== undefined &&
    (typeof replayCapacity !== 'number' || !Number.isInteger(replayCapacity) || replayCapacity < 1)
  ) {
    fail('"dpop.replayCapacity" must be a positive integer');
  }
  const maxProofLength = options.maxProofLength ?? 8192;
  if (!Number.isInteger(maxProofLength) || maxProofLength < 256)
    fail('"dpop.maxProofLength" must be an integer of at least 256');
  return {
    settings: {
      mode,
      algorithms: new Set(algorithms as readonly JwsAlgorithm[]),
      iatWindow: millis(options.iatWindow, 'iatWindow', 60, 3_600),
      iatLeeway: millis(options.iatLeeway, 'iatLeeway', 10, 300),
      nonce,
      maxProofLength,
    },
    replayStore,
    replayCapacity,
  };
}
