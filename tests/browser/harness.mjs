/* SPDX-License-Identifier: MIT */
/* The browser tests' harness: starts a real `peterental serve` on a free loopback port with a
 * temporary DATA_DIR (and, on the postgres backend, a database it creates and drops on
 * PETE_TEST_PG_URL), launches Debian's Chromium headless through playwright-core, and watches
 * every page: a console error, an uncaught exception, a CSP violation, a request that fails
 * or an HTTP error status the test did not announce with expecting() is a problem that fails
 * the test. Also: axe-core checks and screenshots at 375 and 1440 px, and the Vapi API
 * stand-in of tests/standins (Python 3) for the server's VAPI_API_URL. Node 18+, no other
 * dependency than the two npm packages of package-lock.json. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

export const WAIT_MS = 15000;
const START_MS = 30000;
const STOP_MS = 10000;

/* Configuration keys the server reads: dropped from the inherited environment so that a
 * developer's shell cannot change what the test sees (as tests/http/harness.py does). */
const CONFIG_KEYS = ['HOST', 'PORT', 'DATA_DIR', 'DATABASE_URL', 'PUBLIC_URL', 'FRONTEND_URL', 'CORS_ORIGINS',
  'AUTH_ISSUERS', 'CLERK_JWKS_URL', 'CLERK_JWT_KEY', 'CLERK_ISSUER', 'CLERK_AUTHORIZED_PARTIES',
  'CLERK_WEBHOOK_SECRET', 'SIGNUP', 'MASTER_KEY', 'MICROSOFT_CLIENT_ID', 'MICROSOFT_CLIENT_SECRET',
  'MICROSOFT_TENANT_ID', 'GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'MICROSOFT_AUTH_URL',
  'MICROSOFT_GRAPH_URL', 'GOOGLE_AUTH_URL', 'GOOGLE_API_URL', 'VAPI_API_URL', 'VAPI_API_KEY',
  'SCRAPE_ALLOW_PRIVATE', 'LOG_LEVEL', 'LOG_FORMAT', 'MAX_BODY_BYTES', 'CACHE_MB', 'WORKER'];
const SANITIZER_MARKERS = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:',
  'ThreadSanitizer', 'UndefinedBehaviorSanitizer'];

/* Chromium as root in a closed network: no sandbox (root), no GPU, and none of the
 * background connections that this machine's network would refuse. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage', '--no-default-browser-check'];

export function loadModules(dir) {
  const req = createRequire(path.join(dir, 'noop.js'));
  const pw = req('playwright-core');
  const axePath = path.join(dir, 'axe-core', 'axe.min.js');
  return { chromium: pw.chromium, axeSource: fs.readFileSync(axePath, 'utf8') };
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function psql(url, sql) {
  const p = spawnSync('psql', [url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8', timeout: 60000 });
  if (p.status !== 0) throw new Error('psql failed: ' + sql + '\n' + (p.stderr || p.error));
  return p.stdout;
}

function withDb(url, db) {
  const u = new URL(url);
  u.pathname = '/' + db;
  return u.toString();
}

async function healthy(url) {
  const ctl = new AbortController();
  const t = setTimeout(() => ctl.abort(), 1000);
  try {
    const r = await fetch(url + '/health', { signal: ctl.signal });
    return r.status === 200;
  } catch (e) {
    return false;
  } finally {
    clearTimeout(t);
  }
}

/* One server: start(), url, stop() -> problems (exit status, sanitizer report), logTail(). */
export class Server {
  constructor(bin, backend, extraEnv = {}) {
    this.bin = bin;
    this.backend = backend;
    this.extraEnv = extraEnv;
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'pete-browser-'));
    this.logPath = path.join(this.root, 'server.log');
    this.proc = null;
    this.exit = null;
    this.db = null;
    this.admin = null;
  }

  async start() {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) if (!CONFIG_KEYS.includes(k)) env[k] = v;
    Object.assign(env, this.extraEnv);
    fs.mkdirSync(path.join(this.root, 'data'));
    if (this.backend === 'postgres') {
      this.admin = process.env.PETE_TEST_PG_URL;
      if (!this.admin) throw new Error('PETE_BACKEND=postgres needs PETE_TEST_PG_URL');
      this.db = 'pete_b_' + Math.random().toString(16).slice(2, 14);
      psql(this.admin, 'CREATE DATABASE "' + this.db + '"');
      env.DATABASE_URL = withDb(this.admin, this.db);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      Object.assign(env, { HOST: '127.0.0.1', PORT: String(port), DATA_DIR: path.join(this.root, 'data'), LOG_FORMAT: 'json' });
      this.url = 'http://127.0.0.1:' + port;
      const log = fs.openSync(this.logPath, 'a');
      this.proc = spawn(this.bin, ['serve'], { env, stdio: ['ignore', log, log] });
      fs.closeSync(log);
      this.proc.on('exit', (code, sig) => { this.exit = code === null ? sig : code; });
      const deadline = Date.now() + START_MS;
      while (Date.now() < deadline && this.exit === null) {
        if (await healthy(this.url)) return this;
        await sleep(50);
      }
      const inUse = /in use/i.test(this.logText());
      await this.kill();
      if (!inUse) break;
    }
    throw new Error('peterental serve did not become healthy; log:\n' + this.logTail());
  }

  logText() {
    try {
      return fs.readFileSync(this.logPath, 'utf8');
    } catch (e) {
      return '';
    }
  }

  logTail(n = 4000) {
    const t = this.logText();
    return t.slice(Math.max(0, t.length - n));
  }

  async kill() {
    if (this.proc && this.exit === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), STOP_MS);
      await exited;
      clearTimeout(t);
    }
  }

  /* Stops the server, drops its database and removes its files; returns what went wrong. */
  async stop() {
    const problems = [];
    const crashed = this.proc && this.exit !== null;
    await this.kill();
    const log = this.logText();
    if (crashed) problems.push('the server died during the tests (exit ' + this.exit + ')');
    else if (this.proc && this.exit !== 0) problems.push('the server exited with ' + this.exit + ' on SIGTERM (want 0)');
    const report = log.split('\n').find((l) => SANITIZER_MARKERS.some((m) => l.includes(m)));
    if (report) problems.push('sanitizer report in the server log: ' + report);
    if (problems.length) problems.push('server log tail:\n' + this.logTail(8000));
    if (this.db) {
      try {
        psql(this.admin, 'DROP DATABASE IF EXISTS "' + this.db + '" WITH (FORCE)');
      } catch (e) {
        problems.push(String(e.message));
      }
      this.db = null;
    }
    fs.rmSync(this.root, { recursive: true, force: true });
    return problems;
  }
}

/* A stand-in of tests/standins in a Python child: its script prints the stand-in's URL
 * (http://127.0.0.N:PORT) on its first line and runs until its stdin closes (stop(), or this
 * process ending). start() -> this, with url. */
class PyStandin {
  constructor(what, script, args) {
    this.what = what;
    this.script = script.join('\n');
    this.args = args;
    this.proc = null;
  }

  start() {
    this.proc = spawn('python3', ['-c', this.script, ...this.args], { stdio: ['pipe', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error(this.what + ' did not start')), START_MS);
      this.proc.on('exit', (code) => { clearTimeout(t); reject(new Error(this.what + ' exited with ' + code)); });
      this.proc.stdout.on('data', (d) => {
        out += d;
        const line = out.split('\n')[0];
        if (out.includes('\n') && /^http:\/\/127\.0\.0\.\d+:\d+$/.test(line)) {
          clearTimeout(t);
          this.url = line;
          resolve(this);
        }
      });
    });
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), STOP_MS);
    await exited;
    clearTimeout(t);
  }
}

/* tests/standins/vapi_api.py: it accepts the bearer key given and lists the assistants
 * given. */
export class VapiStandin extends PyStandin {
  constructor(dir, key, assistants) {
    super('the Vapi stand-in', ['import json, sys', 'sys.path.insert(0, sys.argv[1])', 'from vapi_api import VapiStandin',
      'api = VapiStandin(key=sys.argv[2]).start()', 'api.assistants = {a["id"]: a for a in json.loads(sys.argv[3])}',
      'print(api.url, flush=True)', 'sys.stdin.read()', 'api.stop()'], [dir, key, JSON.stringify(assistants)]);
  }
}

/* tests/standins/google.py: Google's OAuth (its consent page allows at once) and Calendar API
 * for the account given; the server's client id and secret are the stand-in's. */
export class GoogleStandin extends PyStandin {
  constructor(dir, account) {
    super('the Google stand-in', ['import sys', 'sys.path.insert(0, sys.argv[1])', 'from google import GoogleStandin',
      'g = GoogleStandin().start()', 'g.account_email = sys.argv[2]',
      'print(g.url, flush=True)', 'sys.stdin.read()', 'g.stop()'], [dir, account]);
  }

  serverEnv() {
    return { GOOGLE_CLIENT_ID: 'standin-client', GOOGLE_CLIENT_SECRET: 'standin-secret', GOOGLE_AUTH_URL: this.url, GOOGLE_API_URL: this.url };
  }
}

/* tests/standins/listing_site.py on its own loopback address: a manager's listing site serving
 * pages ({path: html}); any other path is a 404. */
export class ListingStandin extends PyStandin {
  constructor(dir, pages) {
    super('the listing site stand-in', ['import json, sys', 'sys.path.insert(0, sys.argv[1])', 'from listing_site import ListingSite',
      'site = ListingSite().start()', 'for p, html in json.loads(sys.argv[2]).items(): site.put(p, html)',
      'print(site.origin, flush=True)', 'sys.stdin.read()', 'site.stop()'], [dir, JSON.stringify(pages)]);
  }
}

/* Watches every page of a browser context. expecting() announces an HTTP error status the
 * next action causes; take() returns (and forgets) what went wrong so far. */
export class Watcher {
  constructor(context, label) {
    this.label = label;
    this.problems = [];
    this.expected = [];
    this.aborts = [];
    context.on('page', (p) => this.attach(p));
    for (const p of context.pages()) this.attach(p);
  }

  attach(page) {
    page.on('console', (msg) => {
      const text = msg.text();
      /* an HTTP error status is judged by the response rule below */
      if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of \d+/.test(text)) {
        this.problems.push('console error: ' + text + ' (' + (msg.location().url || 'page') + ')');
      }
    });
    page.on('pageerror', (err) => this.problems.push('uncaught exception: ' + err.message));
    page.on('requestfailed', (req) => {
      const text = req.failure()?.errorText || '';
      const from = [req, req.redirectedFrom()].filter(Boolean).map((r) => new URL(r.url()).pathname);
      const a = this.aborts.find((x) => !x.seen && text.includes('ERR_ABORTED') && from.includes(x.path));
      if (a) a.seen = true;
      else this.problems.push('request failed: ' + req.method() + ' ' + req.url() + ' ' + text);
    });
    page.on('response', (res) => {
      if (res.status() < 400) return;
      const method = res.request().method();
      const p = new URL(res.url()).pathname;
      const e = this.expected.find((x) => !x.seen && x.method === method && x.path === p && x.status === res.status());
      if (e) e.seen = true;
      else this.problems.push('unexpected HTTP ' + res.status() + ' for ' + method + ' ' + p);
    });
  }

  /* Runs action() and waits until its announced error answer (method, path, status) came. */
  async expecting(page, method, pathname, status, action) {
    const e = { method, path: pathname, status, seen: false };
    this.expected.push(e);
    const got = page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname === pathname && r.status() === status, { timeout: WAIT_MS });
    got.catch(() => {}); /* when action() throws, its error is the one reported */
    await action();
    await got;
  }

  /* As expecting(), for several error answers of one action: [[method, path, status], ...]. */
  async expectingAll(page, list, action) {
    const waits = list.map(([method, pathname, status]) => this.expectWait(page, method, pathname, status));
    for (const w of waits) w.catch(() => {});
    await action();
    await Promise.all(waits);
  }

  expectWait(page, method, pathname, status) {
    this.expected.push({ method, path: pathname, status, seen: false });
    return page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname === pathname && r.status() === status, { timeout: WAIT_MS });
  }

  /* A fetch with {redirect: 'manual'} that meets a redirect ends, for Chromium, in an aborted
   * request (for the redirect's target, or for itself when a test answered it): announced,
   * it is no problem. pathname is the path of the request that was redirected. */
  expectAbort(pathname) {
    this.aborts.push({ path: pathname, seen: false });
  }

  take() {
    const out = this.problems.splice(0);
    for (const e of this.expected) if (!e.seen) out.push('announced HTTP ' + e.status + ' for ' + e.method + ' ' + e.path + ' never came');
    for (const a of this.aborts) if (!a.seen) out.push('announced aborted request to ' + a.path + ' never came');
    this.expected = [];
    this.aborts = [];
    return out.map((p) => '[' + this.label + '] ' + p);
  }
}

/* A context whose pages report CSP violations as console errors (the init script runs
 * outside the page's CSP) and wait at most WAIT_MS for anything. */
export async function newContext(browser, opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...opts });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
    });
  });
  return context;
}

/* axe-core on the page as it is: serious and critical violations are returned as lines. */
export async function axeCheck(page, axeSource, label) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) =>
    'axe ' + v.impact + ' on ' + label + ': ' + v.id + ' (' + v.help + ') at ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; '));
}

export const WIDTHS = [[375, 812], [1440, 900]];

/* Screenshots of the page at both widths (the full page, or the viewport when a dialog is
 * open: opts.viewportOnly) into dir/name-WIDTH.png, with an axe check and a check that the
 * page does not scroll sideways at each; returns the problems. The viewport ends at 1440. */
export async function shoot(page, dir, name, axeSource, saved, opts = {}) {
  const problems = [];
  for (const [width, height] of WIDTHS) {
    await page.setViewportSize({ width, height });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    problems.push(...await axeCheck(page, axeSource, name + ' at ' + width + ' px'));
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > width) problems.push(name + ' at ' + width + ' px is ' + wide + ' px wide (scrolls sideways)');
    const file = path.join(dir, name + '-' + width + '.png');
    await page.screenshot({ path: file, fullPage: !opts.viewportOnly, animations: 'disabled' });
    saved.push(path.basename(file));
  }
  return problems;
}

/* Polls fn() until it is true, at most ms. */
export async function until(fn, what, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last === true) return;
    await sleep(50);
  }
  throw new Error('timed out waiting for ' + what + (last !== false && last !== undefined ? ' (last: ' + JSON.stringify(last) + ')' : ''));
}

export function assertEq(got, want, what) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g !== w) throw new Error(what + ': got ' + g + ', want ' + w);
}
