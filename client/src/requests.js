// Client frames in flight: refs, and the frames awaiting an answer (ack, history, error). Sends
// have their own outbox (sends.js).

export class Requests {
  constructor() {
    this._seq = 0;
    this._pending = new Map(); // ref -> frame
  }

  /** A new ref: prefix + a number unique for this client. */
  ref(prefix) {
    this._seq += 1;
    return prefix + this._seq;
  }

  /** Remembers a frame until its answer. */
  track(frame) { this._pending.set(frame.ref, frame); }

  /** The frame a ref answers (forgotten from now on), or null. */
  take(ref) {
    if (ref === null || ref === undefined) return null;
    const frame = this._pending.get(ref) ?? null;
    this._pending.delete(ref);
    return frame;
  }

  /** Forgets every frame: their answers cannot come any more (the connection ended). */
  clear() { this._pending.clear(); }
}
