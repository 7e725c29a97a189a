/* SPDX-License-Identifier: MIT */
/* Line-oriented logging to stderr: text on a TTY, JSON lines otherwise. Each line is
 * written with one fputs under stdio's own lock, so lines from threads don't interleave. */
#include "core/log.h"

#include <jansson.h>
#include <stdarg.h>
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

static void emit_json(json_t *j_line)
{
    char *s = json_dumps(j_line, JSON_COMPACT);
    if (s) {
        flockfile(stderr);
        fputs(s, stderr);
        fputc('\n', stderr);
        funlockfile(stderr);
        free(s);
    }
    json_decref(j_line);
}

void log_msg(log_level lv, const char *func, const char *fmt, ...)
{
    if (lv < min_level)
        return;
    char msg[1024], ts[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    timestamp(ts, sizeof ts);
    if (as_json) {
        emit_json(json_pack("{s:s, s:s, s:s, s:s}", "time", ts, "level", level_name(lv), "func",
                            func, "msg", msg));
        return;
    }
    flockfile(stderr);
    fprintf(stderr, "%s %-5s %s: %s\n", ts, level_name(lv), func, msg);
    funlockfile(stderr);
}

void log_access(const char *request_id, const char *method, const char *path, unsigned status,
                int64_t micros, int64_t user_id)
{
    if (LOG_INFO < min_level)
        return;
    char ts[40];
    timestamp(ts, sizeof ts);
    if (as_json) {
        emit_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I}", "time", ts, "level", "info",
                            "event", "access", "request_id", request_id, "method", method,
                            "path", path, "status", (int)status, "micros", (json_int_t)micros,
                            "user_id", (json_int_t)user_id));
        return;
    }
    flockfile(stderr);
    fprintf(stderr, "%s access %s %s %s %u %lldus user=%lld\n", ts, request_id, method, path,
            status, (long long)micros, (long long)user_id);
    funlockfile(stderr);
}
