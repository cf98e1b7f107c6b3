import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedBash } from '../src/cli/shell_text.js';

describe('scripts/_generated.bash', () => {
  it('is what src/cli/shell_text.ts makes (regenerate: npm run build && node dist/src/cli/shell_text.js > scripts/_generated.bash)', () => {
    expect(fs.readFileSync(new URL('../scripts/_generated.bash', import.meta.url), 'utf8')).toBe(generatedBash());
  });
});
