/* SPDX-License-Identifier: MIT */
/* CalDAV (RFC 4791) over the outbound client, with HTTP Basic credentials: the calendar
 * collection's check (PROPFIND Depth 0: a resourcetype naming C:calendar), busy times (a
 * calendar-query REPORT with a time-range, recurring events expanded by the server when it
 * can; each calendar-data read by calendar_ics_read; TRANSP:TRANSPARENT and STATUS:CANCELLED
 * do not block), and events: PUT of calendar_ics_object at <collection><uid>.ics, DELETE of
 * it. The URL is the tenant's: every request passes the address guard (SCRAPE_ALLOW_PRIVATE
 * lifts it, for tests). The multistatus XML comes from a server we do not control: libxml2
 * parses it without network, DTD loading or entity substitution, and the tree is walked
 * without recursion. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sodium.h>

#include "calendar/calendar_remote.h"
#include "core/mem.h"

#define NS_DAV "DAV:"
#define NS_CALDAV "urn:ietf:params:xml:ns:caldav"
#define MAX_BYTES ((size_t)16 << 20)

static const char PROPFIND_BODY[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
    "<d:propfind xmlns:d=\"DAV:\"><d:prop><d:resourcetype/><d:displayname/></d:prop>"
    "</d:propfind>";

/* ---- requests --------------------------------------------------------------------------- */

/* "Authorization: Basic ..." for acct (a new string, wiped and freed by the caller). */
static char *basic_auth(const struct calendar_account *acct)
{
    const char *u = acct->username ? acct->username : "", *p = acct->password ? acct->password
                                                                              : "";
    size_t n = strlen(u) + strlen(p) + 2;
    char *plain = mem_alloc(n);
    snprintf(plain, n, "%s:%s", u, p);
    size_t cap = sodium_base64_ENCODED_LEN(n - 1, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = mem_alloc(cap);
    sodium_bin2base64(b64, cap, (const unsigned char *)plain, n - 1,
                      sodium_base64_VARIANT_ORIGINAL);
    size_t hn = cap + 32;
    char *h = mem_alloc(hn);
    snprintf(h, hn, "Authorization: Basic %s", b64);
    sodium_memzero(plain, n);
    sodium_memzero(b64, cap);
    free(plain);
    free(b64);
    return h;
}

/* One request to url with the account's credentials; *res filled (the caller cleans it).
 * false with k->error when no HTTP answer came back. */
static bool dav(struct calendar_call *k, const struct calendar_account *acct, const char *method,
                const char *url, const char *depth, const char *ctype, const char *body,
                struct outbound_result *res)
{
    char *authz = basic_auth(acct);
    char dh[32], ch[96];
    const char *headers[4] = {authz, NULL, NULL, NULL};
    size_t nh = 1;
    if (depth) {
        snprintf(dh, sizeof dh, "Depth: %s", depth);
        headers[nh++] = dh;
    }
    if (ctype) {
        snprintf(ch, sizeof ch, "Content-Type: %s", ctype);
        headers[nh++] = ch;
    }
    long left = calendar_call_ms_left(k);
    if (left > OUTBOUND_TIMEOUT_MS)
        left = OUTBOUND_TIMEOUT_MS;
    struct outbound_opts o = {.method = method, .body = body, .body_len = body ? strlen(body) : 0,
                              .headers = headers, .timeout_ms = left,
                              .connect_timeout_ms = left < 5000 ? left : 5000,
                              .max_bytes = MAX_BYTES,
                              .allow_private = k->app->cfg->scrape_allow_private};
    outbound_err e = OUTBOUND_E_TIMEOUT;
    memset(res, 0, sizeof *res);
    if (left > 0)
        e = outbound_request(k->app->out, url, &o, res);
    sodium_memzero(authz, strlen(authz));
    free(authz);
    k->status = res->status;
    if (e == OUTBOUND_OK)
        return true;
    k->timed_out = e == OUTBOUND_E_TIMEOUT;
    if (e == OUTBOUND_E_BLOCKED)
        calendar_call_fail(k, "The CalDAV URL points to an address that is not allowed (%s).",
                           outbound_class_name(res->refused));
    else
        calendar_call_fail(k, "The CalDAV server could not be reached: %s",
                           left > 0 ? res->message : "no time left");
    return false;
}

/* ---- XML -------------------------------------------------------------------------------- */

static bool is_el(const xmlNode *n, const char *ns, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           !strcmp((const char *)n->ns->href, ns) && !strcmp((const char *)n->name, name);
}

/* The next node of a depth-first walk of root's subtree after n (NULL at the end). */
static xmlNode *walk_next(const xmlNode *root, xmlNode *n, bool descend)
{
    if (descend && n->children)
        return n->children;
    while (n && n != root) {
        if (n->next)
            return n->next;
        n = n->parent;
    }
    return NULL;
}

/* The first element (ns, name) in root's subtree, or NULL. */
static xmlNode *find_el(xmlNode *root, const char *ns, const char *name)
{
    for (xmlNode *n = root; n; n = walk_next(root, n, true))
        if (is_el(n, ns, name))
            return n;
    return NULL;
}

static xmlDoc *parse_xml(const char *text, size_t len)
{
    if (!text || len == 0 || len > INT32_MAX)
        return NULL;
    return xmlReadMemory(text, (int)len, "caldav.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static xmlDoc *parse(const struct outbound_result *res)
{
    return parse_xml(res->body, res->len);
}

/* ---- the collection --------------------------------------------------------------------- */

bool calendar_caldav_check(struct calendar_call *k, struct calendar_account *acct)
{
    struct outbound_result res;
    if (!dav(k, acct, "PROPFIND", acct->calendar_url, "0", "application/xml; charset=utf-8",
             PROPFIND_BODY, &res)) {
        outbound_result_cleanup(&res);
        return false;
    }
    bool ok = false;
    if (res.status == 401 || res.status == 403) {
        k->auth_failed = true;
        calendar_call_fail(k, "The CalDAV server refused the credentials (HTTP %ld).",
                           res.status);
    } else if (res.status != 207) {
        calendar_call_fail(k, "The URL is not a CalDAV calendar (the server answered HTTP "
                              "%ld to PROPFIND).",
                           res.status);
    } else {
        xmlDoc *doc = parse(&res);
        xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
        xmlNode *rt = root ? find_el(root, NS_DAV, "resourcetype") : NULL;
        ok = rt && find_el(rt, NS_CALDAV, "calendar");
        if (!ok) {
            calendar_call_fail(k, "The URL is not a CalDAV calendar collection.");
        } else {
            xmlNode *dn = find_el(root, NS_DAV, "displayname");
            xmlChar *name = dn ? xmlNodeGetContent(dn) : NULL;
            free(acct->calendar_name);
            acct->calendar_name = name && *name && strlen((const char *)name) <= 1000
                                      ? mem_strdup((const char *)name)
                                      : NULL;
            xmlFree(name);
        }
        xmlFreeDoc(doc);
    }
    outbound_result_cleanup(&res);
    return ok;
}

/* ---- busy times ------------------------------------------------------------------------- */

/* "20260303T140000Z" for t. */
static void dav_time(int64_t t, char buf[20])
{
    char r[CIVIL_RFC3339_SIZE];
    civil_format_rfc3339(t, r, sizeof r);
    snprintf(buf, 20, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", r, r + 5, r + 8, r + 11, r + 14, r + 17);
}

static char *report_body(int64_t from, int64_t to)
{
    char s[20], e[20];
    dav_time(from, s);
    dav_time(to, e);
    size_t n = 1024;
    char *b = mem_alloc(n);
    snprintf(b, n,
             "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
             "<c:calendar-query xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\">"
             "<d:prop><d:getetag/><c:calendar-data><c:expand start=\"%s\" end=\"%s\"/>"
             "</c:calendar-data></d:prop>"
             "<c:filter><c:comp-filter name=\"VCALENDAR\"><c:comp-filter name=\"VEVENT\">"
             "<c:time-range start=\"%s\" end=\"%s\"/></c:comp-filter></c:comp-filter>"
             "</c:filter></c:calendar-query>",
             s, e, s, e);
    return b;
}

/* Adds the VEVENTs of one calendar-data text; an id seen already (instances of a series)
 * becomes "<uid>/<start>". false when the list is full. */
static bool take_ics(const char *text, const char *href, const char *zone,
                     struct calendar_remote_list *out)
{
    struct calendar_ics_list l = {0};
    bool room = true;
    if (calendar_ics_read(text, strlen(text), zone, &l) != APP_OK)
        return true;
    for (size_t i = 0; room && i < l.n; i++) {
        const struct calendar_ics_vevent *v = &l.items[i];
        char id[CALENDAR_ICS_UID_SIZE + 32];
        snprintf(id, sizeof id, "%s", v->uid[0] ? v->uid : href);
        for (size_t j = 0; j < out->n; j++)
            if (!strcmp(out->items[j].id, id)) {
                snprintf(id, sizeof id, "%.*s/%lld", CALENDAR_ICS_UID_SIZE,
                         v->uid[0] ? v->uid : href, (long long)v->start);
                break;
            }
        room = calendar_remote_list_add(out, id, v->start, v->end, v->transparent,
                                        v->cancelled, NULL, NULL);
    }
    calendar_ics_list_cleanup(&l);
    return room;
}

/* Reads every DAV:response of the multistatus into out. */
static void take_multistatus(xmlNode *root, const char *zone, struct calendar_remote_list *out)
{
    bool room = true;
    for (xmlNode *n = root; room && n;) {
        if (!is_el(n, NS_DAV, "response")) {
            n = walk_next(root, n, true);
            continue;
        }
        xmlNode *h = find_el(n, NS_DAV, "href"), *cd = find_el(n, NS_CALDAV, "calendar-data");
        xmlChar *href = h ? xmlNodeGetContent(h) : NULL;
        xmlChar *text = cd ? xmlNodeGetContent(cd) : NULL;
        if (text && strlen((const char *)text) <= CALENDAR_ICS_MAX_INPUT)
            room = take_ics((const char *)text, href ? (const char *)href : "event", zone, out);
        xmlFree(href);
        xmlFree(text);
        n = walk_next(root, n, false); /* a response's subtree is read: skip it */
    }
}

bool calendar_caldav_multistatus(const char *xml, size_t len, const char *zone,
                                 struct calendar_remote_list *out)
{
    xmlDoc *doc = parse_xml(xml, len);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (root)
        take_multistatus(root, zone, out);
    xmlFreeDoc(doc);
    return root != NULL;
}

bool calendar_caldav_busy(struct calendar_call *k, struct calendar_account *acct, int64_t from,
                          int64_t to, const char *zone, struct calendar_remote_list *out)
{
    struct outbound_result res;
    char *body = report_body(from, to);
    bool ok = dav(k, acct, "REPORT", acct->calendar_url, "1", "application/xml; charset=utf-8",
                  body, &res);
    free(body);
    if (ok && (res.status == 401 || res.status == 403)) {
        k->auth_failed = true;
        calendar_call_fail(k, "The CalDAV server refused the credentials (HTTP %ld); connect "
                              "the calendar again.",
                           res.status);
        ok = false;
    } else if (ok && res.status != 207) {
        calendar_call_fail(k, "The CalDAV server answered the calendar query with HTTP %ld.",
                           res.status);
        ok = false;
    }
    if (ok && !calendar_caldav_multistatus(res.body, res.len, zone, out)) {
        calendar_call_fail(k, "The CalDAV server answered the calendar query with malformed "
                              "XML.");
        ok = false;
    }
    outbound_result_cleanup(&res);
    return ok;
}

/* ---- events ----------------------------------------------------------------------------- */

/* The event resource of uid under the collection (a new string). */
static char *event_url(const struct calendar_account *acct, const char *uid)
{
    char *name = calendar_remote_escape(uid);
    size_t n = strlen(acct->calendar_url) + strlen(name) + 8;
    char *u = mem_alloc(n);
    snprintf(u, n, "%s%s.ics", acct->calendar_url, name);
    free(name);
    return u;
}

bool calendar_caldav_push(struct calendar_call *k, struct calendar_account *acct,
                          const struct calendar_remote_push *p, bool remove, char **ext_id)
{
    struct outbound_result res = {0};
    const struct calendar_appt *a = p->appt;
    const char *uid = *ext_id ? *ext_id : p->uid;
    char *url = event_url(acct, uid), *ics = NULL;
    bool ok;
    if (remove) {
        ok = dav(k, acct, "DELETE", url, NULL, NULL, NULL, &res);
    } else {
        struct calendar_ics_event ev = {
            .uid = uid, .stamp = (int64_t)time(NULL), .start = a->start, .end = a->end,
            .sequence = a->sequence, .summary = p->subject, .location = a->property_address,
            .description = p->body, .status = "CONFIRMED", .attendee_name = a->attendee_name,
            .attendee_email = a->attendee_email, .organizer_email = p->organizer_email};
        ics = calendar_ics_object(&ev, NULL);
        ok = ics && dav(k, acct, "PUT", url, NULL, "text/calendar; charset=utf-8", ics, &res);
        if (!ics)
            calendar_call_fail(k, "The appointment could not be written as iCalendar.");
    }
    free(url);
    free(ics);
    if (!ok) {
        outbound_result_cleanup(&res);
        return false;
    }
    if (res.status == 401 || res.status == 403) {
        k->auth_failed = true;
        calendar_call_fail(k, "The CalDAV server refused the credentials (HTTP %ld).",
                           res.status);
        ok = false;
    } else if (remove && (res.status == 404 || res.status == 410 || res.status < 300)) {
        free(*ext_id);
        *ext_id = NULL;
    } else if (!remove && res.status >= 200 && res.status < 300) {
        if (!*ext_id)
            *ext_id = mem_strdup(uid);
    } else {
        calendar_call_fail(k, "The CalDAV server answered HTTP %ld to %s.", res.status,
                           remove ? "DELETE" : "PUT");
        ok = false;
    }
    outbound_result_cleanup(&res);
    return ok;
}
