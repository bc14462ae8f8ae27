import { defineConfig } from 'vitest/config';

// `pnpm vitest` at the root runs every package's suite as one project each;
// CI runs them per package through turbo (`pnpm test`).
export default defineConfig({
  test: {
    projects: ['packages/*', 'examples/*', 'interop'],
  },
});
