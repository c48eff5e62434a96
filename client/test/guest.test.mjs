// Unit tests of the SDK's guest identity: the id is the server's (never the picked name), the
// display name beside it, and the guest token that brings the same guest back, kept per tab.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeSocket, guestWelcome, make, MemoryStorage, msg, nextSocket, sleep, welcome } from './harness.mjs';

const KEY = 'chat-relay.guest';

/** Connects a guest who picked `name`; answers with its guest welcome; returns the socket. */
function connectGuest(client, name, id, token) {
  client.connect({ name });
  const ws = FakeSocket.last;
  ws.open();
  const [hello] = ws.take();
  ws.frame(guestWelcome(id, name, token));
  return { ws, hello };
}

test('the id is the welcome\'s user, the picked name only the display name', () => {
  const { client } = make();
  const { hello } = connectGuest(client, 'alice', 'guest:ab2cd3ef4gh5', 'g.t.1');
  assert.deepEqual(hello, { type: 'hello', name: 'alice', rooms: {} });
  assert.equal(client.user, 'guest:ab2cd3ef4gh5');
  assert.equal(client.name, 'alice');
  assert.equal(client.guestToken, 'g.t.1');
  client.disconnect();
});

test('every reconnect presents the latest guest token instead of the name, so the guest keeps its id', async () => {
  const { client, of } = make();
  const { ws } = connectGuest(client, 'alice', 'guest:ab2cd3ef4gh5', 'g.t.1');
  ws.frame({ type: 'joined', room: 'lobby', members: ['guest:ab2cd3ef4gh5'], names: { 'guest:ab2cd3ef4gh5': 'alice' },
    messages: [msg('lobby', '1-0')] });
  ws.drop(1012);
  const ws2 = await nextSocket(2);
  ws2.open();
  assert.deepEqual(ws2.take(), [{ type: 'hello', token: 'g.t.1', rooms: { lobby: '1-0' } }]);
  ws2.frame(guestWelcome('guest:ab2cd3ef4gh5', 'alice', 'g.t.2', 'gw-2'));
  ws2.drop(1012);
  const ws3 = await nextSocket(3);
  ws3.open();
  assert.equal(ws3.take()[0].token, 'g.t.2', 'the token of the latest welcome');
  assert.equal(client.user, 'guest:ab2cd3ef4gh5');
  assert.equal(of('guest').length, 0);
  client.disconnect();
});

test('the guest token is kept in the storage for the name it was picked with, and a new page resumes with it', () => {
  const storage = new MemoryStorage();
  const first = make({ storage });
  connectGuest(first.client, 'alice', 'guest:ab2cd3ef4gh5', 'g.t.1');
  assert.deepEqual(JSON.parse(storage.getItem(KEY)), { name: 'alice', token: 'g.t.1' });
  first.client.disconnect();

  // the page is loaded again in the same tab: same storage, a new client
  const again = make({ storage });
  again.client.connect({ name: 'alice' });
  FakeSocket.last.open();
  assert.deepEqual(FakeSocket.last.take(), [{ type: 'hello', token: 'g.t.1', rooms: {} }]);
  again.client.disconnect();

  // another name is another guest: the stored token is not used
  const other = make({ storage });
  other.client.connect({ name: 'bob' });
  FakeSocket.last.open();
  assert.deepEqual(FakeSocket.last.take(), [{ type: 'hello', name: 'bob', rooms: {} }]);
  other.client.disconnect();
});

test('a token user is never resumed as a guest, and its welcome stores nothing', () => {
  const storage = new MemoryStorage();
  storage.setItem(KEY, JSON.stringify({ name: '', token: 'g.t.old' }));
  const { client } = make({ storage });
  client.connect({ token: 'h.p.s' });
  FakeSocket.last.open();
  assert.deepEqual(FakeSocket.last.take(), [{ type: 'hello', token: 'h.p.s', rooms: {} }]);
  FakeSocket.last.frame(welcome('gw-1', 'alice', { name: 'Alice A.' }));
  assert.equal(client.guestToken, null);
  assert.equal(client.name, 'Alice A.');
  assert.equal(JSON.parse(storage.getItem(KEY)).token, 'g.t.old');
  client.disconnect();
});

test('a refused guest token (4401 before the welcome) is forgotten: a new guest with the same name, at once', async () => {
  const storage = new MemoryStorage();
  const { client, of } = make({ storage, initialBackoffMs: 5000, maxBackoffMs: 5000 });
  const { ws } = connectGuest(client, 'alice', 'guest:ab2cd3ef4gh5', 'g.t.1');
  ws.frame({ type: 'joined', room: 'lobby', members: [], messages: [msg('lobby', '1-0')] });
  // the first reconnect is not delayed (a connection that was welcomed and dropped early waits the backoff)
  ws.drop(1012);
  client.reconnectNow();
  const ws2 = FakeSocket.last;
  assert.equal(FakeSocket.all.length, 2);
  ws2.open();
  assert.equal(ws2.take()[0].token, 'g.t.1');
  ws2.drop(4401, 'invalid or expired guest token');

  // no error, no closed state: a new attempt right away, by name, with the rooms to resume
  assert.deepEqual(of('error'), []);
  assert.notEqual(client.state, 'closed');
  assert.deepEqual(of('guest').map(({ resumed, previous }) => ({ resumed, previous })),
    [{ resumed: false, previous: 'guest:ab2cd3ef4gh5' }]);
  assert.equal(storage.getItem(KEY), null, 'the stored token is forgotten');
  await sleep(10);
  assert.equal(FakeSocket.all.length, 3, 'reconnected without waiting out the 5 s backoff');
  const ws3 = FakeSocket.last;
  ws3.open();
  assert.deepEqual(ws3.take(), [{ type: 'hello', name: 'alice', rooms: { lobby: '1-0' } }]);
  ws3.frame(guestWelcome('guest:zz2yy3xx4ww5', 'alice', 'g.t.9', 'gw-2'));
  assert.equal(client.user, 'guest:zz2yy3xx4ww5');
  assert.equal(client.state, 'connected');
  assert.deepEqual(JSON.parse(storage.getItem(KEY)), { name: 'alice', token: 'g.t.9' });
  client.disconnect();
});

test('4401 on a connection that presented no guest token still ends it for good', async () => {
  const { client, of } = make();
  client.connect({ name: 'alice' });
  FakeSocket.last.open();
  FakeSocket.last.drop(4401, 'guests are not allowed');
  assert.equal(client.state, 'closed');
  assert.equal(of('error')[0].code, 'unauthorized');
  assert.equal(of('guest').length, 0);
  await sleep(30);
  assert.equal(FakeSocket.all.length, 1);
});

test('connect({name, guestToken}) comes back as the guest the application kept', () => {
  const { client } = make();
  client.connect({ name: 'alice', guestToken: 'g.t.kept' });
  FakeSocket.last.open();
  assert.deepEqual(FakeSocket.last.take(), [{ type: 'hello', token: 'g.t.kept', rooms: {} }]);
  client.disconnect();
});

test('joined hands over the display names of the members beside their ids', () => {
  const { client, of } = make();
  connectGuest(client, 'alice', 'guest:ab2cd3ef4gh5', 'g.t.1');
  FakeSocket.last.frame({ type: 'joined', room: 'lobby', members: ['bob', 'guest:ab2cd3ef4gh5', 'x'],
    names: { bob: 'Bob B.', 'guest:ab2cd3ef4gh5': 'alice', y: 'not a member', x: 5 }, messages: [] });
  const [joined] = of('joined');
  assert.deepEqual(joined.members, ['bob', 'guest:ab2cd3ef4gh5', 'x']);
  assert.deepEqual(joined.names, { bob: 'Bob B.', 'guest:ab2cd3ef4gh5': 'alice' });
  client.disconnect();
});

test('direct messages are kept by the peer\'s id, whatever names they carry', () => {
  const { client, of } = make();
  const { ws } = connectGuest(client, 'alice', 'guest:ab2cd3ef4gh5', 'g.t.1');
  ws.frame({ type: 'message', to: 'guest:ab2cd3ef4gh5', from: 'bob', name: 'alice', id: '1-0', text: 'hi', ts: 1 });
  ws.frame({ type: 'message', to: 'bob', from: 'guest:ab2cd3ef4gh5', name: 'alice', id: '2-0', text: 'yo', ts: 1 });
  assert.deepEqual(of('message').map((e) => e.key), ['@bob', '@bob']);
  assert.equal(client.lastDirectId('bob'), '2-0');
  client.disconnect();
});
