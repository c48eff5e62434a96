// Idempotent sends: every message has a cid and is tried again with it, after errors that allow
// it and after reconnects, until the server has it; the server's dedup then stores it once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidCid, RETRY_CODES } from '../src/index.js';
import { connectAlice, dm, FakeSocket, make, msg, nextSocket, sleep, welcome } from './harness.mjs';

const sends = (ws) => ws.take().filter((f) => f.type === 'send');

/** Waits (bounded) until the socket has sent `n` more send frames; returns them. */
async function nextSends(ws, n) {
  const got = [];
  for (let i = 0; i < 200 && got.length < n; i++) {
    got.push(...sends(ws));
    if (got.length < n) await sleep(2);
  }
  assert.equal(got.length, n, `${n} send frame(s)`);
  return got;
}

test('every send has a cid of its own; the ack settles it once', () => {
  const { client, of } = make();
  const { ws } = connectAlice(client);
  const a = client.send('lobby', 'one');
  const b = client.send('lobby', 'two', { replyTo: '1-0', meta: { k: 'v' } });
  assert.ok(isValidCid(a) && isValidCid(b));
  assert.notEqual(a, b);
  const [first, second] = sends(ws);
  assert.deepEqual(first, { type: 'send', room: 'lobby', text: 'one', cid: a, ref: first.ref });
  assert.deepEqual(second, { type: 'send', room: 'lobby', text: 'two', reply_to: '1-0', meta: { k: 'v' }, cid: b, ref: second.ref });
  assert.equal(client.queued, 2);
  ws.frame({ type: 'ack', ref: first.ref, id: '5-0', cid: a });
  ws.frame({ type: 'ack', ref: first.ref, id: '5-0', cid: a }); // a stray second answer
  assert.deepEqual(of('ack').map(({ cid, id, via }) => ({ cid, id, via })), [{ cid: a, id: '5-0', via: 'ack' }]);
  assert.deepEqual(client.pending.map((p) => p.cid), [b]);
  client.disconnect();
});

test('outcome_unknown and broker_unavailable: sent again with the same cid after a backoff; a duplicate ack settles it', async () => {
  const { client, of } = make();
  const { ws } = connectAlice(client);
  const cid = client.send('lobby', 'hello');
  const [first] = sends(ws);
  ws.frame({ type: 'error', code: 'outcome_unknown', message: 'no answer in time', ref: first.ref });
  assert.equal(of('error').length, 0, 'not an error for the application: it is retried');
  assert.deepEqual(of('resend').map(({ cid: c, code }) => ({ cid: c, code })), [{ cid, code: 'outcome_unknown' }]);
  const [second] = await nextSends(ws, 1);
  assert.equal(second.cid, cid);
  assert.equal(second.text, 'hello');
  assert.notEqual(second.ref, first.ref);
  ws.frame({ type: 'error', code: 'broker_unavailable', message: 'nothing was sent', ref: second.ref });
  const [third] = await nextSends(ws, 1);
  assert.equal(third.cid, cid);
  ws.frame({ type: 'ack', ref: third.ref, id: '7-0', cid, duplicate: true });
  assert.deepEqual(of('ack').map(({ id, duplicate, attempts }) => ({ id, duplicate, attempts })), [{ id: '7-0', duplicate: true, attempts: 3 }]);
  assert.equal(client.queued, 0);
  client.disconnect();
});

test('every retryable code is retried; a validation error fails the send at once', async () => {
  assert.deepEqual([...RETRY_CODES].sort(), ['broker_unavailable', 'internal', 'outcome_unknown', 'rate_limited', 'storage_full']);
  const { client, of } = make();
  const { ws } = connectAlice(client);
  const cid = client.send('lobby', 'x'.repeat(10));
  const [first] = sends(ws);
  ws.frame({ type: 'error', code: 'text_too_long', message: 'too long', ref: first.ref });
  assert.deepEqual(of('failed').map(({ cid: c, code, mayBeStored }) => ({ cid: c, code, mayBeStored })),
    [{ cid, code: 'text_too_long', mayBeStored: false }]);
  assert.equal(of('error')[0].request.text, 'x'.repeat(10));
  assert.equal(client.queued, 0);
  await sleep(30);
  assert.deepEqual(sends(ws), [], 'not sent again');
  client.disconnect();
});

test('the connection drops before the ack: sent again with the same cid once the next connection is welcomed', async () => {
  const { client, of } = make();
  const { ws } = connectAlice(client, { lobby: [msg('lobby', '1-0')] });
  const cid = client.sendDirect('bob', 'psst');
  const roomCid = client.send('lobby', 'hi');
  assert.equal(sends(ws).length, 2);
  ws.drop(1006);
  assert.deepEqual(of('resend').map((e) => e.code), ['disconnected', 'disconnected']);
  const ws2 = await nextSocket(2);
  ws2.open();
  assert.deepEqual(ws2.take().map((f) => f.type), ['hello'], 'nothing before the welcome');
  ws2.frame(welcome('gw-2'));
  const again = sends(ws2);
  assert.deepEqual(again.map((f) => [f.cid, f.to ?? f.room, f.text]), [[cid, 'bob', 'psst'], [roomCid, 'lobby', 'hi']]);
  client.disconnect();
});

test('a message that comes back with a pending cid settles its send: the retry is not needed', async () => {
  const { client, of } = make();
  const { ws } = connectAlice(client, { lobby: [msg('lobby', '1-0')] });
  const cid = client.send('lobby', 'did it arrive?');
  const direct = client.sendDirect('bob', 'and this?');
  ws.drop(1006);
  client.disconnect(); // stays offline: nothing is sent again until connect()
  client.connect({ name: 'alice' });
  const ws2 = FakeSocket.last;
  ws2.open();
  ws2.take();
  // the room's recovery has the message the lost ack was for; the DM arrives live
  ws2.frame({ ...welcome('gw-2') });
  const resent = sends(ws2);
  assert.equal(resent.length, 2, 'sent again, being unacknowledged at the welcome');
  ws2.frame({ type: 'joined', room: 'lobby', recovered: true, members: ['alice'],
    messages: [{ ...msg('lobby', '2-0', 'did it arrive?'), from: 'alice', cid }] });
  ws2.frame({ ...dm('alice', 'bob', '3-0', 'and this?'), cid: direct });
  assert.deepEqual(of('ack').map(({ cid: c, id, via }) => ({ c, id, via })),
    [{ c: cid, id: '2-0', via: 'message' }, { c: direct, id: '3-0', via: 'message' }]);
  // the acks of the retries come later: nothing more
  for (const f of resent) ws2.frame({ type: 'ack', ref: f.ref, id: f.room ? '2-0' : '3-0', cid: f.cid, duplicate: true });
  assert.equal(of('ack').length, 2);
  assert.equal(client.queued, 0);
  client.disconnect();
});

test('queued while offline, in order; at most maxOutbox wait (send returns null beyond)', () => {
  const { client } = make({ maxOutbox: 2 });
  client.connect('alice');
  const a = client.send('lobby', 'a');
  const b = client.send('lobby', 'b');
  assert.equal(client.send('lobby', 'c'), null);
  assert.deepEqual(client.pending.map((p) => [p.cid, p.state]), [[a, 'queued'], [b, 'queued']]);
  const ws = FakeSocket.last;
  ws.open();
  ws.take();
  ws.frame(welcome());
  assert.deepEqual(sends(ws).map((f) => f.text), ['a', 'b']);
  client.disconnect();
});

test('a cid given by the caller is used, checked, and one message however often it is given', () => {
  const { client } = make();
  const { ws } = connectAlice(client);
  assert.equal(client.send('lobby', 'mine', { cid: 'order-42' }), 'order-42');
  assert.equal(client.send('lobby', 'mine', { cid: 'order-42' }), 'order-42');
  assert.equal(sends(ws).length, 1);
  assert.throws(() => client.send('lobby', 'x', { cid: '~internal' }), TypeError);
  assert.throws(() => client.send('lobby', 'x', { cid: 'a b' }), TypeError);
  assert.throws(() => client.send('lobby', 'x', { cid: 'x'.repeat(65) }), TypeError);
  client.disconnect();
});

test('a send that may be stored is not tried again once the dedup window is nearly over: it fails as outcome_unknown', async () => {
  let now = 1_000_000;
  const { client, of } = make({ now: () => now, dedupWindowMs: 60_000, resendMarginMs: 10_000 });
  const { ws } = connectAlice(client);
  const cid = client.send('lobby', 'late');
  sends(ws);
  ws.drop(1006); // no answer: it may have been stored
  now += 51_000; // past window - margin
  const ws2 = await nextSocket(2);
  ws2.open();
  ws2.take();
  ws2.frame(welcome());
  assert.deepEqual(sends(ws2), [], 'not sent: a second copy could be stored');
  assert.deepEqual(of('failed').map(({ cid: c, code, mayBeStored }) => ({ c, code, mayBeStored })),
    [{ c: cid, code: 'outcome_unknown', mayBeStored: true }]);
  client.disconnect();
});

test('a send refused with proof that nothing was stored may wait longer than the window', async () => {
  let now = 0;
  const { client, of } = make({ now: () => now, dedupWindowMs: 60_000, resendMarginMs: 10_000 });
  const { ws } = connectAlice(client);
  const cid = client.send('lobby', 'patient');
  const [first] = sends(ws);
  ws.frame({ type: 'error', code: 'broker_unavailable', message: 'nothing was sent', ref: first.ref });
  now += 120_000;
  const [second] = await nextSends(ws, 1);
  assert.equal(second.cid, cid);
  assert.equal(of('failed').length, 0);
  client.disconnect();
});

test('not_member while the room is still being joined is retried; leaving the room gives its sends up', async () => {
  const { client, of } = make();
  const { ws } = connectAlice(client);
  client.join('dev');
  ws.take();
  const cid = client.send('dev', 'early');
  const [first] = sends(ws);
  ws.frame({ type: 'error', code: 'not_member', message: 'join the room first', ref: first.ref });
  const [second] = await nextSends(ws, 1);
  assert.equal(second.cid, cid);
  client.leave('dev');
  assert.deepEqual(of('failed').map(({ cid: c, code }) => ({ c, code })), [{ c: cid, code: 'left' }]);
  assert.equal(client.queued, 0);
  client.disconnect();
});

test('a full outbox goes out paced, under the server\'s rate limit, oldest first', async () => {
  const { client } = make({ sendBurst: 5, sendRatePerSecond: 200 });
  client.connect('alice');
  for (let i = 0; i < 12; i++) client.send('lobby', 'm' + i);
  const ws = FakeSocket.last;
  ws.open();
  ws.take();
  ws.frame(welcome());
  assert.deepEqual(sends(ws).map((f) => f.text), ['m0', 'm1', 'm2', 'm3', 'm4'], 'the burst at once');
  const rest = await nextSends(ws, 7);
  assert.deepEqual(rest.map((f) => f.text), ['m5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11'], 'the rest paced, in order');
  client.disconnect();
});

test('a guest that comes back as another user: sends that may be stored fail, the others go as the new user', async () => {
  const { client, of } = make();
  client.connect({ name: 'alice' });
  FakeSocket.last.open();
  FakeSocket.last.take();
  FakeSocket.last.frame(welcome('gw-1', 'guest:aaaaaaaaaaaa', { name: 'alice', guest_token: 't1' }));
  const sent = client.send('lobby', 'in flight');
  FakeSocket.last.take();
  FakeSocket.last.drop(1006);
  const queued = client.send('lobby', 'never sent');
  const ws2 = await nextSocket(2);
  ws2.open();
  ws2.take();
  ws2.frame(welcome('gw-2', 'guest:bbbbbbbbbbbb', { name: 'alice', guest_token: 't2' }));
  assert.deepEqual(of('failed').map((f) => [f.cid, f.code, f.mayBeStored]), [[sent, 'outcome_unknown', true]]);
  assert.deepEqual(sends(ws2).map((f) => f.cid), [queued]);
  client.disconnect();
});
