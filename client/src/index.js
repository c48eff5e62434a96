// chat-relay client SDK: DOM-free ES modules for browsers and Node (no dependencies).
//
//   import { ChatClient } from '@chat-relay/client';   // in a page served by a gateway: '/sdk/index.js'
//   const client = new ChatClient({ url: 'wss://chat.example.com/ws' });
//   client.addEventListener('message', (e) => console.log(e.detail.message));
//   client.connect({ token: '<jwt>' });                // or { name: 'alice' } for a guest
//   client.join('general');
//   client.send('general', 'hello');                   // stored once, however often it is retried

export { ChatClient, CloseCodes, SUBPROTOCOL, CLIENT_DEFAULTS } from './client.js';
export { ReconnectingSocket, SOCKET_DEFAULTS, defaultSocketUrl } from './socket.js';
export { Timeline, UPDATE_TYPES } from './timeline.js';
export { RETRY_CODES, isValidCid } from './sends.js';
export { compileNames, loadNames, Names } from './names.js';
export { parseId, compareIds, messageTime } from './ids.js';
export { Ledger } from './ledger.js';
