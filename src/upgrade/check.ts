import { blobId, STATE_PATH, type Generator } from '../render/render.js';
import { upgradeAnswers } from './answers.js';
import { compareSemver } from './gomod.js';
import { hasConflictMarkers } from './merge.js';
import { SIDECAR_SUFFIX } from './plan.js';
import { duplicateMigrations } from './migrations.js';
import { renderedState, renderRelease, type TemplateSource } from './release.js';
import { findProject, readState } from './state.js';
import { readOurs } from './tree.js';

/** Why `create-service check` fails; each is printed as one line. */
export type CheckReason =
  | { kind: 'unfinished'; message: string }
  | { kind: 'conflicts'; message: string; paths: string[] }
  | { kind: 'owned-edited'; message: string; paths: string[] }
  /** Two files in migrations/ share a goose version (goose refuses to run them); one reason per version. */
  | { kind: 'duplicate-migrations'; message: string }
  | { kind: 'update-available'; message: string }
  | { kind: 'newer-generator'; message: string };

/**
 * `create-service check`, for CI: lists every reason the project is not a
 * clean, current generated project. Reads only; never writes.
 */
export async function checkProject(ctx: { cwd: string; templates: TemplateSource; generator: Generator }): Promise<{ dir: string; reasons: CheckReason[] }> {
  const dir = await findProject(ctx.cwd);
  const state = await readState(dir);
  const reasons: CheckReason[] = [];
  const ip = state.inProgress;
  if (ip) {
    const how = ip.phase === 'writing' ? 'was interrupted' : `stopped with ${ip.conflicts.length} conflict${ip.conflicts.length === 1 ? '' : 's'}`;
    reasons.push({
      kind: 'unfinished',
      message: `upgrade unfinished: the upgrade to ${ip.to.generator.name} ${ip.to.generator.version} ${how}; run \`create-service upgrade --continue\` or \`--abort\``,
    });
  }

  const paths = new Set([...Object.keys(state.files), ...(ip?.conflicts.map((c) => c.path) ?? []), ...Object.keys(ip?.next.files ?? {})]);
  paths.delete(STATE_PATH);
  const conflicted: string[] = [];
  const owned: string[] = [];
  for (const p of [...paths].sort()) {
    const o = await readOurs(dir, p);
    if (o.kind === 'file' && !o.binary && hasConflictMarkers(o.text!)) conflicted.push(p);
    if ((await readOurs(dir, `${p}${SIDECAR_SUFFIX}`)).kind === 'file') conflicted.push(`${p}${SIDECAR_SUFFIX}`);
    // Mid-upgrade, an owned file may already hold the new version.
    const pristine = [state.files[p], ip?.next.files[p]].filter((e) => e?.policy === 'owned').map((e) => e!.hash);
    const hashes = o.kind === 'file' ? [blobId(o.bytes), ...(o.binary ? [] : [blobId(o.text!)])] : [];
    if (pristine.length > 0 && hashes.length > 0 && !hashes.some((h) => pristine.includes(h))) owned.push(p);
  }
  if (conflicted.length > 0) {
    reasons.push({ kind: 'conflicts', paths: conflicted, message: `conflicts unresolved: ${conflicted.join(', ')}` });
  }
  if (owned.length > 0) {
    reasons.push({
      kind: 'owned-edited',
      paths: owned,
      message: `generated files edited (they are fully generated; put changes elsewhere): ${owned.join(', ')}`,
    });
  }

  for (const message of await duplicateMigrations(dir)) reasons.push({ kind: 'duplicate-migrations', message });

  const recorded = state.generator.version;
  const order = state.generator.name === ctx.generator.name ? compareSemver(recorded, ctx.generator.version) : 0;
  if (order > 0) {
    reasons.push({ kind: 'newer-generator', message: `newer generator: the project was made by ${state.generator.name} ${recorded}, newer than this ${ctx.generator.version}` });
  } else if (order < 0) {
    reasons.push({ kind: 'update-available', message: `update available: ${ctx.generator.name} ${recorded} → ${ctx.generator.version}; run \`create-service upgrade\`` });
  } else if (!ip) {
    const differs = await rendersDifferently(dir, state, ctx).catch((err: Error) => `this release cannot render the recorded answers (${err.message})`);
    if (differs) reasons.push({ kind: 'update-available', message: `update available: ${differs}; run \`create-service upgrade\`` });
  }
  return { dir, reasons };
}

/** Why this release's render of the recorded answers differs from what the state records, or '' when it does not. */
async function rendersDifferently(
  dir: string,
  state: Awaited<ReturnType<typeof readState>>,
  ctx: { templates: TemplateSource; generator: Generator },
): Promise<string> {
  const { answers, added } = await upgradeAnswers({
    recorded: state.answers as unknown as Record<string, unknown>,
    answersSchemaVersion: state.answersSchemaVersion,
    sets: {},
    directory: dir,
    yes: true,
    interactive: false,
  });
  if (added.length > 0) return `new options ${added.join(', ')}`;
  const next = renderedState(await renderRelease(ctx.templates, answers, ctx.generator, state.migrations));
  const changed = [...new Set([...Object.keys(next.files), ...Object.keys(state.files)])].filter((p) => {
    const [a, b] = [next.files[p], state.files[p]];
    return !a || !b || a.hash !== b.hash || a.perm !== b.perm || a.policy !== b.policy;
  });
  return changed.length > 0 ? `this release's templates render ${changed.length} file${changed.length === 1 ? '' : 's'} differently (${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', ...' : ''})` : '';
}
