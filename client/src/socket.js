// One WebSocket that comes back: reconnect with exponential backoff and jitter, an application
// ping, and detection of a dead (half-open) connection. Knows nothing of the chat protocol
// beyond "frames are JSON objects" and the ping frame it is given.
//
// Events (CustomEvent, data in `detail`):
//   opening  {attempt}                  a connection attempt starts (attempt 0 = the first)
//   open     {}                         the socket is open: the caller sends its first frame now
//   frame    {frame}                    a JSON object from the server
//   close    {code, reason, wasReady, fatal}   the connection ended (fatal: no retry follows)
//   retry    {delayMs, retryAt, attempt, code, reason}   the next attempt is scheduled
//
// Threads: everything runs on the caller's event loop; handlers must not block.

/** The WebSocket URL of the page's own host, so the same page works behind a load balancer. */
export function defaultSocketUrl() {
  const loc = globalThis.location;
  if (!loc || !loc.host) return 'ws://localhost:8080/ws';
  return (loc.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + loc.host + '/ws';
}

export const SOCKET_DEFAULTS = Object.freeze({
  url: null, // default: defaultSocketUrl()
  protocols: [],
  initialBackoffMs: 500,
  maxBackoffMs: 15000,
  jitter: 0.3, // ±30 %
  pingIntervalMs: 25000,
  idleTimeoutMs: 60000, // nothing received for this long: the connection is dead
  stableAfterMs: 10000, // a ready connection that lived this long resets the backoff
  pingFrame: { type: 'ping' },
  fatalCodes: [], // close codes after which no retry follows
  isFatal: null, // (code) => boolean: decides instead of fatalCodes when given
  WebSocket: null, // default: globalThis.WebSocket
  random: Math.random,
});

const OPEN = 1;
/** Close code this socket reports when it gives up on a silent connection. */
export const IDLE_CLOSE = 4000;

export class ReconnectingSocket extends EventTarget {
  constructor(options = {}) {
    super();
    this.options = { ...SOCKET_DEFAULTS, ...options };
    this._ws = null;
    this._running = false;
    this._attempt = 0;
    this._retryTimer = null;
    this._pingTimer = null;
    this._readyAt = 0;
    this._lastHeardAt = 0;
  }

  /** Whether a connection is wanted (between start() and stop() or a fatal close). */
  get running() { return this._running; }

  /** Whether the socket is open now. */
  get open() { return Boolean(this._ws && this._ws.readyState === OPEN); }

  /** Whether a retry is scheduled (waiting out the backoff). */
  get waiting() { return this._retryTimer !== null; }

  /** Attempts since the last stable connection (0 for the first). */
  get attempt() { return this._attempt; }

  /** Opens a connection now, and keeps one open until stop(). */
  start() {
    this._teardown(1000, '');
    this._running = true;
    this._attempt = 0;
    this._readyAt = 0;
    this._connect();
  }

  /** Closes the connection and stops reconnecting. */
  stop(code = 1000, reason = 'client disconnect') {
    this._running = false;
    this._teardown(code, reason);
  }

  /** Skips the rest of the backoff delay (e.g. when the browser is back online). */
  reconnectNow() {
    if (!this._running || this._retryTimer === null) return;
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    this._connect();
  }

  /**
   * The application accepted the connection (e.g. its welcome came): from now on it is pinged,
   * watched for silence, and counts towards resetting the backoff.
   */
  ready() {
    this._readyAt = Date.now();
    this._startPing();
  }

  /** Sends a JSON object. Returns false when the socket is not open. */
  send(frame) {
    const ws = this._ws;
    if (!ws || ws.readyState !== OPEN) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** The delay before attempt `attempt`: doubling from initialBackoffMs to maxBackoffMs, ± jitter. */
  backoffMs(attempt) {
    const { initialBackoffMs, maxBackoffMs, jitter, random } = this.options;
    const base = Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.min(attempt, 30));
    const factor = 1 + (random() * 2 - 1) * jitter;
    return Math.max(0, Math.round(base * factor));
  }

  // ---- internals ----------------------------------------------------------------------

  _connect() {
    const WS = this.options.WebSocket || globalThis.WebSocket;
    this._emit('opening', { attempt: this._attempt });
    let ws;
    try {
      const url = this.options.url || defaultSocketUrl();
      ws = this.options.protocols.length ? new WS(url, this.options.protocols) : new WS(url);
    } catch (e) {
      this._closed(1006, String((e && e.message) || e), false);
      return;
    }
    this._ws = ws;
    this._readyAt = 0;
    ws.onopen = () => {
      if (ws !== this._ws) return;
      this._lastHeardAt = Date.now();
      this._emit('open', {});
    };
    ws.onmessage = (ev) => {
      if (ws !== this._ws) return;
      this._lastHeardAt = Date.now();
      if (typeof ev.data !== 'string') return; // the server sends text frames only
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (frame && typeof frame === 'object' && typeof frame.type === 'string') this._emit('frame', { frame });
    };
    ws.onerror = () => { /* a close follows */ };
    ws.onclose = (ev) => {
      if (ws !== this._ws) return;
      this._closed(ev.code, ev.reason || '', this._readyAt !== 0);
    };
  }

  _closed(code, reason, wasReady) {
    const lived = this._readyAt ? Date.now() - this._readyAt : 0;
    this._teardown(code >= 4000 && code < 5000 ? code : 1000, '');
    const fatal = !this._running || this._isFatal(code);
    if (fatal) this._running = false;
    this._emit('close', { code, reason, wasReady, fatal });
    if (!this._running) return;
    if (wasReady && lived >= this.options.stableAfterMs) this._attempt = 0;
    const delayMs = this.backoffMs(this._attempt);
    this._attempt += 1;
    const retryAt = Date.now() + delayMs;
    this._retryTimer = setTimeout(() => {
      this._retryTimer = null;
      if (this._running) this._connect();
    }, delayMs);
    this._emit('retry', { delayMs, retryAt, attempt: this._attempt, code, reason });
  }

  _isFatal(code) {
    const { isFatal, fatalCodes } = this.options;
    return typeof isFatal === 'function' ? Boolean(isFatal(code)) : fatalCodes.includes(code);
  }

  _teardown(code, reason) {
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    clearInterval(this._pingTimer);
    this._pingTimer = null;
    const ws = this._ws;
    this._ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      try { ws.close(code, reason); } catch { /* already closed */ }
    }
  }

  _startPing() {
    clearInterval(this._pingTimer);
    this._pingTimer = setInterval(() => {
      if (!this._ws) return;
      if (Date.now() - this._lastHeardAt > this.options.idleTimeoutMs) {
        // Half-open: not even a pong came back. Give up on this connection and retry.
        this._closed(IDLE_CLOSE, 'idle timeout', true);
        return;
      }
      this.send(this.options.pingFrame);
    }, this.options.pingIntervalMs);
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
