#!/usr/bin/env node
// The migration guides show their before/after snippets inline; the same code lives in
// migration/snippets/, where `typecheck` compiles it against the libraries it migrates from and
// to. This check fails when a guide's block and its file differ, when a marker names a missing
// file, or when a snippet file is shown by no guide.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./migration/', import.meta.url));
const guides = readdirSync(root).filter((name) => name.endsWith('.md'));
const snippetFiles = ['before', 'after'].flatMap((side) =>
  readdirSync(join(root, 'snippets', side))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `snippets/${side}/${name}`),
);
const shown = new Set();
const problems = [];

for (const guide of guides) {
  const text = readFileSync(join(root, guide), 'utf8');
  for (const match of text.matchAll(/<!-- snippet: (\S+) -->\n```ts\n([\s\S]*?)```/g)) {
    const [, file, block] = match;
    shown.add(file);
    let source;
    try {
      source = readFileSync(join(root, file), 'utf8');
    } catch {
      problems.push(`${guide}: names ${file}, which does not exist`);
      continue;
    }
    if (source !== block) problems.push(`${guide}: the block for ${file} differs from the file`);
  }
}
for (const file of snippetFiles) {
  if (!shown.has(file)) problems.push(`${file} is shown by no guide`);
}

if (problems.length > 0) {
  console.error(
    `docs: the migration guides and their snippets disagree:\n- ${problems.join('\n- ')}`,
  );
  process.exit(1);
}
console.log(
  `docs: ${shown.size} snippets, each shown as it is type-checked, in ${guides.length} pages`,
);
