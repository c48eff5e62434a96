// Timeline: one conversation as a user sees it. The stored frames of a room (or a direct
// conversation) go in, in any order and any number of times (live, recovered, history pages);
// what comes out is its messages in id order, each once, with the edits, deletions and
// reactions stored after them applied. DOM-free; the page keeps one per conversation.
//
// Every stored frame has its own id, so applying one is idempotent: an edit counts only when it
// is newer than the edit applied (by id), a reaction frame carries the reaction's absolute count
// (the newest one by id wins), a deletion stays. Updates whose message is not loaded yet (an
// edit in the latest page, its message in an older one) wait, bounded, until it is.

import { compareIds, parseId } from './ids.js';

/** Stored frame types that change an earlier message. */
export const UPDATE_TYPES = Object.freeze(['edit', 'delete', 'reaction']);

/**
 * A message as shown: the message frame's fields, and its state after the updates.
 * @typedef {object} TimelineMessage
 * @property {string} id
 * @property {string} from         the author's user id
 * @property {string} name         the author's display name when it was sent
 * @property {string} text         the text (the latest edit's; '' once deleted)
 * @property {number} ts
 * @property {string|null} cid     the author's own id for the message
 * @property {string|null} replyTo the id of the message it answers
 * @property {object|null} meta
 * @property {string|null} room
 * @property {string|null} to      the recipient of a direct message
 * @property {boolean} edited
 * @property {boolean} deleted
 * @property {string|null} deletedBy who deleted it (the author, or a moderator)
 * @property {Map<string, {count: number, mine: boolean}>} reactions  emoji -> count, in order of first appearance
 */

export class Timeline {
  /**
   * @param {{isMine?: (user: string) => boolean, maxOrphans?: number}} [options]
   *   isMine tells the user's own reactions apart; maxOrphans bounds the updates kept for
   *   messages not loaded yet
   */
  constructor({ isMine = () => false, maxOrphans = 1000 } = {}) {
    this.isMine = isMine;
    this.maxOrphans = maxOrphans;
    this._messages = []; // sorted by id
    this._byId = new Map();
    this._orphans = new Map(); // target id -> update frames, oldest target first
    this._orphanCount = 0;
    this._state = new Map(); // message id -> {editId, reactions: Map(emoji -> {count, countId, mine, mineId})}
  }

  /** The messages in id order (do not modify the array). */
  get messages() { return this._messages; }

  get size() { return this._messages.length; }

  get oldestId() { return this._messages.length ? this._messages[0].id : null; }

  get newestId() { return this._messages.length ? this._messages[this._messages.length - 1].id : null; }

  /** The message with this id, or null. */
  get(id) { return this._byId.get(id) ?? null; }

  has(id) { return this._byId.has(id); }

  /** The position of a message in `messages`, or -1. */
  indexOf(id) {
    const m = this._byId.get(id);
    return m ? this._position(id) : -1;
  }

  /**
   * Applies stored frames; returns what changed, in order.
   * @param {unknown[]} frames
   * @returns {{type: 'added'|'changed', message: TimelineMessage, index: number}[]}
   */
  applyAll(frames) {
    const changes = [];
    for (const f of Array.isArray(frames) ? frames : []) {
      for (const c of this.apply(f)) changes.push(c);
    }
    return changes;
  }

  /**
   * Applies one stored frame (`message`, `edit`, `delete`, `reaction`; anything else is ignored).
   * @returns {{type: 'added'|'changed', message: TimelineMessage, index: number}[]} what changed
   */
  apply(frame) {
    if (!frame || typeof frame !== 'object' || !parseId(frame.id)) return [];
    if (frame.type === 'message') return this._add(frame);
    if (!UPDATE_TYPES.includes(frame.type) || !parseId(frame.target)) return [];
    const target = this._byId.get(frame.target);
    if (!target) {
      this._keepOrphan(frame);
      return [];
    }
    return this._update(target, frame) ? [{ type: 'changed', message: target, index: this._position(target.id) }] : [];
  }

  /** Forgets everything. */
  clear() {
    this._messages = [];
    this._byId.clear();
    this._orphans.clear();
    this._orphanCount = 0;
    this._state.clear();
  }

  // ---- internals ----------------------------------------------------------------------

  _add(f) {
    if (this._byId.has(f.id)) return [];
    const m = {
      id: f.id,
      from: typeof f.from === 'string' ? f.from : null,
      name: typeof f.name === 'string' ? f.name : null,
      text: typeof f.text === 'string' ? f.text : '',
      ts: typeof f.ts === 'number' ? f.ts : null,
      cid: typeof f.cid === 'string' ? f.cid : null,
      replyTo: typeof f.reply_to === 'string' ? f.reply_to : null,
      meta: f.meta && typeof f.meta === 'object' ? f.meta : null,
      room: typeof f.room === 'string' ? f.room : null,
      to: typeof f.to === 'string' ? f.to : null,
      edited: false,
      deleted: false,
      deletedBy: null,
      reactions: new Map(),
    };
    const index = this._position(m.id);
    this._messages.splice(index, 0, m);
    this._byId.set(m.id, m);
    this._state.set(m.id, { editId: null, reactions: new Map() });
    const waiting = this._orphans.get(m.id);
    if (waiting) {
      this._orphans.delete(m.id);
      this._orphanCount -= waiting.length;
      for (const u of waiting) this._update(m, u);
    }
    return [{ type: 'added', message: m, index }];
  }

  /** Applies an update to its message; true when something visible changed. */
  _update(m, f) {
    const state = this._state.get(m.id);
    switch (f.type) {
      case 'edit':
        if (m.deleted || typeof f.text !== 'string' || (state.editId && compareIds(f.id, state.editId) <= 0)) return false;
        state.editId = f.id;
        m.text = f.text;
        m.edited = true;
        return true;
      case 'delete':
        if (m.deleted) return false;
        m.deleted = true;
        m.deletedBy = typeof f.from === 'string' ? f.from : null;
        m.text = '';
        m.reactions.clear();
        return true;
      case 'reaction':
        return !m.deleted && this._react(m, state, f);
      default:
        return false;
    }
  }

  _react(m, state, f) {
    if (typeof f.emoji !== 'string' || f.emoji === '') return false;
    let r = state.reactions.get(f.emoji);
    if (!r) {
      r = { count: 0, countId: null, mine: false, mineId: null };
      state.reactions.set(f.emoji, r);
    }
    let changed = false;
    if (typeof f.count === 'number' && (!r.countId || compareIds(f.id, r.countId) > 0)) {
      r.countId = f.id;
      changed = r.count !== f.count;
      r.count = Math.max(0, f.count);
    }
    if (this.isMine(f.from) && (!r.mineId || compareIds(f.id, r.mineId) > 0)) {
      r.mineId = f.id;
      const mine = f.op !== 'remove';
      changed = changed || r.mine !== mine;
      r.mine = mine;
    }
    if (!changed) return false;
    // the shown map: emoji with a count, in the order they first appeared
    const shown = new Map();
    for (const [emoji, s] of state.reactions) if (s.count > 0) shown.set(emoji, { count: s.count, mine: s.mine });
    m.reactions = shown;
    return true;
  }

  _keepOrphan(f) {
    const list = this._orphans.get(f.target);
    if (list) {
      if (list.some((u) => u.id === f.id)) return;
      list.push(f);
    } else this._orphans.set(f.target, [f]);
    this._orphanCount += 1;
    while (this._orphanCount > this.maxOrphans) {
      const [oldest, frames] = this._orphans.entries().next().value;
      this._orphans.delete(oldest);
      this._orphanCount -= frames.length;
    }
  }

  /** Where a message with this id is, or goes (binary search). */
  _position(id) {
    let lo = 0;
    let hi = this._messages.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareIds(this._messages[mid].id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
