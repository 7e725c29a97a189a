/* SPDX-License-Identifier: MIT */
/* The dashboard's end-to-end flows, in order (later flows use what earlier ones made):
 * each is {name, run(t)} where t holds the server URL, the browser, the shared state and
 * helpers (t.shoot for screenshots + axe, t.watch for the problems of a context). Elements
 * are found by their role and accessible name, so a control without a label fails here. */
import { until, assertEq, sleep } from './harness.mjs';

const PASSWORD = 'correct horse battery';
const A = { first: 'Ada', last: 'Manager', email: 'ada@example.com' };
const B = { first: 'Bob', last: 'Other', email: 'bob@example.com' };

/* Reloads once the page has nothing in flight: a reload aborts what is still loading, and an
 * aborted request counts as a failure. */
async function reload(page) {
  await page.waitForLoadState('networkidle');
  await page.reload();
}

/* The accessible name of the focused element, as a person with a screen reader hears it. */
function focusedName(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return '';
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
    if (el.labels && el.labels.length) return el.labels[0].textContent.trim();
    return el.textContent.trim();
  });
}

/* Presses Tab until the element named name has the focus (at most 60 times). */
async function tabTo(page, name) {
  for (let i = 0; i < 60; i++) {
    if ((await focusedName(page)) === name || (await focusedName(page)).startsWith(name + ' (')) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('Tab never reached ' + JSON.stringify(name));
}

async function heading(page, name) {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

async function signUp(t, page, who) {
  await page.getByRole('link', { name: 'Create an account' }).click();
  await heading(page, 'Create an account');
  await page.getByLabel('First name').fill(who.first);
  await page.getByLabel('Last name').fill(who.last);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await heading(page, 'Overview');
}

async function openApp(t, page, signedIn) {
  if (signedIn) await page.goto(t.url + '/app/');
  else await t.watch(page).expecting(page, 'GET', '/users/me', 401, () => page.goto(t.url + '/app/'));
  await heading(page, signedIn ? 'Overview' : 'Sign in');
}

function rowsOf(page) {
  return page.locator('table.rentals tbody tr');
}

async function rentalRow(page, address) {
  return page.locator('table.rentals tbody tr').filter({ has: page.getByRole('rowheader', { name: new RegExp('^' + address) }) });
}

/* GET from inside the page, with its cookie: what the API itself says. */
function apiGet(page, p) {
  return page.evaluate(async (u) => {
    const r = await fetch(u);
    const text = await r.text();
    return { status: r.status, body: r.status === 200 ? JSON.parse(text) : null };
  }, p);
}

/* What the overview asks for, each on its own. */
const OVERVIEW_CALLS = ['/database/status', '/agents', '/calendar/auth/status', '/appointments', '/calls'];

async function goNav(page, name, title) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
  await heading(page, title || name);
}

/* The Vapi stand-in's key and account (run.mjs starts it as the server's VAPI_API_URL). */
export const VAPI_KEY = 'vk_ada_standin';
export const GOOGLE_ACCOUNT = 'ada.manager@gmail.example';
export const VAPI_ASSISTANTS = [{ id: 'asst_leasing_line', name: 'Leasing line' }, { id: 'asst_after_hours', name: 'After hours' }];
/* The listing site stand-in's one page (run.mjs serves it at t.site + '/homes'): schema.org
 * JSON-LD with every field, so no detail page is followed. */
const SITE_LISTINGS = [{ street: '41 Creek Road', price: 1150, beds: 2 }, { street: '43 Creek Road', price: 990, beds: 1 }, { street: '45 Creek Road', price: 1420, beds: 3 }];
function sitePage(listings) {
  const items = listings.map((l, i) => ({ '@type': 'ListItem', position: i + 1, item: {
    '@type': 'Apartment', name: l.street, url: '/homes/' + (i + 1),
    address: { '@type': 'PostalAddress', streetAddress: l.street, addressLocality: 'Tulsa', addressRegion: 'OK', postalCode: '74103' },
    numberOfBedrooms: l.beds, numberOfBathroomsTotal: 1, floorSize: { '@type': 'QuantitativeValue', value: 800 },
    image: ['/img/' + (i + 1) + '.jpg'], offers: { '@type': 'Offer', price: l.price, priceCurrency: 'USD', availability: 'https://schema.org/InStock' } } }));
  const ld = JSON.stringify({ '@context': 'https://schema.org', '@type': 'ItemList', itemListElement: items });
  return '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Homes</title><script type="application/ld+json">' + ld + '</script></head><body><h1>Homes for rent</h1></body></html>';
}
export const LISTING_PAGES = { '/homes': sitePage(SITE_LISTINGS) };
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/* A JSON request from inside the page, with its cookie. */
function apiSend(page, method, p, body) {
  return page.evaluate(async ([m, u, b]) => {
    const r = await fetch(u, { method: m, headers: { 'Content-Type': 'application/json' }, body: b === undefined ? undefined : JSON.stringify(b) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  }, [method, p, body]);
}

/* POST /vapi/webhook as Vapi does, from this process (not the browser). */
async function webhook(t, secret, message) {
  const r = await fetch(t.url + '/vapi/webhook', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Vapi-Secret': secret }, body: JSON.stringify({ message }) });
  return { status: r.status, body: await r.json() };
}

const NO_ENDPOINT = { status: 404, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ status: 'error', code: 'not_found', message: 'No such endpoint.' }) };
/* The matcher of one path; the same function each time, so that unroute() finds its route. */
const matchers = new Map();
const pathIs = (p) => {
  if (!matchers.has(p)) matchers.set(p, (u) => u.pathname === p);
  return matchers.get(p);
};

/* The slot button for s on the calendar page, its day opened when closed. */
async function slotButton(page, s) {
  const card = page.getByRole('region', { name: 'Free times, next 7 days' });
  const btn = card.locator('button[aria-label="Book ' + s.formatted_time + '"]');
  if (!(await btn.isVisible())) await card.locator('details', { has: btn }).locator('summary').click();
  return btn;
}

function viewing(page, text) {
  return page.locator('table.appts tbody tr').filter({ hasText: text });
}

export const flows = [
  {
    name: 'sign up, add a rental, see it listed',
    async run(t) {
      const ctx = await t.context('A');
      const page = await ctx.newPage();
      t.state.a = { ctx, page };
      await openApp(t, page, false);
      await t.shoot(page, 'signin');
      await page.getByRole('link', { name: 'Create an account' }).click();
      await heading(page, 'Create an account');
      await t.shoot(page, 'signup');
      await page.getByRole('link', { name: 'Sign in' }).click();
      await signUp(t, page, A);
      await page.getByText('Welcome back, Ada.').waitFor();

      await goNav(page, 'Rentals');
      await page.getByText('No rentals yet.').waitFor();
      await page.getByRole('button', { name: 'Add rental' }).click();
      const dlg = page.getByRole('dialog', { name: 'Add a rental' });
      await dlg.waitFor();
      await t.shoot(page, 'rental-form', { viewportOnly: true });
      await dlg.getByLabel('Address').fill('12 Oak Street');
      await dlg.getByLabel('City').fill('Springfield');
      await dlg.getByLabel('Monthly rent (USD)').fill('1450');
      await dlg.getByLabel('Bedrooms').fill('2');
      await dlg.getByLabel('Bathrooms').fill('1.5');
      await dlg.getByLabel('Amenities').fill('parking, laundry');
      await dlg.getByRole('button', { name: 'Add rental' }).click();
      await dlg.waitFor({ state: 'detached' });
      const row = await rentalRow(page, '12 Oak Street');
      await row.waitFor();
      assertEq((await row.getByRole('cell').first().textContent()).trim(), '$1,450', 'rent shown');
      await page.getByText('Showing 1 rental.').waitFor();
      const api = await apiGet(page, '/rentals');
      assertEq(api.body.rentals.map((r) => [r.property_address, r.price, r.bedrooms, r.amenities]), [['12 Oak Street', 1450, 2, ['parking', 'laundry']]], 'rentals in the API');
      t.state.oakId = api.body.rentals[0].id;
    },
  },
  {
    name: 'an invalid price shows its field error',
    async run(t) {
      const { page } = t.state.a;
      await page.getByRole('button', { name: 'Add rental' }).click();
      const dlg = page.getByRole('dialog', { name: 'Add a rental' });
      await dlg.getByLabel('Address').fill('14 Elm Street');
      await dlg.getByLabel('Monthly rent (USD)').fill('-5');
      await dlg.getByLabel('Bedrooms').fill('25');
      await t.watch(page).expecting(page, 'POST', '/rentals', 422, () => dlg.getByRole('button', { name: 'Add rental' }).click());
      const priceErr = dlg.locator('[data-field="price"] .field-error');
      await priceErr.waitFor();
      assertEq(await priceErr.textContent(), 'Must be at least 0 and less than 1,000,000.', 'price error beside the price');
      const bedsErr = dlg.locator('[data-field="bedrooms"] .field-error');
      assertEq(await bedsErr.textContent(), 'Must be a whole number from 0 to 20.', 'bedrooms error beside bedrooms');
      const price = dlg.getByLabel('Monthly rent (USD)');
      assertEq(await price.getAttribute('aria-invalid'), 'true', 'price marked invalid');
      assertEq(await price.evaluate((el) => el === document.activeElement), true, 'focus on the first field in error');
      assertEq(await dlg.locator('[data-field="property_address"] .field-error').isHidden(), true, 'no error beside the valid address');
      await t.shoot(page, 'rental-form-error', { viewportOnly: true });
      await price.fill('1600');
      await dlg.getByLabel('Bedrooms').fill('3');
      await dlg.getByRole('button', { name: 'Add rental' }).click();
      await dlg.waitFor({ state: 'detached' });
      await (await rentalRow(page, '14 Elm Street')).waitFor();
      await page.getByText('Showing 2 rentals.').waitFor();
    },
  },
  {
    name: 'edit and delete a rental',
    async run(t) {
      const { page } = t.state.a;
      await page.getByRole('button', { name: 'Edit 12 Oak Street' }).click();
      const dlg = page.getByRole('dialog', { name: 'Edit rental' });
      await dlg.waitFor();
      assertEq(await dlg.getByLabel('Address').inputValue(), '12 Oak Street', 'address in the edit form');
      assertEq(await dlg.getByLabel('Address').getAttribute('readonly'), '', 'address read-only');
      assertEq(await dlg.getByLabel('Monthly rent (USD)').inputValue(), '1450', 'rent in the edit form');
      await dlg.getByLabel('Monthly rent (USD)').fill('1500');
      await dlg.getByLabel('Available to rent').uncheck();
      await dlg.getByRole('button', { name: 'Save changes' }).click();
      await dlg.waitFor({ state: 'detached' });
      const row = await rentalRow(page, '12 Oak Street');
      await until(async () => (await row.getByRole('cell').first().textContent()).trim() === '$1,500', 'the new rent in the table');
      await row.getByText('Not available').waitFor();
      const got = await apiGet(page, '/rentals/' + t.state.oakId);
      assertEq([got.body.price, got.body.available, got.body.city], [1500, false, 'Springfield'], 'edited rental in the API');

      await page.getByRole('button', { name: 'Delete 12 Oak Street' }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete rental?' });
      await confirm.waitFor();
      await confirm.getByRole('button', { name: 'Delete rental' }).click();
      await page.getByText('Deleted 12 Oak Street.').waitFor();
      await row.waitFor({ state: 'detached' });
      let gone;
      await t.watch(page).expecting(page, 'GET', '/rentals/' + t.state.oakId, 404, async () => { gone = await apiGet(page, '/rentals/' + t.state.oakId); });
      assertEq(gone.status, 404, 'deleted rental in the API');
      await reload(page);
      await heading(page, 'Rentals');
      await page.getByText('Showing 1 rental.').waitFor();
      assertEq(await (await rentalRow(page, '12 Oak Street')).count(), 0, 'deleted rental gone after reload');
    },
  },
  {
    name: 'filters and load more (keyset)',
    async run(t) {
      const { page } = t.state.a;
      const made = await page.evaluate(async () => {
        let ok = 0;
        for (let i = 1; i <= 55; i++) {
          const r = await fetch('/rentals', { method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ property_address: i + ' Batch Road', price: 1000 + i, bedrooms: i % 4, city: 'Shelbyville' }) });
          await r.text();
          if (r.status === 201) ok++;
        }
        return ok;
      });
      assertEq(made, 55, 'rentals created through the API');
      await reload(page);
      await heading(page, 'Rentals');
      await until(async () => (await rowsOf(page).count()) === 50, 'the first page of 50');
      await page.getByText('Showing 50 rentals; more are available.').waitFor();
      await t.shoot(page, 'rentals');
      await page.getByRole('button', { name: 'Load more' }).click();
      await until(async () => (await rowsOf(page).count()) === 56, 'all 56 rentals after load more');
      await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'hidden' });
      const ids = await rowsOf(page).evaluateAll((rows) => rows.map((r) => r.dataset.id));
      assertEq(new Set(ids).size, 56, 'no rental listed twice');

      const filters = page.getByRole('search', { name: 'Filter rentals' });
      await filters.getByLabel('Min rent').fill('1010');
      await filters.getByLabel('Max rent').fill('1020');
      await filters.getByLabel('Bedrooms').selectOption('2');
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      /* 1010..1020 with i % 4 == 2: i = 10, 14, 18 */
      await until(async () => JSON.stringify(await rowsOf(page).locator('th .addr').allTextContents()) === JSON.stringify(['10 Batch Road', '14 Batch Road', '18 Batch Road']), 'the filtered rows');
      if (!page.url().includes('min_price=1010')) throw new Error('filters not kept in the address: ' + page.url());
      await reload(page);
      await heading(page, 'Rentals');
      await until(async () => (await rowsOf(page).count()) === 3, 'the filtered rows after reload');
      assertEq(await filters.getByLabel('Min rent').inputValue(), '1010', 'filter kept after reload');
      await filters.getByRole('button', { name: 'Clear' }).click();
      await filters.getByLabel('Search').fill('elm');
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await until(async () => JSON.stringify(await rowsOf(page).locator('th .addr').allTextContents()) === '["14 Elm Street"]', 'the search result');
      await filters.getByLabel('Search').fill('no such street');
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('No rentals match these filters.').waitFor();
      await filters.getByRole('button', { name: 'Clear' }).click();
      await until(async () => (await rowsOf(page).count()) === 50, 'the unfiltered list');
    },
  },
  {
    name: 'sources: add, reject a bad URL, delete',
    async run(t) {
      const { page } = t.state.a;
      await page.getByRole('navigation', { name: 'Rentals' }).getByRole('link', { name: 'Sources' }).click();
      await heading(page, 'Sources');
      await page.getByText('No sources yet.').waitFor();
      const form = page.getByRole('form', { name: 'Add a listings page' });
      await form.getByLabel('Page address').fill('ftp://example.com/x');
      await t.watch(page).expecting(page, 'POST', '/database/sources', 422, () => form.getByRole('button', { name: 'Add source' }).click());
      await form.locator('[data-field="url"] .field-error').getByText(/^Must be an http\(s\) URL/).waitFor();
      await form.getByLabel('Page address').fill('https://www.Oak-Rentals.example/listings');
      await form.getByRole('button', { name: 'Add source' }).click();
      await page.getByRole('rowheader', { name: 'oak-rentals.example' }).waitFor();
      await page.getByText('Not scraped yet').waitFor();
      await form.getByLabel('Page address').fill('https://second.example/homes');
      await form.getByRole('button', { name: 'Add source' }).click();
      await page.getByText('Tracking 2 listings pages.').waitFor();
      await t.shoot(page, 'sources');
      await page.getByRole('button', { name: 'Delete source https://second.example/homes' }).click();
      await page.getByRole('dialog', { name: 'Delete source?' }).getByRole('button', { name: 'Delete source' }).click();
      await page.getByText('Tracking 1 listings page.').waitFor();
      const api = await apiGet(page, '/database/sources');
      assertEq(api.body.map((s) => s.website), ['oak-rentals.example'], 'sources in the API');
    },
  },
  {
    name: 'overview shows the counts',
    async run(t) {
      const { page } = t.state.a;
      /* a slow answer: the loading state shows, then goes */
      await page.route('**/database/status', async (route) => { await sleep(900); await route.continue(); });
      await goNav(page, 'Overview');
      const loading = page.getByRole('status').filter({ hasText: 'Loading your numbers…' });
      await loading.waitFor();
      await loading.waitFor({ state: 'detached' });
      await page.unroute('**/database/status');
      const stats = page.locator('dl.stats');
      await stats.waitFor();
      const pairs = await stats.locator('.stat').evaluateAll((els) => els.map((e) => [e.querySelector('dt').textContent, e.querySelector('dd').textContent]));
      assertEq(pairs.slice(0, 2), [['Rentals', '56'], ['Available', '56']], 'overview counts');
      await page.getByRole('heading', { name: 'Bookable hours' }).waitFor();
      await t.shoot(page, 'overview');
    },
  },
  {
    name: 'settings: hours, time zone and the rest persist',
    async run(t) {
      const { page } = t.state.a;
      await goNav(page, 'Settings');
      await page.locator('dl.facts').getByText('ada@example.com', { exact: true }).waitFor();
      const av = page.getByRole('form', { name: 'Availability' });
      await av.getByLabel('Time zone').fill('Mars/Olympus');
      await t.watch(page).expecting(page, 'PATCH', '/users/me/settings', 422, () => av.getByRole('button', { name: 'Save availability' }).click());
      await av.locator('[data-field="timezone"] .field-error').getByText('Unknown time zone; use an IANA name like America/Chicago.').waitFor();

      await av.getByLabel('Time zone').fill('Europe/Berlin');
      await av.getByLabel('Monday range 1 opens').fill('08:00');
      await av.getByLabel('Monday range 1 closes').fill('12:00');
      await av.getByRole('button', { name: 'Add hours on Monday' }).click();
      await av.getByLabel('Monday range 2 opens').fill('11:00');
      await av.getByLabel('Monday range 2 closes').fill('18:00');
      await t.watch(page).expecting(page, 'PATCH', '/users/me/settings', 422, () => av.getByRole('button', { name: 'Save availability' }).click());
      await av.locator('[data-field="business_hours.monday"] .field-error').getByText('Ranges 08:00-12:00 and 11:00-18:00 overlap.').waitFor();
      await av.getByLabel('Monday range 2 opens').fill('13:00');
      await av.getByRole('button', { name: 'Add hours on Saturday' }).click();
      await av.getByLabel('Saturday range 1 opens').fill('10:00');
      await av.getByLabel('Saturday range 1 closes').fill('14:00');
      await av.getByRole('button', { name: 'Remove Friday range 1' }).click();
      await av.getByLabel('Viewing length (minutes)').fill('45');
      /* a slow save: the button is disabled at once and says so after 300 ms */
      await page.route('**/users/me/settings', async (route) => { await sleep(900); await route.continue(); });
      await av.getByRole('button', { name: 'Save availability' }).click();
      const saving = av.getByRole('button', { name: 'Saving…' });
      await saving.waitFor();
      assertEq(await saving.isDisabled(), true, 'the save button disabled while saving');
      await av.getByText('Availability saved.').waitFor();
      await page.unroute('**/users/me/settings');
      await av.getByRole('button', { name: 'Save availability' }).and(page.locator(':enabled')).waitFor();

      const notif = page.getByRole('form', { name: 'Notifications' });
      await notif.getByLabel('Text me').check();
      await notif.getByLabel('Notification email').fill('alerts@example.com');
      await notif.getByRole('button', { name: 'Save notifications' }).click();
      await notif.getByText('Notifications saved.').waitFor();

      const key = page.getByRole('form', { name: 'Voice assistant' });
      await key.getByLabel('Vapi API key').fill('sk-test-abcdef-7731');
      await key.getByRole('button', { name: 'Save key' }).click();
      await key.getByText('A key ending in 7731 is saved.', { exact: false }).waitFor();
      assertEq(await key.getByLabel('Vapi API key').inputValue(), '', 'key field emptied after saving');
      await t.shoot(page, 'settings');

      await reload(page);
      await heading(page, 'Settings');
      const av2 = page.getByRole('form', { name: 'Availability' });
      assertEq(await av2.getByLabel('Time zone').inputValue(), 'Europe/Berlin', 'time zone after reload');
      const times = async (day) => av2.locator('[data-field="business_hours.' + day + '"] input[type="time"]').evaluateAll((els) => els.map((e) => e.value));
      assertEq(await times('monday'), ['08:00', '12:00', '13:00', '18:00'], 'Monday after reload');
      assertEq(await times('saturday'), ['10:00', '14:00'], 'Saturday after reload');
      assertEq(await times('friday'), [], 'Friday closed after reload');
      assertEq(await av2.getByLabel('Viewing length (minutes)').inputValue(), '45', 'slot after reload');
      assertEq(await page.getByRole('form', { name: 'Notifications' }).getByLabel('Text me').isChecked(), true, 'sms after reload');
      await page.getByRole('form', { name: 'Voice assistant' }).getByText('A key ending in 7731 is saved.', { exact: false }).waitFor();
      const s = (await apiGet(page, '/users/me/settings')).body;
      assertEq([s.timezone, s.business_hours.monday, s.business_hours.saturday, s.business_hours.friday, s.slot_minutes, s.notification_email, s.vapi_api_key_last4],
        ['Europe/Berlin', ['08:00-12:00', '13:00-18:00'], ['10:00-14:00'], [], 45, 'alerts@example.com', '7731'], 'settings in the API');

      /* copy Monday to the other weekdays; an end of 00:00 is midnight at the day's end */
      await av2.getByRole('button', { name: 'Copy Monday to Tuesday–Friday' }).click();
      assertEq(await times('friday'), ['08:00', '12:00', '13:00', '18:00'], 'Friday after the copy');
      await av2.getByRole('button', { name: 'Add hours on Sunday' }).click();
      await av2.getByLabel('Sunday range 1 opens').fill('20:00');
      await av2.getByLabel('Sunday range 1 closes').fill('00:00');
      await av2.getByRole('button', { name: 'Save availability' }).click();
      await av2.getByText('Availability saved.').waitFor();
      const s2 = (await apiGet(page, '/users/me/settings')).body;
      assertEq([s2.business_hours.tuesday, s2.business_hours.friday, s2.business_hours.sunday],
        [['08:00-12:00', '13:00-18:00'], ['08:00-12:00', '13:00-18:00'], ['20:00-24:00']], 'copied and midnight hours in the API');

      const key2 = page.getByRole('form', { name: 'Voice assistant' });
      await key2.getByRole('button', { name: 'Remove key' }).click();
      await page.getByRole('dialog', { name: 'Remove the Vapi key?' }).getByRole('button', { name: 'Remove key' }).click();
      await key2.getByText('No key saved', { exact: false }).waitFor();
      assertEq((await apiGet(page, '/users/me/settings')).body.vapi_api_key_set, false, 'key removed in the API');
    },
  },
  {
    name: 'theme: dark is honoured and kept',
    async run(t) {
      const { page } = t.state.a;
      const look = page.getByRole('form', { name: 'Appearance' });
      await look.getByLabel('Dark').check();
      await look.getByRole('button', { name: 'Save theme' }).click();
      await look.getByText('Theme saved.').waitFor();
      const bg = () => page.evaluate(() => [document.documentElement.dataset.theme || '', getComputedStyle(document.body).backgroundColor]);
      assertEq(await bg(), ['dark', 'rgb(15, 19, 24)'], 'dark theme applied');
      await reload(page);
      await heading(page, 'Settings');
      assertEq(await bg(), ['dark', 'rgb(15, 19, 24)'], 'dark theme after reload');
      await t.shoot(page, 'settings-dark');
      await goNav(page, 'Rentals');
      await t.shoot(page, 'rentals-dark');
      await goNav(page, 'Settings');
      const look2 = page.getByRole('form', { name: 'Appearance' });
      await look2.getByLabel('Same as this device').check();
      await look2.getByRole('button', { name: 'Save theme' }).click();
      await look2.getByText('Theme saved.').waitFor();
      assertEq(await bg(), ['', 'rgb(244, 246, 248)'], 'system theme (light in this browser)');
    },
  },
  {
    name: 'sign out, then back in',
    async run(t) {
      const { page } = t.state.a;
      await page.getByRole('button', { name: 'Sign out' }).click();
      await heading(page, 'Sign in');
      await page.getByText('You are signed out.').waitFor();
      assertEq(await page.getByRole('navigation', { name: 'Main' }).count(), 0, 'no main navigation when signed out');
      await page.waitForLoadState('networkidle');
      await page.goto(t.url + '/app/#/rentals');
      await t.watch(page).expecting(page, 'GET', '/users/me', 401, () => reload(page));
      await heading(page, 'Sign in');
      assertEq((await page.context().cookies()).filter((c) => c.name === 'session').length, 0, 'session cookie gone');
      await page.getByLabel('Email').fill(A.email);
      await page.getByLabel('Password').fill('not the password');
      await t.watch(page).expecting(page, 'POST', '/auth/login', 401, () => page.getByRole('button', { name: 'Sign in' }).click());
      await page.getByRole('alert').getByText('Email or password is incorrect.').waitFor();
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await heading(page, 'Overview');
      await page.locator('dl.stats').getByText('56').first().waitFor();
    },
  },
  {
    name: 'keyboard only: sign in, add a rental, Escape closes a dialog',
    async run(t) {
      const ctx = await t.context('K');
      const page = await ctx.newPage();
      await openApp(t, page, false);
      const k = page.keyboard;
      await tabTo(page, 'Email');
      await k.type(A.email);
      await k.press('Tab');
      await k.type(PASSWORD);
      await k.press('Enter');
      await heading(page, 'Overview');
      await tabTo(page, 'Rentals');
      await k.press('Enter');
      await heading(page, 'Rentals');
      await tabTo(page, 'Add rental');
      await k.press('Enter');
      const dlg = page.getByRole('dialog', { name: 'Add a rental' });
      await dlg.waitFor();
      assertEq(await focusedName(page), 'Address (required)', 'focus in the dialog\'s first field');
      await k.press('Escape');
      await dlg.waitFor({ state: 'detached' });
      assertEq(await focusedName(page), 'Add rental', 'focus back on the button that opened the dialog');
      await k.press('Enter');
      await dlg.waitFor();
      await k.type('3 Keyboard Court');
      await tabTo(page, 'Monthly rent (USD)');
      await k.type('990');
      await k.press('Enter');
      await dlg.waitFor({ state: 'detached' });
      await (await rentalRow(page, '3 Keyboard Court')).waitFor();
      await tabTo(page, 'Delete 3 Keyboard Court');
      await k.press('Enter');
      await page.getByRole('dialog', { name: 'Delete rental?' }).waitFor();
      await tabTo(page, 'Delete rental');
      await k.press('Enter');
      await page.getByText('Deleted 3 Keyboard Court.').waitFor();
      await ctx.close();
    },
  },
  {
    name: 'two users in two contexts never see each other\'s data',
    async run(t) {
      const ctx = await t.context('B');
      const page = await ctx.newPage();
      t.state.b = { ctx, page };
      await openApp(t, page, false);
      await signUp(t, page, B);
      await page.locator('dl.stats').waitFor();
      const stats = await page.locator('dl.stats .stat dd').allTextContents();
      assertEq(stats.slice(0, 3), ['0', '0', '0'], 'B\'s overview counts');
      await goNav(page, 'Rentals');
      await page.getByText('No rentals yet.').waitFor();
      await page.getByRole('navigation', { name: 'Rentals' }).getByRole('link', { name: 'Sources' }).click();
      await page.getByText('No sources yet.').waitFor();
      await goNav(page, 'Settings');
      assertEq(await page.getByRole('form', { name: 'Availability' }).getByLabel('Time zone').inputValue(), 'America/Chicago', 'B\'s own time zone');
      assertEq(await page.getByText('ada@example.com').count(), 0, 'A\'s email nowhere on B\'s page');

      /* A's rental id, asked for by B: the same answer as a missing one */
      const elm = (await apiGet(t.state.a.page, '/rentals?q=elm')).body.rentals[0];
      const w = t.watch(page);
      await w.expecting(page, 'GET', '/rentals/' + elm.id, 404, () => apiGet(page, '/rentals/' + elm.id));
      await goNav(page, 'Rentals');
      await page.getByRole('button', { name: 'Add rental' }).click();
      const dlg = page.getByRole('dialog', { name: 'Add a rental' });
      await dlg.getByLabel('Address').fill('7 Bob Lane');
      await dlg.getByRole('button', { name: 'Add rental' }).click();
      await (await rentalRow(page, '7 Bob Lane')).waitFor();
      await page.getByText('Showing 1 rental.').waitFor();

      const a = t.state.a.page;
      await goNav(a, 'Rentals');
      await a.getByRole('search', { name: 'Filter rentals' }).getByLabel('Search').fill('Lane');
      await a.getByRole('button', { name: 'Apply filters' }).click();
      await a.getByText('No rentals match these filters.').waitFor();
      const mine = (await apiGet(a, '/rentals?limit=200')).body.rentals.map((r) => r.property_address);
      assertEq([mine.length, mine.includes('7 Bob Lane')], [56, false], 'A\'s list in the API');

      /* B's session ends under the page: the next call's 401 leads to the sign-in page */
      await ctx.clearCookies();
      await t.watch(page).expectingAll(page, OVERVIEW_CALLS.map((p) => ['GET', p, 401]), () => goNav(page, 'Overview').catch(() => {}));
      await heading(page, 'Sign in');
      await page.getByText('Your session has ended. Sign in again to continue.').waitFor();

      /* A's email is taken */
      await page.getByRole('link', { name: 'Create an account' }).click();
      await heading(page, 'Create an account');
      await page.getByLabel('Email').fill(A.email);
      await page.getByLabel('Password').fill('another password');
      await t.watch(page).expecting(page, 'POST', '/auth/signup', 409, () => page.getByRole('button', { name: 'Create account' }).click());
      await page.getByRole('alert').getByText('An account with this email already exists.').waitFor();
    },
  },
  {
    name: 'rate limit: the 429 and its Retry-After are shown',
    async run(t) {
      const ctx = await t.context('C');
      const page = await ctx.newPage();
      await openApp(t, page, false);
      const w = t.watch(page);
      await page.getByLabel('Email').fill('nobody@example.com');
      for (let i = 0; i < 5; i++) {
        await page.getByLabel('Password').fill('wrong password ' + i);
        await w.expecting(page, 'POST', '/auth/login', 401, () => page.getByRole('button', { name: 'Sign in' }).click());
        await page.getByRole('button', { name: 'Sign in' }).and(page.locator(':enabled')).waitFor();
      }
      await page.getByLabel('Password').fill('wrong password again');
      await w.expecting(page, 'POST', '/auth/login', 429, () => page.getByRole('button', { name: 'Sign in' }).click());
      const alert = page.getByRole('alert');
      await alert.getByText('Too many attempts (HTTP 429)').waitFor();
      await alert.getByText('Too many failed sign-in attempts; try again later.').waitFor();
      await alert.getByText(/^You can try again in \d+ (minutes|seconds)\.$/).waitFor();
      await t.shoot(page, 'signin-rate-limited');

      /* every password slot busy: the server's 503 and its Retry-After (stood in for here,
       * in the server's own words, as a real one needs many parallel hashes) */
      await page.route('**/auth/login', (route) => route.fulfill({ status: 503, headers: { 'Retry-After': '2' }, contentType: 'application/json; charset=utf-8',
        body: JSON.stringify({ status: 'error', code: 'busy', message: 'The server is busy checking passwords; try again in a moment.' }) }));
      await w.expecting(page, 'POST', '/auth/login', 503, () => page.getByRole('button', { name: 'Sign in' }).click());
      await alert.getByText('The server is busy (HTTP 503)').waitFor();
      await alert.getByText('The server is busy checking passwords; try again in a moment.').waitFor();
      await alert.getByText('You can try again in 2 seconds.').waitFor();
      await page.unroute('**/auth/login');
    },
  },
  {
    name: 'calendar: business hours, book from a slot, a taken slot, reschedule, cancel',
    async run(t) {
      const { page } = t.state.a;
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
      await goNav(page, 'Settings');
      const av = page.getByRole('form', { name: 'Availability' });
      await av.getByRole('button', { name: 'Remove Monday range 2' }).click();
      await av.getByLabel('Monday range 1 opens').fill('07:00');
      await av.getByLabel('Monday range 1 closes').fill('21:00');
      await av.getByRole('button', { name: 'Copy Monday to Tuesday–Friday' }).click();
      for (const d of ['Saturday', 'Sunday']) {
        await av.getByLabel(d + ' range 1 opens').fill('07:00');
        await av.getByLabel(d + ' range 1 closes').fill('21:00');
      }
      await av.getByRole('button', { name: 'Save availability' }).click();
      await av.getByText('Availability saved.').waitFor();
      const bh = (await apiGet(page, '/users/me/settings')).body.business_hours;
      assertEq(DAYS.map((d) => bh[d]), DAYS.map(() => ['07:00-21:00']), 'hours in the API');

      /* a slow answer shows its loading state */
      await page.route(pathIs('/calendar/availability'), async (r) => { await sleep(900); await r.continue(); });
      await goNav(page, 'Calendar');
      const loading = page.getByRole('status').filter({ hasText: 'Loading free times…' });
      await loading.waitFor();
      await loading.waitFor({ state: 'detached' });
      await page.unroute(pathIs('/calendar/availability'));
      const slots = (await apiGet(page, '/calendar/availability?days_ahead=7')).body.available_slots;
      const [s1, s2, s3] = slots.slice(3, 6);

      /* the keyboard opens a slot's dialog, Escape closes it and the focus returns */
      await tabTo(page, 'Book ' + slots[0].formatted_time);
      await page.keyboard.press('Enter');
      await page.getByRole('dialog', { name: 'Book a viewing' }).waitFor();
      await until(async () => (await focusedName(page)) === 'Rental', 'the focus on the rental picker');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog', { name: 'Book a viewing' }).waitFor({ state: 'detached' });
      assertEq(await focusedName(page), 'Book ' + slots[0].formatted_time, 'the focus back on the slot');
      const elm = (await apiGet(page, '/rentals?q=elm')).body.rentals[0];
      await (await slotButton(page, s1)).click();
      const dlg = page.getByRole('dialog', { name: 'Book a viewing' });
      await dlg.getByText(s1.formatted_time).waitFor();
      await dlg.getByLabel('Visitor\'s name').fill('Vera Visitor');
      await dlg.getByRole('button', { name: 'Book viewing' }).click();
      await dlg.locator('[data-field="rental_id"] .field-error').getByText('Choose a rental, or type an address below.').waitFor();
      await dlg.getByLabel('Rental').selectOption({ label: '14 Elm Street' });
      await dlg.getByLabel('Email').fill('vera@example.com');
      await dlg.getByLabel('Phone').fill('+1 555 0100');
      await t.shoot(page, 'calendar-book', { viewportOnly: true });
      await dlg.getByRole('button', { name: 'Book viewing' }).click();
      await dlg.waitFor({ state: 'detached' });
      const vera = viewing(page, 'Vera Visitor');
      await vera.getByText('Confirmed').waitFor();
      await vera.getByText('Here only').waitFor();
      await vera.getByText('Booked here').waitFor();
      await page.getByRole('region', { name: 'Free times, next 7 days' }).locator('button[aria-label="Book ' + s1.formatted_time + '"]').waitFor({ state: 'detached' });
      let api = (await apiGet(page, '/appointments')).body.appointments;
      assertEq(api.map((a) => [a.rental_id, a.property_address, a.start_time, a.attendee_name, a.attendee_email, a.attendee_phone, a.source, a.status]),
        [[elm.id, '14 Elm Street', s1.start_time, 'Vera Visitor', 'vera@example.com', '+1 555 0100', 'dashboard', 'confirmed']], 'the booking in the API');

      /* the slot is taken by someone else while the dialog is open: the server's 409 */
      await (await slotButton(page, s2)).click();
      await dlg.getByLabel('Or another address').fill('1 Batch Road');
      await dlg.getByLabel('Visitor\'s name').fill('Late Larry');
      const other = await apiSend(page, 'POST', '/appointments', { property_address: '9 Walk-in Way', start_time: s2.start_time, attendee_name: 'Walt Walk-in' });
      assertEq(other.status, 201, 'the booking made meanwhile');
      await t.watch(page).expecting(page, 'POST', '/appointments', 409, () => dlg.getByRole('button', { name: 'Book viewing' }).click());
      await dlg.getByRole('alert').getByText('That time is already booked; choose another time.').waitFor();
      await dlg.getByRole('button', { name: 'Cancel' }).click();
      await dlg.waitFor({ state: 'detached' });
      await page.getByRole('region', { name: 'Free times, next 7 days' }).locator('button[aria-label="Book ' + s2.formatted_time + '"]').waitFor({ state: 'detached' });
      const filters = page.getByRole('form', { name: 'Filter viewings' });
      await filters.getByLabel('Status').selectOption('confirmed');
      await viewing(page, 'Walt Walk-in').waitFor();
      await page.getByText('Showing 2 viewings.').waitFor();

      await vera.getByRole('button', { name: /^Reschedule / }).click();
      const rd = page.getByRole('dialog', { name: 'Reschedule the viewing' });
      await rd.getByLabel('New time').selectOption(s3.start_time);
      await rd.getByRole('button', { name: 'Move viewing' }).click();
      await rd.waitFor({ state: 'detached' });
      await page.getByText('Moved the viewing of 14 Elm Street to ').waitFor();
      api = (await apiGet(page, '/appointments?status=confirmed')).body.appointments;
      assertEq(api.find((a) => a.attendee_name === 'Vera Visitor').start_time, s3.start_time, 'the new time in the API');

      await filters.getByLabel('Status').selectOption('');
      await vera.getByRole('button', { name: /^Cancel / }).click();
      const cd = page.getByRole('dialog', { name: 'Cancel the viewing?' });
      await cd.getByRole('button', { name: 'Cancel viewing' }).click();
      await vera.getByText('Cancelled').waitFor();
      assertEq(await vera.getByRole('button').count(), 0, 'no actions on a cancelled viewing');
      await viewing(page, 'Walt Walk-in').getByText('Confirmed').waitFor();
      await page.getByRole('region', { name: 'Free times, next 7 days' }).locator('button[aria-label="Book ' + s1.formatted_time + '"]').waitFor({ state: 'attached' });
      api = (await apiGet(page, '/appointments')).body.appointments;
      assertEq(api.map((a) => [a.attendee_name, a.status]).sort(), [['Vera Visitor', 'cancelled'], ['Walt Walk-in', 'confirmed']], 'statuses in the API');
      await t.shoot(page, 'calendar');
      await filters.getByLabel('When').selectOption('30');
      await page.getByText('No viewings here yet.').waitFor();
      await filters.getByLabel('When').selectOption('upcoming');
      await page.getByText('Showing 2 viewings.').waitFor();
    },
  },
  {
    name: 'calendar: the feed link, copied, rotated and revoked',
    async run(t) {
      const { page } = t.state.a;
      const feed = page.getByRole('region', { name: 'Calendar feed' });
      await feed.getByRole('button', { name: 'Make a feed link' }).click();
      await page.getByRole('dialog', { name: 'Make a new feed link?' }).getByRole('button', { name: 'Make new link' }).click();
      const addr = feed.getByRole('textbox', { name: 'Feed address' });
      await addr.waitFor();
      const url1 = await addr.inputValue();
      if (!url1.startsWith(t.url + '/calendar/feed.ics?token=')) throw new Error('feed URL: ' + url1);
      await feed.getByRole('button', { name: 'Copy feed address' }).click();
      await feed.getByText('Copied.').waitFor();
      assertEq(await page.evaluate(() => navigator.clipboard.readText()), url1, 'the feed URL on the clipboard');
      const r1 = await fetch(url1);
      const ics = await r1.text();
      assertEq([r1.status, (r1.headers.get('content-type') || '').startsWith('text/calendar'), ics.startsWith('BEGIN:VCALENDAR'), ics.includes('Property Viewing: 9 Walk-in Way')],
        [200, true, true, true], 'the feed');

      await feed.getByRole('button', { name: 'Rotate link' }).click();
      await page.getByRole('dialog', { name: 'Make a new feed link?' }).getByRole('button', { name: 'Make new link' }).click();
      await until(async () => (await feed.getByRole('textbox', { name: 'Feed address' }).inputValue()) !== url1, 'a new feed link');
      const url2 = await feed.getByRole('textbox', { name: 'Feed address' }).inputValue();
      assertEq([(await fetch(url1)).status, (await fetch(url2)).status], [404, 200], 'old and new links after the rotation');
      await feed.getByRole('button', { name: 'Revoke link' }).click();
      await page.getByRole('dialog', { name: 'Revoke the feed link?' }).getByRole('button', { name: 'Revoke link' }).click();
      await feed.getByText('The feed link is revoked.').waitFor();
      assertEq((await fetch(url2)).status, 404, 'the revoked link');
      await feed.getByRole('button', { name: 'Make a feed link' }).waitFor();
    },
  },
  {
    name: 'calendar: connecting Google through its consent page, disconnecting, a refused CalDAV address',
    async run(t) {
      const { page } = t.state.a;
      const w = t.watch(page);
      const conn = page.getByRole('region', { name: 'Connected calendar' });
      await conn.getByText('Only the built-in calendar is in use', { exact: false }).waitFor();
      /* Outlook is not set up on this server (no MICROSOFT_CLIENT_ID): its 503 says so */
      await w.expecting(page, 'GET', '/calendar/auth/start', 503, () => conn.getByRole('button', { name: 'Connect Outlook' }).click());
      await conn.getByText('Outlook is not set up on this server (MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET).', { exact: false }).waitFor();
      /* a server without the providers' sign-in at all says so */
      await page.route(pathIs('/calendar/auth/start'), (r) => r.fulfill(NO_ENDPOINT));
      await w.expecting(page, 'GET', '/calendar/auth/start', 404, () => conn.getByRole('button', { name: 'Connect Outlook' }).click());
      await conn.getByText('Connecting Outlook needs a newer PeteRental server.', { exact: false }).waitFor();
      await page.unroute(pathIs('/calendar/auth/start'));

      /* Google through its stand-in (run.mjs): the consent page sends the browser back to the
       * server's callback with a code, which the server exchanges; then auth=success */
      const asked = [];
      const onRequest = (req) => {
        const u = new URL(req.url());
        if (u.pathname === '/calendar/auth/start') asked.push(u.searchParams);
      };
      page.on('request', onRequest);
      await page.waitForLoadState('networkidle');
      w.expectAbort('/calendar/auth/start');
      await conn.getByRole('button', { name: 'Connect Google' }).click();
      await page.getByText('Your calendar is connected.').waitFor();
      page.off('request', onRequest);
      assertEq(page.url(), t.url + '/app/#/calendar', 'the address after the return');
      assertEq(asked.map((q) => [q.get('provider'), q.get('redirect_url')]).slice(-1), [['google', t.url + '/app']], 'the sign-in request');
      await conn.getByRole('link', { name: GOOGLE_ACCOUNT }).waitFor();
      assertEq(await conn.getByRole('link', { name: GOOGLE_ACCOUNT }).getAttribute('href'), 'https://calendar.google.com/calendar/r', 'the link to the calendar');
      await conn.getByText('Working').waitFor();
      const st = (await apiGet(page, '/calendar/auth/status')).body;
      assertEq([st.authorized, st.provider, st.calendar_email], [true, 'google', GOOGLE_ACCOUNT], 'the connection the server stored');
      await page.getByRole('region', { name: 'Free times, next 7 days' }).getByText(/^\d+ free times?, in /).waitFor();
      await t.shoot(page, 'calendar-connected');
      await conn.getByRole('button', { name: 'Disconnect' }).click();
      await page.getByRole('dialog', { name: 'Disconnect the calendar?' }).getByRole('button', { name: 'Disconnect' }).click();
      await conn.getByText('The calendar was disconnected; only the built-in calendar is in use now.').waitFor();
      await conn.getByRole('button', { name: 'Connect Outlook' }).waitFor();
      assertEq((await apiGet(page, '/calendar/auth/status')).body.authorized, false, 'the status after disconnecting');

      /* the provider refused: its words on the calendar page */
      await page.waitForLoadState('networkidle');
      await page.goto(t.url + '/app/users?auth=error&message=' + encodeURIComponent('The consent was denied.'));
      await heading(page, 'Calendar');
      await page.getByRole('alert').getByText('The calendar was not connected: The consent was denied.').waitFor();
      assertEq(page.url(), t.url + '/app/#/calendar', 'the address after the return');

      /* CalDAV: an address that is no CalDAV calendar (the listing site's 404) gets the
       * server's message beside the field; then a server without the endpoint */
      await conn.getByText('Connect a CalDAV calendar instead').click();
      const dav = page.getByRole('form', { name: 'Connect a CalDAV calendar' });
      await dav.getByLabel('Calendar address').fill(t.site + '/dav/ada/');
      await dav.getByLabel('User name').fill('ada');
      await dav.getByLabel('Password').fill('app-password-1');
      await w.expecting(page, 'POST', '/calendar/caldav/connect', 422, () => dav.getByRole('button', { name: 'Connect CalDAV' }).click());
      await dav.locator('[data-field="url"] .field-error').getByText(/^The URL is not a CalDAV calendar/).waitFor();
      assertEq((await apiGet(page, '/calendar/auth/status')).body.authorized, false, 'the status after a refused CalDAV address');
      await page.route(pathIs('/calendar/caldav/connect'), (r) => r.fulfill(NO_ENDPOINT));
      await w.expecting(page, 'POST', '/calendar/caldav/connect', 404, () => dav.getByRole('button', { name: 'Connect CalDAV' }).click());
      await conn.getByText('Connecting a CalDAV calendar needs a newer PeteRental server.', { exact: false }).waitFor();
      await page.unroute(pathIs('/calendar/caldav/connect'));
    },
  },
  {
    name: 'assistant: create an agent, copy its secret, Try it with search_rentals',
    async run(t) {
      const { page } = t.state.a;
      await goNav(page, 'Assistant');
      await page.getByText('No agents yet.', { exact: false }).waitFor();
      const form = page.getByRole('form', { name: 'Add an agent' });
      await form.getByLabel('Name').fill('Front desk');
      await form.getByLabel('Vapi assistant ID').fill('asst-ada-front');
      await form.getByRole('button', { name: 'Add agent' }).click();
      const dlg = page.getByRole('dialog', { name: 'Webhook secret of Front desk' });
      await dlg.waitFor();
      const secret = await dlg.getByRole('textbox', { name: 'Webhook secret' }).inputValue();
      if (!/^\S{20,}$/.test(secret)) throw new Error('no secret shown: ' + JSON.stringify(secret));
      await dlg.getByRole('button', { name: 'Copy webhook secret' }).click();
      await dlg.getByText('Copied.').waitFor();
      assertEq(await page.evaluate(() => navigator.clipboard.readText()), secret, 'the secret on the clipboard');
      assertEq(await dlg.getByRole('textbox', { name: 'Webhook URL' }).inputValue(), t.url + '/vapi/webhook', 'the webhook URL');
      await t.shoot(page, 'agent-secret', { viewportOnly: true });
      await dlg.getByRole('button', { name: 'I have saved it' }).click();
      await dlg.waitFor({ state: 'detached' });
      t.state.secret = secret;
      const agents = (await apiGet(page, '/agents')).body;
      assertEq(agents.map((a) => [a.agent_name, a.vapi_assistant_id, a.is_active, 'webhook_secret' in a]), [['Front desk', 'asst-ada-front', true, false]], 'agents in the API');
      t.state.agentId = agents[0].agent_id;
      await page.getByText('1 agent: 1 active, 0 inactive.').waitFor();
      await page.getByRole('link', { name: 'Manage Front desk' }).click();
      await heading(page, 'Front desk');

      const tryIt = page.getByRole('form', { name: 'Try it' });
      await tryIt.getByLabel('Tool').selectOption('search_rentals');
      await tryIt.getByLabel('Bedrooms').fill('3');
      await tryIt.getByLabel('Lowest rent').fill('1500');
      await tryIt.getByRole('button', { name: 'Run tool' }).click();
      const said = tryIt.locator('figure.said blockquote');
      await said.waitFor();
      const want = await apiSend(page, 'POST', '/agents/' + t.state.agentId + '/try', { tool: 'search_rentals', arguments: { bedrooms: 3, min_price: 1500 } });
      assertEq(await said.textContent(), want.body.result, 'the exact sentence');
      if (!want.body.result.includes('14 Elm Street')) throw new Error('the rental is not in the answer: ' + want.body.result);
      await tryIt.getByLabel('Tool').selectOption('set_appointment');
      await tryIt.getByText('This really books the viewing', { exact: false }).waitFor();
      await tryIt.getByLabel('Tool').selectOption('get_rental_details');
      await tryIt.getByRole('button', { name: 'Run tool' }).click();
      await tryIt.locator('figure.said.failed').getByText('I need the address of the home to describe it.').waitFor();
      await tryIt.getByLabel('Property address').fill('14 Elm Street');
      await tryIt.getByRole('button', { name: 'Run tool' }).click();
      await tryIt.locator('figure.said:not(.failed) blockquote').getByText('14 Elm Street', { exact: false }).waitFor();
      await t.shoot(page, 'agent');
    },
  },
  {
    name: 'agent: edit, variables, functions, deactivate',
    async run(t) {
      const { page } = t.state.a;
      const w = t.watch(page);
      const set = page.getByRole('form', { name: 'Settings' });
      await set.getByLabel('Name').fill('Front desk (main)');
      await set.getByLabel('Advanced configuration (JSON)').fill('{oops');
      await set.getByRole('button', { name: 'Save agent' }).click();
      await set.locator('[data-field="config"] .field-error').getByText(/^Is not valid JSON/).waitFor();
      await set.getByLabel('Advanced configuration (JSON)').fill('{"signature_header": "X-Sig"}');
      await set.getByRole('button', { name: 'Save agent' }).click();
      await set.getByText('Saved.').waitFor();
      await heading(page, 'Front desk (main)');
      let ag = (await apiGet(page, '/agents/' + t.state.agentId)).body;
      assertEq([ag.agent_name, ag.config, ag.vapi_assistant_id], ['Front desk (main)', { signature_header: 'X-Sig' }, 'asst-ada-front'], 'the edited agent in the API');

      const vars = page.getByRole('region', { name: 'Variables' });
      const vf = vars.getByRole('form', { name: 'Add a variable' });
      await vf.getByLabel('Name').fill('1office');
      await vf.getByLabel('Value').fill('Oak Rentals');
      await w.expecting(page, 'POST', '/agents/' + t.state.agentId + '/variables', 422, () => vf.getByRole('button', { name: 'Save variable' }).click());
      await vf.locator('[data-field="name"] .field-error').getByText(/^Must be a letter/).waitFor();
      await vf.getByLabel('Name').fill('office_name');
      await vf.getByRole('button', { name: 'Save variable' }).click();
      await vars.getByRole('rowheader', { name: 'office_name' }).waitFor();
      await vars.getByRole('cell', { name: 'Oak Rentals' }).waitFor();
      await vf.getByLabel('Name').fill('office_name');
      await vf.getByLabel('Value').fill('Oak Rentals LLC');
      await vf.getByRole('button', { name: 'Save variable' }).click();
      await vars.getByRole('cell', { name: 'Oak Rentals LLC' }).waitFor();
      assertEq(await vars.getByRole('rowheader').count(), 1, 'a variable of the same name is replaced');

      const fns = page.getByRole('region', { name: 'Functions' });
      const ff = fns.getByRole('form', { name: 'Add a function' });
      await ff.getByLabel('Name').fill('lookup_lease');
      await ff.getByLabel('Description').fill('Find a tenant\'s lease');
      await ff.getByLabel('Parameters (JSON Schema)').fill('{"type": "object", "properties": {"unit": {"type": "string"}}}');
      await ff.getByRole('button', { name: 'Save function' }).click();
      const fnRow = fns.locator('tbody tr').filter({ hasText: 'lookup_lease' });
      await fnRow.getByText('Enabled').waitFor();
      await fns.getByRole('button', { name: 'Disable lookup_lease' }).click();
      await fnRow.getByText('Disabled').waitFor();
      const api = (await apiGet(page, '/agents/' + t.state.agentId + '/functions')).body.functions;
      assertEq(api.map((f) => [f.name, f.description, f.is_enabled, f.parameters.properties.unit.type]), [['lookup_lease', 'Find a tenant\'s lease', false, 'string']], 'functions in the API');
      assertEq((await apiGet(page, '/agents/' + t.state.agentId + '/variables')).body.variables.map((v) => [v.name, v.value]), [['office_name', 'Oak Rentals LLC']], 'variables in the API');

      /* a new secret: shown once, the old one refused at once */
      await page.getByRole('region', { name: 'Vapi' }).getByRole('button', { name: 'New webhook secret' }).click();
      await page.getByRole('dialog', { name: 'Make a new webhook secret?' }).getByRole('button', { name: 'Make new secret' }).click();
      const dlg = page.getByRole('dialog', { name: 'Webhook secret of Front desk (main)' });
      const fresh = await dlg.getByRole('textbox', { name: 'Webhook secret' }).inputValue();
      if (!/^\S{20,}$/.test(fresh) || fresh === t.state.secret) throw new Error('no new secret shown: ' + JSON.stringify(fresh));
      await dlg.getByRole('button', { name: 'I have saved it' }).click();
      const ping = { type: 'status-update', call: { id: 'call-ping', assistantId: 'asst-ada-front' } };
      assertEq([(await webhook(t, t.state.secret, ping)).status, (await webhook(t, fresh, ping)).status], [401, 200], 'the old and the new secret at the webhook');
      t.state.secret = fresh;

      await page.getByRole('link', { name: '← All agents' }).click();
      await heading(page, 'Assistant');
      await page.getByRole('button', { name: 'Deactivate Front desk (main)' }).click();
      await page.getByText('1 agent: 0 active, 1 inactive.').waitFor();
      assertEq((await apiGet(page, '/agents/' + t.state.agentId)).body.is_active, false, 'inactive in the API');
      await page.getByRole('button', { name: 'Activate Front desk (main)' }).click();
      await page.getByText('1 agent: 1 active, 0 inactive.').waitFor();
    },
  },
  {
    name: 'assistant: import from Vapi, sync, and Vapi\'s errors (Vapi stood in)',
    async run(t) {
      const { page } = t.state.a;
      const w = t.watch(page);
      await w.expecting(page, 'GET', '/vapi/assistants', 400, () => page.getByRole('button', { name: 'Import from Vapi' }).click());
      await page.getByRole('alert').getByText('Importing needs your Vapi private key.', { exact: false }).waitFor();
      await goNav(page, 'Settings');
      const key = page.getByRole('form', { name: 'Voice assistant' });
      await key.getByLabel('Vapi API key').fill(VAPI_KEY);
      await key.getByRole('button', { name: 'Save key' }).click();
      await key.getByText('Key saved.').waitFor();

      await goNav(page, 'Assistant');
      await page.getByRole('button', { name: 'Import from Vapi' }).click();
      const dlg = page.getByRole('dialog', { name: 'Import from Vapi' });
      await dlg.getByText('2 assistants in your Vapi account.').waitFor();
      await t.shoot(page, 'assistant-import', { viewportOnly: true });
      await dlg.getByRole('button', { name: 'Import Leasing line' }).click();
      const sec = page.getByRole('dialog', { name: 'Webhook secret of Leasing line' });
      await sec.waitFor();
      await sec.getByRole('button', { name: 'I have saved it' }).click();
      await page.getByRole('rowheader', { name: 'Leasing line' }).waitFor();
      await page.getByRole('cell', { name: 'asst_leasing_line' }).waitFor();
      await page.getByText('2 agents: 2 active, 0 inactive.').waitFor();
      await t.shoot(page, 'assistant');
      await page.getByRole('button', { name: 'Import from Vapi' }).click();
      await dlg.getByRole('button', { name: 'Import Leasing line' }).and(page.locator(':disabled')).waitFor();
      await dlg.getByRole('button', { name: 'Close' }).click();

      await page.getByRole('link', { name: 'Manage Leasing line' }).click();
      await heading(page, 'Leasing line');
      const vapi = page.getByRole('region', { name: 'Vapi' });
      await vapi.getByRole('button', { name: 'Sync to Vapi' }).click();
      await vapi.getByText('Updated the assistant asst_leasing_line at Vapi: its tools now call this server.').waitFor();

      await page.getByRole('link', { name: '← All agents' }).click();
      await page.getByRole('link', { name: 'Manage Front desk (main)' }).click();
      await heading(page, 'Front desk (main)');
      await w.expecting(page, 'POST', '/agents/' + t.state.agentId + '/sync', 502, () => vapi.getByRole('button', { name: 'Sync to Vapi' }).click());
      await vapi.getByRole('alert').getByText(/^Vapi refused: .*Couldn't Find Assistant/).waitFor();
    },
  },
  {
    name: 'calls: a call reported through the webhook, its transcript and booking; load more',
    async run(t) {
      const { page } = t.state.a;
      const slot = (await apiGet(page, '/calendar/availability?days_ahead=7')).body.available_slots[8];
      const call = { id: 'call-carol', assistantId: 'asst-ada-front', customer: { number: '+1 555 0142' } };
      for (let i = 1; i <= 55; i++) {
        const r = await webhook(t, t.state.secret, { type: 'end-of-call-report', call: { id: 'call-bulk-' + i, assistantId: 'asst-ada-front' },
          startedAt: '2026-01-01T10:00:00Z', endedAt: '2026-01-01T10:01:00Z', endedReason: 'assistant-ended-call', summary: 'Bulk call ' + i + '.', cost: 0.01 });
        assertEq(r.status, 200, 'a bulk report');
      }
      const booked = await webhook(t, t.state.secret, { type: 'tool-calls', call, toolCallList: [{ id: 'tc1', name: 'set_appointment',
        arguments: { property_address: '14 Elm Street', start_time: slot.start_time, attendee_name: 'Carol Caller', attendee_phone: '+1 555 0142' } }] });
      if (!/^You're all set/.test(booked.body.results[0].result || '')) throw new Error('the booking through the webhook: ' + JSON.stringify(booked.body));
      const transcript = 'AI: Hello, Oak Rentals.\nUser: Is <b>14 Elm Street</b> still free?\nAI: It is & I booked you.';
      const report = await webhook(t, t.state.secret, { type: 'end-of-call-report', call, startedAt: '2026-12-01T15:00:00Z', endedAt: '2026-12-01T15:03:05Z',
        endedReason: 'customer-ended-call', summary: 'Carol asked about 14 Elm Street and booked a viewing.', transcript, cost: 0.4213 });
      assertEq(report.status, 200, 'the end-of-call report');

      await goNav(page, 'Calls');
      const rows = page.locator('table.calls tbody tr');
      await until(async () => (await rows.count()) === 50, 'the first page of 50 calls');
      await page.getByText('Showing 50 calls; more are available.').waitFor();
      const first = rows.first();
      await first.getByText('Carol asked about 14 Elm Street and booked a viewing.').waitFor();
      assertEq((await first.locator('td').allTextContents()).slice(0, 4), ['Front desk (main)', '3 min 5 s', '$0.42', 'Customer ended call'], 'the call\'s row');
      await t.shoot(page, 'calls');
      await page.getByRole('button', { name: 'Load more' }).click();
      await until(async () => (await rows.count()) === 56, 'all 56 calls');
      await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'hidden' });
      assertEq(new Set(await rows.evaluateAll((r) => r.map((x) => x.dataset.id))).size, 56, 'no call listed twice');

      await first.getByRole('link').click();
      await heading(page, 'Call from +1 555 0142');
      const pre = page.locator('pre.transcript');
      assertEq(await pre.textContent(), transcript, 'the transcript as sent');
      assertEq(await pre.locator('b').count(), 0, 'the transcript is text, not markup');
      await page.getByText('Carol asked about 14 Elm Street and booked a viewing.').waitFor();
      const booking = page.getByRole('region', { name: 'Viewings booked' });
      await booking.getByText('Carol Caller', { exact: false }).waitFor();
      await booking.getByText('Confirmed').waitFor();
      await t.shoot(page, 'call');

      await goNav(page, 'Calendar');
      await viewing(page, 'Carol Caller').getByText('Booked by the assistant').waitFor();
      await goNav(page, 'Overview');
      await page.getByRole('region', { name: 'Latest calls' }).getByText('+1 555 0142', { exact: false }).waitFor();
      await page.getByRole('region', { name: 'Next viewings' }).getByText('Carol Caller').waitFor();
      await page.getByRole('region', { name: 'Assistant' }).getByText('Active agents', { exact: true }).waitFor();
      assertEq(await page.getByRole('region', { name: 'Assistant' }).locator('dd').allTextContents(), ['2', '0'], 'agent counts on the overview');
      await t.shoot(page, 'overview-activity');
    },
  },
  {
    name: 'sources: scrape now reads the site, shows the job\'s progress and result, and a failure',
    async run(t) {
      const { page } = t.state.a;
      const w = t.watch(page);
      await goNav(page, 'Rentals');
      await page.getByRole('navigation', { name: 'Rentals' }).getByRole('link', { name: 'Sources' }).click();
      await heading(page, 'Sources');
      const form = page.getByRole('form', { name: 'Add a listings page' });
      const url = t.site + '/homes';
      await form.getByLabel('Page address').fill(url);
      await form.getByRole('button', { name: 'Add source' }).click();
      const src = (await apiGet(page, '/database/sources')).body.find((s) => s.url === url);
      const row = page.locator('tbody tr[data-id="' + src.id + '"]');
      await page.getByRole('button', { name: 'Scrape now ' + url }).click();
      await row.getByText(/^(Waiting for its turn|Reading the site)…$/).waitFor();
      await row.getByText(/^Done: \d+ new, \d+ changed, \d+ unchanged, 0 gone from the site \(now marked not available\)\.$/).waitFor({ timeout: 30000 });
      await t.shoot(page, 'sources-scrape');
      const mine = (await apiGet(page, '/rentals?limit=100')).body.rentals.filter((r) => r.website === src.website);
      assertEq(mine.map((r) => [r.property_address, r.price, r.bedrooms]).sort(), SITE_LISTINGS.map((l) => [l.street + ', Tulsa, OK 74103', l.price, l.beds]).sort(), 'the rentals the scrape stored');

      const gone = t.site + '/moved';
      await form.getByLabel('Page address').fill(gone);
      await form.getByRole('button', { name: 'Add source' }).click();
      await page.getByRole('button', { name: 'Scrape now ' + gone }).click();
      const goneId = (await apiGet(page, '/database/sources')).body.find((s) => s.url === gone).id;
      await page.locator('tbody tr[data-id="' + goneId + '"]').getByText(/^Failed: .*404.*\.$/).waitFor({ timeout: 30000 });

      // an older server, without the endpoint, is named as such
      await page.route(pathIs('/database/sources/' + src.id + '/scrape'), (r) => r.fulfill(NO_ENDPOINT));
      await w.expecting(page, 'POST', '/database/sources/' + src.id + '/scrape', 404, () => page.getByRole('button', { name: 'Scrape now ' + url }).click());
      await page.getByText('Scraping a source on demand needs a newer PeteRental server.', { exact: false }).waitFor();
      await page.unroute(pathIs('/database/sources/' + src.id + '/scrape'));
    },
  },
  {
    name: 'two users: B sees none of A\'s agents, viewings or calls',
    async run(t) {
      const { page } = t.state.b;
      const w = t.watch(page);
      await page.getByRole('link', { name: 'Sign in' }).click();
      await heading(page, 'Sign in');
      await page.getByLabel('Email').fill(B.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await heading(page, 'Overview');
      await page.getByRole('region', { name: 'Assistant' }).locator('dd').first().waitFor();
      assertEq(await page.getByRole('region', { name: 'Assistant' }).locator('dd').allTextContents(), ['0', '0'], 'B\'s agent counts');
      await page.getByRole('region', { name: 'Latest calls' }).getByText('No calls yet.').waitFor();
      await page.getByRole('region', { name: 'Next viewings' }).getByText('No viewings booked.').waitFor();
      await goNav(page, 'Assistant');
      await page.getByText('No agents yet.', { exact: false }).waitFor();
      await goNav(page, 'Calendar');
      await page.getByText('No viewings here yet.').waitFor();
      await goNav(page, 'Calls');
      await page.getByText('No calls yet.', { exact: false }).waitFor();

      const a = t.state.a.page;
      const aCall = (await apiGet(a, '/calls?limit=1')).body.calls[0];
      const aAppt = (await apiGet(a, '/appointments')).body.appointments[0];
      await w.expecting(page, 'GET', '/agents/' + t.state.agentId, 404, () => page.goto(t.url + '/app/#/agent?id=' + t.state.agentId));
      await page.getByRole('alert').getByText('Agent not found.').waitFor();
      await w.expecting(page, 'GET', '/calls/' + aCall.id, 404, () => page.goto(t.url + '/app/#/call?id=' + aCall.id));
      await page.getByRole('alert').getByText('Call not found.').waitFor();
      let r;
      await w.expecting(page, 'PATCH', '/appointments/' + aAppt.id, 404, async () => { r = await apiSend(page, 'PATCH', '/appointments/' + aAppt.id, { status: 'cancelled' }); });
      assertEq(r.status, 404, 'A\'s viewing, patched by B');
      assertEq((await apiGet(a, '/appointments/' + aAppt.id)).body.status, aAppt.status, 'A\'s viewing unchanged');

      /* B's own agent answers from B's listings only */
      await goNav(page, 'Assistant');
      const form = page.getByRole('form', { name: 'Add an agent' });
      await form.getByLabel('Name').fill('Bob desk');
      await form.getByRole('button', { name: 'Add agent' }).click();
      await page.getByRole('dialog', { name: 'Webhook secret of Bob desk' }).getByRole('button', { name: 'I have saved it' }).click();
      await page.getByRole('link', { name: 'Manage Bob desk' }).click();
      await heading(page, 'Bob desk');
      const tryIt = page.getByRole('form', { name: 'Try it' });
      await tryIt.getByRole('button', { name: 'Run tool' }).click();
      const said = tryIt.locator('figure.said blockquote');
      await said.getByText('7 Bob Lane', { exact: false }).waitFor();
      const text = await said.textContent();
      if (/Elm|Batch/.test(text)) throw new Error('A\'s rentals in B\'s answer: ' + text);
      assertEq((await apiGet(a, '/agents')).body.map((x) => x.agent_name).sort(), ['Front desk (main)', 'Leasing line'], 'A\'s agents in the API');

      await page.getByRole('region', { name: 'Vapi' }).getByRole('button', { name: 'Delete agent' }).click();
      await page.getByRole('dialog', { name: 'Delete agent?' }).getByRole('button', { name: 'Delete agent' }).click();
      await heading(page, 'Assistant');
      await page.getByText('Deleted the agent Bob desk.').waitFor();
      await page.getByText('No agents yet.', { exact: false }).waitFor();
      assertEq((await apiGet(page, '/agents')).body, [], 'B\'s agents after the delete');
    },
  },
];
