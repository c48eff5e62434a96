// The SDK's events, applied to the page: each updates the state (state.js) and has the view
// (view.js, banner.js) draw what changed. The counterpart of app.js, whose actions call the SDK.
// Own messages are shown from the moment they are sent (`outgoing`: sending, retrying, failed)
// until the stored message, recognised by its cid, takes their place.

import { directKey, roomKey } from './state.js';

const TYPING_SHOW_MS = 3000;
const STATUS_REFRESH_MS = 30000;

/** Subscribes the app to its client's events. */
export function listen(app) {
  const on = (type, fn) => app.client.addEventListener(type, (ev) => fn(app, ev.detail));
  on('state', onState);
  on('welcome', onWelcome);
  on('guest', onGuest);
  on('disconnected', onDisconnected);
  on('joined', onJoined);
  on('left', onLeft);
  on('message', onMessage);
  for (const type of ['edit', 'delete', 'reaction']) on(type, onUpdate);
  on('read', onRead);
  on('receipt', onReceipt);
  on('muted', onMuted);
  on('ack', onAck);
  on('resend', onResend);
  on('failed', onFailed);
  on('history', onHistory);
  on('presence', onPresence);
  on('typing', onTyping);
  on('error', onError);
  on('status', (a, frame) => a.banner.showServerStatus(frame));
}

function onState(app, d) {
  clearInterval(app.statusTimer);
  app.statusTimer = null;
  if (d.state === 'connected') app.statusTimer = setInterval(() => app.client.status(), STATUS_REFRESH_MS);
  else {
    app.state.clearTyping();
    app.view.renderTyping(app.state.activeConversation, app.state);
  }
  app.showState(d);
}

function onWelcome(app, frame) {
  app.state.welcome(frame.user, frame.name);
  const firstTime = !app.everConnected;
  app.everConnected = true;
  app.view.showChat();
  app.client.status();
  app.showState({ state: 'connected' });
  // The user id may have been unknown when the messages were drawn (own-message marks).
  if (app.state.active) app.view.showConversation(app.state.activeConversation, app.state);
  app.namesChanged();
  if (firstTime) app.view.focusComposer();
}

/** The guest token was refused (another gateway secret, or it expired): a new guest follows. */
function onGuest(app, { resumed }) {
  if (resumed !== false) return;
  app.banner.hideError();
  app.banner.showNotice('Your guest session could not be resumed: you are back as a new guest with the same name.');
}

function onDisconnected(app, { wasConnected, fatal }) {
  if (!wasConnected && !app.everConnected && !fatal) app.banner.showError('Could not connect to the chat server. Retrying…');
}

function onJoined(app, { room, members, names, messages, recovered, read, unread, unreadCapped, receipts }) {
  let learned = false;
  for (const [user, name] of Object.entries(names || {})) learned = app.state.learn(user, name) || learned;
  const conv = app.ensure(app.state.ensureRoom(room));
  const seenBefore = conv.joined || conv.messages.length > 0;
  conv.joined = true;
  conv.pending = false;
  conv.members = new Set(members);
  app.add(conv, messages, { countUnread: seenBefore });
  app.state.applyJoinedRead(conv, { read, unread, unreadCapped, receipts });
  if (recovered === false && seenBefore) app.banner.showNotice(`Some messages in #${room} were missed while offline.`);
  app.view.updateItem(conv, app.state.isActive(conv), app.state);
  if (!app.state.active) app.select(conv.key);
  else if (app.state.isActive(conv)) {
    app.view.renderMembers(conv, app.state);
    app.view.renderLoadOlder(conv);
    app.view.renderSeen(conv, app.state);
    app.view.renderTitle(conv, app.state);
    app.markShownRead();
  }
  app.view.updateTitle(app.state.totalUnread);
  if (learned) app.namesChanged();
}

/** Left a room: asked for, or removed by the application (a moderator). */
function onLeft(app, { room, removed, reason }) {
  if (removed) app.banner.showNotice(`You were removed from #${room}` + (reason ? `: ${reason}` : '.'));
  app.remove(roomKey(room));
}

/** An edit, a deletion or a reaction of a message in a room. */
function onUpdate(app, { room, frame }) {
  const conv = app.state.get(roomKey(room));
  if (conv) app.add(conv, [frame]);
}

/** The user's read cursor moved, here or on another device: the badge follows. */
function onRead(app, { room, id }) {
  const conv = app.state.applyRead(room, id);
  if (!conv) return;
  app.view.updateItem(conv, app.state.isActive(conv), app.state);
  app.view.updateTitle(app.state.totalUnread);
}

function onReceipt(app, { room, user, name, id }) {
  app.state.learn(user, name);
  const conv = app.state.applyReceipt(room, user, id);
  if (conv && app.state.isActive(conv)) app.view.renderSeen(conv, app.state);
}

function onMuted(app, { room, muted, reason }) {
  const conv = app.state.get(roomKey(room));
  if (!conv) return;
  conv.muted = muted ? reason : null;
  if (app.state.isActive(conv)) app.view.renderTitle(conv, app.state);
  app.banner.showNotice(muted ? `You were muted in #${room}` + (reason ? `: ${reason}` : '.') : `You can write in #${room} again.`);
}

/** The conversation of a send frame. */
function sendTarget(app, request) {
  if (!request || request.type !== 'send') return null;
  return app.state.get(request.to !== undefined ? directKey(request.to) : roomKey(request.room));
}

/** Redraws the own messages on their way, when the conversation is shown. */
function outgoingChanged(app, conv) {
  if (app.state.isActive(conv)) app.view.renderOutgoing(conv, app.state);
}

/** A send is stored: its message takes the place of the outgoing one (now, or when it arrives). */
function onAck(app, { cid, id, request }) {
  const conv = cid ? sendTarget(app, request) : null;
  const o = conv?.outgoing.get(cid);
  if (!o) return;
  if (conv.timeline.has(id)) conv.outgoing.delete(cid);
  else Object.assign(o, { state: 'sending', note: 'Sent' });
  outgoingChanged(app, conv);
}

const RESEND_NOTES = {
  disconnected: 'Waiting for the connection…',
  outcome_unknown: 'No answer yet: sending again…',
  rate_limited: 'Too fast: sending again shortly…',
};

/** A send is tried again (with the same cid: it will be stored once). */
function onResend(app, { cid, code, request }) {
  const conv = sendTarget(app, request);
  const o = conv?.outgoing.get(cid);
  if (!o) return;
  Object.assign(o, { state: 'retrying', note: RESEND_NOTES[code] ?? 'Server busy: sending again…' });
  outgoingChanged(app, conv);
}

/** A send was given up. */
function onFailed(app, { cid, code, message, mayBeStored, request }) {
  const conv = sendTarget(app, request);
  const o = conv?.outgoing.get(cid);
  if (!o) return;
  const why = message || code;
  Object.assign(o, { state: 'failed', note: mayBeStored ? `Maybe not sent: ${why}` : `Not sent: ${why}` });
  outgoingChanged(app, conv);
}

function onMessage(app, { message, room, peer }) {
  const learned = app.state.learn(message.from, message.name);
  const conv = peer !== null ? app.ensure(app.state.ensureDirect(peer)) : app.state.get(roomKey(room));
  if (conv) app.add(conv, [message], { countUnread: true });
  if (learned) app.namesChanged();
}

function onHistory(app, frame) {
  const conv = app.state.get(typeof frame.with === 'string' ? directKey(frame.with) : roomKey(frame.room));
  if (!conv) return;
  if (frame.ref != null && frame.ref === conv.olderRef) {
    conv.olderRef = null;
    conv.more = frame.more === true;
  }
  conv.loadedOnce = true;
  let learned = false;
  for (const m of Array.isArray(frame.messages) ? frame.messages : []) learned = app.state.learn(m?.from, m?.name) || learned;
  app.add(conv, frame.messages, { older: Boolean(frame.request?.before) });
  if (app.state.isActive(conv)) app.view.renderLoadOlder(conv);
  if (learned) app.namesChanged();
}

function onPresence(app, frame) {
  const conv = app.state.applyPresence(frame);
  if (conv && app.state.isActive(conv)) {
    app.view.renderMembers(conv, app.state);
    app.view.renderTyping(conv, app.state);
    // a notice about someone else coming or going in the shown room, by display name
    if (!app.state.isMe(frame.user) && (frame.event === 'join' || frame.event === 'leave')) {
      const who = app.state.nameOf(frame.user);
      app.banner.showNotice(`${who} ${frame.event === 'join' ? 'joined' : 'left'} #${conv.name}`);
    }
  }
}

function onTyping(app, frame) {
  const conv = app.state.applyTyping(frame, Date.now() + TYPING_SHOW_MS);
  if (!conv || !app.state.isActive(conv)) return;
  app.view.renderTyping(conv, app.state);
  // the notice ends by itself: draw again once it expired
  setTimeout(() => { if (app.state.isActive(conv)) app.view.renderTyping(conv, app.state); }, TYPING_SHOW_MS + 50);
}

function onError(app, { code, message, request, close }) {
  if (close === 4401) {
    app.banner.showError(`Sign-in refused: ${message}`);
    app.view.showLogin();
    return;
  }
  if (close === 4403) {
    app.banner.showError(`Disconnected by the application: ${message}`);
    app.view.showLogin();
    return;
  }
  // a send that failed stays in its conversation, marked, with its reason (onFailed)
  app.banner.showError((message || 'Request failed') + (code ? ` (${code})` : ''));
  if (request?.type === 'join') {
    const conv = app.state.get(roomKey(request.room));
    if (conv && !app.client.rooms.includes(request.room)) {
      const back = conv.previous;
      app.remove(conv.key);
      if (back && app.state.get(back)) app.select(back);
    }
  } else if (request?.type === 'history') {
    const conv = app.state.get(request.with ? directKey(request.with) : roomKey(request.room));
    if (conv && conv.olderRef === request.ref) {
      conv.olderRef = null;
      if (app.state.isActive(conv)) app.view.renderLoadOlder(conv);
    }
  }
}
