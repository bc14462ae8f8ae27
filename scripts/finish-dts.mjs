#!/usr/bin/env node
// tsup builds declarations in a worker that cannot receive our `outExtension`
// function, so in a `"type": "module"` package the ESM declarations come out as
// `.d.ts`. Node's ESM resolution of `.mjs` expects `.d.mts` beside it, so rename
// them (and their relative imports) here. The CJS side is already `.d.cts`.
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = join(process.cwd(), 'dist');
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );

let renamed = 0;
for (const file of walk(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8').replace(
    /(from\s+['"]\.{1,2}\/[^'"]+?)\.js(['"])/g,
    '$1.mjs$2',
  );
  writeFileSync(file, text);
  renameSync(file, file.replace(/\.d\.ts$/, '.d.mts'));
  renamed++;
}
if (renamed === 0) {
  console.error('finish-dts: no .d.ts files found in dist/; did tsup build declarations?');
  process.exit(1);
}
