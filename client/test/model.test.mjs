// The message model: edits, deletions, reactions and replies as the SDK delivers them, and the
// Timeline that applies them, in any order and any number of times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timeline } from '../src/index.js';
import { connectAlice, FakeSocket, make, msg, nextSocket, welcome } from './harness.mjs';

const edit = (id, target, text, from = 'bob') => ({ type: 'edit', room: 'r', id, target, from, name: from, text, ts: 2 });
const del = (id, target, from = 'bob') => ({ type: 'delete', room: 'r', id, target, from, name: from, ts: 3 });
const reaction = (id, target, emoji, count, from = 'bob', op = 'add') =>
  ({ type: 'reaction', room: 'r', id, count, target, from, name: from, emoji, op, ts: 4 });
const texts = (t) => t.messages.map((m) => (m.deleted ? '(deleted)' : m.text));

test('a timeline applies edits, deletions and reactions once, whatever order and however often they come', () => {
  const frames = [
    msg('r', '1-0', 'tpyo'), msg('r', '2-0', 'second'), { ...msg('r', '3-0', 'answer'), reply_to: '1-0', meta: { a: 1 } },
    edit('4-0', '1-0', 'typo?'), edit('5-0', '1-0', 'typo'), reaction('6-0', '2-0', '👍', 1, 'alice'),
    reaction('7-0', '2-0', '👍', 2, 'bob'), reaction('8-0', '2-0', '🎉', 1), del('9-0', '3-0'),
    reaction('10-0', '2-0', '👍', 1, 'alice', 'remove'),
  ];
  const orders = [frames, [...frames].reverse(), [...frames, ...frames.slice(3)], [frames[5], frames[3], ...frames]];
  for (const order of orders) {
    const t = new Timeline({ isMine: (u) => u === 'alice' });
    t.applyAll(order);
    assert.deepEqual(t.messages.map((m) => m.id), ['1-0', '2-0', '3-0']);
    assert.deepEqual(texts(t), ['typo', 'second', '(deleted)']);
    assert.equal(t.get('1-0').edited, true);
    assert.deepEqual([...t.get('2-0').reactions], [['👍', { count: 1, mine: false }], ['🎉', { count: 1, mine: false }]]);
    assert.equal(t.get('3-0').deletedBy, 'bob');
  }
});

test('a timeline reports what changed: added with its index, changed; an update of an unknown message waits for it', () => {
  const t = new Timeline({ isMine: (u) => u === 'alice' });
  assert.deepEqual(t.apply(edit('5-0', '2-0', 'later')), [], 'its message is not loaded yet');
  assert.deepEqual(t.apply(msg('r', '3-0')).map((c) => [c.type, c.message.id, c.index]), [['added', '3-0', 0]]);
  const older = t.apply(msg('r', '2-0', 'first version'));
  assert.deepEqual(older.map((c) => [c.type, c.index, c.message.text, c.message.edited]), [['added', 0, 'later', true]]);
  const mine = t.apply(reaction('6-0', '3-0', '❤️', 1, 'alice'));
  assert.deepEqual(mine.map((c) => [c.type, c.index]), [['changed', 1]]);
  assert.deepEqual([...t.get('3-0').reactions], [['❤️', { count: 1, mine: true }]]);
  assert.deepEqual(t.apply(reaction('6-0', '3-0', '❤️', 1, 'alice')), [], 'the same frame again changes nothing');
  assert.deepEqual(t.apply({ type: 'typing', room: 'r' }), []);
  assert.equal(t.get('3-0').replyTo, null);
});

test('the orphans a timeline keeps are bounded', () => {
  const t = new Timeline({ maxOrphans: 2 });
  t.apply(edit('10-0', '1-0', 'a'));
  t.apply(edit('11-0', '2-0', 'b'));
  t.apply(edit('12-0', '3-0', 'c'));
  t.applyAll([msg('r', '1-0', 'x'), msg('r', '2-0', 'y'), msg('r', '3-0', 'z')]);
  assert.deepEqual(texts(t), ['x', 'b', 'c'], 'the oldest orphan was dropped');
});

test('the client delivers edits, deletions and reactions once each, live and from a recovery, after the joined', async () => {
  const { client, of } = make();
  const { ws } = connectAlice(client, { r: [msg('r', '1-0'), edit('2-0', '1-0', 'new')] });
  assert.deepEqual(of('joined')[0].messages.map((m) => m.id), ['1-0'], 'joined.messages holds messages only');
  assert.deepEqual(of('edit').map((e) => [e.target, e.frame.id, e.recovered]), [['1-0', '2-0', true]]);
  ws.frame(reaction('3-0', '1-0', '👍', 1));
  ws.frame(reaction('3-0', '1-0', '👍', 1));
  ws.frame(del('4-0', '1-0'));
  assert.deepEqual(of('reaction').map((e) => [e.frame.id, e.frame.count, e.recovered]), [['3-0', 1, false]]);
  ws.drop();
  const ws2 = await nextSocket(2);
  ws2.open();
  assert.deepEqual(ws2.take()[0].rooms, { r: '4-0' }, 'updates count as seen for since');
  ws2.frame(welcome());
  ws2.frame({ type: 'joined', room: 'r', recovered: true, more: true, members: [], messages: [del('4-0', '1-0'), edit('5-0', '1-0', 'x')] });
  ws2.frame(reaction('6-0', '1-0', '🎉', 1));
  assert.deepEqual(of('delete').map((e) => e.frame.id), ['4-0']);
  assert.deepEqual(of('edit').map((e) => e.frame.id), ['2-0', '5-0']);
  assert.deepEqual(of('reaction').map((e) => e.frame.id), ['3-0', '6-0']);
  client.disconnect();
});

test('edit, delete, react and unreact go as frames with refs; their acks and errors carry the request', () => {
  const { client, of } = make();
  const { ws } = connectAlice(client, { r: [] });
  const e = client.edit('r', '1-0', 'fixed');
  const d = client.delete('r', '1-0');
  const x = client.react('r', '1-0', '👍');
  const y = client.unreact('r', '1-0', '👍');
  assert.deepEqual(ws.take(), [
    { type: 'edit', room: 'r', target: '1-0', text: 'fixed', ref: e },
    { type: 'delete', room: 'r', target: '1-0', ref: d },
    { type: 'react', room: 'r', target: '1-0', emoji: '👍', op: 'add', ref: x },
    { type: 'react', room: 'r', target: '1-0', emoji: '👍', op: 'remove', ref: y },
  ]);
  ws.frame({ type: 'ack', ref: e, id: '2-0' });
  ws.frame({ type: 'error', code: 'forbidden', message: 'only its author can change a message', ref: d });
  ws.frame({ type: 'ack', ref: x, id: null, duplicate: true });
  ws.frame({ type: 'error', code: 'too_many_reactions', message: 'full', ref: y });
  assert.deepEqual(of('ack').map((a) => [a.request.type, a.id, a.duplicate]), [['edit', '2-0', false], ['react', null, true]]);
  assert.deepEqual(of('error').map((a) => [a.request.type, a.code]), [['delete', 'forbidden'], ['react', 'too_many_reactions']]);
  client.disconnect();
  assert.equal(client.edit('r', '1-0', 'offline'), null, 'not sent while offline');
  FakeSocket.reset();
});
