// chat-relay browser transport: one WebSocket to /ws, protocol version 1 (docs/protocol.md).
//
// No DOM code here. ChatTransport is an EventTarget; every event is a CustomEvent whose `detail`
// carries the data:
//
//   state      {state: 'connecting'|'connected'|'reconnecting'|'closed', node, user,
//               inSeconds, delayMs, retryAt, attempt, code, reason}
//              'connecting' is the first attempt only; while retrying (waiting or trying) the
//              state is 'reconnecting' (inSeconds 0 = trying now).
//   welcome    the welcome frame
//   joined     {room, members, messages (new ones only, oldest first), recovered, first, frame}
//   left       {room, frame}
//   message    {message, room, peer, key, recovered}  (room for room messages, peer for direct ones;
//               key is the room name or '@' + peer; every id is delivered at most once)
//   history    the history frame, for history requested with history()/historyDirect()
//   presence   the presence frame
//   typing     the typing frame
//   ack        {ref, id, request}        (request: the client frame this acknowledges)
//   error      {code, message, ref, request}  (transient join failures are retried quietly)
//   gap        {room}  recovery of a room failed: messages may be missing
//   pong, status  the frame
//   disconnected {code, reason, wasConnected}
//
// Reconnect: exponential backoff with jitter. On every (re)connect the transport re-joins each
// room with `since` = the last message id it delivered for that room, and recovers direct
// conversations with `history` `after`.

const ID_RE = /^(\d+)-(\d+)$/;

/** Splits a message id "<ms>-<seq>" into two integers, or returns null. */
export function parseId(id) {
  if (typeof id !== 'string') return null;
  const m = ID_RE.exec(id);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Compares two message ids numerically: negative, 0 or positive. */
export function compareIds(a, b) {
  const pa = parseId(a);
  const pb = parseId(b);
  if (!pa || !pb) {
    // Not well-formed: fall back to string order so that sorting stays total.
    return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  }
  return pa[0] - pb[0] || pa[1] - pb[1];
}

/** The WebSocket URL of the page's own host (works behind the load balancer). */
export function defaultSocketUrl() {
  const loc = globalThis.location;
  if (!loc || !loc.host) return 'ws://localhost:8080/ws';
  return (loc.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + loc.host + '/ws';
}

const DEFAULTS = {
  url: null, // default: defaultSocketUrl()
  initialBackoffMs: 500,
  maxBackoffMs: 15000,
  jitter: 0.3, // +-30 %
  pingIntervalMs: 25000,
  idleTimeoutMs: 60000, // nothing received for this long: the connection is considered dead
  stableAfterMs: 10000, // a connection that lived this long resets the backoff
  recoveryTimeoutMs: 10000,
  maxOutbox: 100,
  WebSocket: null, // default: globalThis.WebSocket
  random: Math.random,
};

const OPEN = 1;

export class ChatTransport extends EventTarget {
  constructor(options = {}) {
    super();
    this.options = { ...DEFAULTS, ...options };
    this._state = 'closed';
    this._ws = null;
    this._identity = null; // {name} or {token}
    this._user = null;
    this._node = null;
    this._attempt = 0;
    this._retryTimer = null;
    this._pingTimer = null;
    this._manualClose = true;
    this._connectedAt = 0;
    this._lastFrameAt = 0;
    this._refSeq = 0;

    this._rooms = new Set(); // rooms the server confirmed (joined)
    this._pendingJoins = new Map(); // room -> ref of a join not yet confirmed
    this._lastIds = new Map(); // room -> last delivered message id
    this._dmLastIds = new Map(); // peer -> last delivered direct message id
    this._recovering = new Map(); // room -> {ref, buffer, stash, timer} while a `since` join is outstanding
    this._internalRefs = new Map(); // ref -> peer, for direct-conversation recovery
    this._pending = new Map(); // ref -> client frame awaiting ack/history/error
    this._outbox = []; // send frames waiting for a connection
    this._joinRetries = new Map(); // room -> transient join failures in a row
  }

  // ---- read-only state -------------------------------------------------------------------

  get state() { return this._state; }
  get user() { return this._user; }
  get node() { return this._node; }
  get connected() { return this._state === 'connected'; }
  /** Rooms the server confirmed, in join order. */
  get rooms() { return [...this._rooms]; }
  lastId(room) { return this._lastIds.get(room) ?? null; }
  lastDirectId(peer) { return this._dmLastIds.get(peer) ?? null; }

  // ---- connection ------------------------------------------------------------------------

  /**
   * Connects as a guest (`name`, may be empty for a generated name) or with a JWT (`token`).
   * Accepts a string (the name) or {name, token}.
   */
  connect(identity = {}) {
    if (typeof identity === 'string') identity = { name: identity };
    const token = identity.token ? String(identity.token).trim() : '';
    const name = identity.name ? String(identity.name).trim() : '';
    const sameIdentity = this._identity
      && (this._identity.token || '') === token && (this._identity.name || '') === name;
    this._teardown();
    if (!sameIdentity) this._resetSession();
    this._identity = token ? { token } : { name };
    this._manualClose = false;
    this._attempt = 0;
    this._connectedAt = 0;
    this._open();
  }

  /** Closes the connection and stops reconnecting. Rooms and last ids are kept. */
  disconnect() {
    this._manualClose = true;
    this._teardown(1000, 'client disconnect');
    this._setState('closed', {});
  }

  /** Skips the remaining backoff delay (e.g. when the browser comes back online). */
  reconnectNow() {
    if (this._manualClose || this._state !== 'reconnecting' || !this._retryTimer) return;
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    this._open();
  }

  // ---- client frames ---------------------------------------------------------------------

  /** Joins a room (re-joins with `since` when messages of it were seen). Returns the ref. */
  join(room) {
    const ref = this._ref('j');
    this._pendingJoins.set(room, ref);
    if (this.connected) this._sendJoin(room, ref);
    return ref;
  }

  /** Leaves a room; it is forgotten at once, so it is not re-joined on reconnect. */
  leave(room) {
    this._pendingJoins.delete(room);
    this._rooms.delete(room);
    this._lastIds.delete(room);
    this._stopRecovery(room);
    if (this.connected) this._raw({ type: 'leave', room });
  }

  /** Sends a message to a room; queued while disconnected. Returns the ref. */
  send(room, text) {
    return this._queueSend({ type: 'send', room, text: String(text), ref: this._ref('c') });
  }

  /** Sends a direct message to a user; queued while disconnected. Returns the ref. */
  sendDirect(to, text) {
    return this._queueSend({ type: 'send', to, text: String(text), ref: this._ref('c') });
  }

  /** Requests room history older than `before` (latest page without it). Returns the ref or null. */
  history(room, { before = null, limit = 50 } = {}) {
    const frame = { type: 'history', room, limit, ref: this._ref('h') };
    if (before) frame.before = before;
    return this._request(frame);
  }

  /** Requests the direct conversation with `peer` older than `before`. Returns the ref or null. */
  historyDirect(peer, { before = null, limit = 50 } = {}) {
    const frame = { type: 'history', with: peer, limit, ref: this._ref('h') };
    if (before) frame.before = before;
    return this._request(frame);
  }

  /** Tells the room the user is typing (the caller throttles). Only for confirmed rooms. */
  typing(room) {
    if (this.connected && this._rooms.has(room)) this._raw({ type: 'typing', room });
  }

  ping() {
    if (this.connected) this._raw({ type: 'ping' });
  }

  status() {
    if (this.connected) this._raw({ type: 'status' });
  }

  // ---- internals: socket lifecycle -------------------------------------------------------

  _resetSession() {
    this._rooms.clear();
    this._pendingJoins.clear();
    this._lastIds.clear();
    this._dmLastIds.clear();
    this._outbox = [];
    this._user = null;
    this._node = null;
  }

  _url() {
    const base = this.options.url || defaultSocketUrl();
    const params = new URLSearchParams();
    const id = this._identity || {};
    if (id.token) {
      params.set('token', id.token);
    } else {
      // A generated guest name is reused on reconnect so the identity stays the same.
      const name = id.name || this._user;
      if (name) params.set('name', name);
    }
    const q = params.toString();
    return q ? base + (base.includes('?') ? '&' : '?') + q : base;
  }

  _open() {
    const WS = this.options.WebSocket || globalThis.WebSocket;
    // The first attempt is 'connecting'; later attempts stay 'reconnecting' until the welcome.
    if (this._attempt === 0) this._setState('connecting', { attempt: 0 });
    else this._setState('reconnecting', { inSeconds: 0, delayMs: 0, retryAt: Date.now(), attempt: this._attempt });
    let ws;
    try {
      ws = new WS(this._url());
    } catch (e) {
      this._scheduleReconnect(0, String((e && e.message) || e));
      return;
    }
    this._ws = ws;
    this._welcomed = false;
    ws.onopen = () => {
      if (ws !== this._ws) return;
      this._lastFrameAt = Date.now();
    };
    ws.onmessage = (ev) => {
      if (ws !== this._ws) return;
      this._lastFrameAt = Date.now();
      if (typeof ev.data !== 'string') return; // the server only sends text frames
      this._onFrame(ev.data);
    };
    ws.onerror = () => { /* followed by close */ };
    ws.onclose = (ev) => {
      if (ws !== this._ws) return;
      this._onClose(ev.code, ev.reason);
    };
  }

  _teardown(code = 1000, reason = '') {
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    this._stopPing();
    for (const room of [...this._recovering.keys()]) this._stopRecovery(room);
    this._internalRefs.clear();
    this._pending.clear();
    const ws = this._ws;
    this._ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      try { ws.close(code, reason); } catch { /* already closed */ }
    }
  }

  _onClose(code, reason) {
    const wasConnected = this._welcomed;
    const lived = this._connectedAt ? Date.now() - this._connectedAt : 0;
    this._teardown();
    this._emit('disconnected', { code, reason, wasConnected });
    if (this._manualClose) {
      this._setState('closed', { code, reason });
      return;
    }
    if (wasConnected && lived >= this.options.stableAfterMs) this._attempt = 0;
    this._scheduleReconnect(code, reason, wasConnected);
  }

  _backoffMs(attempt) {
    const { initialBackoffMs, maxBackoffMs, jitter, random } = this.options;
    const base = Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.min(attempt, 30));
    const factor = 1 + (random() * 2 - 1) * jitter;
    return Math.max(0, Math.round(base * factor));
  }

  _scheduleReconnect(code, reason) {
    clearTimeout(this._retryTimer);
    const delayMs = this._backoffMs(this._attempt);
    this._attempt += 1;
    const retryAt = Date.now() + delayMs;
    this._setState('reconnecting', {
      inSeconds: Math.max(1, Math.ceil(delayMs / 1000)),
      delayMs, retryAt, attempt: this._attempt, code, reason,
    });
    this._retryTimer = setTimeout(() => {
      this._retryTimer = null;
      if (!this._manualClose) this._open();
    }, delayMs);
  }

  _startPing() {
    this._stopPing();
    this._pingTimer = setInterval(() => {
      if (!this._ws) return;
      if (Date.now() - this._lastFrameAt > this.options.idleTimeoutMs) {
        // Half-open connection: nothing (not even a pong) came back. Treat as closed.
        this._onClose(4000, 'idle timeout');
        return;
      }
      this.ping();
    }, this.options.pingIntervalMs);
  }

  _stopPing() {
    clearInterval(this._pingTimer);
    this._pingTimer = null;
  }

  _setState(state, extra) {
    this._state = state;
    this._emit('state', { state, node: this._node, user: this._user, ...extra });
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _ref(prefix) {
    this._refSeq += 1;
    return prefix + this._refSeq;
  }

  _raw(frame) {
    const ws = this._ws;
    if (!ws || ws.readyState !== OPEN) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  _request(frame) {
    if (!this.connected) return null;
    this._pending.set(frame.ref, frame);
    return this._raw(frame) ? frame.ref : null;
  }

  _queueSend(frame) {
    if (this.connected && this._outbox.length === 0) {
      this._pending.set(frame.ref, frame);
      if (this._raw(frame)) return frame.ref;
      this._pending.delete(frame.ref);
    }
    if (this._outbox.length >= this.options.maxOutbox) this._outbox.shift();
    this._outbox.push(frame);
    return frame.ref;
  }

  /** Number of messages waiting for a connection. */
  get queued() { return this._outbox.length; }

  _flushOutbox() {
    const frames = this._outbox;
    this._outbox = [];
    for (const frame of frames) {
      this._pending.set(frame.ref, frame);
      if (!this._raw(frame)) {
        this._pending.delete(frame.ref);
        this._outbox.push(frame);
      }
    }
  }

  _sendJoin(room, ref) {
    const since = this._lastIds.get(room);
    const frame = { type: 'join', room, ref };
    if (since) {
      frame.since = since;
      this._startRecovery(room, ref);
    }
    this._pending.set(ref, frame);
    this._raw(frame);
  }

  // ---- internals: recovery ---------------------------------------------------------------
  //
  // While a `join` with `since` is outstanding for a room, live messages of that room are held
  // back: the `joined` answer carries every message after `since`, and delivering a newer live
  // message first would make the older recovered ones look like duplicates. A `joined` without
  // `recovered` for that room (the server's automatic join of the default room, sent before our
  // join was read) only updates the members; its page is kept in case the recovery fails.

  _startRecovery(room, ref) {
    this._stopRecovery(room);
    const rec = { ref, buffer: [], stash: null, timer: null };
    rec.timer = setTimeout(() => this._finishRecovery(room, null, false), this.options.recoveryTimeoutMs);
    this._recovering.set(room, rec);
  }

  _stopRecovery(room) {
    const rec = this._recovering.get(room);
    if (rec) clearTimeout(rec.timer);
    this._recovering.delete(room);
  }

  /** Ends recovery of a room: delivers `messages` (or the stashed page) plus the held-back ones. */
  _finishRecovery(room, messages, recovered) {
    const rec = this._recovering.get(room);
    if (!rec) return [];
    this._stopRecovery(room);
    const all = [...(messages || rec.stash || []), ...rec.buffer];
    const fresh = this._dedupe(this._lastIds, room, all);
    if (!messages) {
      // Failed or timed out: deliver what we have as live messages; there may be a gap.
      this._emit('gap', { room });
      for (const m of fresh) this._emit('message', { message: m, room, peer: null, key: room, recovered: true });
    }
    return fresh;
  }

  // ---- internals: frames -----------------------------------------------------------------

  /** Keeps messages newer than the last delivered id, sorted and without duplicates. */
  _dedupe(map, key, messages) {
    if (!Array.isArray(messages)) return [];
    const valid = messages.filter((m) => m && typeof m === 'object');
    const sorted = valid.filter((m) => parseId(m.id)).sort((a, b) => compareIds(a.id, b.id));
    const out = valid.filter((m) => !parseId(m.id)); // no usable id: cannot dedupe, deliver as is
    let last = map.get(key) ?? null;
    for (const m of sorted) {
      if (last && compareIds(m.id, last) <= 0) continue;
      out.push(m);
      last = m.id;
    }
    if (last) map.set(key, last);
    return out;
  }

  _onFrame(text) {
    let f;
    try {
      f = JSON.parse(text);
    } catch {
      return;
    }
    if (!f || typeof f !== 'object' || typeof f.type !== 'string') return;
    switch (f.type) {
      case 'welcome': return this._onWelcome(f);
      case 'joined': return this._onJoined(f);
      case 'left': return this._onLeft(f);
      case 'message': return this._onMessage(f);
      case 'history': return this._onHistory(f);
      case 'ack': return this._onAck(f);
      case 'error': return this._onError(f);
      case 'presence':
      case 'typing':
      case 'pong':
      case 'status':
        return this._emit(f.type, f);
      default:
        return undefined; // unknown frame types are ignored (forward compatibility)
    }
  }

  _onWelcome(f) {
    this._welcomed = true;
    this._connectedAt = Date.now();
    if (typeof f.user === 'string') this._user = f.user;
    if (typeof f.node === 'string') this._node = f.node;
    this._setState('connected', {});
    this._emit('welcome', f);
    this._startPing();
    // Re-join every room (with `since` when we have seen messages), then the pending joins.
    const rooms = new Set([...this._rooms, ...this._pendingJoins.keys()]);
    for (const room of rooms) {
      const ref = this._pendingJoins.get(room) || this._ref('j');
      this._sendJoin(room, ref);
    }
    // Recover direct conversations.
    for (const [peer, after] of this._dmLastIds) this._recoverDirect(peer, after);
    this._flushOutbox();
  }

  _recoverDirect(peer, after) {
    const ref = this._ref('r');
    this._internalRefs.set(ref, peer);
    this._raw({ type: 'history', with: peer, after, limit: 100, ref });
  }

  _onJoined(f) {
    const room = f.room;
    if (typeof room !== 'string') return;
    const first = !this._rooms.has(room) && !this._lastIds.has(room);
    this._rooms.add(room);
    this._joinRetries.delete(room);
    const joinRef = this._pendingJoins.get(room);
    if (joinRef) {
      this._pendingJoins.delete(room);
      this._pending.delete(joinRef);
    }
    const members = Array.isArray(f.members) ? f.members : [];
    let messages;
    const rec = this._recovering.get(room);
    if (rec && f.recovered === undefined) {
      // The server's own join (not the answer to our `since` join): members only for now.
      rec.stash = Array.isArray(f.messages) ? f.messages : [];
      messages = [];
    } else if (rec) {
      this._pending.delete(rec.ref);
      messages = this._finishRecovery(room, Array.isArray(f.messages) ? f.messages : [], f.recovered);
    } else {
      messages = this._dedupe(this._lastIds, room, f.messages);
    }
    this._emit('joined', { room, members, messages, recovered: f.recovered, first, frame: f });
  }

  _onLeft(f) {
    if (typeof f.room !== 'string') return;
    this._rooms.delete(f.room);
    this._pendingJoins.delete(f.room);
    this._lastIds.delete(f.room);
    this._stopRecovery(f.room);
    this._emit('left', { room: f.room, frame: f });
  }

  _conversationOf(m) {
    if (m.to !== undefined && m.to !== null) {
      const peer = m.from === this._user ? m.to : m.from;
      return { room: null, peer: String(peer) };
    }
    return { room: typeof m.room === 'string' ? m.room : null, peer: null };
  }

  _onMessage(f) {
    const { room, peer } = this._conversationOf(f);
    if (peer !== null) {
      for (const m of this._dedupe(this._dmLastIds, peer, [f])) {
        this._emit('message', { message: m, room: null, peer, key: '@' + peer, recovered: false });
      }
      return;
    }
    if (room === null) return;
    if (!this._rooms.has(room) && !this._pendingJoins.has(room)) return; // left meanwhile
    const rec = this._recovering.get(room);
    if (rec) {
      rec.buffer.push(f);
      return;
    }
    for (const m of this._dedupe(this._lastIds, room, [f])) {
      this._emit('message', { message: m, room, peer: null, key: room, recovered: false });
    }
  }

  _onHistory(f) {
    const peer = f.ref != null ? this._internalRefs.get(f.ref) : undefined;
    if (peer !== undefined) {
      // Recovery of a direct conversation after a reconnect.
      this._internalRefs.delete(f.ref);
      const fresh = this._dedupe(this._dmLastIds, peer, f.messages);
      for (const m of fresh) {
        this._emit('message', { message: m, room: null, peer, key: '@' + peer, recovered: true });
      }
      if (f.more && fresh.length && this.connected) this._recoverDirect(peer, this._dmLastIds.get(peer));
      return;
    }
    const request = f.ref != null ? this._pending.get(f.ref) ?? null : null;
    if (f.ref != null) this._pending.delete(f.ref);
    // The latest page of a direct conversation may be the first contact with it: remember its
    // newest id so that a later reconnect can recover from there.
    if (typeof f.with === 'string' && Array.isArray(f.messages) && request && !request.before) {
      for (const m of f.messages) {
        if (parseId(m && m.id)) {
          const last = this._dmLastIds.get(f.with);
          if (!last || compareIds(m.id, last) > 0) this._dmLastIds.set(f.with, m.id);
        }
      }
    }
    this._emit('history', { ...f, request });
  }

  /** A join was refused. Returns true when it is retried (transient failure). */
  _onJoinError(request, code) {
    const room = request.room;
    if (this._recovering.get(room)?.ref === request.ref) this._finishRecovery(room, null, false);
    const stillWanted = this._rooms.has(room) || this._pendingJoins.has(room);
    if (stillWanted && (code === 'rate_limited' || code === 'broker_unavailable' || code === 'internal')) {
      const n = (this._joinRetries.get(room) || 0) + 1;
      this._joinRetries.set(room, n);
      this._pendingJoins.set(room, request.ref);
      setTimeout(() => {
        if (this.connected && this._pendingJoins.get(room) === request.ref) this._sendJoin(room, request.ref);
      }, this._backoffMs(n + 1));
      return true;
    }
    if (stillWanted && code === 'bad_id' && request.since) {
      this._lastIds.delete(room);
      this._pendingJoins.set(room, request.ref);
      this._sendJoin(room, request.ref);
      return true;
    }
    this._joinRetries.delete(room);
    this._pendingJoins.delete(room);
    this._rooms.delete(room);
    this._lastIds.delete(room);
    return false;
  }

  _onAck(f) {
    const request = f.ref != null ? this._pending.get(f.ref) ?? null : null;
    if (f.ref != null) this._pending.delete(f.ref);
    this._emit('ack', { ref: f.ref ?? null, id: f.id ?? null, request });
  }

  _onError(f) {
    const ref = f.ref ?? null;
    let request = null;
    if (ref !== null) {
      if (this._internalRefs.has(ref)) {
        this._internalRefs.delete(ref);
        return; // a failed direct recovery is not the user's business
      }
      request = this._pending.get(ref) ?? null;
      this._pending.delete(ref);
      if (request && request.type === 'join') {
        const retry = this._onJoinError(request, f.code);
        if (retry) return; // transient: retried quietly
      }
    }
    this._emit('error', {
      code: typeof f.code === 'string' ? f.code : 'error',
      message: typeof f.message === 'string' ? f.message : '',
      ref, request,
    });
  }
}
