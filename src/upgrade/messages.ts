import type { Step } from './plan.js';
import type { Conflict } from './state.js';

/**
 * The words of upgrade, check and diff, in one place so they stay consistent
 * and tests can assert on them.
 */

/** The plan label of a step, as `--dry-run` prints it. */
export function stepLabel(s: Step): string {
  switch (s.kind) {
    case 'unchanged':
      return 'unchanged';
    case 'chmod':
      return 'update mode';
    case 'update':
    case 'add':
    case 'delete':
      return s.kind;
    case 'merge':
      return 'merge';
    case 'merged':
      return s.how === 'go.mod' ? 'merge-clean (go.mod)' : 'merge-clean';
    case 'skip-deleted':
      return 'skip (deleted by you)';
    case 'conflict':
      return `conflict (${s.conflict})`;
  }
}

/** The plan, one line per file that changes or needs attention, then a count of unchanged files. */
export function formatPlan(steps: readonly Step[]): string {
  const lines: string[] = [];
  let unchanged = 0;
  for (const s of steps) {
    if (s.kind === 'unchanged') unchanged++;
    else lines.push(`${stepLabel(s).padEnd(22)} ${s.path}`);
  }
  lines.push(`${'unchanged'.padEnd(22)} ${unchanged} file${unchanged === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}

/** Counts of a plan's outcomes, for the summary line: "3 updated, 1 merged, 1 conflict". */
export function summarize(steps: readonly Step[]): string {
  const count = (pred: (s: Step) => boolean) => steps.filter(pred).length;
  const parts: [number, string][] = [
    [count((s) => s.kind === 'update' || s.kind === 'chmod'), 'updated'],
    [count((s) => s.kind === 'add'), 'added'],
    [count((s) => s.kind === 'delete'), 'deleted'],
    [count((s) => s.kind === 'merged'), 'merged'],
    [count((s) => s.kind === 'skip-deleted'), 'not recreated'],
    [count((s) => s.kind === 'conflict'), 'conflicts'],
  ];
  const text = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${n === 1 && what === 'conflicts' ? 'conflict' : what}`);
  return text.length > 0 ? text.join(', ') : 'no file changes';
}

/** What to do about one conflict, one line. */
export function conflictLine(c: Conflict): string {
  switch (c.kind) {
    case 'content':
      return `${c.path}: both you and the template changed the same lines; edit the file and remove the <<<<<<< ||||||| ======= >>>>>>> markers`;
    case 'modify/delete':
      return `${c.path}: the new version no longer generates this file, but you changed it; it was kept: delete it, or keep it as your own`;
    case 'binary':
      return `${c.path}: your version is not text; the new version is in ${c.sidecar}: keep one, then delete ${c.sidecar}`;
    case 'owned':
      return `${c.path}: this file is fully generated but you edited it; the new version is in ${c.sidecar}: move your change elsewhere, replace the file with it, then delete ${c.sidecar}`;
    case 'not-a-file':
      return `${c.path}: expected a file here but found a directory or link; it was left alone`;
  }
}

/** The conflicts a list of steps holds, in the form the journal records. */
export function conflictsOf(steps: readonly Step[]): Conflict[] {
  return steps.flatMap((s) =>
    s.kind === 'conflict' ? [{ path: s.path, kind: s.conflict, ...(s.sidecar ? { sidecar: s.sidecar.path } : {}) }] : [],
  );
}

/** `.create-service/upgrade-report.md`: the conflicts of an unfinished upgrade and how to finish it. */
export function reportMarkdown(input: { from: string; to: string; conflicts: readonly Conflict[]; skipped: readonly string[] }): string {
  const lines = [
    `# Upgrade ${input.from} → ${input.to}: ${input.conflicts.length} conflict${input.conflicts.length === 1 ? '' : 's'}`,
    '',
    'Resolve each file below, then run `create-service upgrade --continue` (it refuses while markers remain).',
    'To go back to exactly where you were before the upgrade, run `create-service upgrade --abort`.',
    '',
    '## Conflicts',
    '',
    ...input.conflicts.map((c) => `- ${conflictLine(c)}`),
  ];
  if (input.skipped.length > 0) {
    lines.push('', '## Not recreated', '', 'You deleted these files; the new version changed them, but they were not brought back:', '');
    lines.push(...input.skipped.map((p) => `- ${p}`));
  }
  return `${lines.join('\n')}\n`;
}
