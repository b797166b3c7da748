import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contributions } from '../src/options/model.js';
import { validateResources } from '../src/options/resource-spec.js';
import { FIELD_TYPES, type FieldSpec, type FieldType, type ResourceSpec } from '../src/options/resources.js';
import { renderProject } from '../src/render/render.js';
import { loadTemplates } from '../src/render/templates.js';
import { TEMPLATES, TEST_GENERATOR, variantAnswers } from './support/fixtures.js';

const MINUTES = 60_000;
/** How many random specs CI generates and builds; `RESOURCE_SPECS=n` runs more. */
const COUNT = Number(process.env.RESOURCE_SPECS ?? 3);
/** The seed of the first spec; a failure names the seed that reproduces it. */
const SEED = Number(process.env.RESOURCE_SEED ?? 20261203);

/** mulberry32: a small seeded PRNG (Tommy Ettinger's), so a failing spec is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOUNS = ['invoice', 'ticket', 'shipment', 'account', 'person', 'category', 'address', 'payment'];
const WORDS = ['title', 'amount', 'state', 'notes', 'due_on', 'paid_at', 'token', 'active', 'rating', 'code', 'url', 'type', 'owner_id'];

/** A random valid spec: 1–3 resources of 1–5 fields, every type, refs only to earlier resources. */
function randomSpec(seed: number): ResourceSpec[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const nouns = [...NOUNS].sort(() => rnd() - 0.5).slice(0, 1 + Math.floor(rnd() * 3));
  return nouns.map((name, i) => {
    const words = [...WORDS].sort(() => rnd() - 0.5).slice(0, 1 + Math.floor(rnd() * 5));
    const fields = words.map((w): FieldSpec => {
      const types = FIELD_TYPES.filter((t) => t !== 'ref' || i > 0);
      const type: FieldType = pick(types);
      const f: FieldSpec = { name: w, type };
      if (type === 'ref') f.ref = nouns[Math.floor(rnd() * i)]!;
      if (type === 'enum') f.values = ['low', 'mid', 'high'].slice(0, 2 + Math.floor(rnd() * 2));
      if ((type === 'string' || type === 'int') && rnd() < 0.5) f.max = 50 + Math.floor(rnd() * 100);
      if ((type === 'int' || type === 'float') && rnd() < 0.5) f.min = 0;
      const modifier = rnd();
      if (modifier < 0.3) f.optional = true;
      else if (modifier < 0.5 && (type === 'string' || type === 'uuid')) f.unique = true;
      else if (modifier < 0.7 && type === 'bool') f.default = true;
      else if (modifier < 0.7 && type === 'enum') f.default = f.values![0]!;
      else if (modifier < 0.7 && type === 'int') f.default = 1;
      return f;
    });
    return { name, fields };
  });
}

// Random valid specs render projects that are gofmt-clean, vet-clean and pass
// their own tests on the memory adapter (issue #12's property test).
describe.sequential('random resource specs build and pass their own tests (memory)', () => {
  const work = mkdtempSync(join(tmpdir(), 'cs-spec-property-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (let n = 0; n < COUNT; n++) {
    const seed = SEED + n;
    it(`seed ${seed}`, async () => {
      const resources = randomSpec(seed);
      expect(validateResources(resources), 'the generator makes valid specs only').toEqual([]);
      const answers = { ...(await variantAnswers('minimal')), name: `spec${n}`, module: `example.com/spec${n}`, resources };
      const templates = await loadTemplates(TEMPLATES, contributions(answers).templates);
      const dir = join(work, `spec${n}`);
      for (const f of renderProject(templates, answers, TEST_GENERATOR)) {
        mkdirSync(dirname(join(dir, f.path)), { recursive: true });
        writeFileSync(join(dir, f.path), f.content, { mode: f.mode });
      }
      const spec = JSON.stringify(resources);
      const go = (args: string[]) => execa('go', args, { cwd: dir, all: true, reject: false, env: { GOFLAGS: '-buildvcs=false' } });
      const tidy = await go(['mod', 'tidy']);
      expect(tidy.exitCode, `go mod tidy for ${spec}:\n${tidy.all}`).toBe(0);
      const fmt = await execa('gofmt', ['-l', '.'], { cwd: dir });
      expect(fmt.stdout.trim(), `gofmt for ${spec}`).toBe('');
      const vet = await go(['vet', './...']);
      expect(vet.exitCode, `go vet for ${spec}:\n${vet.all}`).toBe(0);
      const test = await go(['test', '-count=1', './...']);
      expect(test.exitCode, `go test for ${spec}:\n${test.all}`).toBe(0);
    }, 10 * MINUTES);
  }
});
