// What has been delivered: the newest message id per conversation (a room, or '@' + peer for a
// direct conversation). Used to drop duplicates and to say where recovery starts (`since`,
// `after`). One ledger per identity: it survives reconnects.

import { compareIds, parseId } from './ids.js';

export class Ledger {
  constructor() {
    this._last = new Map();
  }

  /** The newest id delivered for `key`, or null. */
  last(key) { return this._last.get(key) ?? null; }

  has(key) { return this._last.has(key); }

  delete(key) { this._last.delete(key); }

  clear() { this._last.clear(); }

  /** [key, last id] pairs. */
  entries() { return [...this._last]; }

  /** Records `id` as seen (without delivering anything) when it is newer than the last one. */
  note(key, id) {
    if (!parseId(id)) return;
    const last = this._last.get(key);
    if (!last || compareIds(id, last) > 0) this._last.set(key, id);
  }

  /**
   * Keeps the messages newer than the last delivered id, oldest first, without duplicates, and
   * records the newest. Messages without a well-formed id cannot be deduplicated: they are kept
   * (first) as they are. Anything that is not an object is dropped.
   * @param {string} key
   * @param {unknown} messages
   * @returns {object[]} the messages to deliver
   */
  accept(key, messages) {
    if (!Array.isArray(messages)) return [];
    const valid = messages.filter((m) => m && typeof m === 'object');
    const out = valid.filter((m) => !parseId(m.id));
    const sorted = valid.filter((m) => parseId(m.id)).sort((a, b) => compareIds(a.id, b.id));
    let last = this._last.get(key) ?? null;
    for (const m of sorted) {
      if (last && compareIds(m.id, last) <= 0) continue;
      out.push(m);
      last = m.id;
    }
    if (last) this._last.set(key, last);
    return out;
  }
}
