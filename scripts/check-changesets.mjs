#!/usr/bin/env node
// Fails when commits change the `src/` of a published package (packages/*, not "private") without
// a changeset naming that package, unless the commit says why with a `[no changeset: <reason>]`
// line in its message. CONTRIBUTING.md ("Changesets") describes the rule; in short:
//
// - On a branch (HEAD has commits that main has not, or CHANGESET_BASE names the base): every
//   package whose src/ the branch's commits change must be named by a changeset the branch adds.
// - On main at a merge commit: the same, for the branch it merged (first parent..HEAD).
// - On main otherwise (CI's fresh clone after a fast-forward): the commits since the last one that
//   touched .changeset/ (they cannot have added a changeset) must each be covered by a pending
//   changeset naming the package, that is one added earlier and not yet released, or say why.
//   This cannot fail for a change whose branch added its changeset in an earlier commit; it does
//   fail for a change made after a release (which consumes the changesets) with neither a
//   changeset nor a reason. It is weaker than the branch check: run that one before merging.
//
// Usage: node scripts/check-changesets.mjs [--base <rev>]   (or CHANGESET_BASE=<rev>)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const git = (...args) => execFileSync('git', args, { encoding: 'utf8' }).trim();
const lines = (text) => (text === '' ? [] : text.split('\n'));
const fail = (message) => {
  console.error(`changesets: ${message}`);
  process.exit(1);
};

const root = git('rev-parse', '--show-toplevel');
process.chdir(root);

/** Published packages: directory under packages/ → package name. */
const published = new Map();
for (const dir of readdirSync('packages')) {
  const file = join('packages', dir, 'package.json');
  if (!existsSync(file)) continue;
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  if (manifest.private !== true) published.set(dir, manifest.name);
}

/** The packages a changeset's front matter names (`'@tokenguard/core': minor`). */
function named(text) {
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text)?.[1] ?? '';
  return lines(front)
    .map((line) => /^\s*['"]?([^'":]+)['"]?\s*:/.exec(line)?.[1]?.trim())
    .filter(Boolean);
}

const isChangeset = (path) => /^\.changeset\/[^/]+\.md$/.test(path) && !path.endsWith('/README.md');
const REASON = /\[no changeset:\s*[^\]\s][^\]]*\]/i;

function mainRef() {
  for (const ref of ['refs/heads/main', 'refs/remotes/origin/main']) {
    try {
      return git('rev-parse', '--verify', '--quiet', ref);
    } catch {}
  }
  return undefined;
}

const argBase = process.argv.indexOf('--base');
let base = argBase > 0 ? process.argv[argBase + 1] : process.env.CHANGESET_BASE || undefined;
let mode = base === undefined ? undefined : 'branch';
const head = git('rev-parse', 'HEAD');
if (mode === undefined) {
  const main = mainRef();
  const mergeBase = main === undefined ? undefined : git('merge-base', head, main);
  if (mergeBase !== undefined && mergeBase !== head) {
    base = mergeBase;
    mode = 'branch';
  } else if (
    lines(git('rev-list', '--parents', '-n', '1', head))
      .join(' ')
      .split(' ').length > 2
  ) {
    base = git('rev-parse', `${head}^1`);
    mode = 'branch';
  } else {
    mode = 'main';
    base = git('log', '-1', '--format=%H', '--', '.changeset');
  }
}
if (git('rev-parse', '--is-shallow-repository') === 'true') {
  console.log('changesets: shallow clone; only the commits it holds are checked');
}

// No commit ever touched .changeset/: every commit is checked.
const range = base === '' ? head : `${base}..${head}`;
const commits = lines(git('rev-list', '--no-merges', '--reverse', range));

// Which published packages each commit changes the sources of, unless it says why not.
const needs = new Map(); // package name → commits
const excused = [];
for (const commit of commits) {
  const dirs = new Set(
    lines(git('diff-tree', '--no-commit-id', '--name-only', '-r', '--root', commit))
      .map((path) => /^packages\/([^/]+)\/src\//.exec(path)?.[1])
      .filter((dir) => dir !== undefined && published.has(dir)),
  );
  if (dirs.size === 0) continue;
  if (REASON.test(git('log', '-1', '--format=%B', commit))) {
    excused.push(commit);
    continue;
  }
  for (const dir of dirs) {
    const name = published.get(dir);
    needs.set(name, [...(needs.get(name) ?? []), commit]);
  }
}

// The changesets that count: added on the branch, or (on main) pending in the tree.
const changesets =
  mode === 'branch'
    ? lines(git('diff', '--name-only', '--diff-filter=A', range))
        .filter(isChangeset)
        .filter((path) => existsSync(path))
    : readdirSync('.changeset')
        .map((file) => `.changeset/${file}`)
        .filter(isChangeset);
const covered = new Set(changesets.flatMap((path) => named(readFileSync(path, 'utf8'))));

const missing = [...needs].filter(([name]) => !covered.has(name));
const where =
  mode === 'branch'
    ? `the ${commits.length} commit(s) since ${base.slice(0, 7)}`
    : `the ${commits.length} commit(s) since ${base === '' ? 'the first' : `${base.slice(0, 7)}, the last to touch .changeset/`}`;
if (missing.length > 0) {
  const list = missing
    .map(([name, shas]) => {
      const subjects = shas.map((sha) => `    ${git('log', '-1', '--format=%h %s', sha)}`);
      return `  ${name}, changed by:\n${subjects.join('\n')}`;
    })
    .join('\n');
  fail(
    `${where} change the sources of published packages that no ${mode === 'branch' ? 'changeset added by these commits' : 'pending changeset'} names:\n${list}\n` +
      'Add one (npx -y pnpm@10 changeset), or say why there is none with a line\n' +
      '"[no changeset: <reason>]" in the message of each of those commits.',
  );
}
console.log(
  `changesets: ${where}: ${needs.size === 0 ? 'no published sources changed' : `${[...needs.keys()].join(', ')} covered`}${excused.length > 0 ? `; ${excused.length} commit(s) say why they need none` : ''}`,
);
