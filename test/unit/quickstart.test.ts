import { describe, expect, it } from 'vitest';
import { quickStart } from '../../src/render/quickstart.js';
import { renderVariant, variantAnswers, variants } from '../support/fixtures.js';

describe('quick start', () => {
  it.each(variants())('%s: the README Quick start block is exactly the steps the CLI prints', async (variant) => {
    const readme = (await renderVariant(variant)).find((f) => f.path === 'README.md')!.content;
    const block = /## Quick start\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block?.trimEnd().split('\n')).toEqual(quickStart(await variantAnswers(variant)));
  });
});
