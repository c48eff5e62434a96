// The page's model: conversations (rooms and direct conversations), their messages (a Timeline
// of the SDK each: sorted by id, with edits, deletions and reactions applied), unread counts
// (from the read cursor the server syncs across the user's devices, for rooms), receipts,
// members and who is typing, the user's own messages not acknowledged yet, and the display name
// of every user seen. Users are kept by id (a token's sub, or a guest id `guest:…`); what is
// shown is their display name (`nameOf`), learned from the frames that carry it beside the id.
// No DOM, no network: main.js feeds it from the SDK's events and the view draws it.

import { compareIds, parseId, Timeline } from '/sdk/index.js';

/** Key of a room conversation. Room names cannot contain '@' (names.json). */
export const roomKey = (room) => room;
/** Key of a direct conversation. */
export const directKey = (peer) => '@' + peer;

export class Conversation {
  constructor(kind, name, isMine = () => false) {
    this.kind = kind; // 'room' | 'dm'
    this.name = name;
    this.key = kind === 'room' ? roomKey(name) : directKey(name);
    this.timeline = new Timeline({ isMine });
    this.counted = 0; // unread messages counted one by one (direct conversations; rooms without read state)
    this.readState = false; // the server keeps a read cursor for this room (protocol 2)
    this.readId = null; // the user's read cursor: the last id read, on any device
    this.unreadBeyond = 0; // unread messages the server counted that are older than what is loaded
    this.unreadCapped = false; // the server stopped counting: there are more
    this.receipts = new Map(); // small rooms: member id -> last id read
    this.outgoing = new Map(); // cid -> {cid, text, replyTo, state: 'sending'|'retrying'|'failed', note}
    this.muted = null; // the moderator's reason ('' for none) while muted, else null
    this.members = new Set(); // user ids
    this.typing = new Map(); // user id -> time (ms) the notice expires
    this.more = true; // older messages may exist
    this.olderRef = null; // ref of a history request in flight
    this.loadedOnce = false;
    this.joined = false; // the server confirmed the room
    this.pending = false; // a join is on its way
    this.previous = null; // key shown before this room was joined (shown again if the join fails)
  }

  /** The messages, sorted by id. */
  get messages() { return this.timeline.messages; }

  get oldestId() { return this.timeline.oldestId; }

  /** Whether history can be paged now. */
  get canPage() { return this.kind === 'dm' || this.joined; }

  /** Unread messages: after the read cursor (rooms with read state), else counted as they came. */
  get unread() {
    if (!this.readState) return this.counted;
    let n = 0;
    const list = this.timeline.messages;
    for (let i = list.length - 1; i >= 0 && (!this.readId || compareIds(list[i].id, this.readId) > 0); i--) {
      if (!list[i].deleted && !this.timeline.isMine(list[i].from)) n++;
    }
    return n + this.unreadBeyond;
  }

  /** Ids of the users typing at `now`, oldest notice first, `me` (an id, or a Set of ids) excluded. */
  typingUsers(now, me) {
    const mine = me instanceof Set ? (u) => me.has(u) : (u) => u === me;
    return [...this.typing].filter(([user, until]) => until > now && !mine(user)).map(([user]) => user);
  }

  /** Members (not `isMe`) whose read cursor reached the newest message, by id. */
  seenBy(isMe) {
    const newest = this.timeline.newestId;
    if (!newest) return [];
    return [...this.receipts].filter(([user, id]) => !isMe(user) && compareIds(id, newest) >= 0).map(([user]) => user);
  }
}

export class ChatState {
  constructor() {
    this.conversations = new Map(); // key -> Conversation, in creation order
    this.active = null; // key of the shown conversation
    this.me = null; // the id the server gave this tab (the latest welcome's)
    this.myIds = new Set(); // every id this tab was given (a guest may get a new one): own messages
    this.names = new Map(); // user id -> display name, the latest seen
  }

  /** Whether a user id is this tab's (now or on an earlier connection of the same login). */
  isMe(user) { return typeof user === 'string' && (user === this.me || this.myIds.has(user)); }

  /** This tab's identity from a welcome: its id and display name. */
  welcome(user, name) {
    if (typeof user !== 'string') return;
    this.me = user;
    this.myIds.add(user);
    this.learn(user, name);
  }

  /** Learns a user's display name; true when it changed. */
  learn(user, name) {
    if (typeof user !== 'string' || typeof name !== 'string' || name === '' || this.names.get(user) === name) return false;
    this.names.set(user, name);
    return true;
  }

  /** The display name of a user id; the id itself while no name is known for it. */
  nameOf(user) {
    return this.names.get(user) ?? user;
  }

  /** Who wrote a message: the name it carries, else the name known for its sender. */
  authorOf(m) {
    if (typeof m?.name === 'string' && m.name !== '') return m.name;
    return typeof m?.from === 'string' ? this.nameOf(m.from) : '?';
  }

  /** What a conversation is called: #room, or the peer's display name. */
  title(conv) {
    return conv.kind === 'room' ? conv.name : this.nameOf(conv.name);
  }

  get(key) { return this.conversations.get(key) ?? null; }

  get activeConversation() { return this.active ? this.get(this.active) : null; }

  isActive(conv) { return conv.key === this.active; }

  /** The room conversation, created when missing. Returns {conv, created}. */
  ensureRoom(room) { return this._ensure('room', room); }

  /** The direct conversation, created when missing. Returns {conv, created}. */
  ensureDirect(peer) { return this._ensure('dm', peer); }

  _ensure(kind, name) {
    const key = kind === 'room' ? roomKey(name) : directKey(name);
    let conv = this.conversations.get(key);
    if (conv) return { conv, created: false };
    conv = new Conversation(kind, name, (user) => this.isMe(user));
    this.conversations.set(key, conv);
    return { conv, created: true };
  }

  /**
   * Shows a conversation: the unread count it keeps itself is cleared (a room with read state is
   * read once the page marks it read). Returns the one shown before, or null.
   */
  select(key) {
    const conv = this.get(key);
    if (!conv) return null;
    const previous = this.activeConversation;
    this.active = key;
    conv.counted = 0;
    return previous && previous !== conv ? previous : null;
  }

  /** Removes a conversation. When it was shown, the next one to show (lobby first) or null. */
  remove(key) {
    if (!this.conversations.delete(key)) return { wasActive: false, next: null };
    if (this.active !== key) return { wasActive: false, next: null };
    this.active = null;
    const next = this.get(roomKey('lobby')) || this.conversations.values().next().value || null;
    return { wasActive: true, next };
  }

  /** Another login: every conversation, and who this tab was, forgotten. */
  clear() {
    this.conversations.clear();
    this.active = null;
    this.me = null;
    this.myIds.clear();
    this.names.clear();
  }

  /**
   * Adds stored frames (messages, edits, deletions, reactions; any order, duplicates ignored).
   * Unread counts grow for messages of others in a conversation not shown, when `countUnread`
   * (conversations without read state). A message ends its author's typing notice; a message
   * that is one of the user's own sends (by cid) takes its place.
   * @returns {{inserted: {message: object, index: number}[], changed: {message: object, index: number}[],
   *   own: boolean, settled: string[]}} settled: cids of own sends now shown as messages
   */
  addMessages(conv, frames, { countUnread = false } = {}) {
    const inserted = [];
    const changed = [];
    const settled = [];
    let own = false;
    const shown = this.isActive(conv);
    for (const f of Array.isArray(frames) ? frames : []) {
      for (const change of conv.timeline.apply(f)) {
        const m = change.message;
        if (change.type === 'changed') {
          changed.push(change);
          continue;
        }
        inserted.push(change);
        this.learn(m.from, m.name);
        if (this.isMe(m.from)) own = true;
        else if (countUnread && !shown && !conv.readState) conv.counted += 1;
        if (typeof m.from === 'string') conv.typing.delete(m.from);
        if (m.cid && conv.outgoing.delete(m.cid)) settled.push(m.cid);
      }
    }
    return { inserted, changed, own, settled };
  }

  /**
   * A joined with read state (protocol 2): the user's cursor, and what the server counted after
   * it. A room never read counts what the join brought as read.
   */
  applyJoinedRead(conv, { read, unread, unreadCapped, receipts }) {
    if (unread === null || unread === undefined) return;
    conv.readState = true;
    const local = conv.readId;
    if (parseId(read)) conv.readId = local && compareIds(local, read) > 0 ? local : read;
    else conv.readId = local ?? conv.timeline.newestId;
    const oldest = conv.timeline.oldestId;
    // unread messages older than the loaded ones: only the server's count knows them
    conv.unreadBeyond = read && oldest && compareIds(oldest, read) > 0 ? Math.max(0, unread - conv.timeline.size) : 0;
    conv.unreadCapped = unreadCapped === true && conv.unreadBeyond > 0;
    conv.receipts = new Map(Object.entries(receipts || {}));
  }

  /** The user's read cursor moved (on this tab or another device). Returns the conversation, or null. */
  applyRead(room, id) {
    const conv = this.get(roomKey(room));
    if (!conv || !parseId(id)) return null;
    if (conv.readId && compareIds(id, conv.readId) <= 0) return conv;
    conv.readState = true;
    conv.readId = id;
    const oldest = conv.timeline.oldestId;
    if (!oldest || compareIds(id, oldest) >= 0) {
      conv.unreadBeyond = 0;
      conv.unreadCapped = false;
    }
    return conv;
  }

  /** A member of a small room read up to `id`. Returns the conversation, or null. */
  applyReceipt(room, user, id) {
    const conv = this.get(roomKey(room));
    if (!conv || typeof user !== 'string') return null;
    conv.receipts.set(user, id);
    return conv;
  }

  /** Sum of unread messages over all conversations. */
  get totalUnread() {
    let total = 0;
    for (const conv of this.conversations.values()) total += conv.unread;
    return total;
  }

  /** Ids of the members to list for a conversation (the room's, or the two people of a DM), by display name. */
  people(conv) {
    if (!conv) return [];
    const users = conv.kind === 'room' ? [...conv.members] : [...new Set([this.me, conv.name].filter(Boolean))];
    return users.sort((a, b) => this.nameOf(a).localeCompare(this.nameOf(b)) || a.localeCompare(b));
  }

  /** A presence frame: the room's member list changes. Returns the conversation, or null. */
  applyPresence(frame) {
    const conv = typeof frame.room === 'string' ? this.get(roomKey(frame.room)) : null;
    if (!conv || typeof frame.user !== 'string') return null;
    this.learn(frame.user, frame.name);
    if (frame.event === 'join') conv.members.add(frame.user);
    else if (frame.event === 'leave') {
      conv.members.delete(frame.user);
      conv.typing.delete(frame.user);
    }
    return conv;
  }

  /** A typing frame of someone else: shown until `until` (ms). Returns the conversation, or null. */
  applyTyping(frame, until) {
    const conv = typeof frame.room === 'string' ? this.get(roomKey(frame.room)) : null;
    if (!conv || typeof frame.user !== 'string' || this.isMe(frame.user)) return null;
    this.learn(frame.user, frame.name);
    conv.typing.set(frame.user, until);
    return conv;
  }

  /** Every typing notice ends (the connection is gone). */
  clearTyping() {
    for (const conv of this.conversations.values()) conv.typing.clear();
  }
}

/** A badge's text: the count, capped at 99+ (or '+' when the server capped its count). */
export function badgeText(conv) {
  const n = conv.unread;
  if (n <= 0) return '';
  return n > 99 ? '99+' : String(n) + (conv.unreadCapped ? '+' : '');
}

/** The typing line from display names: '', 'a is typing…', 'a and b are typing…', 'a, b and 2 more are typing…'. */
export function typingText(users) {
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  if (users.length > 2) return `${users[0]}, ${users[1]} and ${users.length - 2} more are typing…`;
  return '';
}
