// Unit tests of the SDK's ChatClient against a fake WebSocket: connecting, frames, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUBPROTOCOL } from '../src/index.js';
import { connectAlice, dm, FakeSocket, ids, make, msg, nextSocket, sleep, welcome } from './harness.mjs';

test('opens with the v2 sub-protocol and no credentials in the URL; hello is the first frame', () => {
  const { client } = make();
  client.connect({ name: 'alice' });
  const ws = FakeSocket.last;
  assert.equal(ws.url, 'ws://h/ws');
  assert.deepEqual(ws.protocols, [SUBPROTOCOL]);
  ws.open();
  assert.deepEqual(ws.take(), [{ type: 'hello', name: 'alice', rooms: {} }]);
  assert.equal(client.state, 'connecting');
  ws.frame(welcome());
  assert.equal(client.state, 'connected');
  assert.equal(client.node, 'gw-1');
  client.disconnect();
  assert.equal(client.state, 'closed');
});

test('a token goes in the hello, never the name', () => {
  const { client } = make();
  client.connect({ name: 'ignored', token: 'h.p.s' });
  FakeSocket.last.open();
  assert.deepEqual(FakeSocket.last.take(), [{ type: 'hello', token: 'h.p.s', rooms: {} }]);
  client.disconnect();
});

test('the default room the server joins on its own is a normal joined', () => {
  const { client, of } = make();
  connectAlice(client, { lobby: [msg('lobby', '1-0'), msg('lobby', '2-0')] });
  const [joined] = of('joined');
  assert.equal(joined.room, 'lobby');
  assert.equal(joined.first, true);
  assert.deepEqual(ids(joined.messages), ['1-0', '2-0']);
  assert.deepEqual(client.rooms, ['lobby']);
  assert.equal(client.lastId('lobby'), '2-0');
  assert.equal(of('error').length, 0);
  client.disconnect();
});

test('4401 shows the reason and stops reconnecting', async () => {
  const { client, of } = make();
  client.connect({ token: 'expired' });
  const ws = FakeSocket.last;
  ws.open();
  ws.drop(4401, 'token expired');
  assert.equal(client.state, 'closed');
  assert.deepEqual(of('error').map(({ code, message, close }) => ({ code, message, close })),
    [{ code: 'unauthorized', message: 'token expired', close: 4401 }]);
  assert.equal(of('disconnected')[0].fatal, true);
  await sleep(60);
  assert.equal(FakeSocket.all.length, 1, 'no new connection');
});

test('4400 is reported and retried', async () => {
  const { client, of } = make();
  client.connect({ name: 'alice' });
  FakeSocket.last.open();
  FakeSocket.last.drop(4400, 'no hello in time');
  assert.equal(client.state, 'reconnecting');
  assert.equal(of('error')[0].code, 'bad_hello');
  await nextSocket(2);
  client.disconnect();
});

test('send queue (the cid is returned), acks, join errors and direct messages with recovery', async () => {
  const { client, of } = make();
  client.connect('alice');
  const ref = client.send('lobby', 'queued');
  assert.equal(client.queued, 1);
  const ws = FakeSocket.last;
  ws.open();
  ws.take();
  ws.frame(welcome());
  const [sent] = ws.take();
  assert.deepEqual(sent, { type: 'send', room: 'lobby', text: 'queued', cid: ref, ref: sent.ref });
  ws.frame({ type: 'ack', ref: sent.ref, id: '1-0', cid: ref });
  assert.equal(of('ack')[0].request.text, 'queued');
  assert.equal(of('ack')[0].cid, ref);
  assert.equal(client.queued, 0);

  const jref = client.join('bad room');
  assert.deepEqual(ws.take(), [{ type: 'join', room: 'bad room', ref: jref }]);
  ws.frame({ type: 'error', code: 'bad_room', message: 'room must match', ref: jref });
  assert.equal(of('error')[0].request.room, 'bad room');
  assert.deepEqual(client.rooms, []);

  ws.frame(dm('bob', 'alice', '5-0', 'psst'));
  ws.frame(dm('alice', 'bob', '6-0', 'yes'));
  ws.frame(dm('alice', 'bob', '6-0', 'yes'));
  assert.deepEqual(of('message').map((e) => [e.key, e.message.id]), [['@bob', '5-0'], ['@bob', '6-0']]);

  ws.drop();
  const ws2 = await nextSocket(2);
  ws2.open();
  assert.deepEqual(ws2.take(), [{ type: 'hello', name: 'alice', rooms: {} }]);
  ws2.frame(welcome());
  const h = ws2.take().find((f) => f.type === 'history');
  assert.equal(h.with, 'bob');
  assert.equal(h.after, '6-0');
  ws2.frame({ type: 'history', with: 'bob', ref: h.ref, more: false, messages: [dm('bob', 'alice', '7-0', 'missed')] });
  assert.equal(of('message').at(-1).message.text, 'missed');
  assert.equal(of('message').at(-1).recovered, true);
  assert.equal(of('history').length, 0);
  client.disconnect();
});

test('a join asked for while offline goes as a join frame after the welcome, not in the hello', () => {
  const { client } = make();
  client.connect('alice');
  const ref = client.join('later');
  const ws = FakeSocket.last;
  ws.open();
  assert.deepEqual(ws.take(), [{ type: 'hello', name: 'alice', rooms: {} }]);
  ws.frame(welcome());
  assert.deepEqual(ws.take(), [{ type: 'join', room: 'later', ref }]);
  client.disconnect();
});

test('leaving forgets the room at once: not resumed, a late joined of it is ignored', () => {
  const { client, of } = make();
  const { ws } = connectAlice(client, { lobby: [], dev: [] });
  client.leave('dev');
  assert.deepEqual(ws.take(), [{ type: 'leave', room: 'dev' }]);
  assert.deepEqual(client.rooms, ['lobby']);
  ws.frame({ type: 'joined', room: 'dev', members: [], messages: [] });
  ws.frame({ type: 'left', room: 'dev' });
  assert.deepEqual(client.rooms, ['lobby']);
  assert.deepEqual(of('joined').map((e) => e.room), ['lobby', 'dev']);
  client.disconnect();
});

test('another identity starts afresh', () => {
  const { client } = make();
  connectAlice(client, { lobby: [msg('lobby', '1-0')] });
  client.connect({ name: 'carol' });
  FakeSocket.last.open();
  assert.deepEqual(FakeSocket.last.take(), [{ type: 'hello', name: 'carol', rooms: {} }]);
  assert.equal(client.lastId('lobby'), null);
  client.disconnect();
});
