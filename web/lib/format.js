/* SPDX-License-Identifier: MIT */
/* How values read on screen: money, calendar dates (YYYY-MM-DD, never shifted by a zone),
 * timestamps in the user's time zone, and counts with their noun. */

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2, minimumFractionDigits: 0 });

export function price(n) {
  return typeof n === 'number' ? money.format(n) : '—';
}

/* "2026-03-02" -> "Mar 2, 2026" (the date as written, whatever the zone). */
export function day(s) {
  if (!s || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return s || '—';
  const [y, m, d] = s.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric', year: 'numeric' });
}

let zone;
/* The zone timestamps are shown in (the user's setting); undefined: the browser's. */
export function setZone(tz) {
  zone = tz || undefined;
}

export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return d.toLocaleString('en-US', { timeZone: zone, month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' });
  } catch (e) {
    return d.toLocaleString('en-US');
  }
}

const cents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
export function cost(n) {
  return typeof n === 'number' ? cents.format(n) : '—';
}

/* The time between two timestamps, as "3 min 10 s"; '—' when one is missing. */
export function duration(a, b) {
  const s = Math.round((new Date(b) - new Date(a)) / 1000);
  if (!a || !b || !Number.isFinite(s) || s < 0) return '—';
  if (s < 60) return s + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min' + (s % 60 ? ' ' + (s % 60) + ' s' : '');
  return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}

/* "customer-ended-call" -> "Customer ended call". */
export function words(s) {
  if (!s) return '—';
  const t = String(s).replace(/[-_.]+/g, ' ').trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
}

const PROVIDERS = { microsoft: 'Outlook', google: 'Google Calendar', caldav: 'CalDAV' };
/* A calendar provider's name as people know it. */
export function provider(p) {
  return PROVIDERS[p] || p;
}

export function count(n, one, many) {
  return n + ' ' + (n === 1 ? one : many || one + 's');
}

/* Today's date (YYYY-MM-DD) in the user's zone. */
export function today() {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  return parts;
}
