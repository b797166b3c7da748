import { describe, expect, it } from 'vitest';
import { createEngine, compile, indefiniteArticle } from '../../src/render/engine.js';

describe('indefiniteArticle', () => {
  it.each([
    ['item', 'an'], ['order', 'an'], ['event', 'an'], ['invoice', 'an'], ['umbrella', 'an'], ['update', 'an'],
    ['hour', 'an'], ['uncle', 'an'], ['uninstall', 'an'],
    ['user', 'a'], ['unit', 'a'], ['uniform', 'a'], ['utility', 'a'], ['euro', 'a'], ['one-off', 'a'],
    ['customer', 'a'], ['person', 'a'], ['widget', 'a'], ['house', 'a'], ['blog post', 'a'],
  ])('%s takes "%s"', (word, article) => {
    expect(indefiniteArticle(word)).toBe(article);
  });

  it('is the {{a}} helper templates use', () => {
    const t = compile(createEngine(), 'create {{a title}}', 't');
    expect(t({ title: 'item' })).toBe('create an item');
    expect(t({ title: 'user' })).toBe('create a user');
  });
});

describe('the add, protoGo and hasType helpers', () => {
  const render = (source: string, ctx: object) => compile(createEngine(), source, 't')(ctx);

  it('add sums integers, for proto field numbers after the id', () => {
    expect(render('{{#each fields}}{{add @index 2}} {{/each}}{{add fields.length 2}}', { fields: ['a', 'b'] })).toBe('2 3 4');
    expect(() => render('{{add n 1}}', { n: 1.5 })).toThrow(/add: every argument must be an integer/);
  });

  it('protoGo names a proto field as protoc-gen-go does', () => {
    const names = ['customer_id', 'url', 'born_on', 'type', 'field_1', 'select'];
    expect(names.map((name) => render('{{protoGo name}}', { name }))).toEqual(['CustomerId', 'Url', 'BornOn', 'Type', 'Field_1', 'Select']);
  });

  it('hasType tells whether a field list holds a type', () => {
    const fields = [{ type: 'string' }, { type: 'date' }];
    expect(render('{{#if (hasType fields "date")}}y{{else}}n{{/if}}{{#if (hasType fields "time")}}y{{else}}n{{/if}}', { fields })).toBe('yn');
    expect(() => render('{{hasType nope "date"}}', { nope: 3 })).toThrow(/hasType: the first argument must be a list/);
  });
});
