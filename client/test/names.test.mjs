// The naming rule is the file the server reads (web/names.json), compiled by the SDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileNames, loadNames } from '../src/names.js';

const rules = JSON.parse(readFileSync(new URL('../web/names.json', import.meta.url), 'utf8'));
const names = compileNames(rules);

test('a DM peer may be any user id the server accepts, such as a@b', () => {
  assert.equal(names.isUser('a@b'), true);
  assert.equal(names.isUser('alice'), true);
  assert.equal(names.isUser('x'.repeat(64)), true);
});

test('user ids with spaces, markup or beyond 64 characters are refused', () => {
  for (const bad of ['a b', '', '<b>', 'x'.repeat(65), 'a\nb', 'ä']) assert.equal(names.isUser(bad), false, bad);
});

test('guest names are stricter: no @, at most 32', () => {
  assert.equal(names.isGuest('alice-1.x_y'), true);
  assert.equal(names.isGuest('a@b'), false);
  assert.equal(names.isGuest('a b'), false);
  assert.equal(names.isGuest('x'.repeat(33)), false);
});

test('room names allow a colon', () => {
  assert.equal(names.isRoom('team:dev'), true);
  assert.equal(names.isRoom('bad room'), false);
  assert.equal(names.isRoom('a@b'), false);
});

test('the patterns match whole strings only', () => {
  assert.equal(names.isUser('ok\n'), false);
  assert.equal(names.isRoom('lobby lobby'), false);
});

test('a rule without a pattern is refused', () => {
  assert.throws(() => compileNames({ user: '.+', guest: '.+' }), TypeError);
});

test('loadNames fetches and compiles', async () => {
  const fetchFn = async (url) => ({ ok: true, status: 200, json: async () => (assert.equal(url, '/names.json'), rules) });
  assert.equal((await loadNames('/names.json', fetchFn)).isUser('a@b'), true);
});

test('a guest id (guest: and 12 of a-z 2-9) is a user id a DM can go to; a guest cannot pick one as its name', () => {
  assert.equal(names.isUser('guest:ab2cd3ef4gh5'), true);
  for (const bad of ['guest:ab2cd3ef4gh', 'guest:AB2CD3EF4GH5', 'guest:ab2cd3ef4gh1', 'guest:ab2cd3ef4gh5x', 'guest:', 'x:ab2cd3ef4gh5']) {
    assert.equal(names.isUser(bad), false, bad);
  }
  assert.equal(names.isGuest('guest:ab2cd3ef4gh5'), false);
  assert.equal(new RegExp('^(?:' + rules.subject + ')$').test('guest:ab2cd3ef4gh5'), false, 'no token subject is a guest id');
});
