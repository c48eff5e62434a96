// ChatApp: the wiring of the page. The view's controls (view.js) call the actions below, which
// call the SDK; the SDK's events come back through events.js, which updates the state
// (state.js) and has the view and the banner (banner.js) draw it. Available as window.chatApp.
//
// The composer sends a message, a reply (after the ↩ of a message) or an edit (after the ✎ of
// one's own message). A room shown while the tab is visible is marked read up to its newest
// message; the server syncs that to the user's other tabs and devices.

import { listen } from './events.js';
import { directKey, roomKey } from './state.js';

const TYPING_SEND_INTERVAL_MS = 2000;
const HISTORY_PAGE = 50;
/** localStorage key of the last name used. */
export const NAME_KEY = 'chat-relay.name';

function storageSet(key, value) {
  try { window.localStorage.setItem(key, value); } catch { /* private mode */ }
}

export class ChatApp {
  /**
   * @param {{client: import('/sdk/index.js').ChatClient, names: import('/sdk/index.js').Names | null,
   *   state: import('./state.js').ChatState, view: import('./view.js').ChatView, banner: import('./banner.js').Banner}} parts
   */
  constructor({ client, names, state, view, banner }) {
    Object.assign(this, { client, names, state, view, banner });
    this.identity = null; // 'name:alice' or 'token:…' of the current session
    this.everConnected = false;
    this.lastTypingSent = new Map(); // room -> when the last typing frame went
    this.statusTimer = null;
    this.compose = null; // {kind: 'reply'|'edit', key, id} while replying to or editing a message
    view.bind({
      login: (name, token) => this.connect(name, token),
      disconnect: () => this.disconnect(),
      reconnectNow: () => client.reconnectNow(),
      join: (room) => this.joinRoom(room),
      openDirect: (peer) => this.openDirect(peer),
      select: (key) => this.select(key),
      close: (key) => this.close(key),
      loadOlder: () => this.loadOlder(),
      send: (text) => this.sendMessage(text) !== null,
      typed: () => this._onUserTyping(),
      wake: () => client.reconnectNow(),
      reply: (id) => this.startCompose('reply', id),
      edit: (id) => this.startCompose('edit', id),
      remove: (id) => this.deleteMessage(id),
      react: (id, emoji) => this.toggleReaction(id, emoji),
      cancelCompose: () => this.cancelCompose(),
      discard: (cid) => this.discard(cid),
      seen: () => this.markShownRead(),
    });
    listen(this);
    this.showState({ state: 'closed' });
    view.showConversation(null, state);
  }

  // ---- actions ------------------------------------------------------------------------

  /** Connects as guest `name` (empty: a generated guest name) or with `token`. */
  connect(name = '', token = '') {
    name = String(name).trim();
    token = String(token).trim();
    if (!token && name && !this._valid('guest', name, 'A name')) {
      this.view.focusName();
      return false;
    }
    const identity = token ? 'token:' + token : 'name:' + name;
    if (identity !== this.identity) this._reset();
    this.identity = identity;
    this.everConnected = false;
    if (name) storageSet(NAME_KEY, name);
    this.banner.hideError();
    this.view.showChat();
    this.client.connect(token ? { token } : { name });
    return true;
  }

  disconnect() {
    this.client.disconnect();
    this.view.showLogin();
  }

  /** Joins a room and shows it at once (messages typed meanwhile go to it after the join). */
  joinRoom(name) {
    const room = String(name).trim();
    if (!room || !this._valid('room', room, 'A room name')) return false;
    const existing = this.state.get(roomKey(room));
    if (existing && (existing.joined || existing.pending)) {
      this.select(existing.key);
      return true;
    }
    const conv = this.ensure(this.state.ensureRoom(room));
    conv.pending = true;
    conv.previous = this.state.active;
    this.client.join(room);
    this.select(conv.key);
    return true;
  }

  leaveRoom(room) {
    if (!this.state.get(roomKey(room))) return;
    this.client.leave(room);
    this.remove(roomKey(room));
  }

  /** Opens (or shows) the direct conversation with `peer`, a user id. */
  openDirect(peer) {
    peer = String(peer).trim();
    if (!peer || !this._valid('user', peer, 'A user id')) return false;
    this.select(this.ensure(this.state.ensureDirect(peer)).key);
    return true;
  }

  closeDirect(peer) { this.remove(directKey(peer)); }

  /** Leaves a room or closes a direct conversation, by key. */
  close(key) {
    const conv = this.state.get(key);
    if (conv?.kind === 'room') this.leaveRoom(conv.name);
    else if (conv) this.closeDirect(conv.name);
  }

  /** Shows a conversation. */
  select(key) {
    const conv = this.state.get(key);
    if (!conv) return;
    const previous = this.state.select(key);
    if (previous) this.view.updateItem(previous, false, this.state);
    this.view.updateItem(conv, true, this.state);
    this.view.updateTitle(this.state.totalUnread);
    this.view.showConversation(conv, this.state);
    if (previous) this.cancelCompose();
    // A direct conversation shows its latest page the first time it is opened.
    if (conv.kind === 'dm' && !conv.loadedOnce && !conv.olderRef && this.client.connected) this.requestHistory(conv, null);
    this.markShownRead();
  }

  /**
   * Sends `text` to the shown conversation: a message, a reply, or the new text of the message
   * being edited. Returns the cid (or the edit's ref), or null when nothing was sent.
   */
  sendMessage(text) {
    const conv = this.state.activeConversation;
    const body = String(text).replace(/\s+$/, '');
    if (!conv || !body.trim()) return null;
    const mode = this.compose && this.compose.key === conv.key ? this.compose : null;
    if (mode?.kind === 'edit') {
      const ref = this.client.edit(conv.name, mode.id, body);
      if (ref === null) this.banner.showError('Not connected: the message cannot be edited now.');
      else this.cancelCompose();
      return ref;
    }
    const options = mode?.kind === 'reply' ? { replyTo: mode.id } : {};
    const cid = conv.kind === 'room' ? this.client.send(conv.name, body, options) : this.client.sendDirect(conv.name, body, options);
    if (cid === null) {
      this.banner.showError('Too many messages are waiting to be sent: try again in a moment.');
      return null;
    }
    conv.outgoing.set(cid, { cid, text: body, replyTo: options.replyTo ?? null, state: 'sending',
      note: this.client.connected ? 'Sending…' : 'Waiting for the connection…' });
    if (this.state.isActive(conv)) this.view.renderOutgoing(conv, this.state);
    this.view.scrollToEnd();
    if (!this.client.connected) this.banner.showNotice('Not connected: the message will be sent once the connection is back.');
    if (conv.kind === 'room') this.lastTypingSent.delete(conv.name);
    this.cancelCompose();
    return cid;
  }

  /** The composer answers a message ('reply') or replaces one's own message's text ('edit'). */
  startCompose(kind, id) {
    const conv = this.state.activeConversation;
    const target = conv ? conv.timeline.get(id) : null;
    if (!target || target.deleted || (kind === 'edit' && !this.state.isMe(target.from))) return;
    this.compose = { kind, key: conv.key, id };
    this.view.renderCompose(this.compose, target, this.state);
    if (kind === 'edit') this.view.draft = target.text;
    this.view.focusComposer();
  }

  cancelCompose() {
    if (this.compose?.kind === 'edit') this.view.draft = '';
    this.compose = null;
    this.view.renderCompose(null, null, this.state);
  }

  deleteMessage(id) {
    const conv = this.state.activeConversation;
    if (!conv || conv.kind !== 'room') return;
    if (this.client.delete(conv.name, id) === null) this.banner.showError('Not connected: the message cannot be deleted now.');
    if (this.compose?.id === id) this.cancelCompose();
  }

  /** Adds the reaction, or removes it when it is the user's already. */
  toggleReaction(id, emoji) {
    const conv = this.state.activeConversation;
    const m = conv ? conv.timeline.get(id) : null;
    if (!m || conv.kind !== 'room' || !emoji) return;
    const mine = m.reactions.get(emoji)?.mine === true;
    const ref = mine ? this.client.unreact(conv.name, id, emoji) : this.client.react(conv.name, id, emoji);
    if (ref === null) this.banner.showError('Not connected: try again once the connection is back.');
  }

  /** A failed message is removed from the conversation. */
  discard(cid) {
    const conv = this.state.activeConversation;
    if (conv && conv.outgoing.delete(cid)) this.view.renderOutgoing(conv, this.state);
  }

  /** The shown room is read up to its newest message, when the user can see it. */
  markShownRead() {
    const conv = this.state.activeConversation;
    if (!conv || conv.kind !== 'room' || !conv.joined || !this.view.visible || this.view.els.chat.hidden) return;
    this.client.markRead(conv.name);
  }

  loadOlder() {
    const conv = this.state.activeConversation;
    if (conv && !conv.olderRef && conv.more) this.requestHistory(conv, conv.oldestId);
  }

  // ---- helpers ------------------------------------------------------------------------

  /** Checks `value` against the naming rule (names.json); shows why when it does not match. */
  _valid(kind, value, what) {
    const check = { guest: 'isGuest', user: 'isUser', room: 'isRoom' }[kind];
    if (!this.names || this.names[check](value)) return true; // without the rule, the server decides
    this.banner.showError(`${what} must match ${this.names.sources[kind]}: “${value}” does not.`);
    return false;
  }

  showState(d) {
    const user = this.client.user ?? this.state.me;
    this.banner.showState(d, {
      me: this.client.name ?? (user ? this.state.nameOf(user) : null), user, node: this.client.node, everConnected: this.everConnected,
    });
  }

  /** A conversation from ChatState.ensure…, with its list item drawn when new. */
  ensure({ conv, created }) {
    if (created) this.view.addItem(conv, this.state);
    return conv;
  }

  /** Display names were learned: the direct conversations and the shown one are drawn with them. */
  namesChanged() {
    for (const conv of this.state.conversations.values()) {
      if (conv.kind === 'dm') this.view.updateItem(conv, this.state.isActive(conv), this.state);
    }
    const conv = this.state.activeConversation;
    if (conv) {
      this.view.renderTitle(conv, this.state);
      this.view.renderMembers(conv, this.state);
    }
  }

  /** Applies stored frames (messages and their updates) to a conversation and draws what changed. */
  add(conv, frames, { countUnread = false, older = false } = {}) {
    const { inserted, changed, own, settled } = this.state.addMessages(conv, frames, { countUnread });
    if (inserted.length === 0 && changed.length === 0) return;
    const active = this.state.isActive(conv);
    if (active) {
      this.view.insertMessages(inserted, this.state, { older, own, conv });
      this.view.updateMessages(changed, this.state, conv);
      if (settled.length) this.view.renderOutgoing(conv, this.state);
      this.view.renderTyping(conv, this.state);
      this.view.renderSeen(conv, this.state);
      if (!older) this.markShownRead();
    }
    this.view.updateItem(conv, active, this.state);
    this.view.updateTitle(this.state.totalUnread);
  }

  remove(key) {
    const { wasActive, next } = this.state.remove(key);
    this.view.removeItem(key);
    if (next) this.select(next.key);
    else if (wasActive) this.view.showConversation(null, this.state);
    this.view.updateTitle(this.state.totalUnread);
  }

  _reset() {
    this.compose = null;
    this.view.renderCompose(null, null, this.state);
    this.state.clear();
    this.view.clearItems();
    this.lastTypingSent.clear();
    this.view.showConversation(null, this.state);
    this.view.updateTitle(0);
  }

  requestHistory(conv, before) {
    const opts = { before, limit: HISTORY_PAGE };
    const ref = conv.kind === 'room' ? (conv.joined ? this.client.history(conv.name, opts) : null) : this.client.historyDirect(conv.name, opts);
    if (ref === null) {
      if (before !== null || conv.kind === 'room') this.banner.showError('Not connected: cannot load older messages now.');
      return;
    }
    conv.olderRef = ref;
    if (this.state.isActive(conv)) this.view.renderLoadOlder(conv);
  }

  _onUserTyping() {
    const conv = this.state.activeConversation;
    if (!conv || conv.kind !== 'room' || !conv.joined || !this.view.draft.trim() || this.compose?.kind === 'edit') return;
    const now = Date.now();
    if (now - (this.lastTypingSent.get(conv.name) || 0) < TYPING_SEND_INTERVAL_MS) return;
    this.lastTypingSent.set(conv.name, now);
    this.client.typing(conv.name);
  }
}
