// ChatClient: the public face of the SDK. Protocol 2 of chat-relay (docs/protocol.md) over a
// ReconnectingSocket; the protocol state lives in its Session. No DOM.
//
// The socket is opened with the sub-protocol `chatrelay.v2` and no credentials in the URL; the
// first frame is `hello` with the guest name or token and every confirmed room with the last
// message id seen, so a reconnect resumes all rooms in one step (no separate joins). Direct
// conversations are recovered with `history` `after`. Every stored frame is delivered once.
//
// Sending is idempotent: every message gets a `cid` and is sent again with it after an error
// that allows it (`outcome_unknown`, `broker_unavailable`, ...) and after a reconnect, until the
// server acknowledges it or the message itself comes back; the server stores it once (sends.js).
//
// Identity: `user` is the id the server gives (a token's `sub`; for a guest `guest:` and 12
// characters, never the name it picked); `name` the display name. A guest's welcome carries a
// `guest_token`: it is kept (and, with a `storage` such as the tab's sessionStorage, stored beside
// the name it was picked with) and sent as the hello's `token` on every reconnect, so the guest
// keeps its id. A gateway that refuses it (4401 before the welcome: it expired, or the gateways do
// not share CHAT_AUTH_GUEST_SECRET) makes the client forget it and connect again at once by
// name: a new guest id with the same display name (event `guest`).
//
// Events (CustomEvent, data in `detail`); index.d.ts has their exact shapes:
//   state        {state: 'connecting'|'connected'|'reconnecting'|'closed', node, user,
//                 inSeconds, delayMs, retryAt, attempt, code, reason}
//   welcome      the welcome frame (user, name, node, guest_token for a guest)
//   guest        {resumed: false, previous, reason}: the guest token was refused, a new guest follows
//   joined       {room, members, names, messages (new, type message, oldest first), recovered,
//                 more, first, read, unread, unreadCapped, receipts, frame}
//   left         {room, removed, reason, frame}   (removed: by the application, a moderator)
//   message      {message, room, peer, key, recovered}  (room or peer; key = room or '@' + peer)
//   edit, delete, reaction   {room, target, frame, recovered}
//   read         {room, id, self}   the user's read cursor moved (self: on this client)
//   receipt      {room, user, name, id}   a member of a small room read up to id
//   muted        {room, muted, reason}
//   history      the history frame + {request}
//   presence, typing, pong, status   the frame
//   ack          {ref, id, cid, duplicate, via, request}   (once per send: via 'ack' or 'message')
//   resend       {cid, code, attempt, delayMs, request}     a send will be tried again
//   failed       {cid, code, message, mayBeStored, request} a send was given up
//   error        {code, message, ref, request}; also {code: 'unauthorized'|'bad_hello'|'kicked',
//                close: 4401|4400|4403} when the server closes the connection for that reason
//   refreshed    {expires, ref, request}
//   disconnected {code, reason, wasConnected, fatal}

import { Session } from './session.js';
import { ReconnectingSocket, SOCKET_DEFAULTS } from './socket.js';

/** The sub-protocol that selects protocol 2. */
export const SUBPROTOCOL = 'chatrelay.v2';

/** Close codes with a meaning for the client (docs/protocol.md, "Close codes"). */
export const CloseCodes = Object.freeze({
  RESTART: 1012, OVERLOAD: 1013, BAD_HELLO: 4400, UNAUTHORIZED: 4401, KICKED: 4403, TOO_MANY_CONNECTIONS: 4429,
});

export const CLIENT_DEFAULTS = Object.freeze({
  ...SOCKET_DEFAULTS,
  recoveryTimeoutMs: 10000, // a room of the hello still unanswered after this is joined again
  storage: null, // a Storage (e.g. sessionStorage) where a guest's token is kept across page loads
  storageKey: 'chat-relay.guest',
  maxOutbox: 100, // sends not acknowledged yet; send() returns null beyond
  dedupWindowMs: 600000, // the server's CHAT_DEDUP_WINDOW: how long a cid is remembered
  resendMarginMs: 30000, // a send that may be stored is not tried again this close to the window's end
  sendBurst: 20, // sends that go at once; then sendRatePerSecond (under the server's CHAT_RATE_* limits)
  sendRatePerSecond: 10,
  readThrottleMs: 1000, // at most one read frame per room in this time
  directRecoveryLimit: 100, // page size of direct-conversation recovery
});

/** Close codes reported as an `error` event. */
const CLOSE_ERRORS = {
  [CloseCodes.UNAUTHORIZED]: { code: 'unauthorized', message: 'the credentials were refused' },
  [CloseCodes.BAD_HELLO]: { code: 'bad_hello', message: 'the server refused the hello' },
  [CloseCodes.KICKED]: { code: 'kicked', message: 'disconnected by the application' },
};

/** A send frame: text and the optional parts. */
function sendFrame(frame, text, { replyTo = null, meta = null, cid = null } = {}) {
  frame.type = 'send';
  frame.text = String(text);
  if (replyTo !== null && replyTo !== undefined) frame.reply_to = String(replyTo);
  if (meta !== null && meta !== undefined) frame.meta = meta;
  if (cid !== null && cid !== undefined) frame.cid = cid;
  return { type: frame.type, ...frame };
}

export class ChatClient extends EventTarget {
  /** @param {Partial<typeof CLIENT_DEFAULTS>} options */
  constructor(options = {}) {
    super();
    this.options = { ...CLIENT_DEFAULTS, ...options };
    this._socket = new ReconnectingSocket({
      ...this.options, protocols: [SUBPROTOCOL], isFatal: (code) => this._isFatal(code),
    });
    this._session = new Session(this.options, this._socket, (type, detail) => this._emit(type, detail));
    this._state = 'closed';
    this._identity = null; // {name} or {token}
    this._retryAtOnce = false;
    const on = (type, fn) => this._socket.addEventListener(type, (e) => fn.call(this, e.detail));
    on('opening', this._onOpening);
    on('open', () => this._socket.send(this._session.hello(this._identity)));
    on('frame', ({ frame }) => this._onFrame(frame));
    on('close', this._onClose);
    on('retry', this._onRetry);
  }

  // ---- read-only state ----------------------------------------------------------------

  get state() { return this._state; }
  /** The user id the server gave (welcome), or null: a token's sub, or a guest id `guest:…`. */
  get user() { return this._session.user; }
  /** The display name the server gave (welcome), or null. */
  get name() { return this._session.name; }
  /** A guest's token (welcome), which brings the same guest back; null for a token user. */
  get guestToken() { return this._session.guestToken; }
  /** The gateway node of the connection (welcome), or null. */
  get node() { return this._session.node; }
  get connected() { return this._state === 'connected'; }
  /** Rooms the server confirmed, in join order. */
  get rooms() { return this._session.book.confirmed; }
  /** The protocol the server speaks on this connection (welcome), or null. */
  get protocol() { return this._session.protocol; }
  /** How many sends the server has not acknowledged yet. */
  get queued() { return this._session.queued; }
  /** The sends not acknowledged yet, oldest first: {cid, room, to, text, state, attempts, code, createdAt}. */
  get pending() { return this._session.sends.list(); }
  /** The last message id delivered for a room, or null. */
  lastId(room) { return this._session.ledger.last(room); }
  /** The last direct message id delivered for a peer, or null. */
  lastDirectId(peer) { return this._session.ledger.last('@' + peer); }
  /** The user's read cursor in a room (the last id read, on any device), or null. */
  readCursor(room) { return this._session.reads.cursor(room); }
  /** Small rooms: each member's read cursor (user id -> id). */
  receipts(room) { return this._session.reads.receipts(room); }
  /** Whether a moderator muted the user in a room (as told by a `muted` frame). */
  isMuted(room) { return this._session.reads.isMuted(room); }

  // ---- connection ---------------------------------------------------------------------

  /**
   * Connects as a guest (`name`; empty for a generated name) or with a JWT (`token`). Accepts a
   * string (the name) or {name, token, guestToken}. The same identity again keeps rooms, ids and
   * outbox. A guest comes back as the same guest with `guestToken`, or with the guest token kept
   * in `storage` for the same name.
   */
  connect(identity = {}) {
    if (typeof identity === 'string') identity = { name: identity };
    const token = identity.token ? String(identity.token).trim() : '';
    const name = identity.name ? String(identity.name).trim() : '';
    const id = this._identity;
    const same = id && (id.token || '') === token && (id.name || '') === name;
    this._session.ended();
    if (!same) this._session.reset();
    this._identity = token ? { token } : { name };
    if (!token && !this._session.guestToken) {
      this._session.guestToken = (identity.guestToken ? String(identity.guestToken) : '') || this._storedGuestToken(name) || null;
    }
    this._retryAtOnce = false;
    this._socket.start();
  }

  /** Closes the connection and stops reconnecting. Rooms and last ids are kept. */
  disconnect() {
    this._socket.stop(1000, 'client disconnect');
    this._session.ended();
    this._setState('closed', {});
  }

  /** Skips the rest of the backoff delay (e.g. when the browser comes back online). */
  reconnectNow() { this._socket.reconnectNow(); }

  // ---- client frames ------------------------------------------------------------------

  /** Joins a room (with `since` when messages of it were seen). Returns the ref. */
  join(room) { return this._session.join(String(room)); }

  /** Leaves a room; it is forgotten at once, so it is not resumed on reconnect. */
  leave(room) { this._session.leave(String(room)); }

  /**
   * Sends a message to a room: now or once connected, and again with the same cid until the
   * server has it (stored once). `options`: replyTo (a message id), meta (a small JSON object),
   * cid (default: a new one). Returns the cid, or null when `maxOutbox` sends wait already.
   */
  send(room, text, options = {}) {
    return this._session.queueSend(sendFrame({ room: String(room) }, text, options));
  }

  /** Sends a direct message to a user id, like send(). Returns the cid, or null. */
  sendDirect(to, text, options = {}) {
    return this._session.queueSend(sendFrame({ to: String(to) }, text, options));
  }

  /** Replaces the text of one's own message. Returns the ref, or null when offline. */
  edit(room, id, text) {
    return this._session.request({ type: 'edit', room: String(room), target: String(id), text: String(text) }, 'e');
  }

  /** Deletes one's own message. Returns the ref, or null when offline. */
  delete(room, id) {
    return this._session.request({ type: 'delete', room: String(room), target: String(id) }, 'd');
  }

  /** Adds a reaction to a message (at most 20 distinct ones per message). Returns the ref, or null when offline. */
  react(room, id, emoji) {
    return this._session.request({ type: 'react', room: String(room), target: String(id), emoji: String(emoji), op: 'add' }, 'x');
  }

  /** Removes one's reaction. Returns the ref, or null when offline. */
  unreact(room, id, emoji) {
    return this._session.request({ type: 'react', room: String(room), target: String(id), emoji: String(emoji), op: 'remove' }, 'x');
  }

  /**
   * The user read a room up to `id` (default: the newest frame delivered in it). The cursor
   * only moves forward; the server is told (at most once per readThrottleMs, or once connected)
   * and tells the user's other connections. Returns whether the cursor moved.
   */
  markRead(room, id) { return this._session.markRead(String(room), id); }

  /**
   * Replaces the connection's token (same user) before it expires; later reconnects use the new
   * one. Returns the ref, or null when offline (the new token is used from the next connection).
   */
  refresh(token) {
    token = String(token).trim();
    if (this._identity?.token) this._identity = { token };
    return this._session.request({ type: 'refresh', token }, 't');
  }

  /** Room history older than `before` (the latest page without it). Returns the ref, or null when offline. */
  history(room, { before = null, limit = 50 } = {}) {
    return this._session.request({ type: 'history', room, limit, ...(before ? { before } : {}) });
  }

  /** The direct conversation with `peer` older than `before`. Returns the ref, or null when offline. */
  historyDirect(peer, { before = null, limit = 50 } = {}) {
    return this._session.request({ type: 'history', with: peer, limit, ...(before ? { before } : {}) });
  }

  /** Tells a confirmed room that the user is typing (the caller throttles). */
  typing(room) {
    if (this.connected && this._session.book.isConfirmed(room)) this._socket.send({ type: 'typing', room });
  }

  ping() { if (this.connected) this._socket.send({ type: 'ping' }); }

  status() { if (this.connected) this._socket.send({ type: 'status' }); }

  // ---- internals ----------------------------------------------------------------------

  _onOpening({ attempt }) {
    if (attempt === 0) this._setState('connecting', { attempt });
    else this._setState('reconnecting', { inSeconds: 0, delayMs: 0, retryAt: Date.now(), attempt });
  }

  _onFrame(frame) {
    if (frame.type === 'welcome') {
      this._session.onFrame(frame); // rooms, recovery and outbox first: the state event follows
      if (this._identity && !this._identity.token) this._storeGuestToken(this._identity.name || '', this._session.guestToken);
      this._socket.ready();
      this._setState('connected', {});
      this._emit('welcome', frame);
      return;
    }
    this._session.onFrame(frame);
  }

  /**
   * 4401 ends the connection for good, unless it refused a guest token (a new guest follows);
   * 4403 too: the application disconnected the user, coming back with the same credentials is
   * not wanted.
   */
  _isFatal(code) {
    return code === CloseCodes.KICKED || (code === CloseCodes.UNAUTHORIZED && !this._guestTokenRefused(code));
  }

  _guestTokenRefused(code) {
    return code === CloseCodes.UNAUTHORIZED && this._session.helloUsedGuestToken && !this._session.connected;
  }

  _onClose({ code, reason, fatal }) {
    const wasConnected = this._session.connected;
    const guestRefused = this._guestTokenRefused(code);
    this._session.ended();
    this._emit('disconnected', { code, reason, wasConnected, fatal });
    if (guestRefused) {
      // the same guest cannot come back here: a new guest, with the same display name, at once
      const previous = this._session.user;
      this._session.guestToken = null;
      this._session.helloUsedGuestToken = false;
      this._storeGuestToken(this._identity?.name || '', null);
      this._retryAtOnce = true;
      this._emit('guest', { resumed: false, previous, reason: reason || 'the guest token was refused' });
      return;
    }
    const closeError = CLOSE_ERRORS[code];
    if (closeError) {
      this._emit('error', { code: closeError.code, message: reason || closeError.message, ref: null, request: null, close: code });
    }
    if (fatal) this._setState('closed', { code, reason });
  }

  _onRetry(d) {
    this._setState('reconnecting', { ...d, inSeconds: Math.max(1, Math.ceil(d.delayMs / 1000)) });
    if (this._retryAtOnce) {
      this._retryAtOnce = false;
      this._socket.reconnectNow();
    }
  }

  /** The guest token stored for a guest who picked `name` ('' for a generated name), or ''. */
  _storedGuestToken(name) {
    const storage = this.options.storage;
    if (!storage) return '';
    try {
      const stored = JSON.parse(storage.getItem(this.options.storageKey) || 'null');
      return stored && stored.name === name && typeof stored.token === 'string' ? stored.token : '';
    } catch {
      return ''; // unreadable: a new guest
    }
  }

  /** Keeps (or, with null, forgets) the guest token of the guest who picked `name`. */
  _storeGuestToken(name, token) {
    const storage = this.options.storage;
    if (!storage) return;
    try {
      if (token) storage.setItem(this.options.storageKey, JSON.stringify({ name, token }));
      else storage.removeItem(this.options.storageKey);
    } catch {
      /* storage full or denied: the guest is kept for this page only */
    }
  }

  _setState(state, extra) {
    this._state = state;
    this._emit('state', { state, node: this.node, user: this.user, ...extra });
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
