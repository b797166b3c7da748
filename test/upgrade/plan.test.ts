import { describe, expect, it } from 'vitest';
import { blobId, renderProject, STATE_PATH, templatePolicy } from '../../src/render/render.js';
import type { TemplateFile, TemplateSet } from '../../src/render/templates.js';
import { contributions } from '../../src/options/model.js';
import { parseSets } from '../../src/upgrade/answers.js';
import { compareSemver, mergeGoMod } from '../../src/upgrade/gomod.js';
import { hasConflictMarkers, mergeText, runMerges } from '../../src/upgrade/merge.js';
import { mergedPerm, planFile, type BaseFile, type TheirFile } from '../../src/upgrade/plan.js';
import { parseState } from '../../src/upgrade/state.js';
import type { OurFile } from '../../src/upgrade/tree.js';
import { answersFor, V1 } from './support.js';

/** Unit tests of the pure parts: the decision table, go.mod merge, policies, --set, state parsing. */

const B = 'a\nb\nc\nd\ne\nf\ng\nh\n';
const base = (content: string | undefined, policy: 'merge' | 'owned' | 'seed' = 'merge', perm = '644', hashOf = content ?? B): BaseFile => ({
  entry: { hash: blobId(hashOf), perm, policy },
  ...(content === undefined ? {} : { content }),
});
const theirs = (content: string, policy: 'merge' | 'owned' | 'seed' = 'merge', perm = 0o644): TheirFile => ({ content, perm, policy });
const ours = (text: string, perm = 0o644, eol: 'lf' | 'crlf' = 'lf'): OurFile => ({
  kind: 'file',
  bytes: Buffer.from(eol === 'crlf' ? text.replaceAll('\n', '\r\n') : text),
  perm,
  binary: false,
  text,
  eol,
});
const absent: OurFile = { kind: 'absent' };
const binary: OurFile = { kind: 'file', bytes: Buffer.from([0x89, 0x50, 0, 1]), perm: 0o644, binary: true, eol: 'lf' };
const T = 'a\nb\nc\nd\ne\nf\ng\nH\n';
const O = 'A\nb\nc\nd\ne\nf\ng\nh\n';

describe('the decision table (planFile)', () => {
  const cases: [string, BaseFile | undefined, TheirFile | undefined, OurFile, string][] = [
    ['B == T: left alone although the user edited it', base(B), theirs(B), ours(O), 'unchanged'],
    ['B == T and the user deleted it: stays deleted', base(B), theirs(B), absent, 'unchanged'],
    ['O == B: takes T', base(B), theirs(T), ours(B), 'update'],
    ['O == T: nothing to do', base(B), theirs(T), ours(T), 'unchanged'],
    ['T gone and O == B: deleted', base(B), undefined, ours(B), 'delete'],
    ['T gone and O edited: modify/delete conflict, kept', base(B), undefined, ours(O), 'conflict'],
    ['T gone and O gone: nothing', base(B), undefined, absent, 'unchanged'],
    ['deleted by the user, changed by the template: not recreated', base(B), theirs(T), absent, 'skip-deleted'],
    ['new in T, absent: added', undefined, theirs(T), absent, 'add'],
    ['new in T, present (add/add): merged against an empty base', undefined, theirs(T), ours(O), 'merge'],
    ['three different texts: merged', base(B), theirs(T), ours(O), 'merge'],
    ['binary O, template changed: conflict with a sidecar', base(B), theirs(T), binary, 'conflict'],
    ['owned and edited, template changed: hard conflict', base(B, 'owned'), theirs(T, 'owned'), ours(O), 'conflict'],
    ['owned and pristine: updated', base(B, 'owned'), theirs(T, 'owned'), ours(B), 'update'],
    ['seed: never touched, even when pristine', base(B, 'seed'), theirs(T, 'seed'), ours(B), 'unchanged'],
    ['seed deleted by the user: not recreated', base(B, 'seed'), theirs(T, 'seed'), absent, 'unchanged'],
    ['new seed: added', undefined, theirs(T, 'seed'), absent, 'add'],
    ['no pristine content, O is B by hash: takes T', base(undefined), theirs(T), ours(B), 'update'],
    ['no pristine content, O edited: merged without base (never overwritten)', base(undefined), theirs(T), ours(O), 'merge'],
    ['a folder where a file was: conflict', base(B), theirs(T), { kind: 'other' }, 'conflict'],
  ];
  for (const [name, b, t, o, kind] of cases) {
    it(name, () => {
      expect(planFile('x.go', b, t, o, 'lf').kind).toBe(kind);
    });
  }

  it('a merge without pristine content has no base', () => {
    const s = planFile('x.go', base(undefined), theirs(T), ours(O), 'lf');
    expect(s).toMatchObject({ kind: 'merge' });
    expect((s as { base?: string }).base).toBeUndefined();
  });

  it('compares CRLF files by their LF text and writes CRLF back', () => {
    const s = planFile('x.go', base(B), theirs(T), ours(B, 0o644, 'crlf'), 'lf');
    expect(s).toEqual({ path: 'x.go', kind: 'update', content: T.replaceAll('\n', '\r\n'), perm: 0o644 });
    expect(planFile('x.go', base(B), theirs(B), ours(B, 0o644, 'crlf'), 'lf').kind).toBe('unchanged');
  });

  it('adds files with the tree line endings', () => {
    expect(planFile('x.go', undefined, theirs('a\nb\n'), absent, 'crlf')).toMatchObject({ content: 'a\r\nb\r\n' });
  });

  it('applies the template exec bit only when the user kept the base one', () => {
    expect(mergedPerm(0o644, '644', 0o755)).toBe(0o755);
    expect(mergedPerm(0o664, '644', 0o755)).toBe(0o775);
    expect(mergedPerm(0o755, '644', 0o644)).toBe(0o755);
    expect(mergedPerm(0o755, '755', 0o644)).toBe(0o644);
    expect(mergedPerm(0o600, '644', 0o644)).toBe(0o600);
    expect(planFile('x.sh', base(B, 'merge', '644'), theirs(B, 'merge', 0o755), ours(B), 'lf')).toEqual({ path: 'x.sh', kind: 'chmod', perm: 0o755 });
  });
});

describe('text merge', () => {
  const labels = { base: 'create-service 1.0.0', theirs: 'create-service 1.1.0' };

  it('merges separate changes cleanly', async () => {
    const m = await mergeText(O, B, T, labels);
    expect(m).toEqual({ text: 'A\nb\nc\nd\ne\nf\ng\nH\n', conflicts: 0 });
  });

  it('marks overlapping changes with diff3 labels', async () => {
    const m = await mergeText('a\nX\nc\n', 'a\nb\nc\n', 'a\nY\nc\n', labels);
    expect(m.conflicts).toBe(1);
    expect(m.text).toBe('a\n<<<<<<< yours\nX\n||||||| create-service 1.0.0\nb\n=======\nY\n>>>>>>> create-service 1.1.0\nc\n');
    expect(hasConflictMarkers(m.text)).toBe(true);
  });

  it('narrows an add/add conflict to the lines that differ', async () => {
    const m = await mergeText('p\nq\nr\ns\nt\nu\nv\n', undefined, 'p\nq\nr\nS\nt\nu\nv\n', labels);
    expect(m.conflicts).toBe(1);
    expect(m.text.startsWith('p\nq\nr\n<<<<<<< yours\ns\n')).toBe(true);
  });

  it('turns merge steps into merged or conflict steps', async () => {
    const steps = await runMerges(
      [
        { path: 'a', kind: 'merge', ours: O, base: B, theirs: T, eol: 'crlf', perm: 0o644, gomod: false },
        { path: 'b', kind: 'merge', ours: 'X\n', base: 'b\n', theirs: 'Y\n', eol: 'lf', perm: 0o644, gomod: false },
      ],
      labels,
    );
    expect(steps[0]).toEqual({ path: 'a', kind: 'merged', content: 'A\r\nb\r\nc\r\nd\r\ne\r\nf\r\ng\r\nH\r\n', perm: 0o644, how: 'lines' });
    expect(steps[1]).toMatchObject({ path: 'b', kind: 'conflict', conflict: 'content' });
  });

  it('does not see markers in ordinary text', () => {
    expect(hasConflictMarkers('a\n=======\nb\n')).toBe(false);
    expect(hasConflictMarkers('<<<<<<< x\n')).toBe(false);
  });
});

describe('go.mod semantic merge', () => {
  const mod = (reqs: string[], extra = '') => `module example.com/x\n\ngo 1.26.0\n${extra}\nrequire (\n${reqs.map((r) => `\t${r}\n`).join('')})\n`;
  const base = mod(['github.com/a/a v1.0.0', 'github.com/b/b v1.0.0']);

  it('keeps a template bump and a dependency the user added next to it', async () => {
    const theirs = mod(['github.com/a/a v1.1.0', 'github.com/b/b v1.0.0']);
    const ours = mod(['github.com/a/a v1.0.0', 'github.com/aa/aa v0.3.0', 'github.com/b/b v1.0.0']);
    // The line merge conflicts: both changed the lines around github.com/a/a.
    expect((await mergeText(ours, base, theirs, { base: 'b', theirs: 't' })).conflicts).toBeGreaterThan(0);
    expect(mergeGoMod(ours, base, theirs)).toBe(mod(['github.com/a/a v1.1.0', 'github.com/aa/aa v0.3.0', 'github.com/b/b v1.0.0']));
  });

  it('survives go mod tidy on the user side (indirect block) and a removed requirement in the template', () => {
    const ours = `${mod(['github.com/a/a v1.0.0', 'github.com/b/b v1.0.0'])}\nrequire (\n\tgithub.com/z/z v0.1.0 // indirect\n)\n`;
    const theirs = mod(['github.com/a/a v1.2.0', 'github.com/c/c v2.0.0']);
    const merged = mergeGoMod(ours, base, theirs)!;
    expect(merged).toContain('\tgithub.com/a/a v1.2.0\n');
    expect(merged).toContain('\tgithub.com/c/c v2.0.0\n');
    expect(merged).toContain('\tgithub.com/z/z v0.1.0 // indirect\n');
    expect(merged).not.toContain('github.com/b/b');
  });

  it('takes the higher version when both sides moved one', () => {
    const merged = mergeGoMod(mod(['github.com/a/a v1.3.0', 'github.com/b/b v1.0.0']), base, mod(['github.com/a/a v1.2.0', 'github.com/b/b v1.0.0']));
    expect(merged).toContain('github.com/a/a v1.3.0');
    expect(mergeGoMod(mod(['github.com/a/a v1.0.0', 'github.com/b/b v1.0.0'], 'toolchain go1.26.1\n'), base, base.replace('go 1.26.0', 'go 1.27.0'))).toContain('go 1.27.0');
  });

  it('gives up when both sides changed something else', () => {
    expect(mergeGoMod(base.replace('example.com/x', 'example.com/y'), base, base.replace('example.com/x', 'example.com/z'))).toBeUndefined();
  });

  it('orders versions as semver', () => {
    expect(compareSemver('v1.10.0', 'v1.9.0')).toBe(1);
    expect(compareSemver('v1.0.0-rc.1', 'v1.0.0')).toBe(-1);
    expect(compareSemver('v0.0.0-20240101000000-abcdef', 'v0.1.0')).toBe(-1);
  });
});

describe('template policies', () => {
  it('reads the first-line declaration and does not render it', async () => {
    expect(templatePolicy('{{!-- upgrade: seed --}}\nA\n', 't')).toEqual({ policy: 'seed', body: 'A\n' });
    expect(templatePolicy('A\n', 't')).toEqual({ policy: 'merge', body: 'A\n' });
    expect(() => templatePolicy('{{!-- upgrade: never --}}\nA\n', 't')).toThrow(/unknown upgrade policy "never"/);
    const answers = await answersFor('svc', { router: 'stdlib', db: 'memory', cache: 'none', metrics: false, tracing: false });
    const set: TemplateSet = new Map(contributions(answers).templates.map((folder) => [folder, []]));
    (set as Map<string, TemplateFile[]>).set('base', [
      { folder: 'base', path: 'a_gen.go', source: '{{!-- upgrade: owned --}}\npackage a\n' },
      { folder: 'base', path: 'b.go', source: 'package b\n' },
    ]);
    const files = renderProject(set, answers, V1);
    expect(files.find((f) => f.path === 'a_gen.go')).toEqual({ path: 'a_gen.go', content: 'package a\n', mode: 0o644, policy: 'owned' });
    expect(files.find((f) => f.path === 'b.go')).toEqual({ path: 'b.go', content: 'package b\n', mode: 0o644 });
    const state = JSON.parse(files.find((f) => f.path === STATE_PATH)!.content) as { files: Record<string, unknown> };
    expect(state.files['a_gen.go']).toEqual({ hash: blobId('package a\n'), perm: '644', policy: 'owned' });
  });
});

describe('--set', () => {
  it('parses and checks keys and values', () => {
    expect(parseSets(['cache=none', 'metrics=off', 'tracing=true'])).toEqual({ cache: 'none', metrics: false, tracing: true });
    expect(() => parseSets(['colour=red'])).toThrow(/unknown option "colour"/);
    expect(() => parseSets(['cache=mongo'])).toThrow(/invalid value for --cache: "mongo" \(valid: redis, memory, none\)/);
    expect(() => parseSets(['metrics=maybe'])).toThrow(/expected true or false/);
    expect(() => parseSets(['cache'])).toThrow(/expects key=value/);
  });
});

describe('state file', () => {
  it('reads schema 1 (mode) as schema 2 (perm, merge policy)', () => {
    const s = parseState(JSON.stringify({ schemaVersion: 1, generator: V1, answers: {}, files: { 'a.go': { hash: blobId('x'), mode: '755' } } }));
    expect(s.files['a.go']).toEqual({ hash: blobId('x'), perm: '755', policy: 'merge' });
  });

  it('refuses a newer schema and garbage', () => {
    expect(() => parseState(JSON.stringify({ schemaVersion: 99, generator: V1, answers: {}, files: {} }))).toThrow(/newer than this create-service/);
    expect(() => parseState('{')).toThrow(/not valid JSON/);
  });
});
