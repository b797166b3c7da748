import { expect } from 'vitest';
import { resourceContexts, type FieldContext, type ResourceContext, type ResourceSpec } from '../../src/options/resources.js';

/** One HTTP exchange as the build-run test's `send` returns it. */
export interface Exchange {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

/** Sends a request to the service under test (auth headers already added). */
export type Call = (method: string, path: string, body?: string) => Promise<Exchange>;

type Json = Record<string, unknown>;

const MISSING_ID = '0190a6f0-0000-7000-8000-000000000000';

function expectProblem(res: Exchange, status: number, what: string): void {
  expect(res.status, `${what}: ${res.text}`).toBe(status);
  expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
}

/** The problem's field errors (`errors[].field`). */
function problemFields(res: Exchange): string[] {
  return ((res.json?.errors as Array<{ field: string }> | undefined) ?? []).map((e) => e.field);
}

/** A JSON body from field → raw JSON literal (kept as text, so int64 bounds survive). */
function body(values: ReadonlyMap<string, string>): string {
  return `{${[...values].map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/** The raw JSON literal of a field in a response text (Go's encoder writes `"name":value` with no spaces). */
function rawValue(text: string, field: string): string | undefined {
  const m = new RegExp(`"${field}":("(?:[^"\\\\]|\\\\.)*"|-?[0-9.eE+-]+|true|false|null)`).exec(text);
  return m?.[1];
}

/** Valid values for every field of r, all fields given; refs from the rows created so far. */
function fullValues(r: ResourceContext, rows: ReadonlyMap<string, string[]>, which: 'sample' | 'sample2'): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of r.fields) {
    if (f.is.ref) {
      const ids = rows.get(f.ref!.snake) ?? [];
      const id = which === 'sample' ? ids[0] : ids[ids.length - 1];
      expect(id, `a ${f.ref!.title} exists before a ${r.title} refers to it`).toBeDefined();
      out.set(f.json, JSON.stringify(id));
    } else out.set(f.json, uniqueLiteral(f, f[which]!.json, unique));
  }
  unique += 1;
  return out;
}

// Each set of values gets the next number for its unique fields.
let unique = 0;

/** A unique field's sample varied per row, so two rows never collide unless the test wants them to. */
function uniqueLiteral(f: FieldContext, literal: string, n: number): string {
  if (!f.unique) return literal;
  if (f.isStringy) return JSON.stringify(`${JSON.parse(literal) as string}${n}`.slice(0, f.max ?? 200));
  if (f.is.uuid) return JSON.stringify(`0190d6b4-7a59-7c1e-9b7e-${String(n).padStart(12, '0')}`);
  if (f.is.int) return String(n + 1);
  return literal;
}

/** Expects each field of a response to hold the sent literal (time compared as instants). */
function expectValues(text: string, sent: ReadonlyMap<string, string>, r: ResourceContext, what: string): void {
  for (const f of r.fields) {
    const want = sent.get(f.json);
    if (want === undefined) continue;
    const got = rawValue(text, f.json);
    if (f.is.time && want !== 'null') expect(Date.parse(JSON.parse(got ?? 'null') as string), `${what}: ${f.json} in ${text}`).toBe(Date.parse(JSON.parse(want) as string));
    else if (f.is.float) expect(Number(got), `${what}: ${f.json} in ${text}`).toBe(Number(want));
    else expect(got, `${what}: ${f.json} in ${text}`).toBe(want);
  }
}

/** Out-of-range or wrong values, one per field that has a rule the service checks, in JSON. */
function invalidValue(f: FieldContext): string | undefined {
  if (f.is.enum) return JSON.stringify('not-a-value');
  // A text limit beyond the test's MAX_BODY_BYTES would be answered 413 before validation.
  if (f.isStringy && f.max !== null && f.max < 2000) return JSON.stringify('x'.repeat(f.max + 1));
  if ((f.is.int || f.is.float) && f.min !== null) return String(f.min - 1);
  if ((f.is.int || f.is.float) && f.max !== null) return String(f.max + 1);
  if (f.is.date) return JSON.stringify('2026-13-40');
  return undefined;
}

/**
 * Checks the HTTP contract of every declared resource against a running
 * service: create (all fields, and only the required ones: optional → null,
 * defaults applied), get, typed round trips (int64 bounds, unicode, µs times),
 * update, keyset list, equality filters, batch get, 422 listing every invalid
 * field, 409 naming a unique field, 422 naming a ref to a missing row, 409 on
 * deleting a referenced row, delete then 404.
 */
export async function checkResourcesContract(call: Call, specs: readonly ResourceSpec[]): Promise<void> {
  const resources = resourceContexts(specs);
  const rows = new Map<string, string[]>();
  for (const r of resources) {
    const path = `/v1/${r.kebabs}`;
    const what = (s: string) => `${r.title}: ${s}`;
    // Create with every field, twice (the second with the other samples), and read back.
    for (const which of ['sample', 'sample2'] as const) {
      const sent = fullValues(r, rows, which);
      const created = await call('POST', path, body(sent));
      expect(created.status, what(`create: ${created.text}`)).toBe(201);
      const id = created.json!.id as string;
      expect(created.headers.get('location')).toBe(`${path}/${id}`);
      expectValues(created.text, sent, r, what('create'));
      const got = await call('GET', `${path}/${id}`);
      expect(got.status, what(got.text)).toBe(200);
      expect(got.json).toEqual(created.json);
      rows.set(r.snake, [...(rows.get(r.snake) ?? []), id]);
    }
    // Only the required fields: optional ones come back null, defaulted ones with their default.
    const required = new Map([...fullValues(r, rows, 'sample')].filter(([k]) => {
      const f = r.fields.find((x) => x.json === k)!;
      return !f.optional && !f.hasDefault;
    }));
    const minimal = await call('POST', path, body(required));
    expect(minimal.status, what(`create with required fields only: ${minimal.text}`)).toBe(201);
    for (const f of r.fields) {
      if (f.optional) expect(rawValue(minimal.text, f.json), what(`${f.json} absent → null`)).toBe('null');
      else if (f.hasDefault) expect(JSON.parse(rawValue(minimal.text, f.json)!), what(`${f.json} absent → its default`)).toEqual(JSON.parse(f.jsonDefault!));
    }
    rows.set(r.snake, [...(rows.get(r.snake) ?? []), minimal.json!.id as string]);
    const [firstID, secondID] = rows.get(r.snake)!;

    // Typed round trips on the first row: int64 bounds, unicode, microsecond time.
    const edge = fullValues(r, rows, 'sample');
    for (const f of r.fields) {
      if (f.is.int && f.min === null && f.max === null) edge.set(f.json, '9223372036854775807');
      if (f.is.string && !f.unique && (f.max ?? 200) >= 12 && (f.min ?? 0) <= 12) edge.set(f.json, JSON.stringify('Grüße 世界 🎉'));
      if (f.is.time) edge.set(f.json, '"2026-03-04T05:06:07.123456Z"');
    }
    const updated = await call('PUT', `${path}/${firstID}`, body(edge));
    expect(updated.status, what(`update: ${updated.text}`)).toBe(200);
    expectValues(updated.text, edge, r, what('update'));
    expectValues((await call('GET', `${path}/${firstID}`)).text, edge, r, what('get after update'));
    for (const f of r.fields.filter((x) => x.is.int && x.min === null && x.max === null)) {
      edge.set(f.json, '-9223372036854775808');
      const low = await call('PUT', `${path}/${firstID}`, body(edge));
      expect(rawValue(low.text, f.json), what(`${f.json} at the int64 minimum`)).toBe('-9223372036854775808');
    }

    // Keyset list, then each equality filter.
    const all = await call('GET', path);
    expect(all.status, what(all.text)).toBe(200);
    const listed = (all.json!.items as Json[]).map((i) => i.id);
    expect(listed, what('list in creation order')).toEqual(rows.get(r.snake));
    const page = await call('GET', `${path}?limit=1`);
    expect((page.json!.items as Json[]).map((i) => i.id)).toEqual([firstID]);
    for (const f of r.filters) {
      const current = await call('GET', `${path}/${secondID}`);
      const value = current.json![f.json];
      if (value === null || value === undefined) continue;
      const filtered = await call('GET', `${path}?${f.json}=${encodeURIComponent(String(value))}`);
      expect(filtered.status, what(`filter ${f.json}: ${filtered.text}`)).toBe(200);
      const items = filtered.json!.items as Json[];
      expect(items.length, what(`filter ${f.json}=${String(value)} finds the row`)).toBeGreaterThan(0);
      for (const item of items) expect(item[f.json], what(`filter ${f.json}`)).toEqual(value);
      expect(items.map((i) => i.id)).toContain(secondID);
    }
    const batch = await call('GET', `${path}?ids=${secondID},${firstID}`);
    expect((batch.json!.items as Json[]).map((i) => i.id), what('batch get in the order asked')).toEqual([secondID, firstID]);

    // Every invalid field reported at once.
    const wrong = fullValues(r, rows, 'sample');
    const expected: string[] = [];
    for (const f of r.fields) {
      const bad = invalidValue(f);
      if (bad !== undefined) {
        wrong.set(f.json, bad);
        expected.push(f.json);
      }
    }
    if (expected.length > 0) {
      const invalid = await call('POST', path, body(wrong));
      expectProblem(invalid, 422, what('every invalid field'));
      expect(problemFields(invalid).sort(), what('422 lists each invalid field')).toEqual([...expected].sort());
    }

    // A unique value taken → 409 naming the field.
    for (const f of r.uniques) {
      const dup = fullValues(r, rows, 'sample');
      dup.set(f.json, rawValue((await call('GET', `${path}/${firstID}`)).text, f.json)!);
      const taken = await call('POST', path, body(dup));
      expectProblem(taken, 409, what(`unique ${f.json}`));
      expect(taken.text, what('409 names the field')).toContain(f.json);
    }
    // A ref to a missing row → 422 naming the field.
    for (const f of r.refs) {
      const dangling = fullValues(r, rows, 'sample');
      dangling.set(f.json, JSON.stringify(MISSING_ID));
      const res = await call('POST', path, body(dangling));
      expectProblem(res, 422, what(`${f.json} refers to no row`));
      expect(problemFields(res), what('422 names the ref field')).toEqual([f.json]);
    }
    await expectNotFound(call, `${path}/${MISSING_ID}`, what('unknown id'));
  }
  // Deleting a referenced row is a conflict; once nothing refers to it, it goes.
  for (const r of [...resources].reverse()) {
    const path = `/v1/${r.kebabs}`;
    for (const id of rows.get(r.snake) ?? []) {
      const del = await call('DELETE', `${path}/${id}`);
      expect(del.status, `${r.title}: delete ${del.text}`).toBe(204);
      await expectNotFound(call, `${path}/${id}`, `${r.title}: get after delete`);
    }
  }
  for (const r of resources.filter((x) => x.referencedBy.length > 0)) {
    const referrer = resources.find((x) => x.snake === r.referencedBy[0]!.resource.snake)!;
    const target = await call('POST', `/v1/${r.kebabs}`, body(fullValues(r, rows, 'sample')));
    expect(target.status, target.text).toBe(201);
    const id = target.json!.id as string;
    const refRows = new Map(rows);
    for (const f of referrer.refs) refRows.set(f.ref!.snake, [id]);
    refRows.set(referrer.snake, []);
    const child = await call('POST', `/v1/${referrer.kebabs}`, body(fullValues(referrer, refRows, 'sample')));
    expect(child.status, child.text).toBe(201);
    expectProblem(await call('DELETE', `/v1/${r.kebabs}/${id}`), 409, `${r.title}: delete while a ${referrer.title} refers to it`);
    expect((await call('DELETE', `/v1/${referrer.kebabs}/${child.json!.id as string}`)).status).toBe(204);
    expect((await call('DELETE', `/v1/${r.kebabs}/${id}`)).status).toBe(204);
  }
}

async function expectNotFound(call: Call, path: string, what: string): Promise<void> {
  expectProblem(await call('GET', path), 404, what);
}
