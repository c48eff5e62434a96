// The items of the message list: a stored message (with the quote of the message it answers, its
// "edited" mark, its reactions and its actions) and one of the user's own messages on its way.
// Text from the server only ever goes in with textContent (el), never as HTML.

import { messageTime } from '/sdk/index.js';
import { el } from './dom.js';

/** The reactions offered on every message. */
export const QUICK_REACTIONS = Object.freeze(['👍', '❤️', '😂', '🎉', '😮', '😢']);
const QUOTE_CHARS = 80;

const pad2 = (n) => String(n).padStart(2, '0');

/** A short quote of a message's text, on one line. */
export function quoteOf(text) {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > QUOTE_CHARS ? flat.slice(0, QUOTE_CHARS - 1) + '…' : flat;
}

/**
 * `li.message` of a Timeline message of `conv`.
 * @param {import('/sdk/index.js').TimelineMessage} m
 */
export function messageItem(m, state, conv) {
  const li = el('li', 'message');
  li.dataset.id = m.id;
  if (typeof m.from === 'string') li.dataset.from = m.from;
  const own = state.isMe(m.from);
  if (own) li.classList.add('own');
  if (m.deleted) li.classList.add('deleted');
  if (m.edited) li.classList.add('edited');
  const date = new Date(messageTime(m) ?? Date.now());
  const time = el('time', 'time', pad2(date.getHours()) + ':' + pad2(date.getMinutes()));
  time.dateTime = date.toISOString();
  time.title = date.toLocaleString();
  const from = el('span', 'from', state.authorOf(m));
  if (typeof m.from === 'string') from.title = m.from;
  li.append(from, time);
  if (m.replyTo) {
    li.dataset.replyTo = m.replyTo;
    li.append(quote(m.replyTo, state, conv));
  }
  if (m.deleted) {
    const byModerator = m.deletedBy && m.deletedBy !== m.from && !state.isMe(m.deletedBy);
    li.append(el('div', 'text', byModerator ? 'This message was deleted by a moderator.' : 'This message was deleted.'));
    return li;
  }
  li.append(el('div', 'text', m.text));
  if (m.edited) li.append(el('span', 'edited-mark', '(edited)'));
  li.append(reactions(m), actions(own, conv));
  return li;
}

/** `li.outgoing` of one of the user's own messages on its way ({cid, text, replyTo, state, note}). */
export function outgoingItem(o, state, conv) {
  const li = el('li', 'outgoing ' + o.state);
  li.dataset.cid = o.cid;
  li.append(el('span', 'from', state.authorOf({ from: state.me })), el('span', 'status', o.note));
  if (o.replyTo) {
    li.dataset.replyTo = o.replyTo;
    li.append(quote(o.replyTo, state, conv));
  }
  li.append(el('div', 'text', o.text));
  if (o.state === 'failed') li.append(button('discard', 'Dismiss', 'Remove this message'));
  return li;
}

/** The quote of the message a reply answers (a button: it scrolls to it). */
function quote(targetId, state, conv) {
  const target = conv ? conv.timeline.get(targetId) : null;
  const q = el('button', 'quote');
  q.type = 'button';
  q.dataset.replyTo = targetId;
  if (!target) {
    q.append(el('span', 'quote-text', 'an earlier message'));
    q.title = 'Not loaded: load older messages to see it';
    return q;
  }
  q.append(el('span', 'quote-from', state.authorOf(target)),
    el('span', 'quote-text', target.deleted ? 'deleted message' : quoteOf(target.text)));
  q.title = 'Show the message this one answers';
  return q;
}

function reactions(m) {
  const box = el('div', 'reactions');
  for (const [emoji, { count, mine }] of m.reactions) {
    const b = button('reaction' + (mine ? ' mine' : ''), `${emoji} ${count}`, mine ? 'Remove your reaction' : 'React with ' + emoji);
    b.dataset.emoji = emoji;
    b.dataset.count = String(count);
    b.setAttribute('aria-pressed', mine ? 'true' : 'false');
    box.append(b);
  }
  return box;
}

/** Reply; in rooms also react (a palette) and, on one's own messages, edit and delete. */
function actions(own, conv) {
  const box = el('div', 'actions');
  box.append(button('reply', '↩', 'Reply'));
  if (conv && conv.kind !== 'room') return box;
  box.append(button('react-toggle', '☺', 'React'));
  if (own) box.append(button('edit', '✎', 'Edit'), button('delete', '🗑', 'Delete'));
  const palette = el('div', 'palette');
  palette.hidden = true;
  for (const emoji of QUICK_REACTIONS) {
    const b = button('pick', emoji, 'React with ' + emoji);
    b.dataset.emoji = emoji;
    palette.append(b);
  }
  box.append(palette);
  return box;
}

function button(className, text, title) {
  const b = el('button', className, text);
  b.type = 'button';
  b.title = title;
  b.setAttribute('aria-label', title);
  return b;
}
