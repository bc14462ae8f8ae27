// What every server answers and how the hand-rolled contenders read a request.

/** The route every contender protects. */
export const PATH = '/orders';

/**
 * The body of an accepted request: the subject the contender verified (`null` without auth), so
 * that the sanity step sees each contender accept the right token, not just any.
 */
export const answer = (sub: unknown): { sub: string | null } => ({
  sub: typeof sub === 'string' ? sub : null,
});

/** The token of `Authorization: Bearer <token>`, as the hand-rolled contenders read it. */
export const bearer = (header: unknown): string =>
  typeof header === 'string' && header.slice(0, 7).toLowerCase() === 'bearer '
    ? header.slice(7)
    : '';
