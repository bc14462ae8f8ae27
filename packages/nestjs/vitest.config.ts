import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

// The tests import '@tokenguard/nestjs': the built package (turbo builds it before `test`), what
// an npm user gets. Type-checking resolves the same name to src/ (tsconfig.json "paths").
export default mergeConfig(packageTestConfig('nestjs'), {
  resolve: {
    alias: { '@tokenguard/nestjs': fileURLToPath(new URL('./dist/index.mjs', import.meta.url)) },
  },
});
