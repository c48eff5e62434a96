// Type declarations of the chat-relay client SDK (written by hand; test/package.test.mjs checks
// that they declare every export and every public member of ChatClient).

// ---- frames ---------------------------------------------------------------------------------

/** A message id: a Redis Stream id `<ms>-<seq>`, ordered per room or per pair of users. */
export type MessageId = string;

/** A stored `message` frame (docs/protocol.md). */
export interface MessageFrame {
  type: 'message';
  id: MessageId;
  /** The room, for a room message. */
  room?: string;
  /** The recipient's user id, for a direct message. */
  to?: string;
  /** The author's user id. */
  from: string;
  /** The author's display name when it was sent. */
  name: string;
  text: string;
  ts: number;
  /** The author's own id for the message (idempotent send). */
  cid?: string;
  /** The id of the message this one answers. */
  reply_to?: MessageId;
  /** A small JSON object the sender attached. */
  meta?: Record<string, unknown>;
}

export interface EditFrame {
  type: 'edit'; room: string; id: MessageId; target: MessageId; from: string; name: string; text: string; ts: number;
}

export interface DeleteFrame {
  type: 'delete'; room: string; id: MessageId; target: MessageId; from: string; name: string; ts: number;
}

export interface ReactionFrame {
  type: 'reaction'; room: string; id: MessageId; target: MessageId; from: string; name: string;
  emoji: string; op: 'add' | 'remove';
  /** How many users have this reaction on the message now. */
  count: number;
  ts: number;
}

/** Every frame stored in a room's history. */
export type StoredFrame = MessageFrame | EditFrame | DeleteFrame | ReactionFrame;

export interface WelcomeFrame {
  type: 'welcome'; protocol: 1 | 2; user: string; name: string; node: string; guest_token?: string;
}

export interface HistoryFrame {
  type: 'history'; room?: string; with?: string; messages: StoredFrame[]; more: boolean; ref: string | null;
}

export interface PresenceFrame { type: 'presence'; room: string; user: string; name: string; event: 'join' | 'leave' }
export interface TypingFrame { type: 'typing'; room: string; user: string; name: string }
export interface StatusFrame { type: 'status'; node: string; connections: number; rooms: number; broker: string }

/** A client frame that expects an answer, as it was sent (with its ref). */
export interface ClientRequest { type: string; ref?: string; [field: string]: unknown }

/** A send frame as the SDK keeps it until it is acknowledged. */
export interface SendRequest {
  type: 'send'; room?: string; to?: string; text: string; cid: string; reply_to?: MessageId; meta?: Record<string, unknown>;
}

// ---- events ---------------------------------------------------------------------------------

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface StateDetail {
  state: ConnectionState; node: string | null; user: string | null;
  inSeconds?: number; delayMs?: number; retryAt?: number; attempt?: number; code?: number; reason?: string;
}

export interface JoinedDetail {
  room: string;
  /** Ids of the users present. */
  members: string[];
  /** Display name by user id. */
  names: Record<string, string>;
  /** New messages (type message), oldest first; the edits, deletions and reactions among the recovered frames follow as their own events. */
  messages: MessageFrame[];
  /** Present when the join had `since`: whether the history still covered it. */
  recovered?: boolean;
  /** More recovered frames follow as events. */
  more: boolean;
  first: boolean;
  /** The user's read cursor (protocol 2), or null. */
  read: MessageId | null;
  /** Stored frames after the cursor, as the server counts them (protocol 2), or null. */
  unread: number | null;
  unreadCapped: boolean;
  /** Small rooms: each member's read cursor. */
  receipts: Record<string, MessageId>;
  frame: object;
}

export interface LeftDetail { room: string; removed: boolean; reason: string; frame: object }

export interface MessageDetail {
  message: MessageFrame; room: string | null; peer: string | null; key: string; recovered: boolean;
}

export interface UpdateDetail<F> { room: string; target: MessageId; frame: F; recovered: boolean }

export interface ReadDetail { room: string; id: MessageId; self: boolean }
export interface ReceiptDetail { room: string; user: string; name: string; id: MessageId }
export interface MutedDetail { room: string; muted: boolean; reason: string }

export interface AckDetail {
  ref: string | null;
  /** The message's id (the first attempt's, for a retry); null for a reaction that changed nothing. */
  id: MessageId | null;
  /** The send's cid; null for other requests. */
  cid: string | null;
  /** An earlier attempt had stored it. */
  duplicate: boolean;
  /** 'message': the message itself (with its cid) came before any ack. */
  via: 'ack' | 'message';
  attempts?: number;
  request: ClientRequest | SendRequest | null;
}

export interface ResendDetail {
  cid: string;
  /** The error code, or 'disconnected'. */
  code: string;
  attempt: number;
  /** null: once the next connection is welcomed. */
  delayMs: number | null;
  request: SendRequest;
}

export interface FailedDetail {
  cid: string; code: string; message: string; ref: string | null;
  /** An attempt may have stored it (look for it in the history). */
  mayBeStored: boolean;
  request: SendRequest;
}

export interface ErrorDetail {
  code: string; message: string; ref: string | null; request: ClientRequest | SendRequest | null;
  cid?: string;
  /** The close code, for 'unauthorized' (4401), 'bad_hello' (4400), 'kicked' (4403). */
  close?: number;
}

export interface DisconnectedDetail { code: number; reason: string; wasConnected: boolean; fatal: boolean }
export interface GuestDetail { resumed: false; previous: string | null; reason: string }
export interface RefreshedDetail { expires: number; ref: string | null; request: ClientRequest | null }

export interface ChatClientEventMap {
  state: CustomEvent<StateDetail>;
  welcome: CustomEvent<WelcomeFrame>;
  guest: CustomEvent<GuestDetail>;
  joined: CustomEvent<JoinedDetail>;
  left: CustomEvent<LeftDetail>;
  message: CustomEvent<MessageDetail>;
  edit: CustomEvent<UpdateDetail<EditFrame>>;
  delete: CustomEvent<UpdateDetail<DeleteFrame>>;
  reaction: CustomEvent<UpdateDetail<ReactionFrame>>;
  read: CustomEvent<ReadDetail>;
  receipt: CustomEvent<ReceiptDetail>;
  muted: CustomEvent<MutedDetail>;
  history: CustomEvent<HistoryFrame & { request: ClientRequest | null }>;
  presence: CustomEvent<PresenceFrame>;
  typing: CustomEvent<TypingFrame>;
  pong: CustomEvent<{ type: 'pong' }>;
  status: CustomEvent<StatusFrame>;
  ack: CustomEvent<AckDetail>;
  resend: CustomEvent<ResendDetail>;
  failed: CustomEvent<FailedDetail>;
  error: CustomEvent<ErrorDetail>;
  refreshed: CustomEvent<RefreshedDetail>;
  disconnected: CustomEvent<DisconnectedDetail>;
}

// ---- the client -----------------------------------------------------------------------------

/** A minimal Storage (sessionStorage, localStorage, or your own). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface SocketOptions {
  /** Default: ws(s)://<the page's host>/ws. */
  url: string | null;
  protocols: string[];
  initialBackoffMs: number;
  maxBackoffMs: number;
  jitter: number;
  pingIntervalMs: number;
  idleTimeoutMs: number;
  stableAfterMs: number;
  pingFrame: object;
  fatalCodes: number[];
  isFatal: ((code: number) => boolean) | null;
  /** Default: globalThis.WebSocket (Node 22+, browsers); pass one for older Node. */
  WebSocket: unknown;
  random: () => number;
}

export interface ClientOptions extends SocketOptions {
  recoveryTimeoutMs: number;
  storage: StorageLike | null;
  storageKey: string;
  /** Sends not acknowledged yet, at most; send() returns null beyond. */
  maxOutbox: number;
  /** The server's CHAT_DEDUP_WINDOW in milliseconds. */
  dedupWindowMs: number;
  resendMarginMs: number;
  /** Sends that go at once, then sendRatePerSecond: keep under the server's CHAT_RATE_BURST and CHAT_RATE_PER_SECOND. */
  sendBurst: number;
  sendRatePerSecond: number;
  readThrottleMs: number;
  directRecoveryLimit: number;
  /** The clock (for tests). */
  now?: () => number;
}

export interface Identity { name?: string; token?: string; guestToken?: string }

export interface SendOptions {
  /** The id of the message this one answers. */
  replyTo?: MessageId;
  /** A JSON object of at most 1024 bytes, nested at most 3 deep. */
  meta?: Record<string, unknown>;
  /** Your own id for the message (1-64 characters, no white space, not starting with '~'); default: a new one. */
  cid?: string;
}

export interface PendingSend {
  cid: string; room: string | null; to: string | null; text: string;
  state: 'queued' | 'sent' | 'waiting'; attempts: number; code: string | null; createdAt: number;
}

export declare const SUBPROTOCOL: 'chatrelay.v2';
export declare const CLIENT_DEFAULTS: Readonly<ClientOptions>;
export declare const SOCKET_DEFAULTS: Readonly<SocketOptions>;
export declare const CloseCodes: Readonly<{
  RESTART: 1012; OVERLOAD: 1013; BAD_HELLO: 4400; UNAUTHORIZED: 4401; KICKED: 4403; TOO_MANY_CONNECTIONS: 4429;
}>;

export declare class ChatClient extends EventTarget {
  constructor(options?: Partial<ClientOptions>);
  readonly options: ClientOptions;

  readonly state: ConnectionState;
  readonly user: string | null;
  readonly name: string | null;
  readonly guestToken: string | null;
  readonly node: string | null;
  readonly connected: boolean;
  readonly protocol: number | null;
  readonly rooms: string[];
  readonly queued: number;
  readonly pending: PendingSend[];
  lastId(room: string): MessageId | null;
  lastDirectId(peer: string): MessageId | null;
  readCursor(room: string): MessageId | null;
  receipts(room: string): Map<string, MessageId>;
  isMuted(room: string): boolean;

  connect(identity?: Identity | string): void;
  disconnect(): void;
  reconnectNow(): void;
  refresh(token: string): string | null;

  join(room: string): string;
  leave(room: string): void;
  send(room: string, text: string, options?: SendOptions): string | null;
  sendDirect(to: string, text: string, options?: SendOptions): string | null;
  edit(room: string, id: MessageId, text: string): string | null;
  delete(room: string, id: MessageId): string | null;
  react(room: string, id: MessageId, emoji: string): string | null;
  unreact(room: string, id: MessageId, emoji: string): string | null;
  markRead(room: string, id?: MessageId): boolean;
  history(room: string, options?: { before?: MessageId | null; limit?: number }): string | null;
  historyDirect(peer: string, options?: { before?: MessageId | null; limit?: number }): string | null;
  typing(room: string): void;
  ping(): void;
  status(): void;

  addEventListener<K extends keyof ChatClientEventMap>(type: K, listener: (event: ChatClientEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof ChatClientEventMap>(type: K, listener: (event: ChatClientEventMap[K]) => void,
    options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

export declare class ReconnectingSocket extends EventTarget {
  constructor(options?: Partial<SocketOptions>);
  readonly options: SocketOptions;
  readonly running: boolean;
  readonly open: boolean;
  readonly waiting: boolean;
  readonly attempt: number;
  start(): void;
  stop(code?: number, reason?: string): void;
  reconnectNow(): void;
  ready(): void;
  send(frame: object): boolean;
  backoffMs(attempt: number): number;
}

export declare function defaultSocketUrl(): string;

// ---- the message model ----------------------------------------------------------------------

/** A message as shown, with its edits, deletion and reactions applied. */
export interface TimelineMessage {
  id: MessageId; from: string | null; name: string | null; text: string; ts: number | null;
  cid: string | null; replyTo: MessageId | null; meta: Record<string, unknown> | null;
  room: string | null; to: string | null;
  edited: boolean; deleted: boolean; deletedBy: string | null;
  /** emoji -> count and whether the user is among them; emoji with a count, in order of first appearance. */
  reactions: Map<string, { count: number; mine: boolean }>;
}

export interface TimelineChange { type: 'added' | 'changed'; message: TimelineMessage; index: number }

export declare const UPDATE_TYPES: readonly ['edit', 'delete', 'reaction'];

export declare class Timeline {
  constructor(options?: { isMine?: (user: string) => boolean; maxOrphans?: number });
  isMine: (user: string) => boolean;
  maxOrphans: number;
  readonly messages: readonly TimelineMessage[];
  readonly size: number;
  readonly oldestId: MessageId | null;
  readonly newestId: MessageId | null;
  get(id: MessageId): TimelineMessage | null;
  has(id: MessageId): boolean;
  indexOf(id: MessageId): number;
  apply(frame: unknown): TimelineChange[];
  applyAll(frames: unknown): TimelineChange[];
  clear(): void;
}

/** Error codes after which a send is tried again with the same cid. */
export declare const RETRY_CODES: readonly string[];
export declare function isValidCid(cid: unknown): boolean;

// ---- names and ids --------------------------------------------------------------------------

export interface NamesJson { user: string; guest: string; room: string; [kind: string]: string }

export declare class Names {
  constructor(patterns: Record<string, RegExp>, rules: NamesJson);
  /** The patterns as written in names.json. */
  readonly sources: { user: string; guest: string; room: string };
  isUser(value: unknown): boolean;
  isGuest(value: unknown): boolean;
  isRoom(value: unknown): boolean;
}

export declare function compileNames(rules: NamesJson): Names;
export declare function loadNames(url: string | URL, fetchFn?: typeof fetch): Promise<Names>;

export declare function parseId(id: unknown): [number, number] | null;
export declare function compareIds(a: string, b: string): number;
export declare function messageTime(m: { ts?: number; id?: string } | null | undefined): number | null;

export declare class Ledger {
  constructor();
  last(key: string): MessageId | null;
  has(key: string): boolean;
  delete(key: string): void;
  clear(): void;
  entries(): [string, MessageId][];
  note(key: string, id: unknown): void;
  accept<T extends object>(key: string, messages: unknown): T[];
}
