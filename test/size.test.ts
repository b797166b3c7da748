import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, variants } from './support/fixtures.js';

/**
 * Size and comment budgets of the generated Go (issue 11), over the golden
 * trees: every line of non-test Go is code the team owns. Lines are counted
 * as `wc -l` does (newline characters) over `*.go` files not ending in
 * `_test.go`; test-helper packages count, buf's `*.pb.go` output does not.
 * A comment line is one whose first non-blank characters are `//`.
 */

/** Most non-test Go lines a fixture may have; fixtures not named here have no line budget. */
const LINE_BUDGET: Record<string, number> = { standard: 4000, minimal: 2000 };
/** Largest share of comment lines in the non-test Go of every fixture. */
const COMMENT_SHARE_MAX = 0.15;

interface GoSize {
  files: number;
  lines: number;
  testFiles: number;
  testLines: number;
  commentLines: number;
}

/** Counts the Go files under dir (recursively) as the budgets define. */
function goSize(dir: string): GoSize {
  const size: GoSize = { files: 0, lines: 0, testFiles: 0, testLines: 0, commentLines: 0 };
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.go') && !e.name.endsWith('.pb.go')) {
        const text = readFileSync(p, 'utf8');
        const lines = text.split('\n').length - 1;
        if (e.name.endsWith('_test.go')) {
          size.testFiles++;
          size.testLines += lines;
        } else {
          size.files++;
          size.lines += lines;
          size.commentLines += text.split('\n').filter((l) => /^\s*\/\//.test(l)).length;
        }
      }
    }
  };
  walk(dir);
  return size;
}

/** The budgets a fixture of this size breaks, each naming the fixture and the figure. */
function budgetViolations(fixture: string, s: GoSize): string[] {
  const v: string[] = [];
  const budget = LINE_BUDGET[fixture];
  if (budget !== undefined && s.lines > budget) v.push(`${fixture}: ${s.lines} non-test Go lines > ${budget}`);
  const share = s.lines === 0 ? 0 : s.commentLines / s.lines;
  if (share > COMMENT_SHARE_MAX) v.push(`${fixture}: comment lines ${(share * 100).toFixed(1)}% of non-test Go (${s.commentLines}/${s.lines}) > ${COMMENT_SHARE_MAX * 100}%`);
  return v;
}

describe('generated Go size and comment budgets', () => {
  it('the checks report a tree over its budgets (control)', () => {
    expect(budgetViolations('standard', { files: 1, lines: 4001, testFiles: 0, testLines: 0, commentLines: 601 })).toEqual([
      'standard: 4001 non-test Go lines > 4000',
      'standard: comment lines 15.0% of non-test Go (601/4001) > 15%',
    ]);
    expect(budgetViolations('standard', { files: 1, lines: 4000, testFiles: 0, testLines: 0, commentLines: 600 })).toEqual([]);
    expect(budgetViolations('events-nats', { files: 1, lines: 9000, testFiles: 0, testLines: 0, commentLines: 10 })).toEqual([]);
  });

  it('standard ≤ 4,000 and minimal ≤ 2,000 non-test Go lines, comments ≤ 15% in every fixture', () => {
    const rows = variants().map((f) => ({ fixture: f, ...goSize(join(FIXTURES, f, 'golden')) }));
    expect(rows.map((r) => r.fixture)).toEqual(expect.arrayContaining(Object.keys(LINE_BUDGET)));
    const table = [
      '| fixture | files | non-test lines | test lines | comment share |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows.map((r) => `| ${r.fixture} | ${r.files} | ${r.lines} | ${r.testLines} | ${((r.commentLines / r.lines) * 100).toFixed(1)}% |`),
    ];
    console.log(`Go in the golden trees (non-test files and lines exclude *_test.go and *.pb.go):\n${table.join('\n')}`);
    for (const r of rows) expect(r.files, `${r.fixture} has no non-test Go`).toBeGreaterThan(0);
    expect(rows.flatMap((r) => budgetViolations(r.fixture, r))).toEqual([]);
  });
});
