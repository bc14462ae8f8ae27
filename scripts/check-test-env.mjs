#!/usr/bin/env node
// Fails when a test, or code a test runs (a package's src/, an example server a test starts),
// reads an environment variable that turbo.json's `test` task does not list in `env`: turbo keys
// its cache by those variables only, so an unlisted one would replay a result made under another
// value. Comment lines (doc examples) are skipped. bench/ has no tests and is not read.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const turbo = JSON.parse(readFileSync(join(root, 'turbo.json'), 'utf8'));
const listed = turbo.tasks.test.env ?? [];
const covered = (name) =>
  listed.some((entry) =>
    entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : entry === name,
  );

const SOURCE = /\.(?:[cm]?ts|[cm]?js)$/;
function* files(dir) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (SOURCE.test(entry)) yield path;
  }
}
const roots = ['packages', 'examples']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .concat(join(root, 'interop'))
  .flatMap((dir) => ['src', 'test'].map((sub) => join(dir, sub)))
  .filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory());

const READ = /process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[\s*['"]([A-Z_][A-Z0-9_]*)['"]\s*\])/g;
const missing = new Map();
for (const dir of roots) {
  for (const file of files(dir)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/^\s*(\*|\/\/)/.test(line)) continue;
      for (const match of line.matchAll(READ)) {
        const name = match[1] ?? match[2];
        if (covered(name)) continue;
        missing.set(name, [...(missing.get(name) ?? []), relative(root, file)]);
      }
    }
  }
}
if (missing.size > 0) {
  console.error(
    'test-env: variables read by tests (or code they run) but missing from turbo.json tasks.test.env:',
  );
  for (const [name, where] of missing)
    console.error(`  ${name}: ${[...new Set(where)].join(', ')}`);
  process.exit(1);
}
console.log(
  `test-env: every variable the tests read is in turbo.json's test env (${listed.join(', ')})`,
);
