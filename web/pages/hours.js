/* SPDX-License-Identifier: MIT */
/* The weekly business-hours editor: each weekday holds zero or more "HH:MM-HH:MM" ranges
 * (the server's format; it checks order and overlaps and names the day in its message).
 * A time input cannot hold 24:00, so an end of 00:00 means midnight at the day's end. */
import { h, clear, nextId } from '../lib/dom.js';

export const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
export const DAY_LABELS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MAX_RANGES = 12;

function rangeRow(list, label, start, end, onChange) {
  const a = h('input', { type: 'time', value: start, 'aria-label': label + ' opens', class: 'time' });
  const b = h('input', { type: 'time', value: end === '24:00' ? '00:00' : end, 'aria-label': label + ' closes', class: 'time' });
  const li = h('li', { class: 'range' }, a, h('span', { 'aria-hidden': 'true' }, '–'), b);
  li.append(h('button', {
    type: 'button', class: 'btn small ghost', 'aria-label': 'Remove ' + label,
    onclick: () => { li.remove(); onChange(); },
  }, 'Remove'));
  list.append(li);
  return a;
}

function dayRow(i, ranges) {
  const labelId = nextId('day');
  const list = h('ul', { class: 'ranges' });
  const closed = h('p', { class: 'closed muted' }, 'Closed');
  const add = h('button', { type: 'button', class: 'btn small' }, 'Add hours');
  add.setAttribute('aria-label', 'Add hours on ' + DAY_LABELS[i]);
  const refresh = () => {
    const n = list.children.length;
    closed.hidden = n > 0;
    add.disabled = n >= MAX_RANGES;
    [...list.children].forEach((li, k) => {
      const name = DAY_LABELS[i] + ' range ' + (k + 1);
      const [from, to] = li.querySelectorAll('input');
      from.setAttribute('aria-label', name + ' opens');
      to.setAttribute('aria-label', name + ' closes');
      li.querySelector('button').setAttribute('aria-label', 'Remove ' + name);
    });
  };
  const addRange = (s, e) => rangeRow(list, DAY_LABELS[i] + ' range ' + (list.children.length + 1), s, e, refresh);
  for (const r of ranges) {
    const [s, e] = String(r).split('-');
    addRange(s, e);
  }
  add.addEventListener('click', () => {
    const last = list.lastElementChild?.querySelectorAll('input')[1]?.value;
    const start = last && last < '23:00' ? last : '09:00';
    const end = start < '17:00' ? '17:00' : '00:00';
    addRange(start, end).focus();
    refresh();
  });
  refresh();
  return h('div', { class: 'day field', 'data-field': 'business_hours.' + DAYS[i], role: 'group', 'aria-labelledby': labelId },
    h('span', { class: 'day-name', id: labelId }, DAY_LABELS[i]),
    h('div', { class: 'day-ranges' }, list, closed, add),
    h('p', { class: 'field-error', hidden: true }));
}

/* The editor for hours ({monday: ["09:00-17:00"], ...}): {el, value()}. */
export function hoursEditor(hours) {
  const days = DAYS.map((d, i) => dayRow(i, (hours && hours[d]) || []));
  const grid = h('div', { class: 'hours-grid' }, days);
  const copy = h('button', { type: 'button', class: 'btn small' }, 'Copy Monday to Tuesday–Friday');
  const el = h('fieldset', { class: 'hours', 'data-field': 'business_hours' },
    h('legend', {}, 'Business hours'),
    h('p', { class: 'hint' }, 'When viewings can be booked, in your time zone. A day may have several ranges, such as a lunch break.'),
    grid, h('div', { class: 'actions' }, copy), h('p', { class: 'field-error', hidden: true }));
  const value = () => {
    const out = {};
    days.forEach((row, i) => {
      out[DAYS[i]] = [...row.querySelectorAll('li.range')].map((li) => {
        const [a, b] = [...li.querySelectorAll('input')].map((x) => x.value);
        return a + '-' + (b === '00:00' && a !== '00:00' ? '24:00' : b);
      });
    });
    return out;
  };
  copy.addEventListener('click', () => {
    const monday = value().monday;
    for (let i = 1; i < 5; i++) days[i] = dayRow(i, monday);
    clear(grid).append(...days);
  });
  return { el, value };
}
