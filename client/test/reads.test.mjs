// Read state (cursors synced across the user's connections, unread counts, receipts) and the
// moderation the application applies (muted, removed from a room, disconnected).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectAlice, FakeSocket, make, msg, nextSocket, sleep, welcome } from './harness.mjs';

const reads = (ws) => ws.take().filter((f) => f.type === 'read');

test('joined tells the cursor, the unread count and the receipts; markRead moves the cursor and tells the server', () => {
  const { client, of } = make();
  client.connect('alice');
  const ws = FakeSocket.last;
  ws.open();
  ws.take();
  ws.frame(welcome());
  ws.frame({ type: 'joined', room: 'r', members: ['alice', 'bob'], messages: [msg('r', '1-0'), msg('r', '2-0'), msg('r', '3-0')],
    read: '1-0', unread: 2, receipts: { alice: '1-0', bob: '3-0' } });
  const [joined] = of('joined');
  assert.deepEqual({ read: joined.read, unread: joined.unread, capped: joined.unreadCapped, receipts: joined.receipts },
    { read: '1-0', unread: 2, capped: false, receipts: { alice: '1-0', bob: '3-0' } });
  assert.equal(client.readCursor('r'), '1-0');
  assert.equal(client.markRead('r'), true, 'up to the newest frame delivered');
  assert.deepEqual(reads(ws), [{ type: 'read', room: 'r', id: '3-0' }]);
  assert.deepEqual(of('read').map(({ room, id, self }) => ({ room, id, self })), [{ room: 'r', id: '3-0', self: true }]);
  assert.equal(client.markRead('r', '2-0'), false, 'never back');
  // the server tells every connection of the user, this one too: nothing new
  ws.frame({ type: 'read', room: 'r', id: '3-0' });
  assert.equal(of('read').length, 1);
  client.disconnect();
});

test('another device moved the cursor: a read event; receipts of others move forward only', () => {
  const { client, of } = make();
  const { ws } = connectAlice(client, { r: [msg('r', '1-0'), msg('r', '2-0')] });
  ws.frame({ type: 'read', room: 'r', id: '2-0' });
  assert.deepEqual(of('read').map(({ id, self }) => ({ id, self })), [{ id: '2-0', self: false }]);
  assert.equal(client.markRead('r'), false, 'read already, on the other device');
  assert.deepEqual(reads(ws), []);
  ws.frame({ type: 'receipt', room: 'r', user: 'bob', name: 'Bob', id: '2-0' });
  ws.frame({ type: 'receipt', room: 'r', user: 'bob', name: 'Bob', id: '1-0' });
  assert.deepEqual(of('receipt').map(({ user, name, id }) => ({ user, name, id })), [{ user: 'bob', name: 'Bob', id: '2-0' }]);
  assert.deepEqual([...client.receipts('r')], [['bob', '2-0']]);
  client.disconnect();
});

test('marking read is throttled per room: the newest id goes once the interval is over', async () => {
  const { client } = make({ readThrottleMs: 30 });
  const { ws } = connectAlice(client, { r: [msg('r', '1-0')] });
  client.markRead('r');
  ws.frame(msg('r', '2-0'));
  client.markRead('r');
  ws.frame(msg('r', '3-0'));
  client.markRead('r');
  assert.deepEqual(reads(ws).map((f) => f.id), ['1-0']);
  await sleep(60);
  assert.deepEqual(reads(ws).map((f) => f.id), ['3-0']);
  client.disconnect();
});

test('read offline: sent after the room is back, when the server has an older cursor', async () => {
  const { client } = make();
  const { ws } = connectAlice(client, { r: [msg('r', '1-0'), msg('r', '2-0')] });
  ws.drop();
  assert.equal(client.markRead('r'), true);
  const ws2 = await nextSocket(2);
  ws2.open();
  ws2.take();
  ws2.frame(welcome());
  assert.deepEqual(reads(ws2), []);
  ws2.frame({ type: 'joined', room: 'r', recovered: true, members: ['alice'], messages: [], read: '1-0', unread: 1 });
  assert.deepEqual(reads(ws2), [{ type: 'read', room: 'r', id: '2-0' }]);
  client.disconnect();
});

test('muted and unmuted by a moderator', () => {
  const { client, of } = make();
  const { ws } = connectAlice(client, { r: [] });
  ws.frame({ type: 'muted', room: 'r', muted: true, reason: 'calm down' });
  assert.equal(client.isMuted('r'), true);
  ws.frame({ type: 'muted', room: 'r', muted: false, reason: '' });
  assert.equal(client.isMuted('r'), false);
  assert.deepEqual(of('muted').map(({ muted, reason }) => [muted, reason]), [[true, 'calm down'], [false, '']]);
  client.disconnect();
});

test('removed from a room by the application: forgotten (not resumed), its sends given up', async () => {
  const { client, of } = make();
  const { ws } = connectAlice(client, { lobby: [], r: [msg('r', '1-0')] });
  const cid = client.send('r', 'unacked');
  ws.frame({ type: 'left', room: 'r', removed: true, reason: 'spam' });
  assert.deepEqual(of('left').map(({ room, removed, reason }) => ({ room, removed, reason })), [{ room: 'r', removed: true, reason: 'spam' }]);
  assert.deepEqual(of('failed').map((f) => [f.cid, f.code]), [[cid, 'removed']]);
  assert.deepEqual(client.rooms, ['lobby']);
  ws.drop(1012);
  const ws2 = await nextSocket(2);
  ws2.open();
  assert.deepEqual(ws2.take()[0].rooms, { lobby: null });
  client.disconnect();
});

test('4403: disconnected by the application, reported, and no reconnect', async () => {
  const { client, of } = make();
  const { ws } = connectAlice(client);
  ws.drop(4403, 'banned for a day');
  assert.equal(client.state, 'closed');
  assert.deepEqual(of('error').map(({ code, message, close }) => ({ code, message, close })),
    [{ code: 'kicked', message: 'banned for a day', close: 4403 }]);
  await sleep(40);
  assert.equal(FakeSocket.all.length, 1, 'no new connection');
});

test('4429 and 1013 are retried like any lost connection', async () => {
  const { client } = make();
  const { ws } = connectAlice(client);
  ws.drop(4429, 'too many connections of this user');
  assert.equal(client.state, 'reconnecting');
  const ws2 = await nextSocket(2);
  ws2.open();
  ws2.take();
  ws2.frame(welcome());
  ws2.drop(1013, 'slow');
  await nextSocket(3);
  client.disconnect();
});

test('refresh sends the new token, and reconnects use it', async () => {
  const { client, of } = make();
  client.connect({ token: 'old.jwt.x' });
  const ws = FakeSocket.last;
  ws.open();
  ws.take();
  ws.frame(welcome());
  const ref = client.refresh('new.jwt.y');
  assert.deepEqual(ws.take(), [{ type: 'refresh', token: 'new.jwt.y', ref }]);
  ws.frame({ type: 'refreshed', expires: 1700000000, ref });
  assert.deepEqual(of('refreshed').map((r) => [r.expires, r.request.token]), [[1700000000, 'new.jwt.y']]);
  ws.drop(1012);
  const ws2 = await nextSocket(2);
  ws2.open();
  assert.equal(ws2.take()[0].token, 'new.jwt.y');
  client.disconnect();
});
