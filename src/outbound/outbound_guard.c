/* SPDX-License-Identifier: MIT */
/* The SSRF guard's rules: which addresses are refused and how a refusal is worded
 * (outbound_classify, outbound_guard_judge), and the URL pre-check that gives an IP-literal
 * host a clear early answer (outbound_check_url). The pre-check reads the host exactly as
 * libcurl's URL parser returns it, then reads it as the resolver would (inet_aton forms:
 * one to four parts, each decimal, octal or hex; trailing dots), so no literal it passes can
 * be refused later for a reason it missed. It is only the early answer: the decisive check
 * is made on every connection, in outbound_client.c, against the address actually about to
 * be connected. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/mem.h"
#include "outbound/outbound_internal.h"

#define HOST_MAX 253
#define LABEL_MAX 63

static const char *const class_names[] = {
    [OUTBOUND_ADDR_PUBLIC] = "public",
    [OUTBOUND_ADDR_LOOPBACK] = "loopback",
    [OUTBOUND_ADDR_UNSPECIFIED] = "unspecified (\"this network\")",
    [OUTBOUND_ADDR_PRIVATE] = "private (RFC 1918)",
    [OUTBOUND_ADDR_CGNAT] = "shared address space (CGNAT)",
    [OUTBOUND_ADDR_LINK_LOCAL] = "link-local",
    [OUTBOUND_ADDR_MULTICAST] = "multicast",
    [OUTBOUND_ADDR_BROADCAST] = "broadcast",
    [OUTBOUND_ADDR_ULA] = "unique local (IPv6 ULA)",
    [OUTBOUND_ADDR_DOCUMENTATION] = "documentation",
    [OUTBOUND_ADDR_RESERVED] = "reserved",
};

const char *outbound_class_name(outbound_class c)
{
    if ((unsigned)c >= sizeof class_names / sizeof class_names[0])
        return "unknown";
    return class_names[c];
}

/* ---- address classes ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool in4(uint32_t a, uint32_t net, unsigned bits)
{
    uint32_t mask = bits == 0 ? 0 : 0xFFFFFFFFu << (32 - bits);
    return (a & mask) == net;
}

static outbound_class class_v4(uint32_t a)
{
    if (in4(a, 0x00000000u, 8))
        return OUTBOUND_ADDR_UNSPECIFIED;
    if (in4(a, 0x7F000000u, 8))
        return OUTBOUND_ADDR_LOOPBACK;
    if (in4(a, 0x0A000000u, 8) || in4(a, 0xAC100000u, 12) || in4(a, 0xC0A80000u, 16))
        return OUTBOUND_ADDR_PRIVATE;
    if (in4(a, 0x64400000u, 10))
        return OUTBOUND_ADDR_CGNAT;
    if (in4(a, 0xA9FE0000u, 16))
        return OUTBOUND_ADDR_LINK_LOCAL;
    if (a == 0xFFFFFFFFu)
        return OUTBOUND_ADDR_BROADCAST;
    if (in4(a, 0xE0000000u, 4))
        return OUTBOUND_ADDR_MULTICAST;
    if (in4(a, 0xC0000200u, 24) || in4(a, 0xC6336400u, 24) || in4(a, 0xCB007100u, 24))
        return OUTBOUND_ADDR_DOCUMENTATION;
    /* 240/4 (future use), 192.0.0/24 (IETF protocol assignments), 198.18/15 (benchmarking) */
    if (in4(a, 0xF0000000u, 4) || in4(a, 0xC0000000u, 24) || in4(a, 0xC6120000u, 15))
        return OUTBOUND_ADDR_RESERVED;
    return OUTBOUND_ADDR_PUBLIC;
}

static bool zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* The IPv4 address an IPv6 address carries and what carries it, or NULL. Teredo carries two
 * (server, and client inverted); the refused one of them, else the client, is reported. */
static const char *embedded_v4(const unsigned char *b, uint32_t *v4)
{
    if (zero(b, 10) && b[10] == 0xFF && b[11] == 0xFF) {
        *v4 = be32(b + 12);
        return "IPv4-mapped";
    }
    if (zero(b, 8) && b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 && b[11] == 0) {
        *v4 = be32(b + 12);
        return "IPv4-translated";
    }
    if (zero(b, 12) && !(zero(b, 15) && b[15] <= 1)) {
        *v4 = be32(b + 12);
        return "IPv4-compatible";
    }
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && zero(b + 4, 8)) {
        *v4 = be32(b + 12);
        return "NAT64";
    }
    if (b[0] == 0x20 && b[1] == 0x02) {
        *v4 = be32(b + 2);
        return "6to4";
    }
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
        uint32_t server = be32(b + 4), client = ~be32(b + 12);
        *v4 = class_v4(server) != OUTBOUND_ADDR_PUBLIC ? server : client;
        return "Teredo";
    }
    return NULL;
}

static outbound_class class_v6_plain(const unsigned char *b)
{
    if (zero(b, 16))
        return OUTBOUND_ADDR_UNSPECIFIED;
    if (zero(b, 15) && b[15] == 1)
        return OUTBOUND_ADDR_LOOPBACK;
    if ((b[0] & 0xFE) == 0xFC)
        return OUTBOUND_ADDR_ULA;
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)
        return OUTBOUND_ADDR_LINK_LOCAL;
    if (b[0] == 0xFF)
        return OUTBOUND_ADDR_MULTICAST;
    if ((b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) ||
        (b[0] == 0x3F && b[1] == 0xFF && (b[2] & 0xF0) == 0))
        return OUTBOUND_ADDR_DOCUMENTATION;
    /* 2001:2::/48 benchmarking, 2001:10::/28 and 2001:20::/28 ORCHID */
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 &&
        ((b[3] == 0x02 && b[4] == 0 && b[5] == 0) || (b[3] & 0xF0) == 0x10 ||
         (b[3] & 0xF0) == 0x20))
        return OUTBOUND_ADDR_RESERVED;
    /* everything outside global unicast 2000::/3: site-local fec0::/10, discard 100::/64,
     * local-use NAT64 64:ff9b:1::/48, unassigned space */
    if ((b[0] & 0xE0) != 0x20)
        return OUTBOUND_ADDR_RESERVED;
    return OUTBOUND_ADDR_PUBLIC;
}

outbound_class outbound_classify(int family, const unsigned char *addr)
{
    if (family == AF_INET)
        return class_v4(be32(addr));
    if (family != AF_INET6)
        return OUTBOUND_ADDR_RESERVED;
    uint32_t v4 = 0;
    const char *form = embedded_v4(addr, &v4);
    if (!form)
        return class_v6_plain(addr);
    outbound_class c = class_v4(v4);
    /* the deprecated compatible form has no use even for a public address */
    if (c == OUTBOUND_ADDR_PUBLIC && !strcmp(form, "IPv4-compatible"))
        return OUTBOUND_ADDR_RESERVED;
    return c;
}

/* ---- addresses as text ---- */

bool outbound_ip_parse(const char *text, struct outbound_ip *out)
{
    struct outbound_ip ip = {0};
    if (!text)
        return false;
    if (inet_pton(AF_INET, text, ip.a) == 1)
        ip.family = AF_INET;
    else if (inet_pton(AF_INET6, text, ip.a) == 1)
        ip.family = AF_INET6;
    else
        return false;
    *out = ip;
    return true;
}

bool outbound_ip_from_sockaddr(const struct sockaddr *sa, size_t len, struct outbound_ip *out)
{
    struct sockaddr_storage ss;
    if (!sa || len > sizeof ss || len < sizeof(sa_family_t))
        return false;
    memset(&ss, 0, sizeof ss);
    memcpy(&ss, sa, len);
    memset(out, 0, sizeof *out);
    if (ss.ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        out->family = AF_INET;
        memcpy(out->a, &((const struct sockaddr_in *)&ss)->sin_addr, 4);
        return true;
    }
    if (ss.ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        out->family = AF_INET6;
        memcpy(out->a, &((const struct sockaddr_in6 *)&ss)->sin6_addr, 16);
        return true;
    }
    return false;
}

void outbound_ip_text(const struct outbound_ip *ip, char *buf)
{
    if (!inet_ntop(ip->family == AF_INET ? AF_INET : AF_INET6, ip->a, buf, OUTBOUND_IP_MAX))
        snprintf(buf, OUTBOUND_IP_MAX, "(unknown address)");
}

bool outbound_classify_text(const char *text, outbound_class *out)
{
    struct outbound_ip ip;
    if (!outbound_ip_parse(text, &ip))
        return false;
    *out = outbound_classify(ip.family, ip.a);
    return true;
}

void outbound_text_safe(char *dst, size_t cap, const char *src)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    if (cap == 0)
        return;
    for (const unsigned char *p = (const unsigned char *)(src ? src : ""); *p; p++) {
        bool plain = *p >= 0x20 && *p < 0x7F;
        if (n + (plain ? 1u : 3u) >= cap) { /* no room for it and the NUL */
            if (cap >= 4) {
                n = n < cap - 4 ? n : cap - 4;
                memcpy(dst + n, "...", 3);
                n += 3;
            }
            break;
        }
        if (plain) {
            dst[n++] = (char)*p;
        } else {
            dst[n++] = '%';
            dst[n++] = hex[*p >> 4];
            dst[n++] = hex[*p & 15];
        }
    }
    dst[n] = '\0';
}

/* ---- judgement ---- */

static const char *note_for(const struct outbound_ip *ip)
{
    static const unsigned char aws6[16] = {0xFD, 0x00, 0x0E, 0xC2, [14] = 0x02, [15] = 0x54};
    /* 169.254.169.254 (AWS, GCP, Azure, Oracle...), 100.100.100.200 (Alibaba), fd00:ec2::254 */
    if (ip->family == AF_INET && (be32(ip->a) == 0xA9FEA9FEu || be32(ip->a) == 0x646464C8u))
        return "cloud metadata";
    if (ip->family == AF_INET6 && !memcmp(ip->a, aws6, 16))
        return "cloud metadata";
    return NULL;
}

outbound_class outbound_guard_judge(const struct outbound_ip *ip,
                                    const struct outbound_ip *test_public, char *msg,
                                    size_t cap)
{
    if (test_public && test_public->family == ip->family &&
        !memcmp(test_public->a, ip->a, ip->family == AF_INET ? 4 : 16))
        return OUTBOUND_ADDR_PUBLIC;
    outbound_class c = outbound_classify(ip->family, ip->a);
    if (c == OUTBOUND_ADDR_PUBLIC || !msg || cap == 0)
        return c;
    char text[OUTBOUND_IP_MAX], inner[OUTBOUND_IP_MAX + 32] = "";
    outbound_ip_text(ip, text);
    uint32_t v4 = 0;
    const char *form = ip->family == AF_INET6 ? embedded_v4(ip->a, &v4) : NULL;
    const char *note = note_for(ip);
    if (form) {
        struct outbound_ip e = {.family = AF_INET};
        for (int i = 0; i < 4; i++)
            e.a[i] = (unsigned char)(v4 >> (24 - 8 * i));
        char etext[OUTBOUND_IP_MAX];
        outbound_ip_text(&e, etext);
        const char *enote = note_for(&e);
        snprintf(inner, sizeof inner, " (%s %s%s%s)", form, etext, enote ? ", " : "",
                 enote ? enote : "");
    } else if (note) {
        snprintf(inner, sizeof inner, " (%s)", note);
    }
    snprintf(msg, cap, "refused: %s is %s%s", text, outbound_class_name(c), inner);
    return c;
}

/* ---- the URL pre-check ---- */

static int digit_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* One inet_aton part: decimal, octal after a leading 0, hex after 0x; false when malformed
 * or above 2^32 - 1. */
static bool v4_part(const char *s, size_t n, uint64_t *out)
{
    int base = 10;
    size_t i = 0;
    uint64_t v = 0;
    if (n == 0)
        return false;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    } else if (n >= 2 && s[0] == '0') {
        base = 8;
        i = 1;
    }
    for (; i < n; i++) {
        int d = digit_value(s[i]);
        if (d < 0 || d >= base)
            return false;
        v = v * (uint64_t)base + (uint64_t)d;
        if (v > 0xFFFFFFFFu)
            return false;
    }
    *out = v;
    return true;
}

/* host[0..n) as the resolver reads an IPv4 literal: "127.1", "0x7f.1", "2130706433". */
static bool parse_v4(const char *host, size_t n, uint32_t *out)
{
    uint64_t parts[4], v = 0;
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && host[i] != '.')
            continue;
        if (count == 4 || !v4_part(host + start, i - start, &parts[count]))
            return false;
        count++;
        start = i + 1;
    }
    for (size_t i = 0; i + 1 < count; i++) {
        if (parts[i] > 255)
            return false;
        v |= parts[i] << (8 * (3 - i));
    }
    unsigned bits = 8 * (unsigned)(5 - count);
    if (bits < 32 && (parts[count - 1] >> bits) != 0)
        return false;
    *out = (uint32_t)(v | parts[count - 1]);
    return true;
}

/* True when the last label reads as a number, so the host must be an IPv4 address (the
 * WHATWG URL rule; the resolver would otherwise send such a host to DNS). */
static bool ends_in_number(const char *host, size_t n)
{
    size_t start = n;
    while (start > 0 && host[start - 1] != '.')
        start--;
    const char *l = host + start;
    size_t ln = n - start;
    if (ln == 0)
        return false;
    bool hex = ln >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X');
    for (size_t i = hex ? 2 : 0; i < ln; i++) {
        int d = digit_value(l[i]);
        if (d < 0 || (!hex && d > 9))
            return false;
    }
    return true;
}

/* Empty labels ("a..b") and ASCII labels over 63 bytes make no host name. */
static bool labels_ok(const char *host, size_t n)
{
    size_t start = 0;
    bool ascii = true;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && host[i] != '.') {
            ascii = ascii && (unsigned char)host[i] < 0x80;
            continue;
        }
        if (i == start || (ascii && i - start > LABEL_MAX))
            return false;
        start = i + 1;
        ascii = true;
    }
    return true;
}

static bool is_localhost(const char *host, size_t n)
{
    static const char lh[] = "localhost";
    size_t k = sizeof lh - 1;
    if (n < k || strncasecmp(host + n - k, lh, k) != 0)
        return false;
    return n == k || host[n - k - 1] == '.';
}

/* Reads the host (as libcurl's URL parser returns it) into an address when it is one. Returns
 * OUTBOUND_OK with ip->family 0 for a host name, OUTBOUND_E_URL for a malformed host. */
static outbound_err host_address(const char *host, struct outbound_ip *ip, bool *localhost,
                                 char *msg, size_t cap)
{
    size_t n = strlen(host);
    char shown[96];
    outbound_text_safe(shown, sizeof shown, host);
    if (host[0] == '[') {
        char inner[OUTBOUND_IP_MAX + 1];
        if (n < 3 || host[n - 1] != ']' || n - 2 >= sizeof inner)
            goto bad_ipv6;
        memcpy(inner, host + 1, n - 2);
        inner[n - 2] = '\0';
        inner[strcspn(inner, "%")] = '\0';
        if (inet_pton(AF_INET6, inner, ip->a) != 1)
            goto bad_ipv6;
        ip->family = AF_INET6;
        return OUTBOUND_OK;
    }
    while (n > 0 && host[n - 1] == '.')
        n--;
    if (n == 0 || n > HOST_MAX || !labels_ok(host, n)) {
        snprintf(msg, cap, "bad host name \"%s\" (empty, longer than %d bytes, or with an "
                 "empty or over-long label)", shown, HOST_MAX);
        return OUTBOUND_E_URL;
    }
    *localhost = is_localhost(host, n);
    if (*localhost || !ends_in_number(host, n))
        return OUTBOUND_OK;
    uint32_t v4 = 0;
    if (!parse_v4(host, n, &v4)) {
        snprintf(msg, cap, "bad host \"%s\": it ends in a number but is no IPv4 address", shown);
        return OUTBOUND_E_URL;
    }
    ip->family = AF_INET;
    for (int i = 0; i < 4; i++)
        ip->a[i] = (unsigned char)(v4 >> (24 - 8 * i));
    return OUTBOUND_OK;
bad_ipv6:
    snprintf(msg, cap, "bad IPv6 host \"%s\"", shown);
    return OUTBOUND_E_URL;
}

static outbound_err judge_host(const char *host, bool allow_private,
                               const struct outbound_ip *test_public, outbound_class *cls,
                               char *msg, size_t cap)
{
    struct outbound_ip ip = {0};
    bool localhost = false;
    outbound_err e = host_address(host, &ip, &localhost, msg, cap);
    if (e != OUTBOUND_OK)
        return e;
    outbound_class c = OUTBOUND_ADDR_PUBLIC;
    if (localhost) {
        c = OUTBOUND_ADDR_LOOPBACK;
        snprintf(msg, cap, "refused: localhost is loopback");
    } else if (ip.family) {
        c = outbound_guard_judge(&ip, test_public, msg, cap);
    }
    *cls = c;
    if (c == OUTBOUND_ADDR_PUBLIC || allow_private) {
        msg[0] = '\0';
        return OUTBOUND_OK;
    }
    return OUTBOUND_E_BLOCKED;
}

outbound_err outbound_check_url(const char *url, bool allow_private, const char *test_public_ip,
                                outbound_class *cls, char *msg, size_t cap)
{
    char scratch[OUTBOUND_MESSAGE_MAX];
    outbound_class c_scratch;
    struct outbound_ip test_ip, *tp = NULL;
    CURLU *u = NULL;
    char *scheme = NULL, *host = NULL;
    outbound_err e = OUTBOUND_E_URL;
    CURLUcode rc;
    if (!msg || cap == 0) {
        msg = scratch;
        cap = sizeof scratch;
    }
    cls = cls ? cls : &c_scratch;
    *cls = OUTBOUND_ADDR_PUBLIC;
    msg[0] = '\0';
    if (test_public_ip && outbound_ip_parse(test_public_ip, &test_ip))
        tp = &test_ip;
    if (!url || !*url || strlen(url) > OUTBOUND_MAX_URL) {
        snprintf(msg, cap, "bad URL: empty or longer than %d bytes", OUTBOUND_MAX_URL);
        goto out;
    }
    if (!(u = curl_url()))
        mem_oom();
    if ((rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME)) != CURLUE_OK) {
        snprintf(msg, cap, "bad URL: %s", curl_url_strerror(rc));
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        char shown[40];
        outbound_text_safe(shown, sizeof shown, scheme ? scheme : "");
        snprintf(msg, cap, "bad URL: scheme \"%s\" is not allowed (only http and https)", shown);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0]) {
        snprintf(msg, cap, "bad URL: no host");
        goto out;
    }
    e = judge_host(host, allow_private, tp, cls, msg, cap);
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return e;
}
