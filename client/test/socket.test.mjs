// Unit tests of ReconnectingSocket: backoff, fatal closes, idle detection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReconnectingSocket } from '../src/socket.js';
import { FakeSocket } from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('backoff doubles up to the maximum, with jitter', () => {
  const up = new ReconnectingSocket({ random: () => 1 }); // +30 %
  assert.equal(up.backoffMs(0), 650);
  assert.equal(up.backoffMs(1), 1300);
  assert.equal(up.backoffMs(10), 19500);
  const down = new ReconnectingSocket({ random: () => 0 }); // -30 %
  assert.equal(down.backoffMs(0), 350);
});

test('retries after a close, not after a fatal code', async () => {
  FakeSocket.reset();
  const s = new ReconnectingSocket({ url: 'ws://h/ws', WebSocket: FakeSocket, initialBackoffMs: 5, fatalCodes: [4401] });
  const closes = [];
  s.addEventListener('close', (e) => closes.push(e.detail));
  s.start();
  FakeSocket.last.open();
  FakeSocket.last.drop(1006);
  assert.equal(s.waiting, true);
  await sleep(30);
  assert.equal(FakeSocket.all.length, 2);
  FakeSocket.last.open();
  FakeSocket.last.drop(4401, 'refused');
  assert.equal(s.running, false);
  assert.deepEqual(closes.map((c) => [c.code, c.fatal]), [[1006, false], [4401, true]]);
  await sleep(30);
  assert.equal(FakeSocket.all.length, 2);
});

test('a ready connection that goes silent is given up and retried', async () => {
  FakeSocket.reset();
  const s = new ReconnectingSocket({
    url: 'ws://h/ws', WebSocket: FakeSocket, initialBackoffMs: 5, pingIntervalMs: 10, idleTimeoutMs: 25,
  });
  s.start();
  const ws = FakeSocket.last;
  ws.open();
  s.ready();
  await sleep(15);
  assert.deepEqual(ws.take()[0], { type: 'ping' });
  await sleep(60);
  assert.equal(ws.closedWith?.code, 4000);
  assert.ok(FakeSocket.all.length >= 2, 'a new connection was opened');
  s.stop();
});
