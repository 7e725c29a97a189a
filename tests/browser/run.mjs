/* SPDX-License-Identifier: MIT */
/* Runs the dashboard's browser flows (flows.mjs) against one real server and one headless
 * Chromium, prints one line per flow and "N passed, N failed", and exits 0 only when every
 * flow passed with no problem seen on any page and the server stopped cleanly.
 *
 *   node run.mjs --bin build/peterental --out DIR [--modules DIR/node_modules] [--only TEXT]
 *
 * Environment: PETE_BACKEND (sqlite or postgres), PETE_TEST_PG_URL (postgres), CHROMIUM
 * (default /usr/bin/chromium). The server's VAPI_API_URL is a Vapi stand-in (flows.mjs
 * VAPI_KEY and VAPI_ASSISTANTS), and a listing site stand-in serves flows.mjs LISTING_PAGES
 * on its own loopback address (t.site; the server runs with SCRAPE_ALLOW_PRIVATE=true), and
 * Google's OAuth and Calendar API are stood in too (flows.mjs GOOGLE_ACCOUNT). Screenshots go to DIR as PAGE-375.png and PAGE-1440.png.
 * Every wait is bounded: each flow by FLOW_MS, the whole run by RUN_MS. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, Watcher, VapiStandin, ListingStandin, GoogleStandin, CHROMIUM_ARGS, loadModules, newContext, shoot } from './harness.mjs';
import { flows, VAPI_KEY, VAPI_ASSISTANTS, LISTING_PAGES, GOOGLE_ACCOUNT } from './flows.mjs';

const FLOW_MS = 120000;
const RUN_MS = 540000;

function args() {
  const a = process.argv.slice(2);
  const out = { modules: path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules') };
  for (let i = 0; i < a.length; i++) {
    const k = a[i].replace(/^--/, '');
    if (!['bin', 'out', 'modules', 'only'].includes(k) || i + 1 >= a.length) {
      console.error('usage: node run.mjs --bin PETERENTAL --out DIR [--modules NODE_MODULES] [--only TEXT]');
      process.exit(2);
    }
    out[k] = a[++i];
  }
  if (!out.bin || !out.out) {
    console.error('run.mjs: --bin and --out are required');
    process.exit(2);
  }
  return out;
}

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(what + ' took longer than ' + ms / 1000 + ' s')), ms); });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

async function main() {
  const opt = args();
  const backend = process.env.PETE_BACKEND || 'sqlite';
  let mods;
  try {
    mods = loadModules(opt.modules);
  } catch (e) {
    console.error('run.mjs: playwright-core and axe-core are not installed in ' + opt.modules + ' (npm ci in tests/browser): ' + e.message);
    process.exit(1);
  }
  fs.mkdirSync(opt.out, { recursive: true });
  for (const f of fs.readdirSync(opt.out)) if (f.endsWith('.png')) fs.rmSync(path.join(opt.out, f));

  const here = path.dirname(fileURLToPath(import.meta.url));
  const vapi = new VapiStandin(path.join(here, '..', 'standins'), VAPI_KEY, VAPI_ASSISTANTS);
  const site = new ListingStandin(path.join(here, '..', 'standins'), LISTING_PAGES);
  const google = new GoogleStandin(path.join(here, '..', 'standins'), GOOGLE_ACCOUNT);
  let server = null;
  let browser = null;
  const failures = [];
  let passed = 0;
  const shots = [];
  const cleanup = async () => {
    if (browser) await browser.close().catch(() => {});
    browser = null;
    await vapi.stop();
    await site.stop();
    await google.stop();
    return server ? server.stop() : [];
  };
  const watchdog = setTimeout(async () => {
    console.error('run.mjs: the run took longer than ' + RUN_MS / 1000 + ' s; stopping');
    await cleanup().catch(() => {});
    process.exit(1);
  }, RUN_MS);

  try {
    await vapi.start();
    await site.start();
    await google.start();
    server = new Server(path.resolve(opt.bin), backend, { VAPI_API_URL: vapi.url, SCRAPE_ALLOW_PRIVATE: 'true', ...google.serverEnv() });
    await server.start();
    browser = await mods.chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true, timeout: 30000 });
    console.log('# server ' + server.url + ' (' + backend + '), chromium ' + browser.version());
    const watchers = new Map();
    const t = {
      url: server.url,
      site: site.url,
      state: {},
      async context(label, o) {
        const c = await newContext(browser, o);
        watchers.set(c, new Watcher(c, label));
        return c;
      },
      watch: (page) => watchers.get(page.context()),
      async shoot(page, name, o) {
        const problems = await shoot(page, opt.out, name, mods.axeSource, shots, o);
        t.watch(page).problems.push(...problems);
      },
    };
    for (const flow of flows) {
      if (opt.only && !flow.name.includes(opt.only)) continue;
      let error = null;
      try {
        await withTimeout(flow.run(t), FLOW_MS, 'the flow');
      } catch (e) {
        error = e;
      }
      const problems = [];
      for (const w of watchers.values()) problems.push(...w.take());
      if (!error && !problems.length) {
        passed++;
        console.log('ok - ' + flow.name);
        continue;
      }
      console.log('not ok - ' + flow.name);
      if (error) console.log('  ' + String(error.stack || error).split('\n').slice(0, 6).join('\n  '));
      for (const p of problems) console.log('  ' + p);
      failures.push(flow.name);
      let n = 0;
      for (const c of watchers.keys()) for (const p of c.pages()) {
        await p.screenshot({ path: path.join(opt.out, 'FAILED-' + failures.length + '-' + (++n) + '.png'), fullPage: true }).catch(() => {});
      }
    }
  } catch (e) {
    failures.push('set-up');
    console.log('not ok - set-up: ' + String(e.stack || e));
  }
  const stopProblems = await cleanup();
  clearTimeout(watchdog);
  if (stopProblems.length) {
    failures.push('server stop');
    console.log('not ok - the server stopped cleanly');
    for (const p of stopProblems) console.log('  ' + p);
  }
  console.log('# screenshots in ' + opt.out + ': ' + shots.join(' '));
  console.log(passed + ' passed, ' + failures.length + ' failed');
  process.exit(failures.length === 0 && passed > 0 ? 0 : 1);
}

main();
