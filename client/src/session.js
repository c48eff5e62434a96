// Session: the protocol state of one identity across its successive connections: the rooms
// (confirmed, joining, resumed by the hello), the last id seen per conversation, requests in
// flight, the sends until the server has them (Sends), read state (Reads), and recovery of rooms
// and direct conversations. It reads server frames and writes client frames through `link`; it
// knows no socket and no DOM. ChatClient owns one.
//
// Every stored frame of a room (message, edit, delete, reaction) has an id in the room's
// history; the ledger delivers each once, across reconnects, whether it comes live, in a
// `joined`, or in the pages of a recovery.

import { Ledger } from './ledger.js';
import { Reads } from './reads.js';
import { Requests } from './requests.js';
import { RoomBook } from './rooms.js';
import { Sends } from './sends.js';
import { UPDATE_TYPES } from './timeline.js';

const TRANSIENT = new Set(['rate_limited', 'broker_unavailable', 'outcome_unknown', 'internal']);
const MAX_RECOVERY_ATTEMPTS = 5;
const isMessage = (f) => f.type === undefined || f.type === 'message';

export class Session {
  /**
   * @param {object} options ChatClient's options (recoveryTimeoutMs, maxOutbox, dedupWindowMs,
   *   resendMarginMs, readThrottleMs, directRecoveryLimit)
   * @param {{send(frame: object): boolean, backoffMs(attempt: number): number}} link the connection
   * @param {(type: string, detail: object) => void} emit delivers an event to the application
   */
  constructor(options, link, emit) {
    this.options = options;
    this._link = link;
    this._emit = emit;
    this.user = null; // the id the server gave (welcome): a token's sub, or a guest id `guest:…`
    this.name = null; // the display name the server gave (welcome)
    this.guestToken = null; // a guest's token from the welcome: brings the same guest back
    this.helloUsedGuestToken = false; // the hello of the current connection presented guestToken
    this.node = null;
    this.protocol = null;
    this.connected = false; // welcomed on the current connection
    this.book = new RoomBook();
    this.ledger = new Ledger(); // room -> last id; '@' + peer -> last direct id
    this.requests = new Requests();
    this.sends = new Sends(options, link, emit, this.requests, (room) => this.book.isJoining(room));
    this.reads = new Reads(options, link, (room) => this.connected && this.book.isConfirmed(room));
    this._recoveries = new Map(); // ref -> {peer, attempt}, for history `after` sent by the session itself
    this._earlyCheck = false; // a resume check is scheduled sooner (a join of the hello failed)
    this._timers = new Set(); // join retries and the resume check, cleared with the connection
  }

  /** How many sends the server has not acknowledged yet. */
  get queued() { return this.sends.size; }

  /**
   * The first frame of a connection: who, and every confirmed room with its last id. Who is the
   * token; for a guest its guest token when it has one (the same guest comes back: same id, same
   * name), else the name it picked (or the display name it had, so a generated one is kept).
   */
  hello(identity) {
    const hello = { type: 'hello' };
    this.helloUsedGuestToken = false;
    if (identity.token) hello.token = identity.token;
    else if (this.guestToken) {
      hello.token = this.guestToken;
      this.helloUsedGuestToken = true;
    } else if (identity.name || this.name) hello.name = identity.name || this.name;
    hello.rooms = this.book.hello((room) => this.ledger.last(room));
    return hello;
  }

  /** The connection ended: answers to frames in flight cannot come any more. */
  ended() {
    for (const timer of this._timers) clearTimeout(timer);
    this._timers.clear();
    this.connected = false;
    this._earlyCheck = false;
    this.requests.clear();
    this._recoveries.clear();
    this.book.disconnected();
    this.sends.offline();
    this.reads.offline();
  }

  /** Another identity: forget everything. */
  reset() {
    this.ended();
    this.book.clear();
    this.ledger.clear();
    this.sends.clear();
    this.reads.clear();
    this.user = null;
    this.name = null;
    this.guestToken = null;
    this.node = null;
  }

  // ---- client frames ------------------------------------------------------------------

  join(room) {
    const ref = this.requests.ref('j');
    this.book.joining(room, ref);
    if (this.connected) this._sendJoin(room, ref);
    return ref;
  }

  leave(room) {
    this.book.leave(room);
    this.ledger.delete(room);
    this.reads.forget(room);
    this.sends.dropRoom(room, 'left');
    if (this.connected) this._link.send({ type: 'leave', room });
  }

  /** A send frame (with its cid): now, or once the connection is back; tried until stored. The cid, or null when the outbox is full. */
  queueSend(frame) { return this.sends.add(frame); }

  /** A frame that expects an answer; null when it cannot go now. */
  request(frame, prefix = 'h') {
    frame.ref = this.requests.ref(prefix);
    if (!this.connected) return null;
    this.requests.track(frame);
    if (this._link.send(frame)) return frame.ref;
    this.requests.take(frame.ref);
    return null;
  }

  /** The user read `room` up to `id` (default: the newest stored frame delivered). */
  markRead(room, id) {
    const upTo = id ?? this.ledger.last(room);
    if (!upTo || !this.reads.mark(room, upTo)) return false;
    this._emit('read', { room, id: upTo, self: true });
    return true;
  }

  _sendJoin(room, ref) {
    const frame = { type: 'join', room, ref };
    const since = this.ledger.last(room);
    if (since) frame.since = since;
    this.requests.track(frame);
    this._link.send(frame);
  }

  /** Joins again a room whose resumption or join failed (with `since`: nothing is lost). */
  _rejoin(room) {
    const ref = this.book.pendingRef(room) || this.requests.ref('j');
    this.book.joining(room, ref);
    if (this.connected) this._sendJoin(room, ref);
  }

  _recoverDirect(peer, after, attempt = 0) {
    const ref = this.requests.ref('r');
    this._recoveries.set(ref, { peer, attempt });
    this._link.send({ type: 'history', with: peer, after, limit: this.options.directRecoveryLimit, ref });
  }

  _later(ms, fn) {
    const timer = setTimeout(() => {
      this._timers.delete(timer);
      fn();
    }, ms);
    this._timers.add(timer);
  }

  // ---- server frames ------------------------------------------------------------------

  /** Reads one server frame. Returns false for types it does not know (ignored). */
  onFrame(f) {
    switch (f.type) {
      case 'welcome': this._onWelcome(f); break;
      case 'joined': this._onJoined(f); break;
      case 'left': this._onLeft(f); break;
      case 'message': this._onMessage(f); break;
      case 'edit': case 'delete': case 'reaction': this._onRoomFrame(f); break;
      case 'history': this._onHistory(f); break;
      case 'ack': this._onAck(f); break;
      case 'error': this._onError(f); break;
      case 'read':
        if (typeof f.room === 'string' && this.reads.synced(f.room, f.id)) this._emit('read', { room: f.room, id: f.id, self: false });
        break;
      case 'receipt':
        if (typeof f.room === 'string' && this.reads.receipt(f.room, f.user, f.id)) {
          this._emit('receipt', { room: f.room, user: f.user, name: typeof f.name === 'string' ? f.name : f.user, id: f.id });
        }
        break;
      case 'muted':
        if (typeof f.room !== 'string') break;
        this.reads.setMuted(f.room, f.muted === true, f.reason);
        this._emit('muted', { room: f.room, muted: f.muted === true, reason: typeof f.reason === 'string' ? f.reason : '' });
        break;
      case 'refreshed': this._emit('refreshed', { expires: f.expires, ref: f.ref ?? null, request: this.requests.take(f.ref) }); break;
      case 'presence': case 'typing': case 'pong': case 'status': this._emit(f.type, f); break;
      default: return false; // forward compatibility
    }
    return true;
  }

  _onWelcome(f) {
    this.connected = true;
    const previous = this.user;
    if (typeof f.user === 'string') this.user = f.user;
    if (previous && this.user !== previous) this.sends.senderChanged();
    this.name = typeof f.name === 'string' && f.name ? f.name : this.user;
    // a guest gets a fresh guest token on every welcome; a token user none
    this.guestToken = typeof f.guest_token === 'string' && f.guest_token ? f.guest_token : null;
    if (typeof f.node === 'string') this.node = f.node;
    if (typeof f.protocol === 'number') this.protocol = f.protocol;
    // The hello resumed the confirmed rooms; joins never confirmed go as join frames.
    for (const [room, ref] of this.book.unconfirmed()) this._sendJoin(room, ref);
    for (const [key, after] of this.ledger.entries()) {
      if (key.startsWith('@')) this._recoverDirect(key.slice(1), after);
    }
    // Sends not acknowledged yet go again, with their cid: the server stores each once.
    this.sends.online();
    // A room of the hello still unanswered by now failed on the server: join it again.
    this._later(this.options.recoveryTimeoutMs, () => this._checkResumed());
  }

  _checkResumed() {
    for (const room of this.book.takeUnresumed()) this._rejoin(room);
  }

  _onJoined(f) {
    const room = f.room;
    if (typeof room !== 'string' || this.book.isLeaving(room)) return;
    const first = !this.book.isConfirmed(room) && !this.ledger.has(room);
    const { ref, failed } = this.book.confirm(room);
    if (ref) this.requests.take(ref);
    for (const r of failed) this._rejoin(r);
    const members = Array.isArray(f.members) ? f.members.filter((m) => typeof m === 'string') : [];
    const names = {}; // id -> display name, of the members
    if (f.names && typeof f.names === 'object') {
      for (const id of members) if (typeof f.names[id] === 'string') names[id] = f.names[id];
    }
    const fresh = this.ledger.accept(room, f.messages);
    const messages = fresh.filter(isMessage);
    for (const m of messages) this.sends.seen(room, m);
    const v2 = f.unread !== undefined || f.read !== undefined;
    if (v2) this.reads.joined(room, typeof f.read === 'string' ? f.read : null, f.receipts);
    this._emit('joined', {
      room, members, names, messages, recovered: f.recovered, more: f.more === true, first,
      read: this.reads.cursor(room), unread: typeof f.unread === 'number' ? f.unread : null,
      unreadCapped: f.unread_capped === true, receipts: Object.fromEntries(this.reads.receipts(room)), frame: f,
    });
    for (const u of fresh) if (UPDATE_TYPES.includes(u.type)) this._emitUpdate(room, u, true);
  }

  _onLeft(f) {
    const room = f.room;
    if (typeof room !== 'string') return;
    const removed = f.removed === true;
    if (!removed && this.book.pendingRef(room) && !this.book.isLeaving(room)) return; // joined again since
    this.book.left(room);
    this.ledger.delete(room);
    this.reads.forget(room);
    this.sends.dropRoom(room, removed ? 'removed' : 'left');
    this._emit('left', { room, removed, reason: removed && typeof f.reason === 'string' ? f.reason : '', frame: f });
  }

  _onMessage(f) {
    if (f.to !== undefined && f.to !== null) {
      const peer = String(f.from === this.user ? f.to : f.from);
      this._deliverDirect(peer, [f], false);
      return;
    }
    this._onRoomFrame(f);
  }

  /** A stored frame of a room (message, edit, delete, reaction), live or the rest of a recovery. */
  _onRoomFrame(f) {
    const room = f.room;
    if (typeof room !== 'string' || !this.book.wants(room)) return; // left meanwhile
    for (const m of this.ledger.accept(room, [f])) {
      if (isMessage(m)) {
        this.sends.seen(room, m);
        this._emit('message', { message: m, room, peer: null, key: room, recovered: false });
      } else this._emitUpdate(room, m, false);
    }
  }

  _emitUpdate(room, frame, recovered) {
    this._emit(frame.type, { room, target: frame.target, frame, recovered });
  }

  _deliverDirect(peer, messages, recovered) {
    const fresh = this.ledger.accept('@' + peer, messages);
    for (const m of fresh) {
      this.sends.seen('@' + peer, m);
      this._emit('message', { message: m, room: null, peer, key: '@' + peer, recovered });
    }
    return fresh;
  }

  _onHistory(f) {
    const recovery = f.ref != null ? this._recoveries.get(f.ref) : undefined;
    if (recovery !== undefined) {
      const { peer } = recovery;
      this._recoveries.delete(f.ref);
      const fresh = this._deliverDirect(peer, f.messages, true);
      if (f.more === true && fresh.length && this.connected) this._recoverDirect(peer, this.ledger.last('@' + peer));
      return;
    }
    const request = this.requests.take(f.ref);
    const key = typeof f.with === 'string' ? '@' + f.with : f.room;
    if (Array.isArray(f.messages)) for (const m of f.messages) if (m && typeof m === 'object') this.sends.seen(key, m);
    // The latest page of a direct conversation may be the first contact with it: its newest id
    // is where a later reconnect recovers from.
    if (typeof f.with === 'string' && Array.isArray(f.messages) && request && !request.before) {
      for (const m of f.messages) this.ledger.note('@' + f.with, m && m.id);
    }
    this._emit('history', { ...f, request });
  }

  _onAck(f) {
    if (this.sends.onAck(f)) return;
    const request = this.requests.take(f.ref);
    this._emit('ack', { ref: f.ref ?? null, id: f.id ?? null, cid: null, duplicate: f.duplicate === true, via: 'ack', request });
  }

  _onError(f) {
    const ref = f.ref ?? null;
    if (ref !== null && this.sends.onError(f)) return; // retried, or reported as failed
    const recovery = ref !== null ? this._recoveries.get(ref) : undefined;
    if (recovery !== undefined) {
      this._recoveryFailed(ref, recovery, f.code);
      return; // not the user's business
    }
    if (ref === null && TRANSIENT.has(f.code) && this.book.resuming && !this._earlyCheck) {
      // The server joins the hello's rooms in order and reports a failure without a ref: look
      // for rooms left unanswered shortly, rather than after recoveryTimeoutMs.
      this._earlyCheck = true;
      this._later(this._link.backoffMs(1), () => this._checkResumed());
    }
    const request = this.requests.take(ref);
    if (request && request.type === 'join' && this._retryJoin(request, f.code)) return;
    this._emit('error', {
      code: typeof f.code === 'string' ? f.code : 'error',
      message: typeof f.message === 'string' ? f.message : '',
      ref, request,
    });
  }

  /** Recovery of a direct conversation failed: tried again a few times when transient. */
  _recoveryFailed(ref, { peer, attempt }, code) {
    this._recoveries.delete(ref);
    if (!TRANSIENT.has(code) || attempt >= MAX_RECOVERY_ATTEMPTS) return;
    this._later(this._link.backoffMs(attempt + 1), () => {
      if (this.connected) this._recoverDirect(peer, this.ledger.last('@' + peer), attempt + 1);
    });
  }

  /** A join was refused: retried quietly when transient (true), else forgotten (false). */
  _retryJoin(request, code) {
    const room = request.room;
    if (this.book.pendingRef(room) !== request.ref) return false; // left or joined again since
    if (TRANSIENT.has(code)) {
      this._later(this._link.backoffMs(this.book.failedOnce(room) + 1), () => {
        if (this.connected && this.book.pendingRef(room) === request.ref) this._sendJoin(room, request.ref);
      });
      return true;
    }
    if (code === 'bad_id' && request.since) {
      this.ledger.delete(room);
      this._sendJoin(room, request.ref);
      return true;
    }
    this.book.forget(room);
    this.ledger.delete(room);
    return false;
  }
}
