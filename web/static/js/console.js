// console.js: the analyst console at /console: the error log with filters
// and cursor paging, errors per hour, read states, the delivery audit of a
// message (v1.1), projection status.

import { h, replace, $, fmtTime, fmtStamp } from './dom.js';
import { get, isoFromLocal } from './api.js';
import { setupTokenBar, handleAuth } from './tokenbar.js';
import { drawHourly } from './chart.js';

let cursors = ['']; // cursor of each page shown so far; the last is the current page
let nextCursor = null;
let projTimer = 0;

function filters() {
  return {
    error_type: $('#f-type').value.trim(), severity: $('#f-severity').value, user: $('#f-user').value.trim(),
    connection_id: $('#f-connection').value.trim(), since: isoFromLocal($('#f-since').value),
    until: isoFromLocal($('#f-until').value), limit: $('#f-limit').value,
  };
}

let errorsGen = 0; // answers of an older request are dropped

async function loadErrors() {
  $('#errors-error').textContent = '';
  const cursor = cursors[cursors.length - 1];
  const mine = ++errorsGen;
  try {
    const r = await get('/v1/errors', { ...filters(), cursor });
    if (mine !== errorsGen) return;
    nextCursor = r.next_cursor;
    replace($('#errors-body'), r.items.length ? r.items.map(errorRow) : h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No errors match.')));
    $('#page-info').textContent = `page ${cursors.length}, ${r.items.length} shown`;
  } catch (err) {
    if (!handleAuth(err)) $('#errors-error').textContent = err.message;
  }
  $('#page-prev').disabled = cursors.length < 2;
  $('#page-first').disabled = cursors.length < 2;
  $('#page-next').disabled = !nextCursor;
}

function errorRow(e) {
  return h('tr', { dataset: { id: e.id } },
    h('td', { class: 'stamp' }, fmtStamp(e.at)), h('td', { class: 'num' }, e.id),
    h('td', { class: 'nowrap' }, e.error_type), h('td', { class: `sev-${e.severity}` }, e.severity),
    h('td', {}, timelineLink('user', e.user)), h('td', { class: 'corr' }, timelineLink('connection', e.connection_id)),
    h('td', {}, e.message), h('td', { class: 'details' }, e.context ? JSON.stringify(e.context) : ''));
}

// timelineLink links to the incident view of a user or a connection (the
// filter goes in the fragment, which no request carries).
function timelineLink(kind, id) {
  if (!id) return '';
  return h('a', { href: `/incident#${new URLSearchParams({ [kind]: id })}`, title: `timeline of this ${kind}` }, id);
}

async function loadChart() {
  $('#chart-error').textContent = '';
  const hours = Number($('#c-window').value);
  const end = new Date();
  end.setMinutes(0, 0, 0);
  const start = new Date(end.getTime() - (hours - 1) * 3600e3);
  try {
    const r = await get('/v1/errors/hourly', { since: start.toISOString(), error_type: $('#c-type').value.trim() });
    drawHourly($('#chart'), $('#legend'), r.items, start, hours);
  } catch (err) {
    if (!handleAuth(err)) $('#chart-error').textContent = err.message;
  }
}

let readGen = 0;

async function loadReadStates() {
  $('#read-error').textContent = '';
  const mine = ++readGen;
  try {
    const r = await get('/v1/read-states', { [$('#r-by').value]: $('#r-id').value.trim() });
    if (mine !== readGen) return;
    replace($('#read-body'), r.items.length ? r.items.map((s) => h('tr', {},
      h('td', {}, timelineLink('user', s.user)), h('td', {}, timelineLink('chat', s.chat_id)), h('td', { class: 'num' }, s.last_read_seq),
      h('td', { class: 'num' }, s.latest_seq), h('td', { class: 'num' }, s.unread)))
      : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'Nothing found.')));
  } catch (err) {
    if (!handleAuth(err)) $('#read-error').textContent = err.message;
  }
}

let auditGen = 0;

// loadAudit shows GET /v1/deliveries for one timeline item: per member,
// when a device of theirs first confirmed it, which connection, and when
// they read it (a dash where it never happened).
async function loadAudit() {
  $('#audit-error').textContent = '';
  const mine = ++auditGen;
  try {
    const r = await get('/v1/deliveries', { chat: $('#a-chat').value.trim(), seq: $('#a-seq').value.trim() });
    if (mine !== auditGen) return;
    $('#audit-info').textContent = `chat ${r.chat_id}, seq ${r.seq}, posted ${fmtStamp(r.posted_at)}`;
    replace($('#audit-body'), (r.items || []).length ? r.items.map((d) => h('tr', { dataset: { user: d.user } },
      h('td', {}, timelineLink('user', d.user)),
      h('td', { class: 'stamp' }, d.delivered_at ? fmtStamp(d.delivered_at) : '—'),
      h('td', { class: 'corr' }, d.delivered_connection_id ? timelineLink('connection', d.delivered_connection_id) : '—'),
      h('td', { class: 'stamp' }, d.read_at ? fmtStamp(d.read_at) : '—')))
      : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No members.')));
  } catch (err) {
    if (mine !== auditGen || handleAuth(err)) return;
    $('#audit-info').textContent = '';
    replace($('#audit-body'));
    $('#audit-error').textContent = err.status === 404 ? `${err.message} (unknown, or not projected yet: try again)` : err.message;
  }
}

async function loadProjections() {
  clearTimeout(projTimer);
  try {
    const r = await get('/v1/projections');
    $('#proj-error').textContent = '';
    replace($('#proj-body'), r.items.map((p) => h('tr', { dataset: { name: p.name } },
      h('td', {}, p.name), h('td', { class: 'num' }, p.checkpoint), h('td', { class: 'num' }, p.head),
      h('td', { class: p.lag_events > 1000 ? 'num lag-bad' : 'num' }, p.lag_events),
      h('td', { class: 'num' }, (p.lag_seconds || 0).toFixed(1)), h('td', { class: 'num' }, p.poisoned || 0),
      h('td', {}, fmtTime(p.updated_at, true)),
      h('td', {}, p.lag_events === 0 ? 'caught up' : 'behind'))));
    $('#proj-time').textContent = `(as of ${new Date().toLocaleTimeString()}, every 5 s)`;
  } catch (err) {
    if (handleAuth(err)) return;
    $('#proj-error').textContent = err.message;
  }
  projTimer = setTimeout(loadProjections, 5000);
}

function init() {
  $('#error-filters').addEventListener('submit', (e) => { e.preventDefault(); cursors = ['']; loadErrors(); });
  $('#f-reset').addEventListener('click', () => { $('#error-filters').reset(); cursors = ['']; loadErrors(); });
  $('#page-next').addEventListener('click', () => { if (nextCursor) { cursors.push(nextCursor); loadErrors(); } });
  $('#page-prev').addEventListener('click', () => { if (cursors.length > 1) { cursors.pop(); loadErrors(); } });
  $('#page-first').addEventListener('click', () => { cursors = ['']; loadErrors(); });
  $('#chart-filters').addEventListener('submit', (e) => { e.preventDefault(); loadChart(); });
  $('#read-filters').addEventListener('submit', (e) => { e.preventDefault(); loadReadStates(); });
  $('#audit-form').addEventListener('submit', (e) => { e.preventDefault(); loadAudit(); });
  setupTokenBar(() => { loadErrors(); loadChart(); loadProjections(); });
}

init();
