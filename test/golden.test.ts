import { createTwoFilesPatch } from 'diff';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RenderedFile } from '../src/render/render.js';
import { writeProject } from '../src/write/write.js';
import { FIXTURES, renderVariant, variants } from './support/fixtures.js';

/**
 * Golden-file tests: each fixtures/<variant>/answers.json is rendered in
 * memory and compared, file list and bytes, with fixtures/<variant>/golden/.
 * UPDATE_GOLDEN=1 rewrites the golden trees; read the diff before committing.
 */

const update = process.env.UPDATE_GOLDEN === '1';

function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out.set(relative(dir, abs).split(sep).join('/'), readFileSync(abs, 'utf8'));
    }
  };
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) walk(dir);
  return out;
}

function diffReport(files: RenderedFile[], golden: Map<string, string>): string {
  const rendered = new Map(files.map((f) => [f.path, f.content]));
  const parts: string[] = [];
  for (const p of [...new Set([...rendered.keys(), ...golden.keys()])].sort()) {
    const a = golden.get(p);
    const b = rendered.get(p);
    if (a === b) continue;
    if (a === undefined) parts.push(`+ new file not in golden: ${p}`);
    else if (b === undefined) parts.push(`- golden file no longer rendered: ${p}`);
    else parts.push(createTwoFilesPatch(`golden/${p}`, `rendered/${p}`, a, b));
  }
  return parts.join('\n');
}

describe('golden files', () => {
  it('has at least six variants', () => {
    expect(variants().length).toBeGreaterThanOrEqual(6);
  });

  for (const variant of variants()) {
    it(`${variant} renders exactly its golden tree`, async () => {
      const files = await renderVariant(variant);
      const goldenDir = join(FIXTURES, variant, 'golden');
      if (update) {
        rmSync(goldenDir, { recursive: true, force: true });
        await writeProject(goldenDir, files, { force: false });
      }
      const report = diffReport(files, readTree(goldenDir));
      expect(report, `rendered output differs from ${goldenDir} (UPDATE_GOLDEN=1 rewrites it after review)`).toBe('');
    });

    it(`${variant} renders gofmt-clean Go`, async () => {
      const files = await renderVariant(variant);
      const dir = mkdtempSync(join(tmpdir(), `cs-gofmt-${variant}-`));
      try {
        await writeProject(join(dir, 'p'), files, { force: false });
        const unformatted = execFileSync('gofmt', ['-l', '.'], { cwd: join(dir, 'p'), encoding: 'utf8' }).trim();
        expect(unformatted, `gofmt -l lists files that are not formatted as rendered`).toBe('');
        expect(files.some((f) => f.path.endsWith('.go'))).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
