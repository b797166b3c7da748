import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withOptionsTable } from '../src/docs/readme.js';
import { ROOT } from './support/fixtures.js';

describe('package', () => {
  it('README option table matches the option model (run `npm run readme` after changing an option)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(withOptionsTable(readme)).toBe(readme);
  });

  it('npm pack ships the built CLI and the templates, and nothing else', async () => {
    const r = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const [pack] = JSON.parse(r.stdout) as [{ files: { path: string }[] }];
    const paths = pack.files.map((f) => f.path);
    expect(paths).toContain('bin/create-service.js');
    expect(paths).toContain('dist/cli.js');
    expect(paths).toContain('package.json');
    expect(paths.some((p) => p.startsWith('templates/base/'))).toBe(true);
    const allowed = /^(bin\/|dist\/|templates\/|package\.json$|README\.md$|LICENSE$)/;
    expect(paths.filter((p) => !allowed.test(p))).toEqual([]);
  });
});
