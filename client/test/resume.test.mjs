// Unit tests of the SDK's ChatClient: reconnecting, resuming rooms with hello, recovery, dedupe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUBPROTOCOL } from '../src/index.js';
import { connectAlice, dm, FakeSocket, guestWelcome, ids, make, msg, nextSocket, sleep, welcome } from './harness.mjs';

test('reconnect: hello lists every room with its last id, and no join frame follows', async () => {
  const { client, of } = make();
  const { ws } = connectAlice(client, { lobby: [msg('lobby', '1-0')] });
  client.join('dev');
  const [join] = ws.take();
  ws.frame({ type: 'joined', room: 'dev', members: ['alice'], messages: [msg('dev', '5-0')] });
  ws.frame(msg('lobby', '3-0'));
  client.join('quiet');
  ws.frame({ type: 'joined', room: 'quiet', members: ['alice'], messages: [] });
  assert.deepEqual(join, { type: 'join', room: 'dev', ref: join.ref });

  ws.drop(1012);
  assert.equal(client.state, 'reconnecting');
  const ws2 = await nextSocket(2);
  assert.deepEqual(ws2.protocols, [SUBPROTOCOL]);
  ws2.open();
  const [hello, ...rest] = ws2.take();
  assert.deepEqual(hello, { type: 'hello', name: 'alice', rooms: { lobby: '3-0', dev: '5-0', quiet: null } });
  assert.deepEqual(rest, []);
  ws2.frame(welcome('gw-2'));
  ws2.frame({ type: 'joined', room: 'lobby', recovered: true, members: ['alice', 'bob'], messages: [msg('lobby', '4-0')] });
  ws2.frame({ type: 'joined', room: 'dev', recovered: true, members: ['alice'], messages: [] });
  ws2.frame({ type: 'joined', room: 'quiet', members: ['alice'], messages: [] });
  assert.deepEqual(ws2.take().filter((f) => f.type === 'join'), [], 'no duplicate joins');
  assert.deepEqual(of('error'), []);
  assert.deepEqual(client.rooms, ['lobby', 'dev', 'quiet']);
  assert.deepEqual(of('joined').at(-3).messages.map((m) => m.id), ['4-0']);
  client.disconnect();
});

test('a guest with a generated name comes back with its guest token: the same id and name', async () => {
  const { client } = make();
  client.connect({ name: '' });
  const ws = FakeSocket.last;
  ws.open();
  assert.deepEqual(ws.take(), [{ type: 'hello', rooms: {} }]);
  ws.frame(guestWelcome('guest:ab2cd3ef4gh5', 'guest-1a2b', 'g.t.1'));
  assert.equal(client.user, 'guest:ab2cd3ef4gh5');
  assert.equal(client.name, 'guest-1a2b');
  assert.equal(client.guestToken, 'g.t.1');
  ws.drop();
  const ws2 = await nextSocket(2);
  ws2.open();
  assert.deepEqual(ws2.take(), [{ type: 'hello', token: 'g.t.1', rooms: {} }]);
  client.disconnect();
});

test('a server that sends no guest token: the display name is kept on reconnect', async () => {
  const { client } = make();
  client.connect({ name: '' });
  FakeSocket.last.open();
  FakeSocket.last.take();
  FakeSocket.last.frame(welcome('gw-1', 'guest:ab2cd3ef4gh5', { name: 'guest-1a2b' }));
  FakeSocket.last.drop();
  const ws2 = await nextSocket(2);
  ws2.open();
  assert.deepEqual(ws2.take(), [{ type: 'hello', name: 'guest-1a2b', rooms: {} }]);
  client.disconnect();
});

test('joined with more:true, then the rest of the recovery as message frames, each once', async () => {
  const { client, of } = make();
  const { ws } = connectAlice(client, { lobby: [msg('lobby', '1-0')] });
  ws.drop(1013);
  const ws2 = await nextSocket(2);
  ws2.open();
  assert.deepEqual(ws2.take()[0].rooms, { lobby: '1-0' });
  ws2.frame(welcome('gw-2'));
  ws2.frame({ type: 'joined', room: 'lobby', recovered: true, more: true, members: ['alice'],
    messages: [msg('lobby', '2-0'), msg('lobby', '3-0')] });
  for (const id of ['3-0', '4-0', '5-0', '5-0', '6-0']) ws2.frame(msg('lobby', id));
  const joined = of('joined').at(-1);
  assert.equal(joined.more, true);
  assert.equal(joined.recovered, true);
  assert.deepEqual(ids(joined.messages), ['2-0', '3-0']);
  assert.deepEqual(of('message').map((e) => e.message.id), ['4-0', '5-0', '6-0']);
  assert.equal(client.lastId('lobby'), '6-0');
  client.disconnect();
});

test('dedupe across reconnects: what was delivered before is not delivered again', async () => {
  const { client, of } = make();
  const { ws } = connectAlice(client, { lobby: [msg('lobby', '1-0'), msg('lobby', '2-0')] });
  ws.frame(msg('lobby', '2-0'));
  ws.frame(msg('lobby', '3-0'));
  ws.drop();
  const ws2 = await nextSocket(2);
  ws2.open();
  ws2.frame(welcome());
  // a server that sends too much: old messages again, in the joined and live
  ws2.frame({ type: 'joined', room: 'lobby', recovered: true, members: ['alice'],
    messages: [msg('lobby', '2-0'), msg('lobby', '3-0'), msg('lobby', '4-0')] });
  ws2.frame(msg('lobby', '3-0'));
  ws2.frame(msg('lobby', '5-0'));
  const delivered = [...of('joined').flatMap((e) => ids(e.messages)), ...of('message').map((e) => e.message.id)];
  assert.deepEqual(delivered.sort(), ['1-0', '2-0', '3-0', '4-0', '5-0']);
  client.disconnect();
});

test('a room of the hello the server failed to join is joined again with since', async () => {
  const { client } = make({ recoveryTimeoutMs: 20 });
  const { ws } = connectAlice(client, { a: [msg('a', '1-0')], b: [msg('b', '2-0')], c: [msg('c', '3-0')] });
  ws.drop();
  const ws2 = await nextSocket(2);
  ws2.open();
  ws2.take();
  ws2.frame(welcome());
  ws2.frame({ type: 'error', code: 'broker_unavailable', message: 'try again', ref: null });
  ws2.frame({ type: 'joined', room: 'b', recovered: true, members: ['alice'], messages: [] });
  // a failed (b answered after it): joined again at once
  const [join] = ws2.take();
  assert.deepEqual({ ...join, ref: undefined }, { type: 'join', room: 'a', since: '1-0', ref: undefined });
  // c never answered: joined again after recoveryTimeoutMs
  await sleep(40);
  assert.deepEqual(ws2.take().map(({ room, since }) => ({ room, since })), [{ room: 'c', since: '3-0' }]);
  client.disconnect();
});

test('an error without ref while resuming (the server failed a join of the hello) checks soon', async () => {
  const { client } = make({ recoveryTimeoutMs: 60000 });
  const { ws } = connectAlice(client, { a: [msg('a', '1-0')], b: [] });
  ws.drop();
  const ws2 = await nextSocket(2);
  ws2.open();
  ws2.take();
  ws2.frame(welcome());
  ws2.frame({ type: 'error', code: 'broker_unavailable', message: 'try again', ref: null });
  ws2.frame({ type: 'error', code: 'broker_unavailable', message: 'try again', ref: null });
  await sleep(40);
  assert.deepEqual(ws2.take().map(({ type, room, since }) => ({ type, room, since })),
    [{ type: 'join', room: 'a', since: '1-0' }, { type: 'join', room: 'b', since: undefined }]);
  client.disconnect();
});

test('a failed recovery of a direct conversation is tried again', async () => {
  const { client, of } = make();
  const { ws } = connectAlice(client);
  ws.frame(dm('bob', 'alice', '5-0'));
  ws.drop();
  const ws2 = await nextSocket(2);
  ws2.open();
  ws2.take();
  ws2.frame(welcome());
  const first = ws2.take().find((f) => f.type === 'history');
  ws2.frame({ type: 'error', code: 'broker_unavailable', message: 'try again', ref: first.ref });
  assert.equal(of('error').length, 0, 'not shown');
  await sleep(40);
  const again = ws2.take().find((f) => f.type === 'history');
  assert.deepEqual({ with: again.with, after: again.after }, { with: 'bob', after: '5-0' });
  ws2.frame({ type: 'history', with: 'bob', ref: again.ref, more: false, messages: [dm('bob', 'alice', '6-0')] });
  assert.deepEqual(of('message').map((e) => e.message.id), ['5-0', '6-0']);
  client.disconnect();
});
