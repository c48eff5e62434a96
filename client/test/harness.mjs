// The SDK's test harness: a fake WebSocket that records what the client sends and lets the test
// play the server, and a ChatClient wired to it.

import assert from 'node:assert/strict';
import { ChatClient } from '../src/index.js';

export class FakeSocket {
  static all = [];

  static reset() { FakeSocket.all = []; }

  static get last() { return FakeSocket.all.at(-1); }

  constructor(url, protocols) {
    this.url = url;
    this.protocols = protocols;
    this.readyState = 0;
    this.sent = [];
    this.closedWith = null;
    FakeSocket.all.push(this);
  }

  send(data) { this.sent.push(JSON.parse(data)); }

  close(code, reason) {
    this.readyState = 3;
    this.closedWith = { code, reason };
  }

  // ---- the server's side ----

  open() {
    this.readyState = 1;
    this.onopen?.({});
  }

  frame(obj) { this.onmessage?.({ data: JSON.stringify(obj) }); }

  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  /** The frames sent since the last take(). */
  take() {
    const s = this.sent;
    this.sent = [];
    return s;
  }
}

export function make(extra = {}) {
  FakeSocket.reset();
  const client = new ChatClient({
    url: 'ws://h/ws', WebSocket: FakeSocket, random: () => 0.5,
    initialBackoffMs: 5, maxBackoffMs: 20, ...extra,
  });
  const events = [];
  for (const type of ['state', 'joined', 'message', 'history', 'ack', 'error', 'left', 'disconnected', 'guest',
    'resend', 'failed', 'edit', 'delete', 'reaction', 'read', 'receipt', 'muted', 'refreshed']) {
    client.addEventListener(type, (e) => events.push({ type, ...e.detail }));
  }
  const of = (type) => events.filter((e) => e.type === type);
  return { client, events, of };
}

export const msg = (room, id, text = id) => ({ type: 'message', room, id, from: 'bob', text, ts: 1 });
export const dm = (from, to, id, text = id) => ({ type: 'message', to, from, id, text, ts: 1 });
export const welcome = (node = 'gw-1', user = 'alice', extra = {}) => ({ type: 'welcome', protocol: 2, user, node, ...extra });
/** The welcome of a guest: its own id, the name it picked, and the token that brings it back. */
export const guestWelcome = (user, name, token, node = 'gw-1') => welcome(node, user, { name, guest_token: token });

/** A Storage in memory (sessionStorage's methods). */
export class MemoryStorage {
  constructor() { this.items = new Map(); }
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
  removeItem(key) { this.items.delete(key); }
}
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const ids = (messages) => messages.map((m) => m.id);

/** Waits for the next socket the client opens (its backoff is a few ms in these tests). */
export async function nextSocket(n) {
  for (let i = 0; i < 100 && FakeSocket.all.length < n; i++) await sleep(5);
  assert.equal(FakeSocket.all.length, n, 'the client reconnected');
  return FakeSocket.all[n - 1];
}

/** Connects alice, answers the hello; returns the socket with the hello taken. */
export function connectAlice(client, rooms = { lobby: [] }) {
  client.connect({ name: 'alice' });
  const ws = FakeSocket.last;
  ws.open();
  const [hello] = ws.take();
  ws.frame(welcome());
  for (const [room, messages] of Object.entries(rooms)) {
    ws.frame({ type: 'joined', room, members: ['alice'], messages });
  }
  return { ws, hello };
}
