import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/fixtures.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```(?:sh|console)?\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe("this repository's README", () => {
  it("leads with what a user runs: npx create-service, npm create service, and the flags for CI", () => {
    const first = blocks[0]!;
    expect(first).toMatch(/^npx create-service orders\b/m);
    expect(first).toMatch(/^npm create service orders\b/m);
    expect(readme.indexOf('npx create-service orders')).toBeLessThan(readme.indexOf('## Quick start'));
    expect(blocks[1]).toMatch(/--yes/);
    expect(blocks[1]).toMatch(/--preset|--answers/);
  });

  it('keeps the two Quick start commands for working on the tool itself, as .ci/run runs them', () => {
    const quick = readme.slice(readme.indexOf('## Quick start'));
    expect(quick).toContain('npm ci && npm run build && node bin/create-service.js ../orders --yes --no-git && (cd ../orders && go build ./... && go vet ./...)');
    expect(quick).toContain('```sh\nnpm ci && npm test\n```');
  });
});
