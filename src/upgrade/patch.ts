import { structuredPatch } from 'diff';

/**
 * A git-style unified diff of one file. `before`/`after` undefined means the
 * file does not exist on that side; modes are shown when they differ.
 */
export function unifiedDiff(path: string, before: string | undefined, after: string | undefined, modes?: { before?: number; after?: number }): string {
  const oldMode = modes?.before === undefined ? undefined : gitMode(modes.before);
  const newMode = modes?.after === undefined ? undefined : gitMode(modes.after);
  if (before === after && oldMode === newMode) return '';
  const head = [`diff --git a/${path} b/${path}`];
  if (before === undefined) head.push(`new file mode ${newMode ?? '100644'}`);
  else if (after === undefined) head.push(`deleted file mode ${oldMode ?? '100644'}`);
  else if (oldMode !== undefined && newMode !== undefined && oldMode !== newMode) head.push(`old mode ${oldMode}`, `new mode ${newMode}`);
  if (before === after) return `${head.join('\n')}\n`;
  const patch = structuredPatch(`a/${path}`, `b/${path}`, before ?? '', after ?? '', undefined, undefined, { context: 3 });
  head.push(`--- ${before === undefined ? '/dev/null' : `a/${path}`}`, `+++ ${after === undefined ? '/dev/null' : `b/${path}`}`);
  for (const h of patch.hunks) {
    head.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines);
  }
  return `${head.join('\n')}\n`;
}

function range(start: number, lines: number): string {
  // The unified format's quirk: an empty range names the line before it.
  if (lines === 0) return `${start - 1},0`;
  return lines === 1 ? `${start}` : `${start},${lines}`;
}

function gitMode(perm: number): string {
  return perm & 0o111 ? '100755' : '100644';
}
