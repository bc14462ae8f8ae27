// The attack table: every section, in the order the tests name them.

import { algorithmCases } from './algorithms.js';
import { claimCases } from './claims.js';
import { compositionCases } from './composition.js';
import { dpopCases } from './dpop.js';
import { embeddedKeyCases } from './embedded-keys.js';
import { encodingCases } from './encodings.js';
import { headerCases } from './headers.js';
import { introspectionCases } from './introspection.js';
import { keyConfusionCases } from './key-confusion.js';
import { kidCases } from './kid.js';
import { sharedStateCases } from './shared-state.js';
import { signatureCases } from './signatures.js';
import { transportCases } from './transport.js';
import type { AttackCase } from './types.js';

/**
 * The attack table: requests built from RFC 8725 (JWT BCP), RFC 9449 §11, RFC 6750 §5, RFC 7662
 * §4 and the published JWT attack catalogues and CVEs, each naming its reference, with the status
 * the API must answer. Run every case with {@link runAttackCase} and compare what it observed
 * with {@link expectedAttackResult}: the expected status (never a 500), nothing the attacker sent
 * echoed back, no request to a URL the token named, only the upstream requests the case allows,
 * and a valid token still accepted afterwards.
 *
 * @example
 * ```ts
 * for (const attack of attackCases()) {
 *   it(`${attack.name} (${attack.reference})`, async () => {
 *     const result = await runAttackCase(attack, { as, baseUrl, trap });
 *     expect(result).toEqual(expectedAttackResult(attack));
 *   });
 * }
 * ```
 */
export function attackCases(): AttackCase[] {
  return [
    ...algorithmCases(),
    ...keyConfusionCases(),
    ...embeddedKeyCases(),
    ...kidCases(),
    ...headerCases(),
    ...signatureCases(),
    ...encodingCases(),
    ...claimCases(),
    ...transportCases(),
    ...introspectionCases(),
    ...dpopCases(),
    ...compositionCases(),
    ...sharedStateCases(),
  ];
}
