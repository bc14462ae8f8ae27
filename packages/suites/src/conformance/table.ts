// The whole shared table: the header, challenge, DPoP and introspection rows, then the extension
// points' rows (cookie tokens, the revocation check).

import { conformanceCases as headerCases } from './cases.js';
import { cookieCases, revocationCases } from './extension-cases.js';
import type { ConformanceCase } from './routes.js';

/**
 * The shared table of adapter cases: requests and the exact status, headers and body every
 * adapter must answer with. Run each through a conformance app (see `CONFORMANCE_ROUTES`) with
 * `runConformanceCase`: a case with `guard: 'cookie'` against the app made with
 * `cookieGuardOptions(as)`, every other one against the app made with
 * `conformanceGuardOptions(as)`.
 *
 * @example
 * ```ts
 * for (const testCase of conformanceCases()) {
 *   it(testCase.name, async () => {
 *     const api = testCase.guard === 'cookie' ? cookieApi : defaultApi;
 *     const { actual, expected } = await runConformanceCase(testCase, { baseUrl: api.baseUrl, as });
 *     expect(actual).toEqual(expected);
 *   });
 * }
 * ```
 */
export function conformanceCases(): ConformanceCase[] {
  return [...headerCases(), ...cookieCases(), ...revocationCases()];
}
