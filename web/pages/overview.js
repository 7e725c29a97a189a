/* SPDX-License-Identifier: MIT */
/* Overview: what the API holds for this manager today: listing counts and the websites
 * tracked (GET /database/status), the agents (active and inactive), the calendar connection,
 * the next viewings and the latest calls, and the hours callers can book (the settings).
 * Each card loads on its own and shows its own error. */
import { api, query, nowIso } from '../lib/api.js';
import { h, busy, errorBox, badge } from '../lib/dom.js';
import { when, count, words, provider } from '../lib/format.js';
import { DAYS, DAY_LABELS } from './hours.js';

function stat(label, value, link) {
  return h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, link ? h('a', { href: link }, value) : value));
}

function websites(stats) {
  const hosts = Object.entries(stats.websites || {});
  if (!hosts.length) {
    return h('p', { class: 'empty' }, 'No websites tracked yet. ',
      h('a', { href: '#/sources' }, 'Add your listings page'), ' or ', h('a', { href: '#/rentals' }, 'add a rental by hand'), '.');
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
    h('caption', { class: 'sr-only' }, 'Websites tracked'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Website'), h('th', { scope: 'col', class: 'num' }, 'Rentals'), h('th', { scope: 'col' }, 'Last scraped'))),
    h('tbody', {}, hosts.map(([host, w]) => h('tr', {},
      h('th', { scope: 'row', 'data-label': 'Website' }, h('a', { href: '#/rentals?website=' + encodeURIComponent(host) }, host)),
      h('td', { class: 'num', 'data-label': 'Rentals' }, String(w.rental_count)),
      h('td', { 'data-label': 'Last scraped' }, w.last_scraped ? when(w.last_scraped) : 'Never'))))));
}

function hours(settings) {
  if (!settings) return null;
  const bh = settings.business_hours || {};
  return h('section', { class: 'card', 'aria-labelledby': 'ov-hours' },
    h('h2', { id: 'ov-hours' }, 'Bookable hours'),
    h('p', { class: 'muted' }, 'Time zone ', h('strong', {}, settings.timezone), '. ',
      settings.slot_minutes + '-minute viewings, booked at least ' + settings.min_notice_minutes + ' minutes ahead, up to ' + count(settings.booking_horizon_days, 'day') + ' out.'),
    h('dl', { class: 'hours-summary' }, DAYS.map((d, i) => [
      h('dt', {}, DAY_LABELS[i]),
      h('dd', {}, bh[d] && bh[d].length ? bh[d].join(', ') : 'Closed')])),
    h('p', {}, h('a', { href: '#/settings' }, 'Change hours and time zone')));
}

/* A card filled by fill(data) once load() answers. */
function card(id, title, load, fill) {
  const el = h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title));
  const done = busy(el, 'Loading…');
  load().then((d) => { done(); el.append(...fill(d)); }, (e) => { done(); el.append(errorBox(e)); });
  return el;
}

function activity() {
  return h('div', { class: 'grid2' },
    card('ov-agents', 'Assistant', () => api.get('/agents'), (list) => {
      const on = list.filter((a) => a.is_active).length;
      return [h('dl', { class: 'facts' }, h('dt', {}, 'Active agents'), h('dd', {}, String(on)), h('dt', {}, 'Inactive agents'), h('dd', {}, String(list.length - on))),
        h('p', {}, h('a', { href: '#/assistant' }, list.length ? 'Manage your agents' : 'Connect your voice assistant'))];
    }),
    card('ov-cal', 'Calendar', () => api.get('/calendar/auth/status'), (s) => [
      h('p', {}, s.provider ? ['Connected to ', h('strong', {}, provider(s.provider)), s.calendar_email ? ' (' + s.calendar_email + ') ' : ' ',
        badge(s.authorized && !s.calendar_error ? 'Working' : 'Needs attention', s.authorized && !s.calendar_error ? 'on' : 'off')]
        : 'Only the built-in calendar is in use.'),
      h('p', {}, h('a', { href: '#/calendar' }, s.provider ? 'Open the calendar' : 'Connect Outlook or Google'))]),
    card('ov-next', 'Next viewings', () => api.get('/appointments' + query({ from: nowIso(), status: 'confirmed', limit: 5 })), (p) => [
      p.appointments.length ? h('ul', { class: 'plain' }, p.appointments.map((a) => h('li', {}, h('strong', {}, when(a.start_time)), ' · ', a.property_address, h('span', { class: 'sub' }, a.attendee_name))))
        : h('p', { class: 'empty' }, 'No viewings booked.'),
      h('p', {}, h('a', { href: '#/calendar' }, 'All viewings and free times'))]),
    card('ov-calls', 'Latest calls', () => api.get('/calls' + query({ limit: 5 })), (p) => [
      p.calls.length ? h('ul', { class: 'plain' }, p.calls.map((c) => h('li', {}, h('a', { href: '#/call?id=' + c.id }, when(c.started_at || c.created_at)), ' · ', c.customer_number || 'Unknown caller',
        h('span', { class: 'sub' }, c.summary ? (c.summary.length > 90 ? c.summary.slice(0, 89) + '…' : c.summary) : words(c.ended_reason)))))
        : h('p', { class: 'empty' }, 'No calls yet.'),
      h('p', {}, h('a', { href: '#/calls' }, 'The call log'))]));
}

export async function render(section, ctx) {
  const first = ctx.user.first_name ? ', ' + ctx.user.first_name : '';
  section.append(h('h1', { id: 'page-title', tabindex: '-1' }, 'Overview'),
    h('p', { class: 'muted' }, 'Welcome back' + first + '.'));
  const body = h('div', { class: 'stack' });
  const more = activity();
  section.append(body, more);
  const done = busy(body, 'Loading your numbers…');
  let status;
  try {
    status = await api.get('/database/status');
  } catch (e) {
    done();
    body.append(errorBox(e));
    return;
  }
  done();
  const s = status.database_stats || {};
  body.append(
    h('section', { class: 'card', 'aria-labelledby': 'ov-rentals' },
      h('h2', { id: 'ov-rentals' }, 'Listings'),
      h('dl', { class: 'stats' },
        stat('Rentals', String(s.total_rentals ?? 0), '#/rentals'),
        stat('Available', String(s.available_rentals ?? 0), '#/rentals?available=true'),
        stat('Websites tracked', String(s.websites_tracked ?? 0), '#/sources'),
        stat('Last updated', s.last_updated ? when(s.last_updated) : 'Never')),
      websites(s)));
  const hrs = hours(ctx.settings);
  if (hrs) section.append(hrs);
}
