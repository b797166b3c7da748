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
