// Read state of one user: per room, the read cursor (the id of the last message read), which the
// server keeps and syncs to the user's other connections; the receipts of small rooms (each
// member's cursor); and the rooms where a moderator muted the user. Marking read is throttled:
// at most one `read` frame per room per `readThrottleMs`, carrying the newest id asked for.

import { compareIds, parseId } from './ids.js';

export class Reads {
  /**
   * @param {{readThrottleMs: number}} options
   * @param {{send(frame: object): boolean}} link
   * @param {(room: string) => boolean} confirmed whether a room is joined on this connection
   */
  constructor(options, link, confirmed) {
    this.options = options;
    this._link = link;
    this._confirmed = confirmed;
    this._cursors = new Map(); // room -> last id read (what this client knows)
    this._sent = new Map(); // room -> the id the server was last told (on this connection)
    this._lastSentAt = new Map(); // room -> when
    this._timers = new Map(); // room -> trailing send
    this._receipts = new Map(); // room -> Map(user -> id)
    this._muted = new Map(); // room -> reason
  }

  /** The read cursor of a room, or null. */
  cursor(room) { return this._cursors.get(room) ?? null; }

  /** Moves a cursor forward (never back); true when it moved. */
  advance(room, id) {
    if (!parseId(id)) return false;
    const current = this._cursors.get(room);
    if (current && compareIds(id, current) <= 0) return false;
    this._cursors.set(room, id);
    return true;
  }

  /**
   * The user read `room` up to `id`: the cursor moves now and the server is told (throttled).
   * Returns whether the cursor moved.
   */
  mark(room, id) {
    if (!this.advance(room, id)) return false;
    this._flushSoon(room);
    return true;
  }

  /** A joined: the server's cursor and receipts. A newer local cursor is sent (it was marked offline). */
  joined(room, serverCursor, receipts) {
    this._sent.set(room, parseId(serverCursor) ? serverCursor : null);
    if (serverCursor) this.advance(room, serverCursor);
    if (receipts && typeof receipts === 'object') {
      const map = new Map();
      for (const [user, id] of Object.entries(receipts)) if (parseId(id)) map.set(user, id);
      this._receipts.set(room, map);
    } else this._receipts.delete(room);
    const mine = this._cursors.get(room);
    if (mine && (!serverCursor || compareIds(mine, serverCursor) > 0)) this._flushSoon(room);
  }

  /** A `read` frame: another connection of the user moved the cursor; the server has it. */
  synced(room, id) {
    const moved = this.advance(room, id);
    const sent = this._sent.get(room);
    if (parseId(id) && (!sent || compareIds(id, sent) > 0)) this._sent.set(room, id);
    return moved;
  }

  /** A receipt frame: a member's cursor moved. Returns whether it changed. */
  receipt(room, user, id) {
    if (!parseId(id) || typeof user !== 'string') return false;
    let map = this._receipts.get(room);
    if (!map) {
      map = new Map();
      this._receipts.set(room, map);
    }
    const old = map.get(user);
    if (old && compareIds(id, old) <= 0) return false;
    map.set(user, id);
    return true;
  }

  /** Each member's cursor (small rooms only; an empty map otherwise). */
  receipts(room) { return new Map(this._receipts.get(room) ?? []); }

  setMuted(room, muted, reason) {
    if (muted) this._muted.set(room, reason || '');
    else this._muted.delete(room);
  }

  isMuted(room) { return this._muted.has(room); }

  /** The room is left: its state is forgotten. */
  forget(room) {
    this._cancel(room);
    this._cursors.delete(room);
    this._sent.delete(room);
    this._receipts.delete(room);
    this._muted.delete(room);
  }

  /** The connection ended: what the server was told must be told again (a joined says what it has). */
  offline() {
    for (const room of [...this._timers.keys()]) this._cancel(room);
    this._sent.clear();
    this._lastSentAt.clear();
  }

  clear() {
    this.offline();
    this._cursors.clear();
    this._receipts.clear();
    this._muted.clear();
  }

  _flushSoon(room) {
    if (this._timers.has(room)) return;
    const wait = (this._lastSentAt.get(room) ?? -Infinity) + this.options.readThrottleMs - Date.now();
    if (wait <= 0) {
      this._flush(room);
      return;
    }
    this._timers.set(room, setTimeout(() => {
      this._timers.delete(room);
      this._flush(room);
    }, wait));
  }

  _flush(room) {
    const id = this._cursors.get(room);
    const sent = this._sent.get(room);
    if (!id || (sent && compareIds(id, sent) <= 0) || !this._confirmed(room)) return;
    if (this._link.send({ type: 'read', room, id })) {
      this._sent.set(room, id);
      this._lastSentAt.set(room, Date.now());
    }
  }

  _cancel(room) {
    clearTimeout(this._timers.get(room));
    this._timers.delete(room);
  }
}
