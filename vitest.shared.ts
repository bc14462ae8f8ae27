import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

/**
 * The test settings every package shares. Integration tests start real HTTP
 * servers on loopback, so they get more time than a unit test, and type tests
 * (`*.test-d.ts`) run through the TypeScript checker.
 */
export function packageTestConfig(name: string): UserWorkspaceConfig {
  return defineProject({
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 20_000,
      hookTimeout: 30_000,
      typecheck: {
        enabled: true,
        include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'],
        tsconfig: './tsconfig.json',
      },
    },
  });
}
