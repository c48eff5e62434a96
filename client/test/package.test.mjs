// The npm package: package.json points at files that exist and ships what it exports; the
// hand-written TypeScript declarations (src/index.d.ts) declare every export of src/index.js and
// every public member of ChatClient and Timeline. (No TypeScript compiler is needed to run this;
// `tsc --noEmit` on a file importing the package checks the declarations' syntax, see README.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as sdk from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(root + 'package.json', 'utf8'));
const dts = readFileSync(root + 'src/index.d.ts', 'utf8');

test('package.json: an ESM package with types, a version and a license, whose entry points exist and are shipped', () => {
  assert.match(pkg.name, /^@chat-relay\/client$/);
  assert.match(pkg.version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  assert.equal(pkg.type, 'module');
  assert.ok(pkg.license, 'a license field');
  assert.equal(pkg.private, undefined, 'publishable');
  const entries = [pkg.main, pkg.types, pkg.exports['.'].default, pkg.exports['.'].types, pkg.exports['./names.json']];
  for (const file of entries) {
    assert.ok(existsSync(root + file), `${file} exists`);
    assert.ok(pkg.files.some((f) => file.replace('./', '').startsWith(f)), `${file} is in "files"`);
  }
  assert.deepEqual(Object.keys(pkg.exports['.']), ['types', 'default'], 'types first, as TypeScript needs');
  assert.equal(pkg.dependencies, undefined, 'no dependencies');
});

test('no registry host is written anywhere in package.json', () => {
  const text = JSON.stringify(pkg);
  assert.doesNotMatch(text, /registry|https?:\/\//i);
  assert.equal(pkg.publishConfig, undefined);
});

test('the declarations declare every export', () => {
  for (const name of Object.keys(sdk)) {
    assert.match(dts, new RegExp(`export declare (const|class|function) ${name}\\b`), `index.d.ts declares ${name}`);
  }
});

/** The body of `export declare class Name ... { ... }` in the declarations. */
function classBody(name) {
  const start = dts.indexOf(`export declare class ${name} `);
  assert.ok(start >= 0, `class ${name} declared`);
  const open = dts.indexOf('{', start);
  let depth = 0;
  for (let i = open; i < dts.length; i++) {
    if (dts[i] === '{') depth++;
    else if (dts[i] === '}' && --depth === 0) return dts.slice(open, i);
  }
  throw new Error('unbalanced braces');
}

for (const [name, cls] of [['ChatClient', sdk.ChatClient], ['Timeline', sdk.Timeline], ['ReconnectingSocket', sdk.ReconnectingSocket]]) {
  test(`the declarations declare every public member of ${name}`, () => {
    const body = classBody(name);
    const members = Object.getOwnPropertyNames(cls.prototype).filter((m) => m !== 'constructor' && !m.startsWith('_'));
    assert.ok(members.length > 3);
    for (const m of members) {
      const getter = Object.getOwnPropertyDescriptor(cls.prototype, m).get !== undefined;
      const pattern = getter ? new RegExp(`readonly ${m}\\??:`) : new RegExp(`\\n\\s+${m}(<[^>]*>)?\\(`);
      assert.match(body, pattern, `${name}.${m} is declared${getter ? ' (readonly)' : ''}`);
    }
  });
}

test('every event the client emits has a declared detail type', () => {
  const src = ['client.js', 'session.js', 'sends.js'].map((f) => readFileSync(root + 'src/' + f, 'utf8')).join('\n');
  const emitted = new Set([...src.matchAll(/_emit\('([a-z]+)'/g)].map((m) => m[1]));
  for (const type of ['presence', 'typing', 'pong', 'status', 'edit', 'delete', 'reaction']) emitted.add(type);
  const map = dts.slice(dts.indexOf('export interface ChatClientEventMap'));
  for (const type of emitted) assert.match(map, new RegExp(`\\n\\s+${type}: CustomEvent<`), `event ${type} declared`);
});
