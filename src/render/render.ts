import { createHash } from 'node:crypto';
import { BUF_VERSION, GO_MODULES, GO_VERSION, GOLANGCI_LINT_VERSION, GRPCURL_VERSION, PROTOC_GEN_GO_GRPC_VERSION, PROTOC_GEN_GO_VERSION } from '../versions.js';
import { answerFlags, contributions, type Answers } from '../options/model.js';
import { defaultResources, resourceContexts, type ResourceContext, type ResourceSpec } from '../options/resources.js';
import { compile, createEngine } from './engine.js';
import { createTableId, migrationPath, MIGRATIONS_DIR, numberMigrations, type LedgerEntry, type MigrationLedger } from './migrations.js';
import { quickStart } from './quickstart.js';
import type { TemplateSet } from './templates.js';

/** One file of the generated project, in memory. */
export interface RenderedFile {
  /** Path relative to the project root, `/`-separated. */
  path: string;
  content: string;
  /** Unix permission bits: 0o755 for scripts (content starting with `#!`), else 0o644. */
  mode: number;
  /** How `create-service upgrade` treats the file; absent means `merge`. See templatePolicy. */
  policy?: UpgradePolicy;
}

/**
 * How `create-service upgrade` treats a generated file:
 * - `merge` (the default): the user's edits and the template's changes are merged three-way;
 * - `owned`: fully generated; a user's edit is a hard conflict, never merged;
 * - `seed`: written once when it first appears, never touched again.
 */
export type UpgradePolicy = 'merge' | 'owned' | 'seed';

/** Every upgrade policy a template may declare. */
export const UPGRADE_POLICIES: readonly UpgradePolicy[] = ['merge', 'owned', 'seed'];

/** A template's first line `{{!-- upgrade: <policy> --}}` declares its policy; the line is not rendered. */
const POLICY_LINE = /^\{\{!--\s*upgrade:\s*(\S*)\s*--\}\}[ \t]*(\r?\n|$)/;

/**
 * Splits a template's source into its upgrade policy and the body to render.
 * Throws for a policy that does not exist.
 */
export function templatePolicy(source: string, name: string): { policy: UpgradePolicy; body: string } {
  const m = POLICY_LINE.exec(source);
  if (!m) return { policy: 'merge', body: source };
  const policy = m[1] as UpgradePolicy;
  if (!UPGRADE_POLICIES.includes(policy)) {
    throw new Error(`template ${name}: unknown upgrade policy "${m[1]}" (valid: ${UPGRADE_POLICIES.join(', ')})`);
  }
  return { policy, body: source.slice(m[0].length) };
}

/** Which generator produced a render; recorded in the state file. */
export interface Generator {
  name: string;
  version: string;
}

/** Where the generated project records how it was made (the upgrade command reads it). */
export const STATE_PATH = '.create-service/state.json';

/** Version of the state file's layout (3: `migrations`, the ledger; 2: files carry `perm` and `policy`; 1 had `mode`). */
export const STATE_SCHEMA_VERSION = 3;

/** Version of the layout of the recorded answers; bump it when an answer is renamed or reinterpreted. */
export const ANSWERS_SCHEMA_VERSION = 1;

/** What the state file records for one generated file: its PRISTINE render, never the user's version. */
export interface StateFileEntry {
  /** Git blob id of the pristine rendered content. */
  hash: string;
  /** Permission bits in octal: `644` or `755`. */
  perm: string;
  policy: UpgradePolicy;
}

/** The content of `.create-service/state.json` as rendered (upgrade adds `inProgress` while it runs). */
export interface ProjectState {
  schemaVersion: number;
  generator: Generator;
  answersSchemaVersion: number;
  answers: Answers;
  /** The migration ledger: the goose version of every migration id ever rendered (src/render/migrations.ts). */
  migrations: LedgerEntry[];
  files: Record<string, StateFileEntry>;
}

/** The declared resources of answers, or the default one named by `resource`. */
export function resourceSpecs(answers: Answers): ResourceSpec[] {
  const declared = (answers as Answers & { resources?: ResourceSpec[] }).resources;
  return declared && declared.length > 0 ? declared : defaultResources(answers.resource);
}

/**
 * The template context: what `{{...}}` expressions can name (see templates/README.md).
 * `resources` lists every resource; `resource` is the first (a template whose
 * path holds `__resource__` is rendered once per resource with `resource` set to each).
 */
export function templateContext(answers: Answers, generator: Generator): Record<string, unknown> {
  const { go } = contributions(answers);
  const resources = resourceContexts(resourceSpecs(answers));
  return {
    ...answers,
    flags: answerFlags(answers),
    resources,
    resource: resources[0],
    // Whether any resource has unique fields or refs (domain.ConflictError and the FK mappings exist only then).
    anyUniques: resources.some((r) => r.uniques.length > 0),
    anyRefs: resources.some((r) => r.refs.length > 0),
    // Whether any resource has an enum field (domain's checkOneOf exists only then).
    anyEnums: resources.some((r) => r.fields.some((f) => f.is.enum)),
    quickStart: quickStart(answers),
    // The service has dependencies for /health/ready to check (a database, Redis, a broker);
    // without them the health package is lifecycle only (started, shutting down).
    healthChecks: answers.db === 'postgres' || answers.cache === 'redis' || answers.queue !== 'none',
    // Which kinds of check it registers: required (PostgreSQL, the broker without an outbox, any
    // broker in the worker) and optional (Redis, the broker behind the outbox).
    healthRequired: answers.db === 'postgres' || answers.queue !== 'none',
    healthOptional: answers.cache === 'redis' || (answers.queue !== 'none' && answers.db === 'postgres'),
    nameUpperSnake: answers.name.toUpperCase().replace(/-/g, '_'),
    goVersion: GO_VERSION,
    goMinor: GO_VERSION.split('.').slice(0, 2).join('.'),
    goRequires: go.map((path) => ({ path, version: GO_MODULES[path] })),
    golangciLintVersion: GOLANGCI_LINT_VERSION,
    proto: protoNames(answers.name),
    tools: {
      buf: BUF_VERSION,
      protocGenGo: PROTOC_GEN_GO_VERSION,
      protocGenGoGrpc: PROTOC_GEN_GO_GRPC_VERSION,
      grpcurl: GRPCURL_VERSION,
    },
    generator,
  };
}

/**
 * The Protocol Buffers names of a service: the package `orders.v1` (a
 * hyphen in the service name becomes an underscore, as buf lint's
 * PACKAGE_LOWER_SNAKE_CASE wants), its folder under api/proto, and the Go
 * package name of the generated code (`ordersv1`).
 */
export function protoNames(name: string): { snake: string; package: string; goPackage: string } {
  const snake = name.replaceAll('-', '_');
  return { snake, package: `${snake}.v1`, goPackage: `${name.replaceAll('-', '')}v1` };
}

/**
 * Renders a complete project from answers: a pure function of its inputs (no
 * disk, clock or network), so the same answers always give the same bytes.
 * `templates` must hold every folder `contributions(answers)` names.
 * `ledger` is the project's migration ledger (none for a new project): ids
 * in it keep their version, new ones are numbered above it.
 * Throws when two folders produce the same path or a template fails.
 * Returns the files sorted by path, the state file included.
 */
export function renderProject(templates: TemplateSet, answers: Answers, generator: Generator, ledger: MigrationLedger = []): RenderedFile[] {
  const hb = createEngine();
  const context = templateContext(answers, generator);
  const resources = context.resources as ResourceContext[];
  const specs = resourceSpecs(answers);
  const folders = contributions(answers).templates;
  for (const folder of folders) {
    if (!templates.get(folder)) throw new Error(`template folder ${folder} was not loaded`);
  }
  registerParts(hb, templates, folders);
  const byPath = new Map<string, { file: RenderedFile; folder: string }>();
  for (const folder of folders) {
    for (const t of templates.get(folder) ?? []) {
      if (t.path.startsWith(PARTS_DIR)) continue;
      const name = `${folder}/${t.path}.hbs`;
      const { policy, body } = templatePolicy(t.source, name);
      const template = compile(hb, body, name);
      // A per-resource template (its path names __resource__ or __resources__) renders once per resource.
      const perResource = /__resources?__/.test(t.path);
      for (const current of perResource ? resources : [resources[0]!]) {
        const path = t.path
          .replaceAll('__name__', answers.name)
          .replaceAll('__name_snake__', protoNames(answers.name).snake)
          .replaceAll('__resources__', current.snakes)
          .replaceAll('__resource__', current.snake);
        const resource = perResource ? (createdAs(path, current, specs, ledger) ?? current) : current;
        const content = template(perResource ? { ...context, resource } : context);
        // A template that renders to nothing but white space is a file this
        // combination of answers does not need.
        if (content.trim() === '') continue;
        const previous = byPath.get(path);
        if (previous) throw new Error(`templates ${previous.folder} and ${folder} both produce ${path}`);
        const file: RenderedFile = { path, content, mode: content.startsWith('#!') ? 0o755 : 0o644 };
        if (policy !== 'merge') file.policy = policy;
        byPath.set(path, { folder, file });
      }
    }
  }
  const numbered = numberMigrations([...byPath.values()], ledger);
  const files = numbered.files;
  // Schema changes recorded by upgrades: their migrations, as recorded (PostgreSQL only; memory has no schema).
  if (answers.db === 'postgres') {
    for (const e of numbered.ledger) if (e.sql !== undefined) files.push({ path: migrationPath(e), content: e.sql, mode: 0o644 });
  }
  files.push(stateFile(answers, generator, files, numbered.ledger));
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The context a resource's create-table migration renders with once its table
 * has been altered: the spec recorded in the ledger when the table was made
 * (other resources as they are now, for its refs); undefined for any other
 * file, or a table never altered.
 */
function createdAs(path: string, current: ResourceContext, specs: readonly ResourceSpec[], ledger: MigrationLedger): ResourceContext | undefined {
  if (path !== `${MIGRATIONS_DIR}/${createTableId(current.snakes)}.sql`) return undefined;
  const recorded = ledger.find((e) => e.id === createTableId(current.snakes))?.resource;
  if (!recorded) return undefined;
  return resourceContexts(specs.map((s, i) => (i === current.index ? recorded : s)))[current.index];
}

/** Templates under this folder of an option's template folder are parts, never files of their own. */
export const PARTS_DIR = 'parts/';

/** `{{> name}}` and `{{#> name}}` references in a template's source. */
const PART_REFERENCE = /\{\{#?>\s*([\w./-]+)/g;

/** `{{#*inline "name"}}`: a partial the template defines for itself. */
const INLINE_PARTIAL = /\{\{#\*inline\s+"([\w./-]+)"/g;

/** The part names a template source refers to, less the inline partials it defines itself. */
export function partReferences(source: string): string[] {
  const inline = new Set([...source.matchAll(INLINE_PARTIAL)].map((m) => m[1] as string));
  return [...source.matchAll(PART_REFERENCE)].map((m) => m[1] as string).filter((name) => !inline.has(name));
}

/**
 * Registers the parts of the active template folders as Handlebars partials:
 * `<folder>/parts/<name>.hbs` is the contribution of that folder's option to
 * the slot `{{> <name>}}` in another template (a README section, a block of
 * main.go). Each slot renders the parts of every active folder in
 * contribution order, or nothing when no active option fills it, so a
 * template names its slots instead of testing other options with `{{#if}}`.
 * A slot no template folder fills at all is a typo; the render tests check that.
 */
function registerParts(hb: ReturnType<typeof createEngine>, templates: TemplateSet, folders: readonly string[]): void {
  const parts = new Map<string, string[]>();
  for (const folder of folders) {
    for (const t of templates.get(folder) ?? []) {
      if (t.path.startsWith(PARTS_DIR)) {
        const name = t.path.slice(PARTS_DIR.length);
        parts.set(name, [...(parts.get(name) ?? []), t.source]);
      }
      for (const ref of partReferences(t.source)) if (!parts.has(ref)) parts.set(ref, []);
    }
  }
  for (const [name, sources] of parts) hb.registerPartial(name, sources.join(''));
}

/** Git's blob id of content (SHA-1 of "blob <size>\0<bytes>"), as `git hash-object` prints it. */
export function blobId(content: string | Buffer): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** The state a render records: generator, answers, migration ledger and every file but the state file itself. */
export function projectState(answers: Answers, generator: Generator, files: readonly RenderedFile[], migrations: MigrationLedger): ProjectState {
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    generator,
    answersSchemaVersion: ANSWERS_SCHEMA_VERSION,
    answers,
    migrations: [...migrations],
    files: Object.fromEntries(
      files
        .filter((f) => f.path !== STATE_PATH)
        .sort((a, b) => (a.path < b.path ? -1 : 1))
        .map((f) => [f.path, { hash: blobId(f.content), perm: f.mode.toString(8), policy: f.policy ?? 'merge' }]),
    ),
  };
}

/** The state file's bytes: the only serialisation of a state, so upgrade writes exactly what create writes. */
export function serializeState(state: ProjectState & { inProgress?: unknown }): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

function stateFile(answers: Answers, generator: Generator, files: RenderedFile[], migrations: MigrationLedger): RenderedFile {
  return { path: STATE_PATH, content: serializeState(projectState(answers, generator, files, migrations)), mode: 0o644 };
}
