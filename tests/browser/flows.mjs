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

async function goNav(page, name, title) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
  await heading(page, title || name);
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
      await openApp(t, page, false);
      await signUp(t, page, B);
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
      await t.watch(page).expecting(page, 'GET', '/database/status', 401, () => goNav(page, 'Overview').catch(() => {}));
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
];

