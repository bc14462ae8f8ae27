import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optionsFromEnv } from '../src/env.js';
import { createTokenGuard, presets } from '../src/index.js';

// The provider guides (docs/providers/) are what users copy: every environment they show makes
// a guard, and every preset their code blocks call exists. (Their rejection reasons are the
// provider table's, in packages/suites.)
const dir = new URL('../../../docs/providers/', import.meta.url);
const guides = readdirSync(dir)
  .filter((name) => name.endsWith('.md'))
  .map((name) => [name, readFileSync(new URL(name, dir), 'utf8')] as const);

const blocks = (text: string, language: string) =>
  [...text.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(
    (match) => match[1] as string,
  );

describe('provider guides', () => {
  it('cover every preset', () => {
    const index = guides.find(([name]) => name === 'README.md')?.[1] ?? '';
    for (const name of Object.keys(presets)) expect(index).toContain(`presets.${name}(`);
  });

  it.each(guides.filter(([, text]) => blocks(text, 'sh').length > 0))(
    '%s: each environment makes a guard',
    async (_name, text) => {
      for (const block of blocks(text, 'sh')) {
        const env = Object.fromEntries(
          block
            .split('\n')
            .filter((line) => line.startsWith('TOKENGUARD_'))
            .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
        );
        await createTokenGuard(optionsFromEnv(env)).close();
      }
    },
  );

  it.each(guides)('%s: calls only presets that exist', (_name, text) => {
    for (const block of blocks(text, 'ts')) {
      for (const [, name] of block.matchAll(/presets\.(\w+)\(/g)) {
        expect(Object.keys(presets)).toContain(name);
      }
    }
  });
});
