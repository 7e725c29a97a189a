/* SPDX-License-Identifier: MIT */
/* Line-oriented logging to stderr: text on a TTY, JSON lines otherwise. Each line is
 * written under stdio's own lock, so lines from threads don't interleave; JSON access
 * lines are batched (at most FLUSH_MS late, see below). */
#include "core/log.h"
#include "core/jsonw.h"
#include "core/mono.h"
#include "core/text.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static log_level min_level = LOG_INFO;
static int as_json;

void log_setup(const char *level, const char *format)
{
    if (level) {
        if (!strcmp(level, "debug"))
            min_level = LOG_DEBUG;
        else if (!strcmp(level, "warn"))
            min_level = LOG_WARN;
        else if (!strcmp(level, "error"))
            min_level = LOG_ERROR;
        else
            min_level = LOG_INFO;
    }
    if (format && !strcmp(format, "json"))
        as_json = 1;
    else if (format && !strcmp(format, "text"))
        as_json = 0;
    else
        as_json = !isatty(STDERR_FILENO);
}

static void timestamp(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static const char *level_name(log_level lv)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    return names[lv];
}

/* ---- buffered access lines ----------------------------------------------------------
 * JSON access lines (one per request) are collected and written in batches: a write(2)
 * per request was a quarter of the system calls of a GET /health. A flusher thread writes
 * what is pending every FLUSH_MS, every other line written here flushes the pending ones
 * first (order is kept), and so does exit. The buffer is guarded by stderr's stdio lock. */
#define PENDING_MAX (32 * 1024)
#define FLUSH_MS 50

static char pending[PENDING_MAX];
static size_t pending_len;
static pthread_once_t flusher_once = PTHREAD_ONCE_INIT;

/* Under flockfile(stderr). */
static void flush_pending(void)
{
    if (pending_len > 0) {
        fwrite(pending, 1, pending_len, stderr);
        pending_len = 0;
    }
}

static void flush_lines(void)
{
    flockfile(stderr);
    flush_pending();
    funlockfile(stderr);
}

static void flush_repeats(bool force);

static void flush_at_exit(void)
{
    flush_repeats(true);
    flush_lines();
}

static void *flusher(void *arg)
{
    (void)arg;
    for (unsigned tick = 0;; tick++) {
        nanosleep(&(struct timespec){.tv_nsec = FLUSH_MS * 1000000L}, NULL);
        flush_lines();
        if (tick % (1000 / FLUSH_MS) == 0)
            flush_repeats(false);
    }
    return NULL;
}

static void start_flusher(void)
{
    pthread_t t;
    atexit(flush_at_exit);
    if (pthread_create(&t, NULL, flusher, NULL) == 0)
        pthread_detach(t);
}

/* Queues one complete line; written at once when no flusher thread could be started. */
static void queue_line(const char *line, size_t n)
{
    pthread_once(&flusher_once, start_flusher);
    flockfile(stderr);
    if (pending_len + n > PENDING_MAX)
        flush_pending();
    if (n > PENDING_MAX) {
        fwrite(line, 1, n, stderr);
    } else {
        memcpy(pending + pending_len, line, n);
        pending_len += n;
    }
    funlockfile(stderr);
}

static void emit_json(json_t *j_line)
{
    char *s = json_dumps(j_line, JSON_COMPACT);
    if (s) {
        flockfile(stderr);
        flush_pending();
        fputs(s, stderr);
        fputc('\n', stderr);
        funlockfile(stderr);
        free(s);
    }
    json_decref(j_line);
}

static _Thread_local const char *cur_request;
static _Thread_local int64_t cur_user;

void log_set_request(const char *request_id, int64_t user_id)
{
    cur_request = request_id;
    cur_user = user_id;
}

/* Writes one event line (msg already formatted). */
static void write_line(log_level lv, const char *func, char *msg)
{
    char ts[40];
    timestamp(ts, sizeof ts);
    if (as_json) {
        for (unsigned char *p = (unsigned char *)msg; *p;) { /* keep the line valid JSON */
            size_t n = text_utf8_seq(p);
            if (n == 0)
                *p = '?';
            p += n ? n : 1;
        }
        json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "time", ts, "level", level_name(lv),
                              "func", func, "msg", msg);
        if (j && cur_request) {
            json_object_set_new(j, "request_id", json_string(cur_request));
            json_object_set_new(j, "user_id", json_integer((json_int_t)cur_user));
        }
        emit_json(j);
        return;
    }
    flockfile(stderr);
    flush_pending();
    if (cur_request)
        fprintf(stderr, "%s %-5s %s: [%s user=%lld] %s\n", ts, level_name(lv), func, cur_request,
                (long long)cur_user, msg);
    else
        fprintf(stderr, "%s %-5s %s: %s\n", ts, level_name(lv), func, msg);
    funlockfile(stderr);
}

/* ---- repeated events ------------------------------------------------------------------
 * A failure that hits every request (the database gone under load, a client opening
 * connections past its limit) would write one line per request: thousands a second. Events
 * are keyed by the place and format they come from (not their varying arguments); each key
 * writes at most REPEAT_BURST lines per REPEAT_WINDOW_S, then is counted, and the count is
 * written as one summary line when the window ends (by the next such event, or by the
 * flusher thread within a second). Debug lines are not limited; they are off by default. */
#define REPEAT_KEYS 64
#define REPEAT_WAYS 4
#define REPEAT_BURST 5
#define REPEAT_WINDOW_S 5

struct repeat {
    const char *func, *fmt; /* the key; NULL = free */
    int64_t window_start;   /* mono_s() */
    unsigned long written, suppressed;
    log_level lv;
    char last[256];         /* the last suppressed message */
};

static struct repeat repeats[REPEAT_KEYS];
static pthread_mutex_t repeat_lock = PTHREAD_MUTEX_INITIALIZER;

/* Under repeat_lock: formats r's summary into out (empty when nothing was suppressed) and
 * starts a new window at now. */
static void close_window(struct repeat *r, int64_t now, char *out, size_t len)
{
    out[0] = '\0';
    if (r->suppressed)
        snprintf(out, len, "%s (repeated %lu more times in the last %d s)", r->last,
                 r->suppressed, REPEAT_WINDOW_S);
    r->window_start = now;
    r->written = r->suppressed = 0;
}

/* Whether this event may be written now; a summary due for its key goes into summary. */
static bool repeat_allows(log_level lv, const char *func, const char *fmt, const char *msg,
                          char *summary, size_t len)
{
    int64_t now = mono_s();
    uint64_t h = ((uint64_t)(uintptr_t)fmt * 0x9E3779B97F4A7C15u) ^ (uint64_t)(uintptr_t)func;
    struct repeat *set = &repeats[(h >> 40) % (REPEAT_KEYS / REPEAT_WAYS) * REPEAT_WAYS];
    bool ok = true;
    summary[0] = '\0';
    pthread_mutex_lock(&repeat_lock);
    /* the key's way, else a free one, else the one whose window started longest ago */
    struct repeat *r = &set[0];
    for (int w = 0; w < REPEAT_WAYS; w++) {
        if (set[w].fmt == fmt && set[w].func == func) {
            r = &set[w];
            break;
        }
        if (!set[w].fmt || (r->fmt && set[w].window_start < r->window_start))
            r = &set[w];
    }
    if (r->fmt != fmt || r->func != func) { /* a new key takes the slot over */
        close_window(r, now, summary, len);
        r->func = func;
        r->fmt = fmt;
        r->lv = lv;
    } else if (now - r->window_start >= REPEAT_WINDOW_S) {
        close_window(r, now, summary, len);
    }
    if (r->written < REPEAT_BURST) {
        r->written++;
    } else {
        r->suppressed++;
        text_copy_utf8(r->last, sizeof r->last, msg);
        ok = false;
    }
    pthread_mutex_unlock(&repeat_lock);
    return ok;
}

/* Writes the summaries of windows that have ended (all of them when force). */
static void flush_repeats(bool force)
{
    int64_t now = mono_s();
    for (int i = 0; i < REPEAT_KEYS; i++) {
        char summary[400];
        log_level lv = LOG_WARN;
        const char *func = "";
        pthread_mutex_lock(&repeat_lock);
        struct repeat *r = &repeats[i];
        summary[0] = '\0';
        if (r->fmt && r->suppressed && (force || now - r->window_start >= REPEAT_WINDOW_S)) {
            lv = r->lv;
            func = r->func;
            close_window(r, now, summary, sizeof summary);
        }
        pthread_mutex_unlock(&repeat_lock);
        if (summary[0])
            write_line(lv, func, summary);
    }
}

void log_repeats_reset(void)
{
    pthread_mutex_lock(&repeat_lock);
    memset(repeats, 0, sizeof repeats);
    pthread_mutex_unlock(&repeat_lock);
}

void log_msg(log_level lv, const char *func, const char *fmt, ...)
{
    if (lv < min_level)
        return;
    char msg[1024], summary[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lv > LOG_DEBUG) {
        bool ok = repeat_allows(lv, func, fmt, msg, summary, sizeof summary);
        if (summary[0])
            write_line(lv, func, summary);
        if (!ok) {
            pthread_once(&flusher_once, start_flusher); /* writes the summary later */
            return;
        }
    }
    write_line(lv, func, msg);
}

/* The access line is formatted straight into one buffer and written with one call: it runs
 * once per request, and a Jansson tree plus dump cost more than the rest of a /health. */
void log_access(const char *request_id, const char *method, const char *path, unsigned status,
                int64_t micros, int64_t user_id)
{
    if (LOG_INFO < min_level)
        return;
    char ts[40];
    timestamp(ts, sizeof ts);
    if (as_json) {
        char line[2048];
        struct jsonw w;
        jsonw_fixed(&w, line, sizeof line);
        JSONW_LIT(&w, "{\"time\":\"");
        jsonw_raw(&w, ts, strlen(ts));
        JSONW_LIT(&w, "\",\"level\":\"info\",\"event\":\"access\"");
        jsonw_key(&w, "request_id");
        jsonw_str(&w, request_id);
        jsonw_key(&w, "method");
        jsonw_str(&w, method);
        jsonw_key(&w, "path");
        jsonw_str(&w, path);
        jsonw_key(&w, "status");
        jsonw_int(&w, status);
        jsonw_key(&w, "micros");
        jsonw_int(&w, micros);
        jsonw_key(&w, "user_id");
        jsonw_int(&w, user_id);
        JSONW_LIT(&w, "}\n");
        if (w.overflow && strlen(path) > 300) {
            /* a path too long for the line: log it cut (300 bytes escape to at most 1,800),
             * never drop the line */
            char cut[301];
            text_copy_utf8(cut, sizeof cut, path);
            log_access(request_id, method, cut, status, micros, user_id);
            return;
        }
        queue_line(line, w.len);
        return;
    }
    /* text mode: control bytes would let a client forge log lines */
    char shown[1024];
    size_t i = 0;
    for (; path[i] && i < sizeof shown - 1; i++)
        shown[i] = ((unsigned char)path[i] < 0x20 || path[i] == 0x7f) ? '?' : path[i];
    shown[i] = '\0';
    flockfile(stderr);
    flush_pending();
    fprintf(stderr, "%s access %s %s %s %u %lldus user=%lld\n", ts, request_id, method, shown,
            status, (long long)micros, (long long)user_id);
    funlockfile(stderr);
}
