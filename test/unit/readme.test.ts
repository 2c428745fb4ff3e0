import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lifecycleDiagram } from '../../functions/domain/lifecycle-diagram.ts';
import { trustModelTable } from '../../functions/trust/model-table.ts';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

describe('the README', () => {
  it('shows the lifecycle diagram generated from the transition table the code enforces', () => {
    const shown = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(shown).toBe(lifecycleDiagram());
  });
});

describe('the README trust section', () => {
  it('shows the trust model table rendered from the rules the score is priced with', () => {
    const shown = /<!-- trust-model[^>]*-->\n([\s\S]*?)<!-- \/trust-model -->/.exec(readme)?.[1];
    expect(shown).toBe(trustModelTable());
  });
});
