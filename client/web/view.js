// The page's DOM: draws the state (conversation lists, messages with their replies, edits,
// deletions and reactions, own messages on their way, members, typing, receipts) and turns
// clicks and keys into calls of the `actions` main.js hands over. User text is only ever set
// with textContent, never as HTML; no inline style or script (the page works under a CSP of
// `default-src 'self'`). Users are shown by display name (ChatState.nameOf); their id is in data
// attributes (data-user, data-from, data-dm) and tooltips, never the visible text.

import { byId, el } from './dom.js';
import { messageItem, outgoingItem, quoteOf } from './messages.js';
import { badgeText, typingText } from './state.js';

export { byId, el };

const IDS = ['login', 'login-form', 'name', 'token', 'connect', 'chat', 'disconnect', 'reconnect-now', 'rooms',
  'join-form', 'room-name', 'dms', 'dm-form', 'dm-user', 'members', 'members-title', 'conversation-title',
  'load-older', 'messages', 'typing', 'seen', 'composer', 'compose-context', 'compose-cancel', 'message', 'send'];


export class ChatView {
  constructor() {
    this.els = Object.fromEntries(IDS.map((id) => [id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), byId(id)]));
    this._items = new Map(); // conversation key -> {li, select, badge}
  }

  /**
   * Connects the page's controls to the application.
   * @param {{login(name, token), disconnect(), reconnectNow(), join(room), openDirect(peer), select(key),
   *   close(key), loadOlder(), send(text): boolean, typed(), wake(), reply(id), edit(id), remove(id),
   *   react(id, emoji), cancelCompose(), discard(cid), seen()}} actions
   */
  bind(actions) {
    const e = this.els;
    const submit = (form, fn) => form.addEventListener('submit', (ev) => { ev.preventDefault(); fn(); });
    submit(e.loginForm, () => actions.login(e.name.value, e.token.value));
    submit(e.joinForm, () => {
      const room = e.roomName.value.trim();
      if (room && actions.join(room)) {
        e.roomName.value = '';
        e.message.focus();
      }
    });
    submit(e.dmForm, () => {
      const peer = e.dmUser.value.trim();
      if (peer && actions.openDirect(peer)) e.dmUser.value = '';
    });
    submit(e.composer, () => {
      if (actions.send(e.message.value)) e.message.value = '';
      e.message.focus();
    });
    e.disconnect.addEventListener('click', () => actions.disconnect());
    e.reconnectNow.addEventListener('click', () => actions.reconnectNow());
    const onListClick = (ev) => {
      const item = ev.target.closest('li[data-key]');
      if (!item) return;
      if (ev.target.closest('.close')) actions.close(item.dataset.key);
      else actions.select(item.dataset.key);
    };
    e.rooms.addEventListener('click', onListClick);
    e.dms.addEventListener('click', onListClick);
    e.members.addEventListener('click', (ev) => {
      const button = ev.target.closest('button[data-user]');
      if (button) actions.openDirect(button.dataset.user);
    });
    e.loadOlder.addEventListener('click', () => actions.loadOlder());
    e.messages.addEventListener('click', (ev) => this._onMessageClick(ev, actions));
    e.composeCancel.addEventListener('click', () => actions.cancelCompose());
    e.message.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        e.composer.requestSubmit();
      }
    });
    e.message.addEventListener('input', () => actions.typed());
    window.addEventListener('online', () => actions.wake());
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) return;
      actions.wake();
      actions.seen();
    });
    window.addEventListener('focus', () => actions.seen());
  }

  /** Whether the user can see the page now (the tab is shown). */
  get visible() { return document.visibilityState === 'visible'; }

  _onMessageClick(ev, actions) {
    const button = ev.target.closest('button');
    const outgoing = ev.target.closest('li.outgoing');
    if (button && outgoing && button.classList.contains('discard')) {
      actions.discard(outgoing.dataset.cid);
      return;
    }
    const li = ev.target.closest('li.message');
    if (!button || !li) {
      const quote = ev.target.closest('.quote');
      if (quote) this.highlight(quote.dataset.replyTo);
      return;
    }
    const id = li.dataset.id;
    const c = button.classList;
    if (c.contains('reply')) actions.reply(id);
    else if (c.contains('edit')) actions.edit(id);
    else if (c.contains('delete')) actions.remove(id);
    else if (c.contains('react-toggle')) {
      const palette = li.querySelector('.palette');
      palette.hidden = !palette.hidden;
    } else if (c.contains('pick') || c.contains('reaction')) {
      const palette = li.querySelector('.palette');
      if (palette) palette.hidden = true;
      actions.react(id, button.dataset.emoji);
    }
  }

  /** Scrolls to a message and marks it briefly. */
  highlight(id) {
    const li = id ? this._li(id) : null;
    if (!li) return;
    li.scrollIntoView({ block: 'center' });
    li.classList.add('highlight');
    setTimeout(() => li.classList.remove('highlight'), 1500);
  }

  _li(id) {
    for (const li of this.els.messages.querySelectorAll('li.message')) if (li.dataset.id === id) return li;
    return null;
  }

  // ---- screens ------------------------------------------------------------------------

  showLogin(name) {
    this.els.login.hidden = false;
    this.els.chat.hidden = true;
    this.els.disconnect.hidden = true;
    if (name !== undefined) this.els.name.value = name;
    this.els.connect.focus();
  }

  showChat() {
    this.els.login.hidden = true;
    this.els.chat.hidden = false;
    this.els.disconnect.hidden = false;
  }

  get draft() { return this.els.message.value; }

  set draft(text) { this.els.message.value = text; }

  focusComposer() { this.els.message.focus(); }

  focusName() { this.els.name.focus(); }

  // ---- conversation lists -------------------------------------------------------------

  addItem(conv, state) {
    const li = el('li', 'conversation-item');
    li.dataset.key = conv.key;
    if (conv.kind === 'room') li.dataset.room = conv.name;
    else li.dataset.dm = conv.name;
    const select = el('button', 'select');
    select.type = 'button';
    const badge = el('span', 'unread');
    badge.hidden = true;
    const label = el('span', 'label', state.title(conv));
    select.append(label, badge);
    const room = conv.kind === 'room';
    const close = el('button', 'close', '×');
    close.type = 'button';
    close.title = room ? 'Leave room' : 'Close conversation';
    li.append(select, close);
    this._items.set(conv.key, { li, select, badge, label, close });
    (room ? this.els.rooms : this.els.dms).append(li);
    this.updateItem(conv, false, state);
  }

  removeItem(key) {
    this._items.get(key)?.li.remove();
    this._items.delete(key);
  }

  clearItems() {
    this._items.clear();
    this.els.rooms.replaceChildren();
    this.els.dms.replaceChildren();
  }

  updateItem(conv, active, state) {
    const item = this._items.get(conv.key);
    if (!item) return;
    item.li.classList.toggle('active', active);
    item.li.classList.toggle('pending', conv.pending);
    if (active) item.select.setAttribute('aria-current', 'true');
    else item.select.removeAttribute('aria-current');
    const unread = conv.unread;
    item.badge.textContent = badgeText(conv);
    item.badge.hidden = unread <= 0;
    const title = state.title(conv);
    if (item.label.textContent !== title) item.label.textContent = title;
    if (conv.kind === 'dm') item.select.title = conv.name; // the peer's id
    const what = conv.kind === 'room' ? `Room ${title}` : `Conversation with ${title}`;
    item.select.setAttribute('aria-label', unread > 0 ? `${what}, ${badgeText(conv)} unread` : what);
    item.close.setAttribute('aria-label', conv.kind === 'room' ? `Leave room ${title}` : `Close conversation with ${title}`);
  }

  updateTitle(totalUnread) {
    document.title = totalUnread > 0 ? `(${totalUnread}) chat-relay` : 'chat-relay';
  }

  // ---- the shown conversation ---------------------------------------------------------

  /** Redraws the shown conversation: title, messages, own messages on their way, members, typing, receipts, composer. */
  showConversation(conv, state) {
    const e = this.els;
    e.messages.replaceChildren(...(conv ? conv.messages.map((m) => messageItem(m, state, conv)) : []));
    this.renderOutgoing(conv, state);
    e.messages.scrollTop = e.messages.scrollHeight;
    this.renderTitle(conv, state);
    this.renderMembers(conv, state);
    this.renderTyping(conv, state);
    this.renderSeen(conv, state);
    this.renderLoadOlder(conv);
  }

  /** The conversation's heading: #room, or @ and the peer's display name (its id as tooltip). */
  renderTitle(conv, state) {
    const e = this.els;
    const title = !conv ? 'No conversation' : (conv.kind === 'room' ? '#' : '@') + state.title(conv);
    e.conversationTitle.textContent = title;
    e.conversationTitle.title = conv && conv.kind === 'dm' ? conv.name : '';
    e.message.placeholder = !conv ? 'Join a room to chat' : conv.muted !== null ? `You are muted in ${title}` : 'Message ' + title;
    e.message.disabled = Boolean(conv && conv.muted !== null);
    e.send.disabled = e.message.disabled;
  }

  /** Adds messages of the shown conversation where they belong (`inserted` from ChatState.addMessages). */
  insertMessages(inserted, state, { older = false, own = false, conv = null } = {}) {
    const list = this.els.messages;
    const stick = !older && list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const prevHeight = list.scrollHeight;
    const prevTop = list.scrollTop;
    for (const { message, index } of inserted) {
      list.insertBefore(messageItem(message, state, conv), list.children[index] || null);
      this._refreshQuotesOf(message.id, state, conv);
    }
    if (older) list.scrollTop = prevTop + (list.scrollHeight - prevHeight);
    else if (stick || own) list.scrollTop = list.scrollHeight;
  }

  /** Draws again messages that changed (edited, deleted, reacted to), and the quotes of them. */
  updateMessages(changed, state, conv) {
    for (const { message } of changed) {
      const li = this._li(message.id);
      if (li) this._redraw(li, message, state, conv);
      this._refreshQuotesOf(message.id, state, conv);
    }
  }

  _refreshQuotesOf(id, state, conv) {
    if (!conv) return;
    for (const li of this.els.messages.querySelectorAll('li.message')) {
      if (li.dataset.replyTo !== id) continue;
      const m = conv.timeline.get(li.dataset.id);
      if (m) this._redraw(li, m, state, conv);
    }
  }

  /** Replaces a message's item; a reaction palette the user opened stays open under the pointer. */
  _redraw(li, message, state, conv) {
    const item = messageItem(message, state, conv);
    const open = li.querySelector('.palette:not([hidden])');
    const palette = item.querySelector('.palette');
    if (open && palette) palette.hidden = false;
    li.replaceWith(item);
  }

  /** The user's own messages not acknowledged yet, after the messages. */
  renderOutgoing(conv, state) {
    const list = this.els.messages;
    for (const li of [...list.querySelectorAll('li.outgoing')]) li.remove();
    if (conv) for (const o of conv.outgoing.values()) list.append(outgoingItem(o, state, conv));
  }

  scrollToEnd() { this.els.messages.scrollTop = this.els.messages.scrollHeight; }

  /** Small rooms: who has read up to the newest message (receipts). */
  renderSeen(conv, state) {
    const users = conv && conv.kind === 'room' ? conv.seenBy((u) => state.isMe(u)) : [];
    const text = users.length ? 'Seen by ' + users.map((u) => state.nameOf(u)).sort().join(', ') : '';
    if (this.els.seen.textContent !== text) this.els.seen.textContent = text;
  }

  /** The composer's context: replying to a message, or editing one (null: a plain message). */
  renderCompose(mode, target, state) {
    const e = this.els;
    e.composer.dataset.mode = mode ? mode.kind : '';
    e.composeContext.hidden = !mode;
    const text = e.composeContext.querySelector('.context-text');
    if (!mode) {
      text.textContent = '';
      e.send.textContent = 'Send';
      return;
    }
    text.textContent = mode.kind === 'edit' ? 'Editing your message'
      : `Replying to ${target ? state.authorOf(target) : 'a message'}: ${target ? quoteOf(target.text) : ''}`;
    e.send.textContent = mode.kind === 'edit' ? 'Save' : 'Send';
  }

  renderMembers(conv, state) {
    const users = state.people(conv);
    this.els.membersTitle.textContent = conv && conv.kind === 'dm' ? 'Participants' : `Members (${users.length})`;
    this.els.members.replaceChildren(...users.map((user) => {
      const li = el('li', 'member');
      li.dataset.user = user;
      const name = state.nameOf(user);
      if (state.isMe(user)) {
        li.classList.add('self');
        li.title = `you (${user})`;
        li.textContent = name;
      } else {
        const button = el('button', 'member-dm', name);
        button.type = 'button';
        button.dataset.user = user;
        button.title = `Direct message to ${name} (${user})`;
        li.append(button);
      }
      return li;
    }));
  }

  renderTyping(conv, state) {
    const text = conv ? typingText(conv.typingUsers(Date.now(), state.myIds.size ? state.myIds : state.me).map((u) => state.nameOf(u))) : '';
    if (this.els.typing.textContent !== text) this.els.typing.textContent = text;
  }

  renderLoadOlder(conv) {
    const button = this.els.loadOlder;
    button.disabled = !conv || !conv.canPage || !conv.more || conv.olderRef !== null;
    button.textContent = conv && !conv.more ? 'No older messages' : conv && conv.olderRef ? 'Loading…' : 'Load older';
  }
}
