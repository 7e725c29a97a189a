/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the robots.txt parser and matcher (src/scrape/scrape_robots.c): the
 * input's first line is a URL path, the rest a robots.txt file as a site serves it. The file
 * is parsed for PeteRental and the path decided: the decision depends on nothing but the input
 * (a second parse decides the same), "/robots.txt" is always allowed, and the set for a file
 * that cannot be read refuses every other path. The sanitizers watch the parser's and the
 * matcher's memory and arithmetic; libFuzzer's timeout watches the matcher's backtracking. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "scrape/scrape_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SCRAPE_ROBOTS_MAX_BYTES)
        return 0;
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    size_t plen = nl ? (size_t)(nl - text) : size;
    if (plen > 2048)
        return 0;
    char *path = mem_alloc(plen + 2);
    path[0] = '/';
    memcpy(path + 1, text, plen);
    path[plen + 1] = '\0';
    if (memchr(text, '\0', plen)) { /* a path has no NUL byte */
        free(path);
        return 0;
    }
    const char *body = nl ? nl + 1 : text + size;
    size_t blen = (size_t)(text + size - body);
    struct scrape_robots *a = scrape_robots_parse(body, blen, SCRAPE_ROBOTS_AGENT);
    struct scrape_robots *b = scrape_robots_parse(body, blen, SCRAPE_ROBOTS_AGENT);
    bool allowed = scrape_robots_allowed(a, path);
    if (allowed != scrape_robots_allowed(b, path))
        abort();
    if (!scrape_robots_allowed(a, "/robots.txt"))
        abort();
    struct scrape_robots *deny = scrape_robots_deny_all();
    if (scrape_robots_allowed(deny, path) != (strcmp(path, "/robots.txt") == 0))
        abort();
    scrape_robots_free(a);
    scrape_robots_free(b);
    scrape_robots_free(deny);
    free(path);
    return 0;
}
