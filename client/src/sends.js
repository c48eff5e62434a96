// Sends: every message this client sends, from the call until the server has it. Each gets a
// `cid` (the client's own id for it); whatever happens, it is sent again with the SAME cid, which
// the server deduplicates (per room or conversation and sender, within CHAT_DEDUP_WINDOW): a
// retry is answered with the first attempt's id and delivers nothing new. So a send is stored
// once, however often it is tried.
//
// A send is settled by its ack, or by the message itself (with its cid) arriving first: live,
// in a recovered room, or in a recovered direct conversation. It is tried again
//   - after `outcome_unknown` (no answer in time: it may have been stored), `broker_unavailable`,
//     `storage_full`, `rate_limited`, `internal`: with backoff;
//   - after the connection was lost before its answer: at once, once the next connection is
//     welcomed (its rooms resumed first);
//   - after `not_member` while its room is still being joined: with backoff.
// Any other error settles it as failed (nothing was stored: a validation error, `forbidden`,
// `unknown_user`). A send that may have been stored (an attempt without a clear answer) and is
// older than the dedup window cannot be tried again safely: it fails with `outcome_unknown`.
// At most `maxOutbox` sends wait at a time. They go out oldest first, paced by a token bucket
// (`sendBurst` at once, then `sendRatePerSecond`) that stays under the server's rate limit
// (CHAT_RATE_PER_SECOND, CHAT_RATE_BURST: a connection that keeps sending past it is closed),
// however many were queued while offline.

/** Answers after which a send is tried again (with the same cid). */
export const RETRY_CODES = Object.freeze(['outcome_unknown', 'broker_unavailable', 'storage_full', 'rate_limited', 'internal']);
/** Answers that prove nothing was stored, for a room message (a direct message is stored in steps). */
const NOT_STORED_IN_ROOM = new Set(['broker_unavailable', 'storage_full', 'rate_limited']);
const NOT_STORED_DIRECT = new Set(['rate_limited']);
const CID_RE = /^[^\s~][^\s]{0,63}$/;

/** A random prefix that makes this client's cids its own (80 bits, base 32). */
function randomPrefix() {
  const bytes = new Uint8Array(10);
  const c = globalThis.crypto;
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  for (const b of bytes) out += alphabet[b & 31] + alphabet[b >> 5];
  return out.slice(0, 16);
}

/** Whether a string can be a cid: 1-64 characters, no white space, not starting with '~'. */
export function isValidCid(cid) {
  return typeof cid === 'string' && CID_RE.test(cid) && !/[\u0000-\u001f\u007f-\u009f]/.test(cid);
}

export class Sends {
  /**
   * @param {{maxOutbox: number, dedupWindowMs: number, resendMarginMs: number, sendRatePerSecond: number,
   *   sendBurst: number, now?: () => number}} options
   * @param {{send(frame: object): boolean, backoffMs(attempt: number): number}} link
   * @param {(type: string, detail: object) => void} emit
   * @param {{ref(prefix: string): string}} refs where refs come from
   * @param {(room: string) => boolean} joining whether a room is being joined (not confirmed yet)
   */
  constructor(options, link, emit, refs, joining) {
    this.options = options;
    this._link = link;
    this._emit = emit;
    this._refs = refs;
    this._joining = joining;
    this._now = options.now || Date.now;
    this._entries = new Map(); // cid -> entry, oldest first
    this._byRef = new Map(); // ref of an attempt in flight -> cid
    this._prefix = randomPrefix();
    this._seq = 0;
    this._online = false;
    this._tokens = options.sendBurst;
    this._tokensAt = Date.now();
    this._pumpTimer = null;
  }

  /** How many sends are not settled yet. */
  get size() { return this._entries.size; }

  /** The sends not settled yet, oldest first: {cid, room, to, text, state, attempts, code}. */
  list() {
    return [...this._entries.values()].map((e) => ({
      cid: e.cid, room: e.frame.room ?? null, to: e.frame.to ?? null, text: e.frame.text, state: e.state,
      attempts: e.attempts, code: e.code, createdAt: e.createdAt,
    }));
  }

  has(cid) { return this._entries.has(cid); }

  /** A new cid, unique for this client: its random prefix and a counter. */
  newCid() {
    this._seq += 1;
    return `${this._prefix}-${this._seq}`;
  }

  /**
   * Takes a send frame (without ref; `cid` set or given one). Returns the cid, or null when
   * `maxOutbox` sends wait already (nothing is sent).
   */
  add(frame) {
    if (frame.cid === undefined || frame.cid === null) frame.cid = this.newCid();
    else if (!isValidCid(frame.cid)) throw new TypeError('cid must be 1-64 characters without white space, not starting with ~');
    if (this._entries.has(frame.cid)) return frame.cid; // the same message again: still one
    if (this._entries.size >= this.options.maxOutbox) return null;
    const entry = {
      cid: frame.cid, frame, key: frame.to !== undefined ? '@' + frame.to : frame.room, createdAt: this._now(),
      firstSentAt: null, attempts: 0, state: 'queued', code: null, mayBeStored: false, ref: null, timer: null,
    };
    this._entries.set(entry.cid, entry);
    this._pump();
    return entry.cid;
  }

  /** The connection is welcomed (rooms resumed): every waiting send goes, oldest first. */
  online() {
    this._online = true;
    this._pump();
  }

  /** The connection ended: answers cannot come any more; what was in flight may have been stored. */
  offline() {
    this._online = false;
    clearTimeout(this._pumpTimer);
    this._pumpTimer = null;
    this._byRef.clear();
    for (const e of this._entries.values()) {
      clearTimeout(e.timer);
      e.timer = null;
      if (e.state === 'sent') {
        e.mayBeStored = true;
        e.code = 'disconnected';
        this._emit('resend', { cid: e.cid, code: 'disconnected', attempt: e.attempts, delayMs: null, request: e.frame });
      }
      e.state = 'queued';
      e.ref = null;
    }
  }

  /** An ack: true when it answered a send (settled now, or earlier). */
  onAck(f) {
    const cid = typeof f.cid === 'string' ? f.cid : this._byRef.get(f.ref);
    if (f.ref != null) this._byRef.delete(f.ref);
    const entry = cid !== undefined ? this._entries.get(cid) : undefined;
    if (!entry) return cid !== undefined; // settled already (its message came first)
    this._settle(entry, { ref: f.ref ?? null, id: f.id ?? null, duplicate: f.duplicate === true, via: 'ack' });
    return true;
  }

  /** An error with a ref: true when it answered a send. */
  onError(f) {
    const cid = this._byRef.get(f.ref);
    if (cid === undefined) return false;
    this._byRef.delete(f.ref);
    const e = this._entries.get(cid);
    if (!e) return true;
    e.code = typeof f.code === 'string' ? f.code : 'error';
    const direct = e.frame.to !== undefined;
    if (!(direct ? NOT_STORED_DIRECT : NOT_STORED_IN_ROOM).has(e.code) && RETRY_CODES.includes(e.code)) e.mayBeStored = true;
    const retry = RETRY_CODES.includes(e.code) || (e.code === 'not_member' && !direct && this._joining(e.frame.room));
    if (!retry) {
      this._fail(e, e.code, typeof f.message === 'string' ? f.message : '');
      return true;
    }
    e.ref = null;
    this._retryLater(e);
    return true;
  }

  /** A stored message arrived (`key`: its room, or '@' + peer): it settles a send with its cid. */
  seen(key, message) {
    const e = message && typeof message.cid === 'string' ? this._entries.get(message.cid) : undefined;
    if (!e || e.key !== key || typeof message.id !== 'string') return;
    this._settle(e, { ref: e.ref, id: message.id, duplicate: false, via: 'message' });
  }

  /**
   * The server took this client for another user than before (a guest whose token was refused is
   * a new guest): the dedup of the sends that may be stored was the old sender's, so sending them
   * again could store them twice: they fail as outcome_unknown. The others go as the new user.
   */
  senderChanged() {
    for (const e of [...this._entries.values()]) {
      if (e.mayBeStored) this._fail(e, 'outcome_unknown', 'it may have been stored as the user this client was before; it is not sent again');
    }
  }

  /** The room was left or the user removed from it: its sends are given up. */
  dropRoom(room, code) {
    for (const e of [...this._entries.values()]) {
      if (e.frame.room === room && e.frame.to === undefined) this._fail(e, code, 'the room was left before the message was acknowledged');
    }
  }

  /** Another identity: everything is forgotten, quietly. */
  clear() {
    clearTimeout(this._pumpTimer);
    this._pumpTimer = null;
    for (const e of this._entries.values()) clearTimeout(e.timer);
    this._entries.clear();
    this._byRef.clear();
  }

  // ---- internals ----------------------------------------------------------------------

  /** Sends the queued sends, oldest first, as fast as the token bucket allows; the rest a little later. */
  _pump() {
    if (!this._online || this._pumpTimer !== null) return;
    for (const e of [...this._entries.values()]) {
      if (e.state !== 'queued') continue;
      if (!this._takeToken()) {
        this._pumpTimer = setTimeout(() => {
          this._pumpTimer = null;
          this._pump();
        }, Math.ceil(1000 / this.options.sendRatePerSecond));
        return;
      }
      this._attempt(e);
      if (e.state === 'queued') return; // the socket would not take it: the connection is ending
    }
  }

  _takeToken() {
    const now = Date.now();
    const { sendRatePerSecond, sendBurst } = this.options;
    this._tokens = Math.min(sendBurst, this._tokens + ((now - this._tokensAt) * sendRatePerSecond) / 1000);
    this._tokensAt = now;
    if (this._tokens < 1) return false;
    this._tokens -= 1;
    return true;
  }

  _attempt(e) {
    if (this._tooLate(e)) {
      this._fail(e, 'outcome_unknown', 'no answer within the dedup window: it may have been stored; look for it in the history');
      return;
    }
    const ref = this._refs.ref('c');
    if (!this._link.send({ ...e.frame, ref })) {
      e.state = 'queued';
      return;
    }
    e.ref = ref;
    e.state = 'sent';
    e.attempts += 1;
    if (e.firstSentAt === null) e.firstSentAt = this._now();
    this._byRef.set(ref, e.cid);
  }

  _retryLater(e) {
    if (this._tooLate(e)) {
      this._attempt(e); // fails it
      return;
    }
    const delayMs = this._link.backoffMs(Math.max(0, e.attempts - 1));
    e.state = 'waiting';
    e.timer = setTimeout(() => {
      e.timer = null;
      if (this._entries.get(e.cid) !== e || e.state !== 'waiting') return;
      e.state = 'queued';
      this._pump();
    }, delayMs);
    this._emit('resend', { cid: e.cid, code: e.code, attempt: e.attempts, delayMs, request: e.frame });
  }

  /** Whether trying again could store a second copy: it may be stored, and the dedup window is (nearly) over. */
  _tooLate(e) {
    if (!e.mayBeStored || e.firstSentAt === null) return false;
    return this._now() - e.firstSentAt > this.options.dedupWindowMs - this.options.resendMarginMs;
  }

  _settle(e, { ref, id, duplicate, via }) {
    clearTimeout(e.timer);
    this._entries.delete(e.cid);
    this._emit('ack', { ref, id, cid: e.cid, duplicate, via, attempts: e.attempts, request: e.frame });
  }

  _fail(e, code, message) {
    clearTimeout(e.timer);
    this._entries.delete(e.cid);
    if (e.ref !== null) this._byRef.delete(e.ref);
    const detail = { cid: e.cid, code, message, ref: e.ref, mayBeStored: e.mayBeStored, request: e.frame };
    this._emit('failed', detail);
    this._emit('error', { code, message, ref: e.ref, request: e.frame, cid: e.cid });
  }
}
