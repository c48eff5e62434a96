// The page's model (web/state.js) holds no DOM, so it is tested here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';

register('./sdk-paths.mjs', import.meta.url);
const { ChatState, typingText, directKey, badgeText } = await import('../web/state.js');

const m = (id, from = 'bob') => ({ type: 'message', room: 'r', id, from, text: id, ts: 1 });

test('messages are kept in id order, once each; unread counts others in hidden conversations', () => {
  const s = new ChatState();
  s.me = 'alice';
  const { conv: lobby } = s.ensureRoom('lobby');
  const { conv: dev } = s.ensureRoom('dev');
  s.select(lobby.key);
  const r = s.addMessages(dev, [m('10-0'), m('9-0'), m('10-0'), m('9-1', 'alice'), { id: 5 }], { countUnread: true });
  assert.deepEqual(r.inserted.map((x) => x.message.id), ['10-0', '9-0', '9-1']);
  assert.deepEqual(dev.messages.map((x) => x.id), ['9-0', '9-1', '10-0']);
  assert.equal(dev.unread, 2);
  assert.equal(s.totalUnread, 2);
  s.select(dev.key);
  assert.equal(dev.unread, 0);
  assert.equal(s.addMessages(dev, [m('11-0')], { countUnread: true }).inserted[0].index, 3);
  assert.equal(dev.unread, 0, 'the shown conversation has no unread');
});

test('removing the shown conversation shows the lobby next', () => {
  const s = new ChatState();
  s.ensureRoom('lobby');
  const { conv: dev } = s.ensureRoom('dev');
  s.ensureDirect('a@b');
  s.select(dev.key);
  assert.equal(s.remove(dev.key).next.key, 'lobby');
  assert.deepEqual(s.remove(directKey('a@b')), { wasActive: false, next: null });
});

test('typing notices expire, end with a message of their author, and leave out me', () => {
  const s = new ChatState();
  s.me = 'alice';
  const { conv } = s.ensureRoom('r');
  assert.equal(s.applyTyping({ room: 'r', user: 'alice' }, 100), null);
  s.applyTyping({ room: 'r', user: 'bob' }, 100);
  s.applyTyping({ room: 'r', user: 'carol' }, 200);
  assert.deepEqual(conv.typingUsers(50, 'alice'), ['bob', 'carol']);
  assert.deepEqual(conv.typingUsers(150, 'alice'), ['carol']);
  s.addMessages(conv, [m('1-0', 'carol')]);
  assert.deepEqual(conv.typingUsers(50, 'alice'), ['bob']);
  assert.equal(typingText(['a', 'b', 'c', 'd']), 'a, b and 2 more are typing…');
});

test('presence changes the members; a DM lists its two people', () => {
  const s = new ChatState();
  s.me = 'alice';
  const { conv } = s.ensureRoom('r');
  s.applyPresence({ room: 'r', user: 'bob', event: 'join' });
  s.applyPresence({ room: 'r', user: 'alice', event: 'join' });
  assert.deepEqual(s.people(conv), ['alice', 'bob']);
  s.applyPresence({ room: 'r', user: 'bob', event: 'leave' });
  assert.deepEqual(s.people(conv), ['alice']);
  assert.deepEqual(s.people(s.ensureDirect('a@b').conv), ['a@b', 'alice']);
});

test('users are kept by id and shown by display name, learned from the frames that carry it', () => {
  const s = new ChatState();
  s.welcome('guest:ab2cd3ef4gh5', 'alice');
  const { conv } = s.ensureRoom('r');
  assert.equal(s.nameOf('guest:ab2cd3ef4gh5'), 'alice');
  assert.equal(s.nameOf('bob'), 'bob', 'the id while no name is known');
  s.applyPresence({ room: 'r', user: 'bob', name: 'Bob B.', event: 'join' });
  s.applyPresence({ room: 'r', user: 'guest:zz2yy3xx4ww5', name: 'alice', event: 'join' });
  s.applyPresence({ room: 'r', user: 'guest:ab2cd3ef4gh5', name: 'alice', event: 'join' });
  assert.equal(s.nameOf('bob'), 'Bob B.');
  // by display name (two guests named alice: then by id), each an id
  assert.deepEqual(s.people(conv), ['guest:ab2cd3ef4gh5', 'guest:zz2yy3xx4ww5', 'bob']);
  // a message shows the name it carries; without one, the name known for its sender
  assert.equal(s.authorOf({ from: 'bob', name: 'Robert' }), 'Robert');
  assert.equal(s.authorOf({ from: 'guest:zz2yy3xx4ww5' }), 'alice');
  assert.equal(s.authorOf({ from: 'carol' }), 'carol');
  assert.equal(s.learn('carol', 'Carol'), true);
  assert.equal(s.learn('carol', 'Carol'), false, 'no change');
  assert.equal(s.learn('carol', ''), false, 'an empty name is no name');
  s.addMessages(conv, [{ type: 'message', room: 'r', id: '1-0', from: 'dave', name: 'Dave D.', text: 'x', ts: 1 }]);
  assert.equal(s.nameOf('dave'), 'Dave D.');
  // a direct conversation is titled with the peer's display name
  assert.equal(s.title(s.ensureDirect('bob').conv), 'Bob B.');
  assert.equal(s.title(conv), 'r');
});

test('own messages are marked by id, also those of an earlier id of the same login; another guest named alike is not me', () => {
  const s = new ChatState();
  s.welcome('guest:ab2cd3ef4gh5', 'alice');
  const { conv } = s.ensureRoom('r');
  const m = (id, from) => ({ type: 'message', room: 'r', id, from, name: 'alice', text: id, ts: 1 });
  assert.equal(s.addMessages(conv, [m('1-0', 'guest:ab2cd3ef4gh5')]).own, true);
  assert.equal(s.addMessages(conv, [m('2-0', 'guest:zz2yy3xx4ww5')]).own, false, 'the same name, another user');
  // the guest token was refused: a new id for this tab, the old messages are still its own
  s.welcome('guest:nn2mm3kk4jj5', 'alice');
  assert.equal(s.isMe('guest:ab2cd3ef4gh5'), true);
  assert.equal(s.isMe('guest:nn2mm3kk4jj5'), true);
  assert.equal(s.isMe('guest:zz2yy3xx4ww5'), false);
  s.clear();
  assert.equal(s.isMe('guest:ab2cd3ef4gh5'), false, 'another login forgets');
  assert.equal(s.nameOf('guest:ab2cd3ef4gh5'), 'guest:ab2cd3ef4gh5');
});

test('typing is kept by id, shown by name, and never shows me', () => {
  const s = new ChatState();
  s.welcome('guest:ab2cd3ef4gh5', 'alice');
  const { conv } = s.ensureRoom('r');
  assert.equal(s.applyTyping({ room: 'r', user: 'guest:ab2cd3ef4gh5', name: 'alice' }, 100), null);
  s.applyTyping({ room: 'r', user: 'guest:zz2yy3xx4ww5', name: 'alice' }, 100);
  s.applyTyping({ room: 'r', user: 'bob', name: 'Bob B.' }, 100);
  const typing = conv.typingUsers(50, s.myIds);
  assert.deepEqual(typing, ['guest:zz2yy3xx4ww5', 'bob']);
  assert.equal(typingText(typing.map((u) => s.nameOf(u))), 'alice and Bob B. are typing…');
});

test('a room with read state counts what came after the cursor, from others, not deleted; a read moves it', () => {
  const s = new ChatState();
  s.welcome('alice', 'alice');
  const { conv } = s.ensureRoom('r');
  const { conv: lobby } = s.ensureRoom('lobby');
  s.select(lobby.key);
  s.addMessages(conv, [m('1-0'), m('2-0'), m('3-0', 'alice'), m('4-0')]);
  s.applyJoinedRead(conv, { read: '1-0', unread: 3, unreadCapped: false, receipts: { bob: '4-0', alice: '1-0' } });
  assert.equal(conv.unread, 2, 'bob\'s two after the cursor; mine does not count');
  s.addMessages(conv, [{ type: 'delete', room: 'r', id: '5-0', target: '4-0', from: 'bob' }]);
  assert.equal(conv.unread, 1, 'a deleted message is not unread');
  assert.deepEqual(conv.seenBy((u) => s.isMe(u)), ['bob']);
  s.applyRead('r', '4-0');
  assert.equal(conv.unread, 0);
  s.applyRead('r', '2-0');
  assert.equal(conv.readId, '4-0', 'never back');
  assert.equal(badgeText(conv), '');
});

test('a room never read takes what the join brought as read; unread older than what is loaded comes from the server', () => {
  const s = new ChatState();
  const { conv } = s.ensureRoom('r');
  s.addMessages(conv, [m('5-0'), m('6-0')]);
  s.applyJoinedRead(conv, { read: null, unread: 1000, unreadCapped: true, receipts: null });
  assert.equal(conv.unread, 0);
  const { conv: busy } = s.ensureRoom('busy');
  s.addMessages(busy, [m('50-0'), m('51-0')]);
  s.applyJoinedRead(busy, { read: '1-0', unread: 1000, unreadCapped: true });
  assert.equal(busy.unread, 1000);
  assert.equal(badgeText(busy), '99+');
  s.applyRead('busy', '51-0');
  assert.equal(busy.unread, 0);
});

test('an own message on its way is replaced by the stored one with its cid', () => {
  const s = new ChatState();
  s.welcome('alice', 'alice');
  const { conv } = s.ensureRoom('r');
  conv.outgoing.set('c-1', { cid: 'c-1', text: 'hi', state: 'sending', note: '' });
  const r = s.addMessages(conv, [{ ...m('1-0', 'alice'), cid: 'c-1' }]);
  assert.deepEqual(r.settled, ['c-1']);
  assert.equal(conv.outgoing.size, 0);
  assert.equal(r.own, true);
});
