import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../src/cli/shell_text.js';

describe("the scripts' generated files", () => {
  it.each(Object.entries(generatedFiles()))('%s is what src/cli/shell_text.ts makes (regenerate: npm run build && node dist/src/cli/shell_text.js)', (file, text) => {
    expect(fs.readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')).toBe(text);
  });
});
