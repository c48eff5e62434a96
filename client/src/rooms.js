// The rooms of one identity, as the client knows them: confirmed by the server, asked for and
// not yet confirmed, being resumed by the current hello, being left. Only rooms the server
// confirmed go into a hello (their names are valid by construction, so one bad name cannot get
// the whole hello refused); joins never confirmed are sent again as `join` frames.

export class RoomBook {
  constructor() {
    this._confirmed = new Set(); // in join order
    this._pending = new Map(); // room -> ref of a join frame not yet answered
    this._resuming = new Map(); // room -> since, in hello order, until its joined
    this._leaving = new Set(); // left by the client, `left` not yet received
    this._retries = new Map(); // room -> transient join failures in a row
  }

  /** Rooms the server confirmed, in join order. */
  get confirmed() { return [...this._confirmed]; }

  isConfirmed(room) { return this._confirmed.has(room); }

  /** Whether the client wants to be in `room` (confirmed, joining or resuming). */
  wants(room) { return this._confirmed.has(room) || this._pending.has(room) || this._resuming.has(room); }

  isLeaving(room) { return this._leaving.has(room); }

  /** Whether the current hello resumes `room` and it is unanswered yet. */
  isResuming(room) { return this._resuming.has(room); }

  /** Whether the client is joining `room` (a join frame or the hello), not confirmed on this connection yet. */
  isJoining(room) { return this._pending.has(room) || this._resuming.has(room); }

  /** Whether rooms of the hello are still unanswered. */
  get resuming() { return this._resuming.size > 0; }

  /** A join frame with `ref` is on its way (or waits for the connection). */
  joining(room, ref) {
    this._pending.set(room, ref);
    this._leaving.delete(room);
  }

  pendingRef(room) { return this._pending.get(room) ?? null; }

  /** Joins asked for but not confirmed and not resumed by the hello: [room, ref] pairs. */
  unconfirmed() { return [...this._pending].filter(([room]) => !this._resuming.has(room)); }

  /**
   * The `rooms` of a hello: every confirmed room with the last id seen (or null); from now on
   * they are being resumed.
   * @param {(room: string) => string | null} lastId
   */
  hello(lastId) {
    const rooms = {};
    this._resuming.clear();
    for (const room of this._confirmed) {
      rooms[room] = lastId(room);
      this._resuming.set(room, rooms[room]);
    }
    return rooms;
  }

  /**
   * The server confirmed `room`. The server answers a hello's rooms in order, so rooms listed
   * before it that are still unanswered have failed: they are returned, to be joined again.
   * @returns {{solicited: boolean, ref: string | null, failed: string[]}}
   */
  confirm(room) {
    const failed = [];
    if (this._resuming.has(room)) {
      for (const r of this._resuming.keys()) {
        if (r === room) break;
        failed.push(r);
      }
      for (const r of failed) this._resuming.delete(r);
    }
    const solicited = this._resuming.delete(room) || this._pending.has(room);
    const ref = this._pending.get(room) ?? null;
    this._pending.delete(room);
    this._retries.delete(room);
    this._confirmed.add(room);
    return { solicited, ref, failed };
  }

  /** Rooms of the hello still unanswered (they are no longer being resumed). */
  takeUnresumed() {
    const rooms = [...this._resuming.keys()];
    this._resuming.clear();
    return rooms;
  }

  /** One more transient failure of a join of `room`: how many in a row. */
  failedOnce(room) {
    const n = (this._retries.get(room) || 0) + 1;
    this._retries.set(room, n);
    return n;
  }

  /** The client leaves `room`: forgotten at once; a late `joined` of it is ignored until `left`. */
  leave(room) {
    this.forget(room);
    this._leaving.add(room);
  }

  /** `left` came, or a join was refused for good. */
  forget(room) {
    this._confirmed.delete(room);
    this._pending.delete(room);
    this._resuming.delete(room);
    this._retries.delete(room);
  }

  left(room) {
    this.forget(room);
    this._leaving.delete(room);
  }

  /** The connection ended: nothing is being resumed or left any more. */
  disconnected() {
    this._resuming.clear();
    this._leaving.clear();
  }

  clear() {
    this._confirmed.clear();
    this._pending.clear();
    this._retries.clear();
    this.disconnected();
  }
}
