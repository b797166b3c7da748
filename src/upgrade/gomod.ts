/**
 * A semantic three-way merge of go.mod, used when the line merge conflicts:
 * typically the template bumped a dependency and the user added one (or ran
 * `go mod tidy`, which rewrites the require blocks). Requirements and the go
 * and toolchain directives are merged per module; everything else (module,
 * replace, exclude, comments, ...) must have been changed on one side only.
 * When both sides moved the same requirement, the higher version wins, as
 * Go's minimal version selection would pick it anyway. Returns undefined when
 * the files cannot be merged this way (the line merge's conflict stands).
 */

interface Requirement {
  version: string;
  indirect: boolean;
}

interface GoMod {
  lines: string[];
  /** Module path → requirement and the line it is on. */
  requires: Map<string, Requirement & { line: number; single: boolean }>;
  /** Line index of each require block's closing parenthesis. */
  blocks: { close: number; indirect: number; direct: number }[];
  directives: Map<'go' | 'toolchain', { value: string; line: number }>;
  /** The file without its requirements and with directive values blanked: what must merge as lines. */
  skeleton: string;
}

const REQUIRE_ENTRY = /^(\s*)(?!\/\/)([^\s"()]+)\s+(v\S+)\s*(\/\/.*)?$/;

function parse(text: string): GoMod | undefined {
  const lines = text.split('\n');
  const requires: GoMod['requires'] = new Map();
  const blocks: GoMod['blocks'] = [];
  const directives: GoMod['directives'] = new Map();
  const skeleton: string[] = [];
  let block: GoMod['blocks'][number] | undefined;
  let otherBlock = false;
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    if (block) {
      if (/^\s*\)\s*$/.test(line)) {
        block.close = i;
        blocks.push(block);
        block = undefined;
        continue;
      }
      if (/^\s*$/.test(line)) continue;
      // A comment in a require block is kept as text: whoever changed it keeps the canvas.
      if (/^\s*\/\//.test(line)) {
        skeleton.push(line);
        continue;
      }
      const m = REQUIRE_ENTRY.exec(line);
      if (!m) return undefined;
      const indirect = /\/\/\s*indirect\b/.test(m[4] ?? '');
      if (requires.has(m[2]!)) return undefined;
      requires.set(m[2]!, { version: m[3]!, indirect, line: i, single: false });
      if (indirect) block.indirect++;
      else block.direct++;
      continue;
    }
    if (otherBlock) {
      if (/^\s*\)\s*$/.test(line)) otherBlock = false;
      skeleton.push(line);
      continue;
    }
    if (/^\s*require\s*\(\s*$/.test(line)) {
      block = { close: -1, indirect: 0, direct: 0 };
      continue;
    }
    const single = /^\s*require\s+(.*)$/.exec(line);
    if (single) {
      const m = REQUIRE_ENTRY.exec(single[1]!);
      if (!m || requires.has(m[2]!)) return undefined;
      requires.set(m[2]!, { version: m[3]!, indirect: /\/\/\s*indirect\b/.test(m[4] ?? ''), line: i, single: true });
      continue;
    }
    const d = /^\s*(go|toolchain)\s+(\S+)\s*$/.exec(line);
    if (d) {
      directives.set(d[1] as 'go' | 'toolchain', { value: d[2]!, line: i });
      skeleton.push(d[1]!);
      continue;
    }
    // Anything else must be a known directive, a comment or blank: a file that is not valid
    // go.mod is left to the line merge.
    if (!/^\s*(\/\/.*)?$/.test(line) && !/^\s*(module|godebug|replace|exclude|retract|tool|ignore)\b/.test(line)) return undefined;
    if (/\(\s*$/.test(line)) otherBlock = true;
    skeleton.push(line);
  }
  if (block) return undefined;
  return { lines, requires, blocks, directives, skeleton: skeleton.join('\n').trim() };
}

/** Merges go.mod semantically (see the module comment); all texts LF. */
export function mergeGoMod(ours: string, base: string, theirs: string): string | undefined {
  const [o, b, t] = [parse(ours), parse(base), parse(theirs)];
  if (!o || !b || !t) return undefined;
  let canvas: GoMod;
  if (t.skeleton === b.skeleton || o.skeleton === t.skeleton) canvas = o;
  else if (o.skeleton === b.skeleton) canvas = t;
  else return undefined;

  const requires = new Map<string, Requirement>();
  for (const path of new Set([...o.requires.keys(), ...b.requires.keys(), ...t.requires.keys()])) {
    const get = (g: GoMod): Requirement | undefined => {
      const r = g.requires.get(path);
      return r && { version: r.version, indirect: r.indirect };
    };
    const r = merge3<Requirement>(get(o), get(b), get(t), sameRequirement, (x, y) => ({
      version: compareSemver(x.version, y.version) >= 0 ? x.version : y.version,
      indirect: x.indirect && y.indirect,
    }));
    if (r) requires.set(path, { version: r.version, indirect: r.indirect });
  }
  const directives = new Map<'go' | 'toolchain', string>();
  for (const key of ['go', 'toolchain'] as const) {
    const v = merge3(o.directives.get(key)?.value, b.directives.get(key)?.value, t.directives.get(key)?.value, (x, y) => x === y, (x, y) =>
      compareGoVersion(x, y) >= 0 ? x : y,
    );
    if (v !== undefined) directives.set(key, v);
  }
  return render(canvas, requires, directives);
}

/** Three-way merge of one value; `pick` settles a real conflict between two present values. */
function merge3<T>(o: T | undefined, b: T | undefined, t: T | undefined, same: (x: T, y: T) => boolean, pick: (x: T, y: T) => T): T | undefined {
  const eq = (x: T | undefined, y: T | undefined) => (x === undefined || y === undefined ? x === y : same(x, y));
  if (eq(o, t)) return o;
  if (eq(o, b)) return t;
  if (eq(t, b)) return o;
  // Both changed it differently. Keeping a requirement is always safe (go mod tidy drops unused ones).
  if (o === undefined) return t;
  if (t === undefined) return o;
  return pick(o, t);
}

function sameRequirement(x: Requirement, y: Requirement): boolean {
  return x.version === y.version && x.indirect === y.indirect;
}

function render(g: GoMod, requires: Map<string, Requirement>, directives: Map<'go' | 'toolchain', string>): string {
  const lines: (string | undefined)[] = [...g.lines];
  const entry = (path: string, r: Requirement) => `${path} ${r.version}${r.indirect ? ' // indirect' : ''}`;
  for (const [path, at] of g.requires) {
    const want = requires.get(path);
    if (!want) lines[at.line] = undefined;
    else if (!sameRequirement(want, at)) lines[at.line] = at.single ? `require ${entry(path, want)}` : `\t${entry(path, want)}`;
  }
  for (const [key, d] of g.directives) {
    const want = directives.get(key);
    lines[d.line] = want === undefined ? undefined : `${key} ${want}`;
  }
  const missingDirectives = [...directives].filter(([k]) => !g.directives.has(k)).map(([k, v]) => `${k} ${v}`);

  const added = [...requires].filter(([p]) => !g.requires.has(p)).sort(([a], [b]) => (a < b ? -1 : 1));
  const insertions = new Map<number, string[]>();
  const appended: string[] = [];
  const directBlock = g.blocks.find((bl) => bl.direct > 0) ?? g.blocks[0];
  const indirectBlock = g.blocks.find((bl) => bl.indirect > 0 && bl.direct === 0) ?? directBlock;
  for (const [path, r] of added) {
    const block = r.indirect ? indirectBlock : directBlock;
    if (!block) {
      appended.push(`\t${entry(path, r)}`);
      continue;
    }
    const list = insertions.get(block.close) ?? [];
    list.push(`\t${entry(path, r)}`);
    insertions.set(block.close, list);
  }
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    const extra = insertions.get(i);
    if (extra) out.push(...extra);
    if (line !== undefined) out.push(line);
    if (i === moduleLine(g) && missingDirectives.length > 0) out.push('', ...missingDirectives);
  }
  let text = out.join('\n');
  if (appended.length > 0) text = `${text.replace(/\n*$/, '')}\n\nrequire (\n${appended.join('\n')}\n)\n`;
  return sortBlocks(text);
}

function moduleLine(g: GoMod): number {
  return g.lines.findIndex((l) => /^\s*module\s/.test(l));
}

/** Keeps the entries of each require block in path order, as `go mod tidy` writes them. */
function sortBlocks(text: string): string {
  return text.replace(/^require \(\n([\s\S]*?)^\)/gm, (_all, body: string) => {
    const entries = body.split('\n').filter((l) => l !== '');
    if (entries.some((l) => !REQUIRE_ENTRY.test(l))) return `require (\n${body})`;
    entries.sort((a, b) => (a.trim() < b.trim() ? -1 : 1));
    return `require (\n${entries.join('\n')}\n)`;
  });
}

/** Compares Go module versions (semver with a leading v; prereleases before releases). */
export function compareSemver(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(v);
    if (!m) return undefined;
    return { nums: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4]?.split('.') };
  };
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return x.nums[i]! < y.nums[i]! ? -1 : 1;
  if (!x.pre || !y.pre) return x.pre ? -1 : y.pre ? 1 : 0;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) < Number(q) ? -1 : 1;
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** Compares go directive values such as 1.26, 1.26.0, 1.27rc1. */
export function compareGoVersion(a: string, b: string): number {
  const parts = (v: string) => {
    const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(rc|beta)(\d+))?/.exec(v);
    if (!m) return [0, 0, 0, 0, 0];
    const pre = m[4] ? (m[4] === 'beta' ? -2 : -1) : 0;
    return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0), pre, Number(m[5] ?? 0)];
  };
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return 0;
}
