// incident.js: the incident view at /incident: GET /v1/timeline with the
// filters of `linkup replay timeline`, cursor-paged, each client command's
// chain (GET /v1/timeline/chain) expanded under its first event.

import { h, replace, $, fmtStamp } from './dom.js';
import { get, isoFromLocal } from './api.js';
import { setupTokenBar, handleAuth } from './tokenbar.js';

const MAX_CHAINS = 20; // chains fetched per page (each reads the log)

let query = null;
let next = null;
let shownChains = new Set();
let rows = 0;
let gen = 0; // a new search makes the answers of older ones stale

function readFilters() {
  return {
    user: $('#t-user').value.trim(), connection: $('#t-connection').value.trim(), chat: $('#t-chat').value.trim(),
    correlation: $('#t-correlation').value.trim(), type: $('#t-type').value.replace(/\s+/g, ''),
    since: isoFromLocal($('#t-since').value), until: isoFromLocal($('#t-until').value), limit: $('#t-limit').value,
  };
}

async function load(more) {
  $('#tl-error').textContent = '';
  const mine = more ? gen : ++gen;
  if (!more) {
    query = readFilters();
    next = null;
    rows = 0;
    shownChains = new Set();
    replace($('#tl-body'));
  }
  try {
    const r = await get('/v1/timeline', { ...query, cursor: more ? next : '' });
    if (mine !== gen) return;
    next = r.next_cursor;
    if (!(await render(r.items, mine))) return;
    rows += r.items.length;
    $('#tl-info').textContent = `${rows} event(s)${r.scan_limited ? '; the scan stopped at its bound: load more to go on' : ''}${next ? '' : '; end of the log'}`;
    if (!rows && !next) replace($('#tl-body'), h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No events match.')));
  } catch (err) {
    if (!handleAuth(err)) $('#tl-error').textContent = err.message;
  }
  $('#tl-more').disabled = !next;
}

// render appends items and their chains; false when a newer search
// started meanwhile (nothing more is appended).
async function render(items, mine) {
  const body = $('#tl-body');
  const expand = $('#t-chains').checked;
  let fetched = 0;
  for (const ev of items) {
    body.appendChild(eventRow(ev, 0, ''));
    const corr = ev.metadata && ev.metadata.correlation_id;
    if (!expand || !corr || shownChains.has(corr) || fetched >= MAX_CHAINS) continue;
    shownChains.add(corr);
    fetched++;
    try {
      const c = await get('/v1/timeline/chain', { correlation: corr });
      if (mine !== gen) return false;
      const others = c.items.filter((it) => it.event.position !== ev.position);
      if (!others.length) continue;
      body.appendChild(h('tr', { class: 'chain chain-head' }, h('td', { colspan: 6 },
        `command ${c.root}: ${c.items.length} event(s)${c.truncated ? ' (truncated)' : ''}`)));
      for (const it of c.items) body.appendChild(eventRow(it.event, it.depth + 1, 'chain'));
    } catch (err) {
      if (handleAuth(err) || mine !== gen) return false;
      body.appendChild(h('tr', { class: 'chain' }, h('td', { colspan: 6, class: 'error' }, `chain ${corr}: ${err.message}`)));
    }
  }
  return true;
}

function eventRow(ev, depth, cls) {
  const corr = (ev.metadata && ev.metadata.correlation_id) || '';
  return h('tr', { class: cls, dataset: { position: ev.position, type: ev.type } },
    h('td', { class: `stamp depth-${Math.min(depth, 3)}` }, fmtStamp(ev.at)),
    h('td', { class: 'num' }, ev.position), h('td', { class: 'corr' }, ev.stream), h('td', { class: 'nowrap' }, ev.type),
    h('td', { class: 'details' }, details(ev.data)), h('td', { class: 'corr' }, corr));
}

// details lists an event's fields as key=value, long values cut.
function details(data) {
  if (!data || typeof data !== 'object') return String(data ?? '');
  return Object.entries(data).filter(([k]) => k !== 'at' && k !== 'sent_at').map(([k, v]) => {
    let s = typeof v === 'string' ? v : JSON.stringify(v);
    if (s.length > 200) s = `${s.slice(0, 200)}…`;
    return `${k}=${s}`;
  }).join('  ');
}

// fromHash fills the filters from the fragment (/incident#user=bob), which
// the console links to; a fragment never reaches the server. Returns
// whether it set any.
function fromHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  let any = false;
  for (const k of ['user', 'connection', 'chat', 'correlation', 'type']) {
    const v = q.get(k);
    if (v) { $(`#t-${k}`).value = v; any = true; }
  }
  return any;
}

function init() {
  $('#tl-filters').addEventListener('submit', (e) => { e.preventDefault(); load(false); });
  $('#tl-more').addEventListener('click', () => load(true));
  const preset = fromHash();
  setupTokenBar(() => { if (preset) load(false); });
}

init();
