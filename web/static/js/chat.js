// chat.js: the browser chat at /. Sign in with a pasted token (kept in
// sessionStorage), list chats with unread counts, create a chat, read a
// chat with infinite scroll back, send with pending/acked/failed state
// (retries reuse the client_msg_id, so a retry is never stored twice),
// typing indicator, read marks. Reconnects and catches up by itself.
// Timeline v1.1: edit and delete of one's own messages; a members panel
// (add, remove if creator, leave) with presence dots; delivery receipts for
// what this device received (at most one per chat a second) and
// "delivered" on own messages.

import { h, replace, $, fmtTime } from './dom.js';
import { getToken, setToken, clearToken, expired } from './auth.js';
import { LinkupClient, RETRIABLE, newID, wsURL } from './linkup.js';
import { ChatStore } from './store.js';

const TOKEN_KEY = 'linkup.token';
const PAGE = 50;

const store = new ChatStore();
let client = null;
let current = ''; // open chat id
let loadingOlder = false;

function init() {
  $('#signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const tok = $('#token').value.trim();
    if (!tok) return;
    setToken(TOKEN_KEY, tok);
    $('#token').value = '';
    start(tok);
  });
  $('#signout').addEventListener('click', signOut);
  $('#new-chat').addEventListener('submit', createChat);
  $('#add-members').addEventListener('submit', addMembers);
  $('#leave').addEventListener('click', leaveChat);
  $('#composer').addEventListener('submit', (e) => { e.preventDefault(); send(); });
  $('#body').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(); }
  });
  $('#body').addEventListener('input', typingInput);
  $('#messages').addEventListener('scroll', () => { if ($('#messages').scrollTop < 40) loadOlder(); });
  document.addEventListener('visibilitychange', () => markRead());
  setInterval(renderTyping, 1000);
  const tok = getToken(TOKEN_KEY);
  if (tok && !expired(tok)) start(tok);
  else showSignIn(tok ? 'Your token has expired: paste a new one.' : '');
}

function showSignIn(message) {
  $('#signin').hidden = false;
  $('#app').hidden = true;
  $('#signout').hidden = true;
  $('#signin-error').textContent = message || '';
  setStatus('idle', 'signed out');
}

function signOut() {
  if (client) client.stop();
  client = null;
  clearToken(TOKEN_KEY);
  store.chats.clear();
  current = '';
  showSignIn('');
}

function start(token) {
  $('#signin').hidden = true;
  $('#app').hidden = false;
  $('#signout').hidden = false;
  client = new LinkupClient({ url: wsURL(), token, positions: () => store.positions() });
  client.addEventListener('state', (e) => onState(e.detail));
  client.addEventListener('synced', (e) => onSynced(e.detail));
  client.addEventListener('frame', (e) => onFrame(e.detail));
  client.addEventListener('fatal', (e) => {
    if (client) client.stop();
    clearToken(TOKEN_KEY);
    showSignIn(`Signed out: ${e.detail.reason}`);
  });
  client.start();
}

function setStatus(state, text) {
  const el = $('#status');
  el.dataset.state = state;
  el.textContent = text;
}

async function onState({ state, delay, hint }) {
  const texts = {
    connecting: 'connecting…', syncing: 'catching up…', online: 'online', closed: 'offline',
    reconnecting: delay ? `reconnecting in ${Math.ceil(delay / 1000)} s…` : 'reconnecting…',
  };
  setStatus(state, hint || texts[state] || state);
  if (state !== 'online') return;
  try {
    const st = await client.request({ type: 'get_connection_status' });
    store.me = st.user_id;
    $('#me').textContent = st.user_id;
    await refreshChats();
    if (current && !store.chat(current).lowest) await loadHistory(store.chat(current));
    if (current) askPresence(store.chat(current).members);
    renderAll();
    for (const c of store.chats.values()) deliverSoon(c);
    flushOutboxes();
    markRead();
  } catch (err) {
    console.warn('after connect', err);
  }
}

async function refreshChats() {
  const r = await client.request({ type: 'list_chats' });
  const listed = new Set();
  for (const s of r.chats || []) { store.summary(s.chat_id, s); listed.add(s.chat_id); }
  for (const id of [...store.chats.keys()]) if (!listed.has(id)) forget(id);
  renderChats();
}

function onSynced(done) {
  for (const [id, s] of Object.entries(done.chats || {})) store.summary(id, s);
  renderChats();
}

function onFrame(f) {
  switch (f.type) {
    case 'message': case 'message_edited': case 'message_deleted': case 'members_changed':
      return onItem(f);
    case 'chat_created':
      store.summary(f.chat_id, { title: f.title, members: f.members, created_by: f.created_by });
      return renderChats();
    case 'delivered':
      return onDelivered(f);
    case 'presence':
      store.presence.set(f.user, { status: f.status, last_seen: f.last_seen });
      return renderMembers();
    case 'typing':
      return onTyping(f);
    case 'read':
      return onRead(f);
    case 'force_reconnect':
      return setStatus('reconnecting', `server asked to reconnect (${f.reason})…`);
    case 'error':
      return console.warn('server error', f.code, f.message);
  }
}

function onItem(f) {
  const c = store.chat(f.chat_id);
  const fresh = store.add(f);
  if (f.type === 'members_changed' && f.members) {
    c.members = f.members;
    if ((f.removed || []).includes(store.me)) { forget(c.id); renderAll(); return; }
    if (fresh && (f.added || []).length) askPresence(f.added);
  }
  if (fresh && f.type === 'message' && f.sender !== store.me && f.seq > c.lastReadSeq && !viewing(c.id)) c.unread++;
  c.typing.delete(f.sender);
  if (c.id === current) { renderMessages(); renderMembers(); markRead(); }
  deliverSoon(c);
  renderChats();
}

function onTyping(f) {
  if (f.user === store.me) return;
  const c = store.chat(f.chat_id);
  if (f.is_typing) c.typing.set(f.user, Date.now() + 6000);
  else c.typing.delete(f.user);
  renderTyping();
}

function onRead(f) {
  const c = store.chat(f.chat_id);
  if (f.user === store.me) {
    c.lastReadSeq = Math.max(c.lastReadSeq, f.last_read_seq);
    if (c.lastReadSeq >= c.latestSeq) c.unread = 0;
    renderChats();
    return;
  }
  c.readers.set(f.user, Math.max(c.readers.get(f.user) || 0, f.last_read_seq));
  if (c.id === current) renderMessages();
}

function viewing(id) {
  return id === current && document.visibilityState === 'visible';
}

// ---- chats -------------------------------------------------------------

async function createChat(e) {
  e.preventDefault();
  const title = $('#new-title').value.trim();
  const members = $('#new-members').value.split(',').map((m) => m.trim()).filter(Boolean);
  $('#new-error').textContent = '';
  try {
    const ack = await client.request({ type: 'create_chat', title, members });
    store.summary(ack.chat_id, { title, members: [store.me, ...members], created_by: store.me });
    $('#new-title').value = '';
    $('#new-members').value = '';
    renderChats();
    openChat(ack.chat_id);
  } catch (err) {
    $('#new-error').textContent = `Could not create the chat: ${err.message}`;
  }
}

async function openChat(id) {
  if (id !== current) editing = null;
  current = id;
  const c = store.chat(id);
  $('#composer').hidden = false;
  renderAll();
  askPresence(c.members);
  if (!c.lowest && client && client.state === 'online') await loadHistory(c);
  renderMessages(true);
  markRead();
  $('#body').focus();
}

async function loadHistory(c, beforeSeq) {
  const req = { type: 'get_history', chat_id: c.id, limit: PAGE };
  if (beforeSeq) req.before_seq = beforeSeq;
  const r = await client.request(req);
  const msgs = r.messages || [];
  for (const m of msgs) store.add({ ...m, chat_id: c.id });
  const low = msgs.length ? Math.min(...msgs.map((m) => m.seq)) : (beforeSeq || 1);
  c.lowest = c.lowest ? Math.min(c.lowest, low) : low;
  if (msgs.length === 0) c.lowest = c.lowest || c.latestSeq + 1;
  c.historyDone = msgs.length < PAGE || c.lowest <= 1;
  deliverSoon(c);
}

// loadOlder fetches the page before the oldest loaded item and keeps what
// the reader looks at in place.
async function loadOlder() {
  const c = current && store.chat(current);
  if (!c || loadingOlder || c.historyDone || !c.lowest || !client || client.state !== 'online') return;
  loadingOlder = true;
  const list = $('#messages');
  const before = list.scrollHeight - list.scrollTop;
  try {
    await loadHistory(c, c.lowest);
    renderMessages();
    list.scrollTop = list.scrollHeight - before;
  } catch (err) {
    console.warn('history', err);
  } finally {
    loadingOlder = false;
  }
}

// markRead moves the read pointer to the newest item of the open chat
// while the page is visible.
let reading = false;
async function markRead() {
  const c = current && store.chat(current);
  if (!c || reading || !viewing(c.id) || !client || client.state !== 'online') return;
  const top = store.maxSeq(c);
  if (top <= c.lastReadSeq) { c.unread = 0; renderChats(); return; }
  reading = true;
  try {
    const ack = await client.request({ type: 'read_receipt', chat_id: c.id, seq: top });
    c.lastReadSeq = Math.max(c.lastReadSeq, ack.last_read_seq);
    c.unread = 0;
    renderChats();
  } catch (err) {
    console.warn('read', err);
  } finally {
    reading = false;
  }
  if (store.maxSeq(c) > c.lastReadSeq) markRead();
}

// ---- sending -------------------------------------------------------------

function send() {
  const c = current && store.chat(current);
  const body = $('#body').value;
  if (!c || !body.trim()) return;
  const item = { client_msg_id: newID(), chat_id: c.id, body, sender: store.me, state: 'pending', attempts: 0 };
  c.outbox.push(item);
  $('#body').value = '';
  stopTyping(false); // the message itself ends the typing indicator at the others
  renderMessages(true);
  transmit(item);
}

// transmit sends one outbox item; a retriable failure leaves it pending
// (sent again with the same client_msg_id), any other marks it failed.
async function transmit(item) {
  if (item.inflight || item.state !== 'pending' || !client || client.state !== 'online') return;
  item.inflight = true;
  item.attempts++;
  try {
    const ack = await client.request({ type: 'send_message', chat_id: item.chat_id, client_msg_id: item.client_msg_id, body: item.body });
    const c = store.chat(ack.chat_id);
    store.add({ type: 'message', chat_id: ack.chat_id, seq: ack.seq, message_id: ack.message_id, sender: store.me,
      body: item.body, sent_at: ack.sent_at, client_msg_id: item.client_msg_id });
    c.lastReadSeq = Math.max(c.lastReadSeq, ack.seq);
  } catch (err) {
    if (RETRIABLE.has(err.code) && item.attempts < 10) {
      if (err.code !== 'disconnected') setTimeout(() => transmit(item), 500 * item.attempts);
    } else {
      item.state = 'failed';
      item.error = err.message;
    }
  } finally {
    item.inflight = false;
  }
  if (item.chat_id === current) renderMessages();
  renderChats();
}

function flushOutboxes() {
  for (const c of store.chats.values()) for (const item of c.outbox) transmit(item);
}

function retry(item) {
  item.state = 'pending';
  item.attempts = 0;
  item.error = '';
  renderMessages();
  transmit(item);
}

// ---- edit and delete (v1.1) -------------------------------------------------

const AMENDS = new Set(['message_edited', 'message_deleted']);

// editing is the message being edited: its form is one element kept across
// renders, so what the person types survives frames arriving meanwhile.
let editing = null; // {chatId, seq, form}

function startEdit(m) {
  const area = h('textarea', { class: 'edit-body', rows: 2, maxlength: 16384 });
  area.value = m.body || '';
  const form = h('form', { class: 'edit-form', onsubmit: (e) => { e.preventDefault(); saveEdit(); } },
    area, h('div', { class: 'edit-buttons' },
      h('button', { type: 'submit' }, 'Save'),
      h('button', { type: 'button', class: 'cancel', onclick: cancelEdit }, 'Cancel')));
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); saveEdit(); }
    if (e.key === 'Escape') cancelEdit();
  });
  editing = { chatId: m.chat_id, seq: m.seq, form };
  renderMessages();
  area.focus();
}

function cancelEdit() {
  editing = null;
  renderMessages();
}

async function saveEdit() {
  if (!editing) return;
  const { chatId, seq, form } = editing;
  const body = form.querySelector('textarea').value;
  const m = store.chat(chatId).items.get(seq);
  if (!body.trim() || (m && body === m.body)) { cancelEdit(); return; }
  try {
    const ack = await client.request({ type: 'edit_message', chat_id: chatId, seq, body });
    editing = null;
    store.add({ type: 'message_edited', chat_id: chatId, seq: ack.seq, target_seq: seq, body,
      edited_at: new Date().toISOString(), by: store.me });
    actionError('');
  } catch (err) {
    actionError(`Could not edit: ${err.message}`);
  }
  renderMessages();
}

// A delete takes two clicks ("delete", then "really delete?" within 5 s):
// no dialog, and no message lost to a slip.
let confirming = '';
let confirmTimer = 0;
function askDelete(m) {
  confirming = `${m.chat_id}/${m.seq}`;
  clearTimeout(confirmTimer);
  confirmTimer = setTimeout(() => { confirming = ''; renderMessages(); }, 5000);
  renderMessages();
}

async function deleteMessage(m) {
  confirming = '';
  clearTimeout(confirmTimer);
  try {
    const ack = await client.request({ type: 'delete_message', chat_id: m.chat_id, seq: m.seq });
    store.add({ type: 'message_deleted', chat_id: m.chat_id, seq: ack.seq, target_seq: m.seq, by: store.me });
    if (editing && editing.seq === m.seq) editing = null;
    actionError('');
  } catch (err) {
    actionError(`Could not delete: ${err.message}`);
  }
  if (m.chat_id === current) renderMessages();
}

function actionError(text) {
  $('#action-error').textContent = text;
}

// ---- members and presence (v1.1) ---------------------------------------------

// forget drops a chat this user is no longer in.
function forget(id) {
  store.drop(id);
  if (id === current) { current = ''; editing = null; $('#composer').hidden = true; }
}

// askPresence asks the server whether these users are online (it answers
// only for users who share a chat with this one).
async function askPresence(users) {
  const want = (users || []).slice(0, 500);
  if (!want.length || !client || client.state !== 'online') return;
  try {
    const r = await client.request({ type: 'get_presence', users: want });
    for (const u of r.users || []) store.presence.set(u.user, { status: u.status, last_seen: u.last_seen });
    renderMembers();
  } catch (err) {
    console.warn('presence', err);
  }
}

async function membersCommand(frame, what) {
  $('#members-error').textContent = '';
  try {
    const ack = await client.request(frame);
    return ack;
  } catch (err) {
    $('#members-error').textContent = `Could not ${what}: ${err.message}`;
    return null;
  }
}

async function addMembers(e) {
  e.preventDefault();
  const c = current && store.chat(current);
  const ids = $('#add-ids').value.split(',').map((m) => m.trim()).filter(Boolean);
  if (!c || !ids.length) return;
  const ack = await membersCommand({ type: 'add_members', chat_id: c.id, members: ids }, 'add');
  if (!ack) return;
  $('#add-ids').value = '';
  if (ack.members) c.members = ack.members;
  askPresence(ids);
  renderAll();
}

async function removeMember(user) {
  const c = current && store.chat(current);
  if (!c) return;
  const ack = await membersCommand({ type: 'remove_member', chat_id: c.id, user }, `remove ${user}`);
  if (ack && ack.members && store.chats.has(c.id)) c.members = ack.members;
  renderAll();
}

async function leaveChat() {
  const c = current && store.chat(current);
  if (!c) return;
  const ack = await membersCommand({ type: 'leave_chat', chat_id: c.id }, 'leave');
  if (!ack) return;
  forget(c.id);
  renderAll();
}

function renderMembers() {
  const c = current && store.chats.get(current);
  $('#members-panel').hidden = !c;
  if (!c) return;
  const creator = store.creator(c);
  const canRemove = creator === store.me;
  replace($('#members'), c.members.map((u) => {
    const p = store.presence.get(u);
    const status = (p && p.status) || 'unknown';
    const seen = p && p.last_seen ? `, last seen ${fmtTime(p.last_seen, true)}` : '';
    return h('li', { dataset: { user: u, presence: status } },
      h('span', { class: `dot ${status}`, title: status + seen, 'aria-label': status }),
      h('span', { class: 'member-name' }, u),
      u === creator ? h('span', { class: 'muted' }, ' (creator)') : null,
      u === store.me ? h('span', { class: 'muted' }, ' (you)') : null,
      canRemove && u !== store.me
        ? h('button', { type: 'button', class: 'link remove', title: `remove ${u}`, onclick: () => removeMember(u) }, 'remove') : null);
  }));
}

// ---- delivery (v1.1) ---------------------------------------------------------

const DELIVERY_GAP_MS = 1000;

// deliverSoon tells the server this device has received the chat's items
// up to the newest it holds: at once, or, within a second of the last
// receipt for this chat, once at the end of that second.
function deliverSoon(c) {
  if (c.deliverTimer || store.maxSeq(c) <= c.deliveredSent) return;
  const wait = c.deliveredAt + DELIVERY_GAP_MS - Date.now();
  if (wait > 0) {
    c.deliverTimer = setTimeout(() => { c.deliverTimer = 0; deliverSoon(c); }, wait);
    return;
  }
  sendDelivery(c);
}

async function sendDelivery(c) {
  if (!client || client.state !== 'online' || !store.chats.has(c.id)) return;
  const top = store.maxSeq(c);
  c.deliveredAt = Date.now();
  try {
    const ack = await client.request({ type: 'delivery_receipt', chat_id: c.id, seq: top });
    c.deliveredSent = Math.max(c.deliveredSent, Number(ack.delivered_seq) || top);
  } catch (err) {
    console.warn('delivery', err);
    return; // sent again with the next item or after the next connect
  }
  deliverSoon(c); // items that arrived meanwhile
}

function onDelivered(f) {
  if (f.user === store.me || !store.chats.has(f.chat_id)) return;
  const c = store.chat(f.chat_id);
  c.deliveredTo.set(f.user, Math.max(c.deliveredTo.get(f.user) || 0, Number(f.delivered_seq) || 0));
  if (c.id === current) renderMessages();
}

// deliveredTo lists the other users whose devices confirmed seq.
function deliveredTo(c, seq) {
  return [...c.deliveredTo].filter(([, d]) => d >= seq).map(([u]) => u);
}

// ---- typing --------------------------------------------------------------

let typingSentAt = 0;
let typingTimer = 0;
function typingInput() {
  if (!current || !client) return;
  const now = Date.now();
  if (now - typingSentAt > 2000) {
    client.notify({ type: 'typing', chat_id: current, is_typing: true });
    typingSentAt = now;
  }
  clearTimeout(typingTimer);
  typingTimer = setTimeout(stopTyping, 3000);
}

function stopTyping(notify = true) {
  clearTimeout(typingTimer);
  if (notify && typingSentAt && current && client) client.notify({ type: 'typing', chat_id: current, is_typing: false });
  typingSentAt = 0;
}

// ---- rendering -------------------------------------------------------------

function renderAll() {
  renderChats();
  renderMembers();
  renderMessages();
  renderTyping();
}

function renderChats() {
  const items = store.sorted().map((c) => h('li', { class: c.id === current ? 'active' : '' },
    h('button', { type: 'button', class: 'chat-item', dataset: { chatId: c.id }, onclick: () => openChat(c.id) },
      h('span', { class: 'chat-title' }, c.title || c.id),
      c.unread > 0 ? h('span', { class: 'badge', 'aria-label': 'unread' }, String(c.unread)) : null)));
  replace($('#chats'), items.length ? items : h('li', { class: 'muted' }, 'No chats yet: create one.'));
}

function renderMessages(toBottom = false) {
  const list = $('#messages');
  const c = current && store.chat(current);
  if (!c) {
    replace($('#conv-title'), 'No chat open');
    replace(list);
    return;
  }
  replace($('#conv-title'), c.title || c.id);
  replace($('#conv-members'), c.members.join(', '));
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  const items = store.ordered(c).filter((m) => !(AMENDS.has(m.type) && c.items.has(Number(m.target_seq))));
  const marks = readMarks(c, items);
  const rows = items.map((m) => itemRow(m, marks.get(m.seq)));
  if (!c.historyDone && c.lowest) rows.unshift(h('li', { class: 'more muted' }, 'Scroll up for older messages'));
  for (const o of c.outbox) rows.push(outboxRow(o));
  replace(list, rows);
  if (toBottom || atBottom) list.scrollTop = list.scrollHeight;
}

// readMarks places each other member's read pointer on the newest loaded
// item at or below it.
function readMarks(c, items) {
  const out = new Map();
  for (const [user, seq] of c.readers) {
    let at = 0;
    for (const m of items) if (m.seq <= seq) at = m.seq;
    if (!at) continue;
    if (!out.has(at)) out.set(at, []);
    out.get(at).push(user);
  }
  return out;
}

function itemRow(m, readers) {
  if (m.type !== 'message') {
    return h('li', { class: 'system muted', dataset: { seq: m.seq } }, systemText(m));
  }
  const mine = m.sender === store.me;
  const editingThis = editing && editing.chatId === m.chat_id && editing.seq === m.seq;
  const delivered = mine && !m.deleted ? deliveredTo(store.chat(m.chat_id), m.seq) : [];
  return h('li', { class: `msg ${mine ? 'mine' : 'theirs'}${m.deleted ? ' deleted' : ''}`, dataset: { seq: m.seq, state: 'acked' } },
    h('div', { class: 'meta' }, h('span', { class: 'sender' }, m.sender), ' ',
      h('time', { datetime: m.sent_at || '' }, fmtTime(m.sent_at)),
      mine ? h('span', { class: 'state acked', title: 'stored by the server' }, ' ✓') : null,
      mine && delivered.length ? h('span', { class: 'delivered', title: `delivered to ${delivered.join(', ')}` }, ' delivered') : null,
      m.edited_at && !m.deleted ? h('span', { class: 'edited muted' }, ' (edited)') : null,
      mine && !m.deleted && !editingThis ? msgActions(m) : null),
    editingThis ? editing.form
      : h('div', { class: 'body' }, m.deleted ? h('em', { class: 'muted' }, 'message deleted') : m.body),
    readers ? h('div', { class: 'seen muted' }, `Seen by ${readers.join(', ')}`) : null);
}

function msgActions(m) {
  return h('span', { class: 'msg-actions' },
    h('button', { type: 'button', class: 'link edit', onclick: () => startEdit(m) }, 'edit'),
    confirming === `${m.chat_id}/${m.seq}`
      ? h('button', { type: 'button', class: 'link delete confirm', onclick: () => deleteMessage(m) }, 'really delete?')
      : h('button', { type: 'button', class: 'link delete', onclick: () => askDelete(m) }, 'delete'));
}

function systemText(m) {
  switch (m.type) {
    case 'members_changed': return membersText(m);
    case 'message_edited': return `${m.by} edited a message`;
    case 'message_deleted': return `${m.by} deleted a message`;
  }
  return m.type;
}

function membersText(m) {
  const added = m.added || [];
  const removed = m.removed || [];
  if (removed.length === 1 && removed[0] === m.by && !added.length) return `${m.by} left`;
  const parts = [];
  if (added.length) parts.push(`added ${added.join(', ')}`);
  if (removed.length) parts.push(`removed ${removed.join(', ')}`);
  return `${m.by} ${parts.join(' and ') || 'changed the members'}`;
}

function outboxRow(o) {
  const failed = o.state === 'failed';
  return h('li', { class: `msg mine ${o.state}`, dataset: { state: o.state, clientMsgId: o.client_msg_id } },
    h('div', { class: 'meta' }, h('span', { class: 'sender' }, store.me), ' ',
      h('span', { class: `state ${o.state}` }, failed ? `failed: ${o.error || ''}` : 'sending…')),
    h('div', { class: 'body' }, o.body),
    failed ? h('button', { type: 'button', class: 'retry', onclick: () => retry(o) }, 'Retry') : null);
}

function renderTyping() {
  const c = current && store.chat(current);
  const now = Date.now();
  const who = c ? [...c.typing].filter(([, until]) => until > now).map(([u]) => u) : [];
  $('#typing').textContent = who.length ? `${who.join(', ')} ${who.length > 1 ? 'are' : 'is'} typing…` : '';
}

init();
