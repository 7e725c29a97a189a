/* SPDX-License-Identifier: MIT */
/* Calls: the assistant's call log (GET /calls, newest first, keyset "load more") and one call
 * (#/call?id=N, GET /calls/{id}): summary, transcript (shown as preformatted text, never as
 * markup), cost, ended reason, recording and the viewings booked during the call. */
import { api, query } from '../lib/api.js';
import { h, clear, busy, busyButton, errorBox, badge } from '../lib/dom.js';
import { when, count, cost, duration, words } from '../lib/format.js';

const PAGE = 50;

async function agentNames() {
  try {
    return new Map((await api.get('/agents')).map((a) => [a.agent_id, a.agent_name]));
  } catch (e) {
    return new Map();
  }
}

function agentName(names, id) {
  if (id == null) return 'Deleted agent';
  return names.get(id) || 'Agent ' + id;
}

function caller(c) {
  return c.customer_number || 'Unknown caller';
}

function clip(s, n) {
  if (!s) return '—';
  return s.length > n ? s.slice(0, n - 1).trimEnd() + '…' : s;
}

export const calls = {
  async render(section) {
    const status = h('div', { class: 'status-region', 'aria-live': 'polite' });
    section.append(h('h1', { id: 'page-title', tabindex: '-1' }, 'Calls'),
      h('p', { class: 'muted' }, 'Calls your assistant answered, newest first. Vapi reports each call when it ends.'), status);
    const summary = h('p', { class: 'muted count', role: 'status' });
    const tbody = h('tbody');
    const table = h('div', { class: 'table-wrap' }, h('table', { class: 'table calls' },
      h('caption', { class: 'sr-only' }, 'Calls'),
      h('thead', {}, h('tr', {}, ['Call', 'Agent', 'Length', 'Cost', 'Ended', 'Summary'].map((c) => h('th', { scope: 'col', class: c === 'Cost' ? 'num' : null }, c)))), tbody));
    const more = h('button', { type: 'button', class: 'btn', hidden: true }, 'Load more');
    const list = h('div', { class: 'stack' }, summary, table, h('div', { class: 'actions center' }, more));
    section.append(list);
    const names = await agentNames();
    let cursor = null, shown = 0;
    const row = (c) => h('tr', { 'data-id': String(c.id) },
      h('th', { scope: 'row', 'data-label': 'Call' }, h('a', { href: '#/call?id=' + c.id }, when(c.started_at || c.created_at)), h('span', { class: 'sub' }, caller(c))),
      h('td', { 'data-label': 'Agent' }, agentName(names, c.agent_id)),
      h('td', { 'data-label': 'Length' }, duration(c.started_at, c.ended_at)),
      h('td', { class: 'num', 'data-label': 'Cost' }, cost(c.cost)),
      h('td', { 'data-label': 'Ended' }, words(c.ended_reason)),
      h('td', { 'data-label': 'Summary' }, clip(c.summary, 140)));
    async function load(first) {
      const done = busy(list, 'Loading calls…');
      const bdone = first ? null : busyButton(more, 'Loading…');
      try {
        const page = await api.get('/calls' + query({ limit: PAGE, cursor }));
        for (const c of page.calls) {
          if (tbody.querySelector('tr[data-id="' + c.id + '"]')) continue;
          tbody.append(row(c));
          shown += 1;
        }
        cursor = page.next_cursor || null;
      } catch (e) {
        clear(status).append(errorBox(e));
      } finally {
        done();
        if (bdone) bdone();
      }
      more.hidden = !cursor;
      summary.textContent = shown ? 'Showing ' + count(shown, 'call') + (cursor ? '; more are available.' : '.')
        : 'No calls yet. Calls appear here once an active agent\'s assistant has answered one.';
      table.hidden = !shown;
    }
    more.addEventListener('click', () => load(false));
    await load(true);
  },
};

function appointmentsOf(c) {
  if (!c.appointments.length) return h('p', { class: 'empty' }, 'No viewing was booked during this call.');
  return h('ul', { class: 'plain' }, c.appointments.map((a) => h('li', {},
    h('strong', {}, when(a.start_time)), ' · ', a.property_address, ' · ', a.attendee_name, ' ',
    badge(words(a.status), a.status === 'confirmed' || a.status === 'completed' ? 'on' : 'off'))));
}

export const call = {
  async render(section, ctx) {
    const id = Number(ctx.params.get('id'));
    const title = h('h1', { id: 'page-title', tabindex: '-1' }, 'Call');
    section.append(h('p', {}, h('a', { href: '#/calls' }, '← All calls')), title);
    let c, names;
    const done = busy(section, 'Loading the call…');
    try {
      if (!Number.isInteger(id) || id < 1) throw Object.assign(new Error('There is no call at this address.'), { status: 404 });
      [c, names] = await Promise.all([api.get('/calls/' + id), agentNames()]);
    } catch (e) {
      done();
      section.append(errorBox(e));
      return;
    }
    done();
    title.textContent = 'Call from ' + caller(c);
    const rec = c.recording_url && /^https:\/\//i.test(c.recording_url) ? h('a', { href: c.recording_url, rel: 'noopener noreferrer', target: '_blank' }, 'Listen') : null;
    section.append(
      h('section', { class: 'card', 'aria-labelledby': 'call-facts' }, h('h2', { id: 'call-facts' }, 'Details'),
        h('dl', { class: 'facts' },
          h('dt', {}, 'Started'), h('dd', {}, when(c.started_at)),
          h('dt', {}, 'Length'), h('dd', {}, duration(c.started_at, c.ended_at)),
          h('dt', {}, 'Ended'), h('dd', {}, words(c.ended_reason)),
          h('dt', {}, 'Cost'), h('dd', {}, cost(c.cost)),
          h('dt', {}, 'Agent'), h('dd', {}, agentName(names, c.agent_id)),
          h('dt', {}, 'Vapi call'), h('dd', {}, c.vapi_call_id),
          rec ? [h('dt', {}, 'Recording'), h('dd', {}, rec)] : null)),
      h('section', { class: 'card', 'aria-labelledby': 'call-sum' }, h('h2', { id: 'call-sum' }, 'Summary'), h('p', { class: 'prose' }, c.summary || 'No summary.')),
      h('section', { class: 'card', 'aria-labelledby': 'call-appts' }, h('h2', { id: 'call-appts' }, 'Viewings booked'), appointmentsOf(c)),
      h('section', { class: 'card', 'aria-labelledby': 'call-tr' }, h('h2', { id: 'call-tr' }, 'Transcript'),
        c.transcript ? h('pre', { class: 'transcript' }, c.transcript) : h('p', { class: 'empty' }, 'No transcript.')));
  },
};
