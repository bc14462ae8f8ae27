import { storeChannel } from '../diagnostics.js';
import { InvalidDpopProofError, ServiceUnavailableError } from '../errors.js';
import { sha256 } from '../lib/sha256.js';
import { isStoreFullError, type Store } from '../store.js';
import type { CheckedProof } from './verify-proof.js';

/**
 * Remembers a proof's `jti` (per issuer and proof key) for `ttlMs`, as long as the proof could be
 * accepted; a second use is a replay (401 `invalid_dpop_proof`). A store that fails, or is full,
 * answers 503: replay protection is not optional, and a full replay memory refuses new proofs
 * rather than forget one that could still be replayed.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.1
 */
export async function rememberProof(
  store: Store,
  issuer: string,
  proof: CheckedProof,
  ttlMs: number,
): Promise<void> {
  const key = `dpop:${sha256(`${issuer}\0${proof.jkt}\0${proof.jti}`)}`;
  let fresh: boolean;
  try {
    fresh = await store.setIfAbsent(key, '1', ttlMs);
  } catch (error) {
    const full = isStoreFullError(error);
    if (storeChannel.hasSubscribers) {
      storeChannel.publish({
        operation: 'setIfAbsent',
        event: full ? 'full' : 'failure',
        detail: full ? 'dpop replay store full' : 'dpop replay check',
      });
    }
    if (full) {
      const after = error.retryAfter;
      const seconds =
        typeof after === 'number' && Number.isFinite(after) ? Math.max(1, Math.ceil(after)) : 1;
      throw new ServiceUnavailableError('dpop.replay_store_full', seconds);
    }
    throw new ServiceUnavailableError('dpop.replay_store_unavailable', 1);
  }
  if (!fresh) throw new InvalidDpopProofError('dpop.replay');
}
