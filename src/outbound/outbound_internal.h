/* SPDX-License-Identifier: MIT */
/* What the outbound files share and nobody else calls: the binary address the guard judges,
 * the judgement itself (used by the connect check in outbound_client.c) and the copy that
 * makes URLs and server text safe to put in a message. */
#ifndef PETE_OUTBOUND_INTERNAL_H
#define PETE_OUTBOUND_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "outbound/outbound.h"

/* An address: AF_INET (4 bytes used) or AF_INET6 (16), network order. */
struct outbound_ip {
    int family;
    unsigned char a[16];
};

/* Parses a plain IPv4 dotted quad or an IPv6 address (no brackets, no zone). */
bool outbound_ip_parse(const char *text, struct outbound_ip *out);
/* Reads the address of sa (len bytes); false for a family other than AF_INET/AF_INET6. */
bool outbound_ip_from_sockaddr(const struct sockaddr *sa, size_t len, struct outbound_ip *out);
/* The address as text ("127.0.0.1", "::ffff:127.0.0.1"); buf holds OUTBOUND_IP_MAX bytes. */
void outbound_ip_text(const struct outbound_ip *ip, char *buf);
/* The guard's verdict on ip: OUTBOUND_ADDR_PUBLIC when it may be connected (test_public, may
 * be NULL, counts as public), else its class, with "refused: X is CLASS (note)" in msg. */
outbound_class outbound_guard_judge(const struct outbound_ip *ip,
                                    const struct outbound_ip *test_public, char *msg,
                                    size_t cap);
/* Copies src into dst (cap > 0) as printable ASCII: other bytes become %XX, and a copy that
 * does not fit ends in "...". Server- and tenant-supplied text passes here before it enters a
 * message, so messages are valid UTF-8 without control characters. */
void outbound_text_safe(char *dst, size_t cap, const char *src);

#endif
