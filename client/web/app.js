// chat-relay browser client: the UI. All user content goes through textContent, never innerHTML.
import { ChatTransport, compareIds, parseId } from '/transport.js';

const NAME_RE = /^[A-Za-z0-9_.-]{1,32}$/;
const TYPING_SEND_INTERVAL_MS = 2000;
const TYPING_SHOW_MS = 3000;
const ERROR_HIDE_MS = 8000;
const NOTICE_HIDE_MS = 5000;
const STATUS_REFRESH_MS = 30000;
const HISTORY_PAGE = 50;
const NAME_KEY = 'chat-relay.name';

function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error('missing element #' + id);
  return node;
}

/** Creates an element; `text` is set with textContent. */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

const pad2 = (n) => String(n).padStart(2, '0');

/** The message time: `ts`, or the millisecond part of the id. */
function messageTime(m) {
  if (typeof m.ts === 'number' && Number.isFinite(m.ts)) return m.ts;
  const p = parseId(m.id);
  return p ? p[0] : Date.now();
}

function formatTime(ms) {
  const d = new Date(ms);
  return pad2(d.getHours()) + ':' + pad2(d.getMinutes());
}

function storageGet(key) {
  try { return window.localStorage.getItem(key); } catch { return null; }
}

function storageSet(key, value) {
  try { window.localStorage.setItem(key, value); } catch { /* private mode */ }
}

/** A room ('lobby') or a direct conversation ('@bob'). Room names cannot contain '@'. */
function roomKey(room) { return room; }
function directKey(peer) { return '@' + peer; }

export class ChatApp {
  constructor(transport = new ChatTransport()) {
    this.transport = transport;
    this.me = null;
    this.node = null;
    this.conversations = new Map(); // key -> conversation, in creation order
    this.active = null; // key of the shown conversation
    this.identity = null; // 'name:alice' / 'token:...' of the current session
    this._everConnected = false;
    this._lastTypingSent = new Map(); // room -> time the last typing frame was sent
    this._state = { state: 'closed' };
    this._countdownTimer = null;
    this._statusTimer = null;
    this._errorTimer = null;
    this._noticeTimer = null;

    this.els = {
      status: byId('status'),
      reconnectNow: byId('reconnect-now'),
      disconnect: byId('disconnect'),
      error: byId('error'),
      errorText: document.querySelector('#error .error-text'),
      errorDismiss: document.querySelector('#error .dismiss'),
      notice: byId('notice'),
      login: byId('login'),
      loginForm: byId('login-form'),
      name: byId('name'),
      token: byId('token'),
      connect: byId('connect'),
      chat: byId('chat'),
      rooms: byId('rooms'),
      joinForm: byId('join-form'),
      roomName: byId('room-name'),
      joinRoom: byId('join-room'),
      dms: byId('dms'),
      dmForm: byId('dm-form'),
      dmUser: byId('dm-user'),
      members: byId('members'),
      membersTitle: byId('members-title'),
      title: byId('conversation-title'),
      loadOlder: byId('load-older'),
      messages: byId('messages'),
      typing: byId('typing'),
      composer: byId('composer'),
      message: byId('message'),
      send: byId('send'),
      serverStatus: byId('server-status'),
    };

    this._bindDom();
    this._bindTransport();
    this._renderStatus();
    this._renderConversation();

    const params = new URLSearchParams(window.location.search);
    this.els.name.value = params.get('name') || storageGet(NAME_KEY) || '';
  }

  // ---- public actions (also handy from tests via window.chatApp) --------------------------

  /** Connects as guest `name` (empty: a generated guest name) or with `token`. */
  connect(name = '', token = '') {
    name = String(name).trim();
    token = String(token).trim();
    if (!token && name && !NAME_RE.test(name)) {
      this.showError('A name is 1 to 32 characters: letters, digits, "_", "." or "-".');
      this.els.name.focus();
      return false;
    }
    const identity = token ? 'token:' + token : 'name:' + name;
    if (identity !== this.identity) this._resetConversations();
    this.identity = identity;
    this._everConnected = false;
    if (name) storageSet(NAME_KEY, name);
    this.hideError();
    this.els.login.hidden = true;
    this.els.chat.hidden = false;
    this.els.disconnect.hidden = false;
    this.transport.connect(token ? { token } : { name });
    return true;
  }

  disconnect() {
    this.transport.disconnect();
    this.els.login.hidden = false;
    this.els.chat.hidden = true;
    this.els.disconnect.hidden = true;
    this.els.connect.focus();
  }

  /** Joins a room and shows it at once (messages typed meanwhile go to it after the join). */
  joinRoom(name) {
    const room = String(name).trim();
    if (!room) return;
    const key = roomKey(room);
    const existing = this.conversations.get(key);
    if (existing && (existing.joined || existing.pending)) {
      this.select(key);
      return;
    }
    const conv = this._ensureRoom(room);
    conv.pending = true;
    conv.previous = this.active;
    conv.joinRef = this.transport.join(room);
    this._updateItem(conv);
    this.select(key);
  }

  leaveRoom(room) {
    const key = roomKey(room);
    if (!this.conversations.has(key)) return;
    this.transport.leave(room);
    this._removeConversation(key);
  }

  /** Opens (or shows) the direct conversation with `peer`. */
  openDirect(peer) {
    peer = String(peer).trim();
    if (!peer) return;
    if (!NAME_RE.test(peer)) {
      this.showError('A user id is 1 to 32 characters: letters, digits, "_", "." or "-".');
      return;
    }
    this.select(this._ensureDirect(peer).key);
  }

  closeDirect(peer) {
    this._removeConversation(directKey(peer));
  }

  /** Shows a conversation. */
  select(key) {
    const conv = this.conversations.get(key);
    if (!conv) return;
    const previous = this.active ? this.conversations.get(this.active) : null;
    this.active = key;
    conv.unread = 0;
    if (previous && previous !== conv) this._updateItem(previous);
    this._updateItem(conv);
    this._updateTitle();
    this._renderConversation();
    // A direct conversation shows its latest page the first time it is opened.
    if (conv.kind === 'dm' && !conv.loadedOnce && !conv.olderRef && this.transport.connected) {
      this._requestHistory(conv, null);
    }
  }

  /** Sends `text` to the shown conversation. */
  sendMessage(text) {
    const conv = this._activeConversation();
    const body = String(text).replace(/\s+$/, '');
    if (!conv || !body.trim()) return null;
    const ref = conv.kind === 'room'
      ? this.transport.send(conv.name, body)
      : this.transport.sendDirect(conv.name, body);
    if (!this.transport.connected) this.showNotice('Not connected: the message will be sent once the connection is back.');
    if (conv.kind === 'room') this._lastTypingSent.delete(conv.name);
    return ref;
  }

  loadOlder() {
    const conv = this._activeConversation();
    if (!conv || conv.olderRef || !conv.more) return;
    const oldest = conv.messages.length ? conv.messages[0].id : null;
    this._requestHistory(conv, oldest);
  }

  // ---- DOM wiring ------------------------------------------------------------------------

  _bindDom() {
    const e = this.els;
    e.loginForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.connect(e.name.value, e.token.value);
    });
    e.disconnect.addEventListener('click', () => this.disconnect());
    e.reconnectNow.addEventListener('click', () => this.transport.reconnectNow());
    e.errorDismiss.addEventListener('click', () => this.hideError());

    e.joinForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const room = e.roomName.value.trim();
      if (!room) return;
      e.roomName.value = '';
      this.joinRoom(room);
      e.message.focus();
    });
    e.dmForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const peer = e.dmUser.value.trim();
      if (!peer) return;
      e.dmUser.value = '';
      this.openDirect(peer);
    });

    const onListClick = (ev) => {
      const item = ev.target.closest('li[data-key]');
      if (!item) return;
      const conv = this.conversations.get(item.dataset.key);
      if (!conv) return;
      if (ev.target.closest('.close')) {
        if (conv.kind === 'room') this.leaveRoom(conv.name);
        else this.closeDirect(conv.name);
      } else {
        this.select(conv.key);
      }
    };
    e.rooms.addEventListener('click', onListClick);
    e.dms.addEventListener('click', onListClick);

    e.members.addEventListener('click', (ev) => {
      const button = ev.target.closest('button[data-user]');
      if (button) this.openDirect(button.dataset.user);
    });

    e.loadOlder.addEventListener('click', () => this.loadOlder());

    e.composer.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = e.message.value;
      if (this.sendMessage(text) !== null) e.message.value = '';
      e.message.focus();
    });
    e.message.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        e.composer.requestSubmit();
      }
    });
    e.message.addEventListener('input', () => this._onUserTyping());

    window.addEventListener('online', () => this.transport.reconnectNow());
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.transport.reconnectNow();
    });
  }

  _bindTransport() {
    const t = this.transport;
    const on = (type, fn) => t.addEventListener(type, (ev) => fn.call(this, ev.detail));
    on('state', this._onState);
    on('welcome', this._onWelcome);
    on('disconnected', this._onDisconnected);
    on('joined', this._onJoined);
    on('left', this._onLeft);
    on('message', this._onMessage);
    on('history', this._onHistory);
    on('presence', this._onPresence);
    on('typing', this._onTyping);
    on('error', this._onServerError);
    on('gap', (d) => this.showNotice(`Some messages in #${d.room} could not be recovered.`));
    on('status', this._onStatus);
  }

  // ---- transport events ------------------------------------------------------------------

  _onState(detail) {
    this._state = detail;
    if (detail.node) this.node = detail.node;
    if (detail.user) this.me = detail.user;
    clearInterval(this._statusTimer);
    this._statusTimer = null;
    if (detail.state === 'connected') {
      this._statusTimer = setInterval(() => this.transport.status(), STATUS_REFRESH_MS);
    } else {
      this._clearAllTyping();
    }
    this._renderStatus();
  }

  _onWelcome(frame) {
    this.me = frame.user;
    this.node = frame.node;
    const firstTime = !this._everConnected;
    this._everConnected = true;
    this.els.login.hidden = true;
    this.els.chat.hidden = false;
    this.transport.status();
    this._renderStatus();
    // The user id may have been unknown when the messages were drawn (own-message marks).
    if (this.active) this._renderConversation();
    if (firstTime) this.els.message.focus();
  }

  _onDisconnected(detail) {
    if (!detail.wasConnected && !this._everConnected) {
      this.showError('Could not connect to the chat server (check the name or token). Retrying…');
    }
  }

  _onJoined({ room, members, messages, recovered }) {
    const conv = this._ensureRoom(room);
    const seenBefore = conv.joined || conv.messages.length > 0;
    conv.joined = true;
    conv.pending = false;
    conv.joinRef = null;
    conv.members = new Set(members.filter((m) => typeof m === 'string'));
    this._addMessages(conv, messages, { countUnread: seenBefore });
    if (recovered === false && seenBefore) {
      this.showNotice(`Some messages in #${room} were missed while offline.`);
    }
    this._updateItem(conv);
    if (!this.active) this.select(conv.key);
    else if (this.active === conv.key) {
      this._renderMembers();
      this._renderLoadOlder();
    }
  }

  _onLeft({ room }) {
    this._removeConversation(roomKey(room));
  }

  _onMessage({ message, room, peer }) {
    const conv = peer !== null ? this._ensureDirect(peer) : this.conversations.get(roomKey(room));
    if (!conv) return;
    this._addMessages(conv, [message], { countUnread: true });
  }

  _onHistory(frame) {
    const key = typeof frame.with === 'string' ? directKey(frame.with)
      : typeof frame.room === 'string' ? roomKey(frame.room) : null;
    const conv = key ? this.conversations.get(key) : null;
    if (!conv) return;
    const messages = Array.isArray(frame.messages) ? frame.messages : [];
    const mine = frame.ref != null && frame.ref === conv.olderRef;
    if (mine) {
      conv.olderRef = null;
      conv.more = frame.more === true;
    }
    conv.loadedOnce = true;
    const older = Boolean(frame.request && frame.request.before);
    this._addMessages(conv, messages, { countUnread: false, older });
    if (this.active === conv.key) this._renderLoadOlder();
  }

  _onPresence(frame) {
    const conv = typeof frame.room === 'string' ? this.conversations.get(roomKey(frame.room)) : null;
    if (!conv || typeof frame.user !== 'string') return;
    if (frame.event === 'join') conv.members.add(frame.user);
    else if (frame.event === 'leave') {
      conv.members.delete(frame.user);
      this._stopTyping(conv, frame.user);
    }
    if (this.active === conv.key) this._renderMembers();
  }

  _onTyping(frame) {
    const conv = typeof frame.room === 'string' ? this.conversations.get(roomKey(frame.room)) : null;
    const user = frame.user;
    if (!conv || typeof user !== 'string' || user === this.me) return;
    clearTimeout(conv.typing.get(user));
    conv.typing.set(user, setTimeout(() => this._stopTyping(conv, user), TYPING_SHOW_MS));
    if (this.active === conv.key) this._renderTyping();
  }

  _onServerError({ code, message, request }) {
    const text = (message || 'Request failed') + (code ? ` (${code})` : '');
    this.showError(text);
    if (!request) return;
    if (request.type === 'join') {
      const conv = this.conversations.get(roomKey(request.room));
      if (conv && !this.transport.rooms.includes(request.room)) {
        const back = conv.previous;
        this._removeConversation(conv.key);
        if (back && this.conversations.has(back)) this.select(back);
      }
    } else if (request.type === 'send' && this.els.message.value === '') {
      // Give the text back so that it can be sent again.
      this.els.message.value = request.text;
    } else if (request.type === 'history') {
      const key = request.with ? directKey(request.with) : roomKey(request.room);
      const conv = this.conversations.get(key);
      if (conv && conv.olderRef === request.ref) {
        conv.olderRef = null;
        if (this.active === key) this._renderLoadOlder();
      }
    }
  }

  _onStatus(frame) {
    const parts = [];
    if (frame.node) parts.push('node ' + frame.node);
    if (typeof frame.connections === 'number') parts.push(frame.connections + (frame.connections === 1 ? ' connection' : ' connections'));
    if (typeof frame.rooms === 'number') parts.push(frame.rooms + (frame.rooms === 1 ? ' room' : ' rooms'));
    if (frame.broker) parts.push('broker ' + frame.broker);
    this.els.serverStatus.textContent = parts.join(' · ');
  }

  // ---- model -----------------------------------------------------------------------------

  _newConversation(kind, name) {
    return {
      kind,
      name,
      key: kind === 'room' ? roomKey(name) : directKey(name),
      messages: [], // sorted by id
      ids: new Set(),
      unread: 0,
      members: new Set(),
      typing: new Map(), // user -> expiry timer
      more: true, // older messages may exist
      olderRef: null,
      loadedOnce: false,
      joined: false,
      pending: false,
      joinRef: null,
      previous: null,
      item: null,
    };
  }

  _ensureRoom(room) {
    const key = roomKey(room);
    let conv = this.conversations.get(key);
    if (!conv) {
      conv = this._newConversation('room', room);
      this.conversations.set(key, conv);
      conv.item = this._createItem(conv);
      this.els.rooms.append(conv.item);
    }
    return conv;
  }

  _ensureDirect(peer) {
    const key = directKey(peer);
    let conv = this.conversations.get(key);
    if (!conv) {
      conv = this._newConversation('dm', peer);
      this.conversations.set(key, conv);
      conv.item = this._createItem(conv);
      this.els.dms.append(conv.item);
    }
    return conv;
  }

  _removeConversation(key) {
    const conv = this.conversations.get(key);
    if (!conv) return;
    for (const timer of conv.typing.values()) clearTimeout(timer);
    conv.item?.remove();
    this.conversations.delete(key);
    if (this.active === key) {
      this.active = null;
      const next = this.conversations.get(roomKey('lobby')) || this.conversations.values().next().value;
      if (next) this.select(next.key);
      else this._renderConversation();
    }
    this._updateTitle();
  }

  _resetConversations() {
    for (const conv of this.conversations.values()) {
      for (const timer of conv.typing.values()) clearTimeout(timer);
    }
    this.conversations.clear();
    this.active = null;
    this.els.rooms.replaceChildren();
    this.els.dms.replaceChildren();
    this._lastTypingSent.clear();
    this._renderConversation();
    this._updateTitle();
  }

  _activeConversation() {
    return this.active ? this.conversations.get(this.active) || null : null;
  }

  /** Adds messages (any order, duplicates ignored) to a conversation and to the view. */
  _addMessages(conv, messages, { countUnread = false, older = false } = {}) {
    if (!messages || messages.length === 0) return;
    const shown = this.active === conv.key;
    const list = this.els.messages;
    const stick = shown && (older ? false : this._nearBottom());
    const prevHeight = list.scrollHeight;
    const prevTop = list.scrollTop;
    let ownAdded = false;
    for (const m of messages) {
      if (!m || typeof m !== 'object' || typeof m.id !== 'string' || conv.ids.has(m.id)) continue;
      conv.ids.add(m.id);
      const index = this._insertIndex(conv.messages, m.id);
      conv.messages.splice(index, 0, m);
      if (m.from === this.me) ownAdded = true;
      else if (countUnread && !shown) conv.unread += 1;
      if (typeof m.from === 'string' && conv.typing.has(m.from)) this._stopTyping(conv, m.from);
      if (shown) list.insertBefore(this._renderMessage(m), list.children[index] || null);
    }
    if (shown) {
      if (older) list.scrollTop = prevTop + (list.scrollHeight - prevHeight);
      else if (stick || ownAdded) list.scrollTop = list.scrollHeight;
    } else if (countUnread) {
      this._updateItem(conv);
      this._updateTitle();
    }
  }

  _insertIndex(sorted, id) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareIds(sorted[mid].id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  _nearBottom() {
    const list = this.els.messages;
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }

  _requestHistory(conv, before) {
    const opts = { before, limit: HISTORY_PAGE };
    const ref = conv.kind === 'room'
      ? (conv.joined ? this.transport.history(conv.name, opts) : null)
      : this.transport.historyDirect(conv.name, opts);
    if (ref === null) {
      if (before !== null || conv.kind === 'room') this.showError('Not connected: cannot load older messages now.');
      return;
    }
    conv.olderRef = ref;
    if (this.active === conv.key) this._renderLoadOlder();
  }

  _onUserTyping() {
    const conv = this._activeConversation();
    if (!conv || conv.kind !== 'room' || !conv.joined || !this.els.message.value.trim()) return;
    const now = Date.now();
    const last = this._lastTypingSent.get(conv.name) || 0;
    if (now - last < TYPING_SEND_INTERVAL_MS) return;
    this._lastTypingSent.set(conv.name, now);
    this.transport.typing(conv.name);
  }

  _stopTyping(conv, user) {
    clearTimeout(conv.typing.get(user));
    if (!conv.typing.delete(user)) return;
    if (this.active === conv.key) this._renderTyping();
  }

  _clearAllTyping() {
    for (const conv of this.conversations.values()) {
      for (const timer of conv.typing.values()) clearTimeout(timer);
      conv.typing.clear();
    }
    this._renderTyping();
  }

  // ---- rendering -------------------------------------------------------------------------

  _renderStatus() {
    const { status, reconnectNow } = this.els;
    const d = this._state;
    clearInterval(this._countdownTimer);
    this._countdownTimer = null;
    let state = d.state;
    let text;
    switch (state) {
      case 'connecting':
        text = 'Connecting…';
        break;
      case 'connected':
        text = `Connected to node ${this.node ?? '?'} as ${this.me ?? '?'}`;
        break;
      case 'reconnecting': {
        const update = () => {
          const left = d.retryAt ? Math.ceil((d.retryAt - Date.now()) / 1000) : 0;
          const next = left > 0 ? `Reconnecting in ${left} s…` : 'Reconnecting…';
          if (status.textContent !== next) status.textContent = next;
          return left > 0;
        };
        if (update()) this._countdownTimer = setInterval(() => { if (!update()) clearInterval(this._countdownTimer); }, 250);
        text = null;
        break;
      }
      default:
        state = 'closed';
        text = this._everConnected ? 'Disconnected' : 'Not connected';
    }
    if (text !== null) status.textContent = text;
    status.dataset.state = state;
    status.dataset.node = this.node ?? '';
    reconnectNow.hidden = state !== 'reconnecting';
  }

  _createItem(conv) {
    const li = el('li', 'conversation-item');
    li.dataset.key = conv.key;
    if (conv.kind === 'room') li.dataset.room = conv.name;
    else li.dataset.dm = conv.name;
    const select = el('button', 'select');
    select.type = 'button';
    select.append(el('span', 'label', conv.name));
    const badge = el('span', 'unread');
    badge.hidden = true;
    select.append(badge);
    const close = el('button', 'close', '×');
    close.type = 'button';
    close.setAttribute('aria-label', conv.kind === 'room' ? `Leave room ${conv.name}` : `Close conversation with ${conv.name}`);
    close.title = conv.kind === 'room' ? 'Leave room' : 'Close conversation';
    li.append(select, close);
    conv.badge = badge;
    conv.select = select;
    return li;
  }

  _updateItem(conv) {
    const li = conv.item;
    if (!li) return;
    const active = this.active === conv.key;
    li.classList.toggle('active', active);
    li.classList.toggle('pending', conv.pending);
    if (active) conv.select.setAttribute('aria-current', 'true');
    else conv.select.removeAttribute('aria-current');
    conv.badge.textContent = conv.unread > 0 ? String(conv.unread) : '';
    conv.badge.hidden = conv.unread === 0;
    const what = conv.kind === 'room' ? `Room ${conv.name}` : `Conversation with ${conv.name}`;
    conv.select.setAttribute('aria-label', conv.unread > 0 ? `${what}, ${conv.unread} unread` : what);
  }

  _updateTitle() {
    let total = 0;
    for (const conv of this.conversations.values()) total += conv.unread;
    document.title = total > 0 ? `(${total}) chat-relay` : 'chat-relay';
  }

  _renderMessage(m) {
    const li = el('li', 'message');
    li.dataset.id = m.id;
    if (m.from === this.me) li.classList.add('own');
    const ms = messageTime(m);
    const from = el('span', 'from', typeof m.from === 'string' ? m.from : '?');
    const time = el('time', 'time', formatTime(ms));
    const date = new Date(ms);
    time.dateTime = date.toISOString();
    time.title = date.toLocaleString();
    const text = el('div', 'text', typeof m.text === 'string' ? m.text : '');
    li.append(from, time, text);
    return li;
  }

  /** Redraws everything that depends on the shown conversation. */
  _renderConversation() {
    const conv = this._activeConversation();
    const e = this.els;
    e.messages.replaceChildren(...(conv ? conv.messages.map((m) => this._renderMessage(m)) : []));
    e.messages.scrollTop = e.messages.scrollHeight;
    if (!conv) {
      e.title.textContent = 'No conversation';
      e.message.placeholder = 'Join a room to chat';
    } else if (conv.kind === 'room') {
      e.title.textContent = '#' + conv.name;
      e.message.placeholder = 'Message #' + conv.name;
    } else {
      e.title.textContent = '@' + conv.name;
      e.message.placeholder = 'Message @' + conv.name;
    }
    this._renderMembers();
    this._renderTyping();
    this._renderLoadOlder();
  }

  _renderMembers() {
    const conv = this._activeConversation();
    const e = this.els;
    let users = [];
    if (conv && conv.kind === 'room') users = [...conv.members];
    else if (conv) users = [...new Set([this.me, conv.name].filter(Boolean))];
    users.sort((a, b) => a.localeCompare(b));
    e.membersTitle.textContent = conv && conv.kind === 'dm' ? 'Participants' : `Members (${users.length})`;
    e.members.replaceChildren(...users.map((user) => {
      const li = el('li', 'member');
      li.dataset.user = user;
      if (user === this.me) {
        li.classList.add('self');
        li.title = 'you';
        li.textContent = user;
      } else {
        const button = el('button', 'member-dm', user);
        button.type = 'button';
        button.dataset.user = user;
        button.title = `Direct message to ${user}`;
        li.append(button);
      }
      return li;
    }));
  }

  _renderTyping() {
    const conv = this._activeConversation();
    const users = conv ? [...conv.typing.keys()].filter((u) => u !== this.me) : [];
    let text = '';
    if (users.length === 1) text = `${users[0]} is typing…`;
    else if (users.length === 2) text = `${users[0]} and ${users[1]} are typing…`;
    else if (users.length > 2) text = `${users[0]}, ${users[1]} and ${users.length - 2} more are typing…`;
    if (this.els.typing.textContent !== text) this.els.typing.textContent = text;
  }

  _renderLoadOlder() {
    const conv = this._activeConversation();
    const button = this.els.loadOlder;
    const usable = conv && (conv.kind === 'dm' || conv.joined);
    button.disabled = !usable || !conv.more || conv.olderRef !== null;
    button.textContent = conv && !conv.more ? 'No older messages' : conv && conv.olderRef ? 'Loading…' : 'Load older';
  }

  // ---- notices ---------------------------------------------------------------------------

  showError(text) {
    const { error, errorText } = this.els;
    errorText.textContent = text;
    error.hidden = false;
    clearTimeout(this._errorTimer);
    this._errorTimer = setTimeout(() => this.hideError(), ERROR_HIDE_MS);
  }

  hideError() {
    clearTimeout(this._errorTimer);
    this._errorTimer = null;
    this.els.error.hidden = true;
  }

  showNotice(text) {
    const { notice } = this.els;
    notice.textContent = text;
    notice.hidden = false;
    clearTimeout(this._noticeTimer);
    this._noticeTimer = setTimeout(() => { notice.hidden = true; }, NOTICE_HIDE_MS);
  }
}

function start() {
  window.chatApp = new ChatApp();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
