/* SPDX-License-Identifier: MIT */
/* Overview: what the API holds for this manager today: listing counts and the websites
 * tracked (GET /database/status), and the hours callers can book (the settings). Calendar,
 * assistant and call summaries join here when their APIs exist. */
import { api } from '../lib/api.js';
import { h, busy, errorBox } from '../lib/dom.js';
import { when, count } from '../lib/format.js';
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

export async function render(section, ctx) {
  const first = ctx.user.first_name ? ', ' + ctx.user.first_name : '';
  section.append(h('h1', { id: 'page-title', tabindex: '-1' }, 'Overview'),
    h('p', { class: 'muted' }, 'Welcome back' + first + '.'));
  const body = h('div', { class: 'stack' });
  section.append(body);
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
      websites(s)),
    hours(ctx.settings));
}
