// The page's banners: the connection status (#status, with the reconnect countdown), the error
// (#error) and notice (#notice) lines, and the server status footer (#server-status).

import { byId } from './view.js';

const ERROR_HIDE_MS = 8000;
const NOTICE_HIDE_MS = 5000;

export class Banner {
  constructor() {
    this.status = byId('status');
    this.reconnectNow = byId('reconnect-now');
    this.error = byId('error');
    this.errorText = this.error.querySelector('.error-text');
    this.errorDismiss = this.error.querySelector('.dismiss');
    this.notice = byId('notice');
    this.serverStatus = byId('server-status');
    this._countdown = null;
    this._errorTimer = null;
    this._noticeTimer = null;
    this.errorDismiss.addEventListener('click', () => this.hideError());
  }

  /**
   * Shows the connection state: `d` is the SDK's state event; `me` (display name), `user` (id)
   * and `node` who and where; `everConnected` tells "Disconnected" from "Not connected".
   */
  showState(d, { me, user, node, everConnected }) {
    const status = this.status;
    clearInterval(this._countdown);
    this._countdown = null;
    let state = d.state;
    if (state === 'connecting') status.textContent = 'Connecting…';
    else if (state === 'connected') status.textContent = `Connected to node ${node ?? '?'} as ${me ?? '?'}`;
    else if (state === 'reconnecting') {
      const update = () => {
        const left = d.retryAt ? Math.ceil((d.retryAt - Date.now()) / 1000) : 0;
        const text = left > 0 ? `Reconnecting in ${left} s…` : 'Reconnecting…';
        if (status.textContent !== text) status.textContent = text;
        return left > 0;
      };
      if (update()) {
        this._countdown = setInterval(() => {
          if (!update()) clearInterval(this._countdown);
        }, 250);
      }
    } else {
      state = 'closed';
      status.textContent = everConnected ? 'Disconnected' : 'Not connected';
    }
    status.dataset.state = state;
    status.dataset.node = node ?? '';
    status.dataset.user = state === 'closed' ? '' : (user ?? '');
    status.title = status.dataset.user ? `your id: ${status.dataset.user}` : '';
    this.reconnectNow.hidden = state !== 'reconnecting';
  }

  /** The server's status frame, as "node gw-1 · 12 connections · 3 rooms · broker UP". */
  showServerStatus(frame) {
    const parts = [];
    const plural = (n, one) => n + ' ' + one + (n === 1 ? '' : 's');
    if (typeof frame.node === 'string') parts.push('node ' + frame.node);
    if (typeof frame.connections === 'number') parts.push(plural(frame.connections, 'connection'));
    if (typeof frame.rooms === 'number') parts.push(plural(frame.rooms, 'room'));
    if (typeof frame.broker === 'string') parts.push('broker ' + frame.broker);
    this.serverStatus.textContent = parts.join(' · ');
  }

  showError(text) {
    this.errorText.textContent = text;
    this.error.hidden = false;
    clearTimeout(this._errorTimer);
    this._errorTimer = setTimeout(() => this.hideError(), ERROR_HIDE_MS);
  }

  hideError() {
    clearTimeout(this._errorTimer);
    this._errorTimer = null;
    this.error.hidden = true;
  }

  showNotice(text) {
    this.notice.textContent = text;
    this.notice.hidden = false;
    clearTimeout(this._noticeTimer);
    this._noticeTimer = setTimeout(() => { this.notice.hidden = true; }, NOTICE_HIDE_MS);
  }
}
