// Suggestions for misspelled option and requirement names. Internal: adapters reach it through
// `checkRequirementKeys()`, so every message has the same shape.

/** Lower case, without `-` and `_`: `max_age`, `Max-Age` and `maxAge` fold to the same name. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
 * two adjacent characters each cost one (`intropsect` is one edit from `introspect`).
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[(i - 1) * cols + j] as number) + 1,
        (d[i * cols + j - 1] as number) + 1,
        (d[(i - 1) * cols + j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (d[(i - 2) * cols + j - 2] as number) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] as number;
}

/**
 * The candidate that `name` most likely misspells, or `undefined` when none is close. Close means,
 * after folding case, `-` and `_`: equal; one edit apart (two for names of nine characters or
 * more); or the candidate followed by at most three more characters (`introspection`).
 * `aliases` maps other words people use for a candidate (`scp` → `scopes`).
 */
export function closestName(
  name: string,
  candidates: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string | undefined {
  const folded = fold(name);
  const alias = Object.hasOwn(aliases, folded) ? aliases[folded] : undefined;
  if (alias !== undefined && candidates.includes(alias)) return alias;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const target = fold(candidate);
    const distance = editDistance(folded, target);
    const allowed = target.length >= 9 ? 2 : 1;
    const extended = folded.startsWith(target) && folded.length - target.length <= 3;
    if ((distance <= allowed || extended) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
