# SPDX-License-Identifier: MIT
"""Scrape syncs end to end (issue 12, SPEC §7): listing sites are stand-ins on loopback
(tests/standins/listing_site.py, SCRAPE_ALLOW_PRIVATE=true) serving the fixture pages of
tests/fixtures/listings/ and pages made here; the server's worker syncs them.

Checked: the stored rentals of every fixture page field by field against its .expected.json
(detail pages merged, next pages followed, charsets); POST /database/sources/{id}/scrape (202
with the job, one job for two clicks, 409 for a paused source) and the job's counts; a
re-scrape's diff (new, changed, unchanged, vanished: never deleted); manual rentals left
alone; failed fetches (HTTP 500 retried, 404 failed at once, connection refused) changing no
rental and recorded on the source; an empty page where listings were refused, a page that
says there are none vanishing them; robots.txt honoured (nothing fetched when disallowed,
read once per origin); one request per second per host across workers; the daily refresh;
another tenant's sources and jobs are 404; and `peterental scrape` without a server."""

import datetime
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "standins"))

import harness  # noqa: E402
from harness import assert_error  # noqa: E402
from listing_site import ListingSite  # noqa: E402

FIX = os.path.join(HERE, "..", "fixtures", "listings")
with open(os.path.join(FIX, "manifest.json"), encoding="utf-8") as _f:
    MANIFEST = json.load(_f)
PAGES = {p["file"]: p for p in MANIFEST["pages"]}
WAIT_S = 10.0          # a sync of one page
CRAWL_WAIT_S = 30.0    # a sync that follows several pages at one request per second
LISTING_FIELDS = ("property_address", "unit", "city", "state", "zip", "price", "bedrooms",
                  "bathrooms", "square_feet", "available_date", "url", "images")
# Availability printed without a year (month-day), per page: the expected files resolve them
# against the manifest's reference date; a live scrape resolves them against today.
YEARLESS = {"generic-cards.html": {"03-15", "12-01"},
            "generic-cards-page2.html": {"02-01"},
            "broken-markup.html": {"01-15", "12-20"}}
ZONE = "America/Chicago"  # the tenants' zone (the default)


def today():
    try:
        from zoneinfo import ZoneInfo
        return datetime.datetime.now(ZoneInfo(ZONE)).date()
    except Exception:  # no tzdata for Python: the server's default zone is UTC-6/-5
        return (datetime.datetime.utcnow() - datetime.timedelta(hours=6)).date()


def next_on_or_after(mmdd, day):
    m, d = (int(x) for x in mmdd.split("-"))
    when = datetime.date(day.year, m, d)
    return when if when >= day else datetime.date(day.year + 1, m, d)


def origin_of(url):
    p = urllib.parse.urlsplit(url)
    return "%s://%s" % (p.scheme, p.netloc)


def fixture_bytes(name, served_origin):
    """The page with its own origin (page_url's) rewritten to where it is served, so that its
    absolute and relative links all lead to the stand-in."""
    with open(os.path.join(FIX, name), "rb") as f:
        raw = f.read()
    own = origin_of(PAGES[name]["page_url"]).encode()
    raw = raw.replace(own, served_origin.encode())
    return raw.replace(own.replace(b"/", b"\\/"), served_origin.encode().replace(b"/", b"\\/"))


def expected(name, served_origin, day, merge_details=None, keep_now=False):
    """The page's expected listings as a live scrape on day stores them: own-origin URLs moved
    to served_origin, "now" (unless keep_now: as the extractor prints it) and dates without a
    year resolved; merge_details: detail pages' listings completing their cards (what the card
    lacks, and the gallery)."""
    with open(os.path.join(FIX, PAGES[name]["expected"]), encoding="utf-8") as f:
        want = json.load(f)
    own = origin_of(PAGES[name]["page_url"])

    def moved(u):
        return served_origin + u[len(own):] if u and u.startswith(own + "/") else u

    for x in want:
        x["url"] = moved(x["url"])
        x["images"] = [moved(u) for u in x["images"]]
        d = x["available_date"]
        if d == "now" and not keep_now:
            x["available_date"] = day.isoformat()
        elif d and d[5:] in YEARLESS.get(name, ()):
            x["available_date"] = next_on_or_after(d[5:], day).isoformat()
    for detail in merge_details or []:
        for x in want:
            if x["url"] == detail["url"]:
                for k in LISTING_FIELDS:
                    if x[k] is None:
                        x[k] = detail[k]
                if detail["images"]:
                    x["images"] = detail["images"]
    return want


def listing(street, price, beds=2, baths=1, sqft=900, date="2027-02-01", city="Tulsa",
            state="OK", zip_code="74103", origin="http://example.invalid"):
    slug = re.sub(r"[^a-z0-9]+", "-", street.lower()).strip("-")
    return {"street": street, "city": city, "state": state, "zip": zip_code, "beds": beds,
            "baths": baths, "sqft": sqft, "price": price, "date": date,
            "url": origin + "/homes/" + slug,
            "images": [origin + "/img/" + slug + "-1.jpg", origin + "/img/" + slug + "-2.jpg"]}


def address(l):
    return "%s, %s, %s %s" % (l["street"], l["city"], l["state"], l["zip"])


def jsonld_page(listings, says_none=False):
    """A page whose listings are schema.org JSON-LD (every field given, so no detail page is
    followed); says_none adds "There are no available listings at this time."."""
    items = []
    for i, l in enumerate(listings):
        offer = {"@type": "Offer", "price": l["price"], "priceCurrency": "USD"}
        if l["date"] == "now":
            offer["availability"] = "https://schema.org/InStock"
        else:
            offer["availabilityStarts"] = l["date"]
        items.append({"@type": "ListItem", "position": i + 1, "item": {
            "@type": "Apartment", "name": l["street"], "url": l["url"],
            "address": {"@type": "PostalAddress", "streetAddress": l["street"],
                        "addressLocality": l["city"], "addressRegion": l["state"],
                        "postalCode": l["zip"]},
            "numberOfBedrooms": l["beds"], "numberOfBathroomsTotal": l["baths"],
            "floorSize": {"@type": "QuantitativeValue", "value": l["sqft"]},
            "image": l["images"], "offers": offer}})
    ld = {"@context": "https://schema.org", "@type": "ItemList", "itemListElement": items}
    note = ("<p>There are no available listings at this time.</p>" if says_none
            else "<p>Call us about our homes.</p>")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Homes</title>"
            "<script type='application/ld+json'>%s</script></head><body><h1>Homes for rent"
            "</h1>%s</body></html>" % (json.dumps(ld), note))


class Db:
    """The test database as its owner (SQLite file or the PostgreSQL test database). SQL here
    holds integers and test constants only."""

    def __init__(self, server):
        self.server = server

    def rows(self, sql):
        if harness.is_postgres():
            out = self.server.psql(sql)
            return [tuple(line.split("|")) for line in out.splitlines() if line]
        import sqlite3
        path = os.path.join(self.server.data_dir, "peterental.db")
        db = sqlite3.connect(path, timeout=10)
        try:
            return [tuple("" if v is None else str(v) for v in row)
                    for row in db.execute(sql).fetchall()]
        finally:
            db.close()

    def run(self, sql):
        if harness.is_postgres():
            self.server.psql(sql)
            return
        import sqlite3
        path = os.path.join(self.server.data_dir, "peterental.db")
        db = sqlite3.connect(path, timeout=10)
        try:
            with db:
                db.execute(sql)
        finally:
            db.close()

    def next_scrape_at(self, source_id):
        """Seconds from now to the source's next refresh (None when NULL)."""
        if harness.is_postgres():
            sql = ("SELECT extract(epoch FROM next_scrape_at - now()) FROM rental_sources "
                   "WHERE id = %d" % source_id)
        else:
            sql = ("SELECT (julianday(next_scrape_at) - julianday('now')) * 86400 FROM "
                   "rental_sources WHERE id = %d" % source_id)
        v = self.rows(sql)[0][0]
        return float(v) if v != "" else None


class ScrapeCase(harness.ServerTestCase):
    server_env = {"SCRAPE_ALLOW_PRIVATE": "true", "WORKER_THREADS": "6",
                  "WORKER_DRAIN_SECONDS": "2"}

    def setUp(self):
        self.sites = []

    def tearDown(self):
        for s in self.sites:
            s.stop()

    # ---- helpers ----

    def site(self, **kw):
        s = ListingSite(**kw).start()
        self.sites.append(s)
        return s

    def tenant(self, name):
        tok = self.server.token("scrape-" + name, email=name + "@example.com")
        uid = self.get("/users/me", token=tok).json()["user_id"]
        return tok, uid

    def add_source(self, tok, url):
        r = self.post("/database/sources", token=tok, body={"url": url})
        self.assertEqual(r.status, 201, r.body)
        return r.json()

    def click(self, tok, source_id):
        """POST /database/sources/{id}/scrape: checks the 202 and returns the job."""
        r = self.post("/database/sources/%d/scrape" % source_id, token=tok)
        self.assertEqual(r.status, 202, r.body)
        j = r.json()
        self.assertEqual(set(j), {"status", "job_id", "job"})
        self.assertEqual(j["status"], "accepted")
        self.assertEqual(j["job"]["id"], j["job_id"])
        self.assertEqual(j["job"]["kind"], "scrape_sync")
        return j["job"]

    def wait_job(self, tok, job_id, timeout=WAIT_S, attempt_over=False):
        """Polls GET /jobs/{id} until it succeeded or failed (attempt_over: until its first
        attempt ended, a retry included); returns it."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.get("/jobs/%d" % job_id, token=tok)
            self.assertEqual(r.status, 200, r.body)
            j = r.json()
            if j["state"] in ("succeeded", "failed"):
                return j
            if attempt_over and j["attempts"] >= 1 and j["state"] == "queued":
                return j
            if time.monotonic() > deadline:
                self.fail("job %d not done in %.0f s: %r" % (job_id, timeout, j))
            time.sleep(0.1)

    def first_sync(self, tok, url, site, timeout=WAIT_S):
        """Adds a source for url (its first sync is enqueued with it) and returns (source,
        job) once that sync is done. The site holds requests meanwhile, so the click finds
        that very job pending; a second click gives the same job."""
        site.hold()
        try:
            src = self.add_source(tok, url)
            job = self.click(tok, src["id"])
            self.assertEqual(self.click(tok, src["id"])["id"], job["id"])
        finally:
            site.release()
        return src, self.wait_job(tok, job["id"], timeout)

    def sync(self, tok, source_id, timeout=WAIT_S, attempt_over=False):
        job = self.click(tok, source_id)
        return self.wait_job(tok, job["id"], timeout, attempt_over)

    def site_rentals(self, tok, website):
        r = self.get("/database/rentals/%s" % website, token=tok)
        self.assertEqual(r.status, 200, r.body)
        return {x["property_address"]: x for x in r.json()["rentals"]}

    def source(self, tok, source_id):
        for s in self.get("/database/sources", token=tok).json():
            if s["id"] == source_id:
                return s
        self.fail("source %d not listed" % source_id)

    def assert_counts(self, job, **want):
        self.assertEqual(job["state"], "succeeded", job)
        got = {k: job["result"][k] for k in want}
        self.assertEqual(got, want, job["result"])

    def assert_stored(self, stored, want, website, msg):
        """Every expected listing is stored with exactly its fields, as a scraped rental."""
        self.assertEqual(sorted(stored), sorted(x["property_address"] for x in want), msg)
        for x in want:
            row = stored[x["property_address"]]
            for k in LISTING_FIELDS:
                with self.subTest(page=msg, address=x["property_address"], field=k):
                    if isinstance(x[k], (int, float)) and not isinstance(x[k], bool):
                        self.assertIsNotNone(row[k])
                        self.assertAlmostEqual(float(row[k]), float(x[k]), places=2)
                    else:
                        self.assertEqual(row[k], x[k])
            self.assertEqual((row["website"], row["source_type"], row["available"]),
                             (website, "scraped", True), msg)
            self.assertIsNotNone(row["scraped_at"])


class FixturePages(ScrapeCase):
    """Every fixture page through a real sync, stored field by field."""

    def serve(self, name, extra=()):
        s = self.site()
        page = PAGES[name]
        ctype = "text/html; charset=utf-8" if page["charset"] == "utf-8" else "text/html"
        s.put(page["serve_path"], fixture_bytes(name, s.origin), ctype=ctype)
        for other in extra:
            s.put(PAGES[other]["serve_path"], fixture_bytes(other, s.origin))
        return s

    def detail_listing(self, name, site, day):
        return expected(name, site.origin, day)[0]

    def test_fixture_pages_stored_field_by_field(self):
        tok, _ = self.tenant("fixtures")
        day = today()
        cases = []
        s = self.serve("appfolio-listings.html", ["appfolio-detail.html"])
        cases.append(("appfolio-listings.html", s, ["appfolio-detail.html"], 1))
        s = self.serve("buildium-rentals.html", ["buildium-detail.html"])
        cases.append(("buildium-rentals.html", s, ["buildium-detail.html"], 1))
        cases.append(("jsonld-apartments.html", self.serve("jsonld-apartments.html"), [], 1))
        s = self.serve("generic-cards.html", ["generic-cards-page2.html"])
        cases.append(("generic-cards.html", s, [], 2))
        cases.append(("broken-markup.html", self.serve("broken-markup.html"), [], 1))
        # all at once: each site is its own host, so they do not wait for one another
        started = []
        for name, site, details, pages in cases:
            site.hold()
            src = self.add_source(tok, site.url(PAGES[name]["serve_path"]))
            started.append((name, site, details, pages, src, self.click(tok, src["id"])))
        for s in self.sites:
            s.release()
        for name, site, details, pages, src, job in started:
            job = self.wait_job(tok, job["id"], CRAWL_WAIT_S)
            host = site.host
            if name == "generic-cards.html":  # a crawl: page 1 and page 2
                want = expected(name, site.origin, day) + \
                    expected("generic-cards-page2.html", site.origin, day)
            else:
                merge = [self.detail_listing(d, site, day) for d in details]
                want = expected(name, site.origin, day, merge)
            self.assert_counts(job, created=len(want), changed=0, unchanged=0, vanished=0,
                               skipped_manual=0, listings=len(want), pages=pages,
                               status="ok", complete=True)
            self.assertEqual(job["result"]["details_followed"], len(details), name)
            self.assertEqual(job["result"]["family"], PAGES[name]["family"], name)
            self.assert_stored(self.site_rentals(tok, host), want, host, name)
            s = self.source(tok, src["id"])
            self.assertEqual((s["last_status"], s["last_error"], s["rental_count"]),
                             ("ok", None, len(want)), name)
            self.assertIsNotNone(s["last_scraped_at"])
            for d in details:  # the detail page of the incomplete card was read
                self.assertEqual(site.count(PAGES[d]["serve_path"]), 1, d)
            self.assertEqual(site.count("/robots.txt"), 1, name)

    def test_latin1_page_with_a_charset_header(self):
        # broken-markup.html declares its charset in a meta tag; served with the HTTP
        # charset as well, it gives the same listings
        tok, _ = self.tenant("latin1")
        s = self.site()
        page = PAGES["broken-markup.html"]
        s.put(page["serve_path"], fixture_bytes("broken-markup.html", s.origin),
              ctype="text/html; charset=ISO-8859-1")
        src, job = self.first_sync(tok, s.url(page["serve_path"]), s)
        want = expected("broken-markup.html", s.origin, today())
        self.assert_counts(job, created=len(want), listings=len(want))
        stored = self.site_rentals(tok, s.host)
        self.assert_stored(stored, want, s.host, "broken-markup with a charset header")
        self.assertEqual(src["website"], s.host)


class Resync(ScrapeCase):
    """What a second sync changes, and what it never touches."""

    def make_site(self):
        s = self.site()
        a = listing("12 Oak St", 1100, origin=s.origin)
        b = listing("40 Elm Ave", 950, beds=1, sqft=610, date="now", origin=s.origin)
        c = listing("7 Pine Rd", 1500, beds=3, baths=2, sqft=1400, origin=s.origin)
        return s, a, b, c

    def test_rescrape_shows_new_changed_unchanged_and_vanished(self):
        tok, _ = self.tenant("resync")
        s, a, b, c = self.make_site()
        s.put("/homes", jsonld_page([a, b, c]))
        src, job = self.first_sync(tok, s.url("/homes"), s)
        self.assert_counts(job, created=3, changed=0, unchanged=0, vanished=0)
        before = self.site_rentals(tok, s.host)
        self.assertEqual(before[address(b)]["available_date"], today().isoformat())

        # B's rent changes, C is let (gone from the site), D is new
        d = listing("3 Birch Ln", 1250, origin=s.origin)
        b2 = dict(b, price=990)
        s.put("/homes", jsonld_page([a, b2, d]))
        job = self.sync(tok, src["id"])
        self.assert_counts(job, created=1, changed=1, unchanged=1, vanished=1, listings=3)
        after = self.site_rentals(tok, s.host)
        self.assertEqual(len(after), 4)  # nothing is deleted
        self.assertEqual(after[address(b)]["price"], 990)
        self.assertFalse(after[address(c)]["available"])
        self.assertEqual(after[address(c)]["price"], 1500)   # otherwise as it was
        self.assertTrue(after[address(d)]["available"])
        self.assertEqual(after[address(a)], dict(before[address(a)],
                                                 scraped_at=after[address(a)]["scraped_at"]))
        # "available now" keeps its stored date while the site goes on saying so
        self.assertEqual(after[address(b)]["available_date"], today().isoformat())
        # the website's rentals now, the unavailable one included
        self.assertEqual(self.source(tok, src["id"])["rental_count"], 4)

        # the same page again: nothing changes, C is not counted as vanished twice
        job = self.sync(tok, src["id"])
        self.assert_counts(job, created=0, changed=0, unchanged=3, vanished=0)
        # C is back: it becomes available again (a change)
        s.put("/homes", jsonld_page([a, b2, c, d]))
        job = self.sync(tok, src["id"])
        self.assert_counts(job, created=0, changed=1, unchanged=3, vanished=0)
        self.assertTrue(self.site_rentals(tok, s.host)[address(c)]["available"])

    def test_manual_rentals_are_never_touched(self):
        tok, _ = self.tenant("manual")
        s, a, b, c = self.make_site()
        r = self.post("/rentals", token=tok, body={
            "property_address": address(a), "website": s.host, "price": 777, "bedrooms": 4,
            "description": "typed in by the manager"})
        self.assertEqual(r.status, 201, r.body)
        manual = r.json()
        s.put("/homes", jsonld_page([a, b]))
        src, job = self.first_sync(tok, s.url("/homes"), s)
        self.assert_counts(job, created=1, skipped_manual=1, vanished=0)
        self.assertEqual(self.get("/rentals/%d" % manual["id"], token=tok).json(), manual)
        # gone from the site: a manual rental is not marked unavailable either
        s.put("/homes", jsonld_page([b]))
        job = self.sync(tok, src["id"])
        self.assert_counts(job, unchanged=1, skipped_manual=0, vanished=0)
        self.assertEqual(self.get("/rentals/%d" % manual["id"], token=tok).json(), manual)

    def test_two_sources_of_one_website_keep_their_own_listings(self):
        tok, _ = self.tenant("twosources")
        s, a, b, c = self.make_site()
        s.put("/east", jsonld_page([a]))
        s.put("/west", jsonld_page([b, c]))
        east, job = self.first_sync(tok, s.url("/east"), s)
        self.assert_counts(job, created=1)
        west, job = self.first_sync(tok, s.url("/west"), s)
        self.assert_counts(job, created=2, vanished=0)
        job = self.sync(tok, east["id"])
        self.assert_counts(job, unchanged=1, vanished=0)  # west's listings are not east's
        self.assertTrue(all(x["available"] for x in self.site_rentals(tok, s.host).values()))


class Failures(ScrapeCase):
    """Syncs that must change no rental."""

    def synced_site(self, name, n=3):
        tok, _ = self.tenant(name)
        s = self.site()
        ls = [listing("%d Cedar Ct" % (i + 1), 1000 + i, origin=s.origin) for i in range(n)]
        s.put("/homes", jsonld_page(ls))
        src, job = self.first_sync(tok, s.url("/homes"), s)
        self.assert_counts(job, created=n)
        return tok, s, src, ls

    def rentals(self, tok):
        return self.get("/rentals?limit=200", token=tok).json()["rentals"]

    def test_http_500_is_retried_and_changes_nothing(self):
        tok, s, src, _ = self.synced_site("h500")
        before, src_before = self.rentals(tok), self.source(tok, src["id"])
        s.put("/homes", "<h1>Oops</h1>", status=500)
        job = self.sync(tok, src["id"], attempt_over=True)
        self.assertEqual((job["state"], job["attempts"]), ("queued", 1), job)  # a retry
        self.assertIn("HTTP 500", job["last_error"])
        self.assertEqual(self.rentals(tok), before)
        after = self.source(tok, src["id"])
        self.assertEqual(after["last_status"], "error")
        self.assertIn("HTTP 500", after["last_error"])
        self.assertEqual((after["last_scraped_at"], after["rental_count"]),
                         (src_before["last_scraped_at"], src_before["rental_count"]))

    def test_http_404_fails_at_once(self):
        tok, s, src, _ = self.synced_site("h404")
        before = self.rentals(tok)
        s.remove("/homes")
        job = self.sync(tok, src["id"])
        self.assertEqual((job["state"], job["attempts"]), ("failed", 1), job)
        self.assertIn("HTTP 404", job["last_error"])
        self.assertEqual(self.rentals(tok), before)
        self.assertEqual(self.source(tok, src["id"])["last_status"], "error")

    def test_connection_refused(self):
        tok, _ = self.tenant("refused")
        s = self.site()
        url = s.url("/homes")
        s.stop()  # nothing listens there now
        src = self.add_source(tok, url)
        job = self.sync(tok, src["id"], attempt_over=True)
        self.assertEqual(job["state"], "queued", job)  # may work later: retried
        self.assertIn("robots.txt", job["last_error"])
        self.assertIn("connect", job["last_error"])
        s2 = self.source(tok, src["id"])
        self.assertEqual((s2["last_status"], s2["last_scraped_at"]), ("error", None))
        self.assertEqual(self.rentals(tok), [])

    def test_empty_page_where_listings_were_is_refused(self):
        tok, s, src, ls = self.synced_site("empty")
        before = self.rentals(tok)
        s.put("/homes", jsonld_page([]))  # nothing on it, and it does not say why
        job = self.sync(tok, src["id"])
        self.assertEqual((job["state"], job["attempts"]), ("failed", 1), job)
        self.assertEqual(job["last_error"], "no listings found on a page that had 3")
        self.assertEqual(self.rentals(tok), before)
        self.assertTrue(all(x["available"] for x in before))
        s2 = self.source(tok, src["id"])
        self.assertEqual((s2["last_status"], s2["last_error"]),
                         ("error", "no listings found on a page that had 3"))

    def test_page_saying_none_vanishes_the_listings(self):
        tok, s, src, ls = self.synced_site("saysnone")
        s.put("/homes", jsonld_page([], says_none=True))
        job = self.sync(tok, src["id"])
        self.assert_counts(job, created=0, changed=0, unchanged=0, vanished=3, listings=0,
                           says_none=True, status="ok")
        rows = self.rentals(tok)
        self.assertEqual(len(rows), 3)  # still there
        self.assertFalse(any(x["available"] for x in rows))
        # the fixture page that says so, too
        tok2, _ = self.tenant("saysnone-fixture")
        s2 = self.site()
        s2.put("/listings", fixture_bytes("no-listings.html", s2.origin))
        src2, job = self.first_sync(tok2, s2.url("/listings"), s2)
        self.assert_counts(job, created=0, vanished=0, listings=0, says_none=True)

    def test_empty_page_of_a_new_source_is_fine(self):
        tok, _ = self.tenant("empty-new")
        s = self.site()
        s.put("/homes", jsonld_page([]))
        src, job = self.first_sync(tok, s.url("/homes"), s)
        self.assert_counts(job, created=0, listings=0, status="ok")
        self.assertEqual(self.source(tok, src["id"])["last_status"], "ok")


class Robots(ScrapeCase):

    def test_disallowed_page_is_never_fetched(self):
        tok, _ = self.tenant("robots")
        for rules in ("User-agent: *\nDisallow: /homes\n",
                      "User-agent: *\nAllow: /\n\nUser-agent: PeteRental\nDisallow: /\n"):
            with self.subTest(rules=rules):
                s = self.site()
                s.robots = rules
                s.put("/homes", jsonld_page([listing("1 Ash St", 900, origin=s.origin)]))
                src = self.add_source(tok, s.url("/homes"))
                job = self.sync(tok, src["id"])
                self.assertEqual((job["state"], job["attempts"]), ("failed", 1), job)
                self.assertIn("robots.txt", job["last_error"])
                self.assertEqual(s.count("/homes"), 0)
                self.assertEqual(s.count("/robots.txt"), 1)
                self.assertEqual(self.source(tok, src["id"])["last_status"], "error")
        self.assertEqual(self.get("/rentals", token=tok).json()["rentals"], [])

    def test_robots_read_once_per_origin(self):
        tok, _ = self.tenant("robots-once")
        s = self.site()
        s.robots = "User-agent: *\nDisallow: /private\n"
        s.put("/homes", jsonld_page([listing("2 Ash St", 900, origin=s.origin)]))
        src, job = self.first_sync(tok, s.url("/homes"), s)
        self.assert_counts(job, created=1)
        job = self.sync(tok, src["id"])
        self.assert_counts(job, unchanged=1)
        self.assertEqual((s.count("/robots.txt"), s.count("/homes")), (1, 2))


class Spacing(ScrapeCase):

    def test_one_request_per_second_per_host(self):
        tok, _ = self.tenant("spacing")
        s = self.site()
        s.put("/a", jsonld_page([listing("1 Fir St", 900, origin=s.origin)]))
        s.put("/b", jsonld_page([listing("2 Fir St", 950, origin=s.origin)]))
        s.put("/c", jsonld_page([listing("3 Fir St", 990, origin=s.origin)]))
        s.hold()
        jobs = []
        for p in ("/a", "/b", "/c"):  # three workers on one host at once
            src = self.add_source(tok, s.url(p))
            jobs.append(self.click(tok, src["id"]))
        s.release()
        for j in jobs:
            self.assert_counts(self.wait_job(tok, j["id"]), created=1)
        times = sorted(s.times())
        self.assertEqual(len(times), 4)  # robots.txt once, then each page
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertTrue(all(g >= 0.9 for g in gaps), gaps)


class Refresh(ScrapeCase):

    def test_syncs_schedule_the_next_refresh_a_day_later(self):
        tok, _ = self.tenant("refresh")
        s = self.site()
        s.put("/homes", jsonld_page([listing("5 Yew St", 900, origin=s.origin)]))
        src, job = self.first_sync(tok, s.url("/homes"), s)
        self.assert_counts(job, created=1)
        left = Db(self.server).next_scrape_at(src["id"])
        self.assertTrue(86400 - 120 < left <= 86400 + 5, left)

    def test_the_sweep_enqueues_due_active_sources_only(self):
        tok, _ = self.tenant("sweep")
        db = Db(self.server)
        s = self.site()
        s.put("/on", jsonld_page([listing("6 Yew St", 900, origin=s.origin)]))
        s.put("/off", jsonld_page([listing("7 Yew St", 900, origin=s.origin)]))
        on, job = self.first_sync(tok, s.url("/on"), s)
        off, job2 = self.first_sync(tok, s.url("/off"), s)
        db.run("UPDATE rental_sources SET next_scrape_at = '2000-01-01T00:00:00Z' "
               "WHERE id IN (%d, %d)" % (on["id"], off["id"]))
        db.run("UPDATE rental_sources SET is_active = %s WHERE id = %d"
               % ("false" if harness.is_postgres() else "0", off["id"]))
        jobs_before = {j["id"] for j in self.get("/jobs?kind=scrape_sync",
                                                  token=tok).json()["jobs"]}
        # a second instance on the same storage: its worker sweeps as it starts
        second = harness.Server(dict(self.server_env), share_with=self.server).start()
        try:
            deadline = time.monotonic() + WAIT_S
            new = []
            while not new and time.monotonic() < deadline:
                new = [j for j in self.get("/jobs?kind=scrape_sync", token=tok).json()["jobs"]
                       if j["id"] not in jobs_before]
                time.sleep(0.1)
            self.assertEqual(len(new), 1, new)
            done = self.wait_job(tok, new[0]["id"])
            self.assert_counts(done, unchanged=1)
            self.assertEqual(done["result"]["source_id"], on["id"])
            self.assertGreater(db.next_scrape_at(on["id"]), 86000)
            self.assertLess(db.next_scrape_at(off["id"]), 0)  # paused: not refreshed
        finally:
            second.stop()
        r = self.post("/database/sources/%d/scrape" % off["id"], token=tok)
        assert_error(self, r, 409, "source_inactive")


class Isolation(ScrapeCase):

    def test_another_tenants_source_and_job_are_404(self):
        tok_a, _ = self.tenant("iso-a")
        tok_b, _ = self.tenant("iso-b")
        s = self.site()
        s.put("/homes", jsonld_page([listing("9 Gum St", 900, origin=s.origin)]))
        src, job = self.first_sync(tok_a, s.url("/homes"), s)
        missing_src, missing_job = src["id"] + 100000, job["id"] + 100000
        for method, path, theirs, missing in (
                ("POST", "/database/sources/%s/scrape", src["id"], missing_src),
                ("DELETE", "/database/sources/%s", src["id"], missing_src),
                ("GET", "/jobs/%s", job["id"], missing_job)):
            with self.subTest(method=method, path=path):
                a = self.request(method, path % theirs, token=tok_b)
                m = self.request(method, path % missing, token=tok_b)
                g = self.request(method, path % "abc", token=tok_b)
                assert_error(self, a, 404)
                self.assertEqual((a.status, a.body), (m.status, m.body))
                self.assertEqual((g.status, g.body), (m.status, m.body))
        # A's source and job are untouched, and B has no rentals
        self.assertEqual(self.source(tok_a, src["id"])["last_status"], "ok")
        self.assertEqual(self.get("/jobs/%d" % job["id"], token=tok_a).status, 200)
        self.assertEqual(self.get("/rentals", token=tok_b).json()["rentals"], [])


class Cli(ScrapeCase):
    """`peterental scrape` without a server (the server here only provides a tenant and
    shows what the CLI stored)."""

    def run_cli(self, args, env=None):
        e = dict(env or self.server.env)
        p = subprocess.run([harness.pete_bin(), "scrape"] + args, env=e, capture_output=True,
                           text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def test_dry_run_prints_the_listings(self):
        s = self.site()
        page = PAGES["buildium-rentals.html"]
        s.put(page["serve_path"], fixture_bytes("buildium-rentals.html", s.origin))
        s.put(PAGES["buildium-detail.html"]["serve_path"],
              fixture_bytes("buildium-detail.html", s.origin))
        rc, out, err = self.run_cli([s.url(page["serve_path"]), "--dry-run"])
        self.assertEqual(rc, 0, err)
        j = json.loads(out)
        self.assertEqual((j["family"], j["pages"], j["complete"], j["details_followed"]),
                         ("buildium", 1, True, 1))
        # the dry run prints "now" as the page says it
        detail = expected("buildium-detail.html", s.origin, today(), keep_now=True)[0]
        want = expected("buildium-rentals.html", s.origin, today(), [detail], keep_now=True)
        got = {x["property_address"]: x for x in j["listings"]}
        self.assertEqual(got, {x["property_address"]: x for x in want})

    def test_detail_pages_are_capped(self):
        s = self.site()
        page = PAGES["appfolio-listings.html"]
        s.put(page["serve_path"], fixture_bytes("appfolio-listings.html", s.origin))
        rc, out, err = self.run_cli([s.url(page["serve_path"]), "--max-details", "2"])
        self.assertEqual(rc, 0, err)
        j = json.loads(out)
        self.assertEqual(j["details_followed"] + j["details_failed"], 2)
        details = [p for p in s.paths() if p.startswith("/listings/detail/")]
        self.assertEqual(len(details), 2)
        rc, out, err = self.run_cli([s.url(page["serve_path"]), "--max-details", "0"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(len([p for p in s.paths() if p.startswith("/listings/detail/")]), 2)

    def test_sync_for_a_user(self):
        tok, uid = self.tenant("cli-user")
        s = self.site()
        a = listing("8 Larch St", 1200, origin=s.origin)
        s.put("/homes", jsonld_page([a]))
        rc, out, err = self.run_cli([s.url("/homes"), "--user", str(uid)])
        self.assertEqual(rc, 0, err)
        j = json.loads(out)
        self.assertEqual((j["created"], j["listings"], j["source_created"], j["status"]),
                         (1, 1, True, "ok"))
        srcs = self.get("/database/sources", token=tok).json()
        self.assertEqual([(x["id"], x["url"], x["last_status"]) for x in srcs],
                         [(j["source_id"], s.url("/homes"), "ok")])
        self.assertEqual(list(self.site_rentals(tok, s.host)), [address(a)])
        rc, out, err = self.run_cli([s.url("/homes"), "--user", str(uid)])
        self.assertEqual(rc, 0, err)
        j2 = json.loads(out)
        self.assertEqual((j2["unchanged"], j2["source_created"], j2["source_id"]),
                         (1, False, j["source_id"]))

    def test_errors(self):
        s = self.site()
        url = s.url("/homes")
        s.put("/homes", "gone", status=410)
        rc, out, err = self.run_cli([url, "--dry-run"])
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("HTTP 410", err)
        # without SCRAPE_ALLOW_PRIVATE the address guard refuses loopback
        env = dict(self.server.env)
        env.pop("SCRAPE_ALLOW_PRIVATE", None)
        rc, out, err = self.run_cli([url, "--dry-run"], env=env)
        self.assertEqual(rc, 1)
        self.assertIn("blocked", err)
        rc, out, err = self.run_cli(["ftp://x.example/", "--dry-run"])
        self.assertEqual(rc, 1)
        self.assertIn("not an http(s) URL", err)
        rc, out, err = self.run_cli([url, "--user", "abc"])
        self.assertEqual(rc, 2)
        rc, out, err = self.run_cli([url, "--user", "999999"])
        self.assertEqual(rc, 1)
        self.assertIn("no user", err)
        rc, out, err = self.run_cli([])
        self.assertEqual(rc, 2)
        self.assertIn("Usage", err)


if __name__ == "__main__":
    harness.run()
