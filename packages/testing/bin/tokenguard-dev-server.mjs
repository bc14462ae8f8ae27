#!/usr/bin/env node
// The `tokenguard-dev-server` command. The CLI itself is built to dist/cli.mjs; this small file is
// what package.json's `bin` names, so that it exists before any build: a package manager links a
// command at install time, and in a fresh clone of the repository dist/ is not there yet.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'tokenguard-dev-server: @tokenguard/testing is not built (dist/cli.mjs is missing).\n' +
      'In the tokenguard repository, run: npx -y pnpm@10 dev-server\n',
  );
  process.exit(1);
}
await import(cli.href);
