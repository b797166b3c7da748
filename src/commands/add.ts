import { UsageError } from '../errors.js';
import { parseResourceFlag, SpecSyntaxError } from '../options/resource-spec.js';
import type { Answers } from '../options/model.js';
import type { ResourceSpec } from '../options/resources.js';
import { resourceSpecs } from '../render/render.js';
import { upgradeCommand, type UpgradeCommand } from './upgrade.js';

/**
 * Schema evolution from the command line: `add resource`, `add field` and
 * `remove field` change the recorded resources and run the upgrade, which
 * merges three-way with the user's edits and writes a new migration for the
 * change (an existing migration is never edited).
 */

/** A copy of the recorded resources of a project: its `resources`, or the one example resource `resource` names. */
function recordedResources(recorded: Readonly<Record<string, unknown>>): ResourceSpec[] {
  return structuredClone(resourceSpecs(recorded as unknown as Answers));
}

/** Recorded answers with `resources` replaced (the single `resource` answer then follows from them). */
export function withResources(recorded: Readonly<Record<string, unknown>>, resources: ResourceSpec[]): Record<string, unknown> {
  const { resource: _derived, ...rest } = recorded;
  return { ...rest, resources };
}

/** Recorded answers overridden by an answers file's; a file that declares `resources` replaces the `resource` answer too. */
export function withAnswersFile(recorded: Readonly<Record<string, unknown>>, file: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const base = 'resources' in file ? withResources(recorded, []) : { ...recorded };
  return { ...base, ...file };
}

function parse(text: string, what: string): ResourceSpec[] {
  try {
    return parseResourceFlag(text);
  } catch (err) {
    if (err instanceof SpecSyntaxError) throw new UsageError(`${what}: ${err.message}`);
    throw err;
  }
}

function find(resources: readonly ResourceSpec[], name: string): ResourceSpec {
  const r = resources.find((x) => x.name === name);
  if (!r) throw new UsageError(`no resource "${name}" (valid: ${resources.map((x) => x.name).join(', ')})`);
  return r;
}

/** `create-service add resource <spec>`: appends the resources of a --resource-spec text (`order:total=int(min=0)`). */
export function addResource(cmd: UpgradeCommand, spec: string): Promise<unknown> {
  const added = parse(spec, 'add resource');
  return upgradeCommand({ ...cmd, edit: (recorded) => withResources(recorded, [...recordedResources(recorded), ...added]) });
}

/** `create-service add field <resource> <field-spec>`: appends fields (`note=text(optional)`, comma-separated) to a resource. */
export function addField(cmd: UpgradeCommand, resource: string, fieldSpec: string): Promise<unknown> {
  const [parsed] = parse(`${resource}:${fieldSpec}`, 'add field');
  return upgradeCommand({
    ...cmd,
    edit: (recorded) => {
      const resources = recordedResources(recorded);
      find(resources, resource).fields.push(...parsed!.fields);
      return withResources(recorded, resources);
    },
  });
}

/** `create-service remove field <resource> <field> --allow-data-loss`: drops a field, and its column in a new migration. */
export function removeField(cmd: UpgradeCommand, resource: string, field: string): Promise<unknown> {
  return upgradeCommand({
    ...cmd,
    edit: (recorded) => {
      const resources = recordedResources(recorded);
      const r = find(resources, resource);
      if (!r.fields.some((f) => f.name === field)) {
        throw new UsageError(`resource ${resource} has no field "${field}" (valid: ${r.fields.map((f) => f.name).join(', ')})`);
      }
      r.fields = r.fields.filter((f) => f.name !== field);
      return withResources(recorded, resources);
    },
  });
}
