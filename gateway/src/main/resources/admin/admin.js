// The live admin page: polls this gateway's server API (/api/v1) with the operator's key and
// charts the numbers every gateway reports. Every text from the server goes into the page as
// text (textContent), never as HTML.

const API = '/api/v1';
const POLL_MS = 2000;
const WINDOW = 150; // points kept per chart (5 minutes at 2 s)

const $ = (id) => document.getElementById(id);
let key = sessionStorage.getItem('chat-relay-admin-key') || '';
let previous = new Map(); // node -> last snapshot (for rates)
let selectedRoom = null;
const series = { t: [], connections: [], messages: [], deliveries: [], p50: [], p99: [], pending: [], lag: [], dead: [] };
let charts = null;

async function call(method, path, body) {
  const res = await fetch(API + path, {
    method,
    headers: { Authorization: 'Bearer ' + key, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const error = new Error(data.message || res.statusText);
    error.status = res.status;
    throw error;
  }
  return data;
}

function say(text) {
  $('message').textContent = text;
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function button(parent, label, action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', action);
  parent.appendChild(b);
  return b;
}

function rate(node, field, now) {
  const before = previous.get(node.node);
  if (!before || node.ts <= before.ts) {
    return 0;
  }
  return Math.max(0, (node[field] - before[field]) * 1000 / (node.ts - before.ts));
}

function makeCharts() {
  const width = () => Math.max(380, Math.floor(document.querySelector('.charts figure').clientWidth));
  const opts = (title, names) => ({
    width: width(), height: 180, legend: { show: true },
    scales: { x: { time: true } },
    series: [{}, ...names.map((n, i) => ({ label: n, stroke: ['#2f6fde', '#d1495b', '#3a9d5d'][i], width: 1.5 }))],
  });
  return {
    connections: new uPlot(opts('connections', ['connections']), [[], []], $('chart-connections')),
    rates: new uPlot(opts('rates', ['messages/s', 'deliveries/s']), [[], [], []], $('chart-rates')),
    latency: new uPlot(opts('latency', ['p50', 'p99']), [[], [], []], $('chart-latency')),
    webhooks: new uPlot(opts('webhooks', ['pending', 'lag', 'dead letters']), [[], [], [], []], $('chart-webhooks')),
  };
}

function push(name, value) {
  series[name].push(value);
  if (series[name].length > WINDOW) {
    series[name].shift();
  }
}

function render(nodes, hooks) {
  const now = Date.now() / 1000;
  let connections = 0, messages = 0, deliveries = 0, p50 = 0, p99 = 0;
  const body = $('nodes').querySelector('tbody');
  body.replaceChildren();
  const rooms = new Map();
  for (const n of nodes.sort((a, b) => a.node.localeCompare(b.node))) {
    const m = rate(n, 'published', now);
    const d = rate(n, 'deliveries', now);
    connections += n.connections;
    messages += m;
    deliveries += d;
    p50 = Math.max(p50, n.latency_p50_ms);
    p99 = Math.max(p99, n.latency_p99_ms);
    const row = document.createElement('tr');
    row.dataset.node = n.node;
    [n.node, n.broker, n.connections, n.rooms, m.toFixed(1), d.toFixed(1), n.latency_p50_ms.toFixed(1),
      n.latency_p99_ms.toFixed(1), n.draining ? 'draining' : 'serving'].forEach((v) => cell(row, String(v)));
    body.appendChild(row);
    for (const [room, count] of Object.entries(n.top_rooms || {})) {
      rooms.set(room, (rooms.get(room) || 0) + count);
    }
    previous.set(n.node, n);
  }
  $('t-nodes').textContent = String(nodes.length);
  $('t-connections').textContent = String(connections);
  $('t-messages').textContent = messages.toFixed(1);
  $('t-deliveries').textContent = deliveries.toFixed(1);
  $('t-p99').textContent = p99.toFixed(1);
  $('t-backlog').textContent = String(hooks.pending + hooks.lag);
  $('t-dead').textContent = String(hooks.dead_letters);

  const roomBody = $('rooms').querySelector('tbody');
  roomBody.replaceChildren();
  [...rooms.entries()].sort((a, b) => b[1] - a[1]).slice(0, 50).forEach(([room, count]) => {
    const row = document.createElement('tr');
    row.dataset.room = room;
    cell(row, room);
    cell(row, String(count));
    button(cell(row, ''), 'inspect', () => inspect(room));
    roomBody.appendChild(row);
  });

  push('t', now);
  push('connections', connections);
  push('messages', messages);
  push('deliveries', deliveries);
  push('p50', p50);
  push('p99', p99);
  push('pending', hooks.pending);
  push('lag', hooks.lag);
  push('dead', hooks.dead_letters);
  charts ??= makeCharts();
  charts.connections.setData([series.t, series.connections]);
  charts.rates.setData([series.t, series.messages, series.deliveries]);
  charts.latency.setData([series.t, series.p50, series.p99]);
  charts.webhooks.setData([series.t, series.pending, series.lag, series.dead]);
}

async function inspect(room) {
  selectedRoom = room;
  $('room-detail').hidden = false;
  $('room-name').textContent = room;
  const enc = encodeURIComponent(room);
  const [presence, bans] = await Promise.all([call('GET', `/rooms/${enc}/presence`), call('GET', `/rooms/${enc}/bans`)]);
  const body = $('members').querySelector('tbody');
  body.replaceChildren();
  for (const m of presence.members) {
    const row = document.createElement('tr');
    row.dataset.user = m.user;
    cell(row, m.user);
    cell(row, m.name);
    const actions = cell(row, '');
    const user = encodeURIComponent(m.user);
    const reason = () => $('reason').value;
    button(actions, 'kick', () => act(`kicked ${m.user}`, 'POST', `/users/${user}/disconnect`, { reason: reason() }));
    button(actions, 'remove', () => act(`removed ${m.user}`, 'DELETE', `/rooms/${enc}/members/${user}?reason=${encodeURIComponent(reason())}`));
    button(actions, 'mute', () => act(`muted ${m.user}`, 'PUT', `/rooms/${enc}/mutes/${user}`, { reason: reason() }));
    button(actions, 'ban', () => act(`banned ${m.user}`, 'PUT', `/rooms/${enc}/bans/${user}`, { reason: reason() }));
    body.appendChild(row);
  }
  const list = $('bans');
  list.replaceChildren();
  for (const b of bans.bans) {
    const li = document.createElement('li');
    li.textContent = `${b.user} ${b.reason ? '(' + b.reason + ')' : ''} `;
    button(li, 'lift', () => act(`lifted the ban of ${b.user}`, 'DELETE', `/rooms/${enc}/bans/${encodeURIComponent(b.user)}`));
    list.appendChild(li);
  }
}

async function act(done, method, path, body) {
  try {
    await call(method, path, body);
    say(done);
    if (selectedRoom) {
      await inspect(selectedRoom);
    }
  } catch (e) {
    say(`failed: ${e.message}`);
  }
}

async function poll() {
  try {
    const [nodes, hooks] = await Promise.all([call('GET', '/nodes'), call('GET', '/webhooks')]);
    $('status').textContent = `updated ${new Date().toLocaleTimeString()}`;
    render(nodes.nodes, hooks);
  } catch (e) {
    $('status').textContent = e.status === 401 ? 'wrong key' : `unreachable: ${e.message}`;
    if (e.status === 401) {
      sessionStorage.removeItem('chat-relay-admin-key');
      $('login').hidden = false;
      $('dashboard').hidden = true;
      return;
    }
  }
  setTimeout(poll, POLL_MS);
}

function open() {
  $('login').hidden = true;
  $('dashboard').hidden = false;
  poll();
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  key = $('api-key').value.trim();
  sessionStorage.setItem('chat-relay-admin-key', key);
  open();
});

if (key) {
  open();
}
