import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contributions, type Answers } from '../../src/options/model.js';
import { blobId, partReferences, renderProject, STATE_PATH, STATE_SCHEMA_VERSION, type RenderedFile } from '../../src/render/render.js';
import { loadTemplates, type TemplateFile, type TemplateSet } from '../../src/render/templates.js';
import { GO_MODULES, GO_VERSION } from '../../src/versions.js';

const exec = promisify(execFile);

const GENERATOR = { name: 'create-service', version: '9.9.9' };

const MINIMAL: Answers = {
  transport: 'http',
  name: 'orders',
  module: 'example.com/orders',
  resource: 'line-item',
  router: 'stdlib',
  db: 'memory',
  cache: 'none',
  logger: 'slog',
  metrics: false,
  tracing: false,
  auth: 'none',
  queue: 'none',
  deploy: [],
  ci: 'none',
  mesh: 'none',
  ingress: 'none',
};

/**
 * An in-memory TemplateSet: `files` maps "folder:path" to source. Every folder
 * the answers bring gets an entry (empty if no file names it), as
 * loadTemplates would give for a folder without templates.
 */
function templates(answers: Answers, files: Record<string, string>): TemplateSet {
  const set = new Map<string, TemplateFile[]>(contributions(answers).templates.map((f) => [f, []]));
  for (const [key, source] of Object.entries(files)) {
    const [folder, path] = key.split(':') as [string, string];
    if (!set.has(folder)) throw new Error(`test bug: ${folder} is not brought by these answers`);
    set.get(folder)!.push({ folder, path, source });
  }
  return set;
}

const render = (files: Record<string, string>, answers: Answers = MINIMAL) => renderProject(templates(answers, files), answers, GENERATOR);
const byPath = (files: RenderedFile[]) => Object.fromEntries(files.map((f) => [f.path, f]));

describe('renderProject', () => {
  it('is deterministic: the same input gives identical output', () => {
    const files = {
      'base:go.mod': 'module {{module}}\n\ngo {{goVersion}}\n',
      'base:cmd/__name__/main.go': 'package main // {{name}}\n',
      'router/stdlib:internal/httpapi/routes.go': 'package httpapi // {{resource.kebabs}}\n',
      'logger/slog:internal/logging/log.go': 'package logging\n',
    };
    const a = render(files);
    const b = render(files);
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    // Sorted by path, state file included.
    const paths = a.map((f) => f.path);
    expect(paths).toEqual([...paths].sort());
    expect(paths).toContain(STATE_PATH);
  });

  it('substitutes __name__, __resource__ and __resources__ in paths', () => {
    const out = render({
      'base:cmd/__name__/main.go': 'package main\n',
      'base:internal/domain/__resource__.go': 'package domain\n',
      'base:internal/service/__resources___test.go': 'package service\n',
      'router/stdlib:internal/httpapi/__resources__/__resource__.go': 'package x\n',
    });
    expect(out.map((f) => f.path)).toEqual([
      STATE_PATH,
      'cmd/orders/main.go',
      'internal/domain/line_item.go',
      'internal/httpapi/line_items/line_item.go',
      'internal/service/line_items_test.go',
    ]);
  });

  it('fills the documented context', () => {
    const answers: Answers = { ...MINIMAL, router: 'chi', metrics: true };
    const out = byPath(
      render(
        {
          'base:ctx.txt': [
            '{{name}} {{module}} {{router}} {{db}} {{cache}} {{logger}} {{metrics}} {{tracing}}',
            '{{resource.name}} {{resource.names}} {{resource.Name}} {{resource.Names}}',
            '{{resource.snake}} {{resource.snakes}} {{resource.kebab}} {{resource.kebabs}}',
            '{{resource.title}}|{{resource.titles}}',
            'go {{goVersion}}',
            'fields {{#each resource.fields}}{{name}}:{{type}}:{{max}} {{/each}}',
            '{{#each goRequires}}{{path}} {{version}}',
            '{{/each}}{{generator.name}} {{generator.version}}',
            '',
          ].join('\n'),
        },
        answers,
      ),
    );
    const lines = out['ctx.txt']!.content.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'orders example.com/orders chi memory none slog true false',
      'lineItem lineItems LineItem LineItems',
      'line_item line_items line-item line-items',
      'line item|line items',
      `go ${GO_VERSION}`,
      'fields name:string:200 description:text:2000 ',
    ]);
    const requires = contributions(answers).go.map((m) => `${m} ${GO_MODULES[m]}`);
    expect(lines.slice(6, 6 + requires.length)).toEqual(requires);
    expect(requires).toContain(`github.com/go-chi/chi/v5 ${GO_MODULES['github.com/go-chi/chi/v5']}`);
    expect(lines[6 + requires.length]).toBe('create-service 9.9.9');
  });

  it('provides eq, ne, and, or, not and does not HTML-escape', () => {
    const out = byPath(
      render({
        'base:h.txt':
          '{{#if (eq db "memory")}}eq{{/if}} {{#if (ne db "postgres")}}ne{{/if}} {{#if (and (eq db "memory") (not metrics))}}and{{/if}} {{#if (or metrics tracing)}}bad{{else}}or{{/if}} {{#if (not tracing)}}not{{/if}} a<b>&"c" \\{{literal}}\n',
      }),
    );
    expect(out['h.txt']!.content).toBe('eq ne and or not a<b>&"c" {{literal}}\n');
  });

  it('provides includes for list options', () => {
    const answers: Answers = { ...MINIMAL, deploy: ['docker', 'k8s'] };
    const out = byPath(
      render(
        {
          'deploy/docker:l.txt':
            '{{#if (includes deploy "k8s")}}k8s{{/if}} {{#if (includes deploy "helm")}}helm{{else}}no-helm{{/if}} {{#unless (includes deploy "compose")}}no-compose{{/unless}}\n',
        },
        answers,
      ),
    );
    expect(out['l.txt']!.content).toBe('k8s no-helm no-compose\n');
    // The empty set includes nothing.
    expect(byPath(render({ 'base:e.txt': '{{#if (includes deploy "docker")}}docker{{else}}none{{/if}}\n' }))['e.txt']!.content).toBe('none\n');
  });

  it('includes fails loudly on a value that is not a list, or a misspelt field', () => {
    expect(() => render({ 'base:x.txt': '{{#if (includes db "memory")}}x{{/if}}\n' })).toThrow(/includes: the first argument must be a list option/);
    expect(() => render({ 'base:x.txt': '{{#if (includes deploys "k8s")}}x{{/if}}\n' })).toThrow(/base\/x\.txt.*includes: argument 1 is undefined/);
  });

  it('drops lines that hold only a block tag', () => {
    const out = byPath(render({ 'base:b.go': 'a\n{{#if metrics}}\nm\n{{else}}\nno metrics\n{{/if}}\nz\n' }));
    expect(out['b.go']!.content).toBe('a\nno metrics\nz\n');
  });

  it('omits a file whose render is only white space, also from the state file', () => {
    const out = render({
      'base:kept.go': 'package kept\n',
      'base:internal/postgres/db.go': '{{#if (eq db "postgres")}}\npackage postgres\n{{/if}}\n  \n\t\n',
    });
    expect(out.map((f) => f.path)).toEqual([STATE_PATH, 'kept.go']);
    const state = JSON.parse(out[0]!.content) as { files: Record<string, unknown> };
    expect(Object.keys(state.files)).toEqual(['kept.go']);
  });

  it('throws naming both folders when two produce the same path', () => {
    expect(() => render({ 'base:internal/x.go': 'package a\n', 'router/stdlib:internal/x.go': 'package b\n' })).toThrow(
      'templates base and router/stdlib both produce internal/x.go',
    );
  });

  it('detects a clash that only appears after path substitution', () => {
    expect(() => render({ 'base:cmd/__name__.go': 'package a\n', 'logger/slog:cmd/orders.go': 'package b\n' })).toThrow(
      /both produce cmd\/orders\.go/,
    );
  });

  it('does not count a file that renders empty as a clash', () => {
    const out = render({ 'base:x.go': '{{#if metrics}}\npackage a\n{{/if}}\n', 'router/stdlib:x.go': 'package b\n' });
    expect(byPath(out)['x.go']!.content).toBe('package b\n');
  });

  it('gives #! files mode 0755 and others 0644', () => {
    const out = byPath(render({ 'base:scripts/run.sh': '#!/bin/sh\necho hi\n', 'base:notes.md': 'text with #! inside\n' }));
    expect(out['scripts/run.sh']!.mode).toBe(0o755);
    expect(out['notes.md']!.mode).toBe(0o644);
    expect(out[STATE_PATH]!.mode).toBe(0o644);
  });

  it('fills a {{> slot}} with the parts of every active folder, in contribution order, and never writes a part as a file', () => {
    const answers: Answers = { ...MINIMAL, db: 'postgres', cache: 'redis' };
    const out = byPath(
      render(
        {
          'base:README.md': '# {{name}}\n\n{{> readme/config}}\nend\n',
          'db/postgres:parts/readme/config': '- DATABASE_URL ({{resource.snakes}})\n',
          'cache/redis:parts/readme/config': '- REDIS_URL\n',
        },
        answers,
      ),
    );
    expect(out['README.md']!.content).toBe('# orders\n\n- DATABASE_URL (line_items)\n- REDIS_URL\nend\n');
    expect(Object.keys(out).some((p) => p.startsWith('parts/'))).toBe(false);
  });

  it('renders an empty slot when no active option fills it, dropping the line', () => {
    const out = byPath(render({ 'base:README.md': 'a\n{{> readme/config}}\nb\n' }));
    expect(out['README.md']!.content).toBe('a\nb\n');
  });

  it('fails when a folder the answers bring was not loaded', () => {
    const set = new Map([['base', []]]);
    expect(() => renderProject(set, MINIMAL, GENERATOR)).toThrow('template folder router/stdlib was not loaded');
  });

  describe('strict mode', () => {
    it.each([
      ['{{nosuchfield}}', /"nosuchfield" not defined/],
      ['{{resource.plural}}', /"plural" not defined/],
      ['{{#if (eq dbms "postgres")}}x{{/if}}', /eq: argument 1 is undefined/],
      ['{{#if (and metrics trcing)}}x{{/if}}', /and: argument 2 is undefined/],
      ['{{#if (not resource.plural)}}x{{/if}}', /not: argument 1 is undefined/],
      ['{{#if metrcs}}x{{/if}}', /#if: argument 1 is undefined/],
      ['{{#unless tracng}}x{{/unless}}', /#unless: argument 1 is undefined/],
      ['{{#each goRequirements}}x{{/each}}', /#each: argument 1 is undefined/],
    ])('a template naming a missing field (%s) throws with the template name', (source, message) => {
      const call = () => render({ 'base:ok.go': 'package ok\n', 'router/stdlib:internal/httpapi/routes.go': source });
      expect(call).toThrow(message);
      expect(call).toThrow(/^template router\/stdlib\/internal\/httpapi\/routes\.go\.hbs: /);
    });

    it('still allows data variables and parent lookups inside blocks', () => {
      const out = byPath(
        render({ 'base:r.txt': '{{#each goRequires}}{{#if @first}}{{../name}}:{{/if}}{{#unless @last}}{{@index}},{{/unless}}{{/each}}\n' }),
      );
      const n = contributions(MINIMAL).go.length;
      expect(out['r.txt']!.content).toBe(`orders:${[...Array(n - 1).keys()].join(',')},\n`);
    });

    it('a template with a syntax error throws with the template name', () => {
      expect(() => render({ 'logger/slog:log.go': '{{#if metrics}}unclosed\n' })).toThrow(/^template logger\/slog\/log\.go\.hbs: /);
    });
  });
});

describe('the state file', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cs-render-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function gitHashObject(content: string | Buffer): Promise<string> {
    const file = join(work, `blob-${Math.random().toString(36).slice(2)}`);
    await writeFile(file, content);
    const { stdout } = await exec('git', ['hash-object', '--no-filters', file]);
    return stdout.trim();
  }

  it.each([
    ['empty', ''],
    ['ASCII', 'package main\n'],
    ['UTF-8', 'résumé → ✓ 日本\n'],
    ['no trailing newline', 'x'],
    ['CRLF', 'a\r\nb\r\n'],
  ])('blobId equals git hash-object for %s content', async (_what, content) => {
    expect(blobId(content)).toBe(await gitHashObject(content));
  });

  it('blobId equals git hash-object for binary bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0]);
    expect(blobId(bytes)).toBe(await gitHashObject(bytes));
  });

  it('records schema, generator, answers and every file with its git blob id and mode', async () => {
    const out = render({
      'base:go.mod': 'module {{module}}\n',
      'base:cmd/__name__/main.go': 'package main\n',
      'router/stdlib:run.sh': '#!/bin/sh\n',
      'logger/slog:internal/log.go': 'package log // {{resource.title}}\n',
    });
    const stateFile = byPath(out)[STATE_PATH]!;
    expect(stateFile.content.endsWith('}\n')).toBe(true);
    const state = JSON.parse(stateFile.content) as {
      schemaVersion: number;
      generator: unknown;
      answers: unknown;
      files: Record<string, { hash: string; perm: string; policy: string }>;
    };
    expect(state.schemaVersion).toBe(STATE_SCHEMA_VERSION);
    expect(state.generator).toEqual(GENERATOR);
    expect(state.answers).toEqual(MINIMAL);
    const others = out.filter((f) => f.path !== STATE_PATH);
    expect(Object.keys(state.files)).toEqual(others.map((f) => f.path));
    for (const f of others) {
      expect(state.files[f.path]).toEqual({ hash: await gitHashObject(f.content), perm: f.mode.toString(8), policy: 'merge' });
    }
    expect(state.files['run.sh']!.perm).toBe('755');
    expect(state.files['go.mod']!.perm).toBe('644');
  });

  it('records a policy declared on the first line, without rendering that line', () => {
    const out = byPath(
      render({
        'base:go.mod': '{{!-- upgrade: owned --}}\nmodule {{module}}\n',
        'base:.env.example': '{{!-- upgrade: seed --}}\nPORT=8080\n',
        'base:main.go': 'package main\n',
      }),
    );
    expect(out['go.mod']!.content).toBe('module example.com/orders\n');
    const state = JSON.parse(out[STATE_PATH]!.content) as { files: Record<string, { policy: string }> };
    expect(state.files['go.mod']!.policy).toBe('owned');
    expect(state.files['.env.example']!.policy).toBe('seed');
    expect(state.files['main.go']!.policy).toBe('merge');
  });

  it('rejects an unknown policy with the template name', () => {
    expect(() => render({ 'base:go.mod': '{{!-- upgrade: mine --}}\nmodule x\n' })).toThrow(
      /^template base\/go\.mod\.hbs: unknown upgrade policy "mine"/,
    );
  });
});

describe('loadTemplates', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cs-templates-'));
    await mkdir(join(root, 'base/cmd/__name__'), { recursive: true });
    await writeFile(join(root, 'base/cmd/__name__/main.go.hbs'), 'package main\n');
    await writeFile(join(root, 'base/go.mod.hbs'), 'module {{module}}\n');
    await writeFile(join(root, 'base/README.txt'), 'not a template\n');
    await mkdir(join(root, 'router/chi'), { recursive: true });
    await writeFile(join(root, 'router/chi/routes.go.hbs'), 'package httpapi\n');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads only .hbs files, strips the suffix, keys by folder, and treats a missing folder as empty', async () => {
    const set = await loadTemplates(root, ['base', 'router/chi', 'metrics']);
    expect([...set.keys()]).toEqual(['base', 'router/chi', 'metrics']);
    expect(set.get('base')).toEqual([
      { folder: 'base', path: 'cmd/__name__/main.go', source: 'package main\n' },
      { folder: 'base', path: 'go.mod', source: 'module {{module}}\n' },
    ]);
    expect(set.get('router/chi')!.map((t) => t.path)).toEqual(['routes.go']);
    expect(set.get('metrics')).toEqual([]);
  });
});

describe('template parts in templates/', () => {
  it('partReferences leaves out the inline partials a template defines for itself', () => {
    const source = '{{#*inline "check"}}x{{/inline}}{{> check}}{{> readme/config}}{{#> layout}}{{/layout}}';
    expect(partReferences(source)).toEqual(['readme/config', 'layout']);
  });

  it('every {{> slot}} a template names is filled by at least one option folder (a misspelt slot fails here)', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const root = join(__dirname, '..', '..', 'templates');
    const all = (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.hbs'));
    const provided = new Set<string>();
    const referenced = new Map<string, string>();
    for (const e of all) {
      const abs = join(e.parentPath, e.name);
      const rel = abs.slice(root.length + 1).split('\\').join('/');
      const m = /^(?:.+?)\/parts\/(.+)\.hbs$/.exec(rel);
      if (m) provided.add(m[1]!);
      for (const ref of partReferences(await readFile(abs, 'utf8'))) referenced.set(ref, rel);
    }
    const missing = [...referenced].filter(([ref]) => !provided.has(ref)).map(([ref, by]) => `${ref} (in ${by})`);
    expect(missing).toEqual([]);
  });
});
