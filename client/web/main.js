// The page's entry point: loads the naming rule, builds the SDK client, the state, the view and
// the wiring, and exposes the app as window.chatApp.

import { ChatClient, loadNames } from '/sdk/index.js';
import { ChatApp, NAME_KEY } from './app.js';
import { Banner } from './banner.js';
import { ChatState } from './state.js';
import { ChatView } from './view.js';

function storedName() {
  try { return window.localStorage.getItem(NAME_KEY); } catch { return null; }
}

/** The tab's sessionStorage (a guest's token lives there: per tab, gone with the tab), or null. */
function tabStorage() {
  try { return window.sessionStorage; } catch { return null; }
}

async function start() {
  const banner = new Banner();
  let names = null;
  try {
    // the file the server reads too, served beside this page (client/web/names.json)
    names = await loadNames('/names.json');
  } catch {
    banner.showError('Could not load the naming rule: names are checked by the server only.');
  }
  const view = new ChatView();
  const app = new ChatApp({ client: new ChatClient({ storage: tabStorage() }), names, state: new ChatState(), view, banner });
  const params = new URLSearchParams(window.location.search);
  view.els.name.value = params.get('name') || storedName() || '';
  window.chatApp = app;
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
