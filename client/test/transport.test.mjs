// Unit tests of the browser transport against a fake WebSocket: `node --test client/test/`
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatTransport, compareIds } from '../web/transport.js';

class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.all.push(this);
  }
  send(data) { this.sent.push(JSON.parse(data)); }
  close() { this.readyState = 3; }
  // server side
  open() { this.readyState = 1; this.onopen?.({}); }
  frame(obj) { this.onmessage?.({ data: JSON.stringify(obj) }); }
  drop(code = 1006) { this.readyState = 3; this.onclose?.({ code, reason: '' }); }
  take() { const s = this.sent; this.sent = []; return s; }
}

function make(extra = {}) {
  FakeSocket.all = [];
  const t = new ChatTransport({
    url: 'ws://h/ws', WebSocket: FakeSocket, random: () => 0.5,
    initialBackoffMs: 5, maxBackoffMs: 20, ...extra,
  });
  const events = [];
  for (const type of ['state', 'joined', 'message', 'history', 'ack', 'error', 'gap', 'left']) {
    t.addEventListener(type, (e) => events.push({ type, ...e.detail }));
  }
  return { t, events };
}
const msg = (room, id, text = id) => ({ type: 'message', room, id, from: 'bob', text, ts: 1 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('compareIds is numeric on both parts', () => {
  assert.ok(compareIds('9-0', '10-0') < 0);
  assert.ok(compareIds('10-2', '10-10') < 0);
  assert.equal(compareIds('5-5', '5-5'), 0);
});

test('connect, welcome, auto-joined lobby, dedupe, reconnect with since', async () => {
  const { t, events } = make();
  t.connect({ name: 'alice' });
  const ws1 = FakeSocket.all[0];
  assert.equal(ws1.url, 'ws://h/ws?name=alice');
  ws1.open();
  ws1.frame({ type: 'welcome', protocol: 1, user: 'alice', node: 'gw-1' });
  assert.equal(t.state, 'connected');
  ws1.frame({ type: 'joined', room: 'lobby', members: ['alice'], messages: [msg('lobby', '1-0'), msg('lobby', '2-0')] });
  ws1.frame(msg('lobby', '2-0')); // duplicate
  ws1.frame(msg('lobby', '3-0'));
  assert.deepEqual(events.filter((e) => e.type === 'message').map((e) => e.message.id), ['3-0']);
  assert.deepEqual(events.find((e) => e.type === 'joined').messages.map((m) => m.id), ['1-0', '2-0']);
  assert.equal(t.lastId('lobby'), '3-0');
  ws1.take();

  ws1.drop(1012);
  assert.equal(t.state, 'reconnecting');
  await sleep(30);
  const ws2 = FakeSocket.all[1];
  ws2.open();
  ws2.frame({ type: 'welcome', protocol: 1, user: 'alice', node: 'gw-2' });
  assert.deepEqual(ws2.take().filter((f) => f.type === 'join').map(({ room, since }) => ({ room, since })),
    [{ room: 'lobby', since: '3-0' }]);
  // server's automatic lobby join (latest page, with a gap) arrives first, then a live message
  ws2.frame({ type: 'joined', room: 'lobby', members: ['alice', 'bob'], messages: [msg('lobby', '6-0')] });
  ws2.frame(msg('lobby', '7-0'));
  // then the answer to our since join
  ws2.frame({ type: 'joined', room: 'lobby', recovered: true, members: ['alice', 'bob'],
    messages: [msg('lobby', '4-0'), msg('lobby', '5-0'), msg('lobby', '6-0'), msg('lobby', '7-0')] });
  const joined = events.filter((e) => e.type === 'joined');
  assert.deepEqual(joined.at(-1).messages.map((m) => m.id), ['4-0', '5-0', '6-0', '7-0']);
  ws2.frame(msg('lobby', '7-0'));
  ws2.frame(msg('lobby', '8-0'));
  assert.deepEqual(events.filter((e) => e.type === 'message').map((e) => e.message.id), ['3-0', '8-0']);
  t.disconnect();
  assert.equal(t.state, 'closed');
});

test('send queue, acks, join errors and direct messages', async () => {
  const { t, events } = make();
  t.connect('alice');
  const ref = t.send('lobby', 'queued');
  const ws = FakeSocket.all[0];
  ws.open();
  ws.frame({ type: 'welcome', protocol: 1, user: 'alice', node: 'gw-1' });
  const sent = ws.take();
  assert.deepEqual(sent.find((f) => f.type === 'send'), { type: 'send', room: 'lobby', text: 'queued', ref });
  ws.frame({ type: 'ack', ref, id: '1-0' });
  assert.equal(events.find((e) => e.type === 'ack').request.text, 'queued');

  const jref = t.join('bad room');
  assert.deepEqual(ws.take(), [{ type: 'join', room: 'bad room', ref: jref }]);
  ws.frame({ type: 'error', code: 'bad_room', message: 'room must match', ref: jref });
  assert.equal(events.find((e) => e.type === 'error').request.room, 'bad room');
  assert.deepEqual(t.rooms, []);

  ws.frame({ type: 'message', to: 'alice', from: 'bob', id: '5-0', text: 'psst', ts: 5 });
  ws.frame({ type: 'message', to: 'bob', from: 'alice', id: '6-0', text: 'yes', ts: 6 });
  ws.frame({ type: 'message', to: 'bob', from: 'alice', id: '6-0', text: 'yes', ts: 6 });
  const dms = events.filter((e) => e.type === 'message');
  assert.deepEqual(dms.map((e) => [e.key, e.message.id]), [['@bob', '5-0'], ['@bob', '6-0']]);

  ws.drop();
  await sleep(30);
  const ws2 = FakeSocket.all[1];
  assert.equal(ws2.url, 'ws://h/ws?name=alice');
  ws2.open();
  ws2.frame({ type: 'welcome', protocol: 1, user: 'alice', node: 'gw-1' });
  const h = ws2.take().find((f) => f.type === 'history');
  assert.equal(h.with, 'bob');
  assert.equal(h.after, '6-0');
  ws2.frame({ type: 'history', with: 'bob', ref: h.ref, more: false,
    messages: [{ type: 'message', to: 'alice', from: 'bob', id: '7-0', text: 'missed', ts: 7 }] });
  assert.equal(events.filter((e) => e.type === 'message').at(-1).message.text, 'missed');
  assert.equal(events.filter((e) => e.type === 'history').length, 0);
  t.disconnect();
});

test('backoff doubles up to the maximum with jitter', () => {
  const t = new ChatTransport({ random: () => 1 }); // +30 %
  assert.equal(t._backoffMs(0), 650);
  assert.equal(t._backoffMs(1), 1300);
  assert.equal(t._backoffMs(10), 19500);
  const t2 = new ChatTransport({ random: () => 0 }); // -30 %
  assert.equal(t2._backoffMs(0), 350);
});
