/* SPDX-License-Identifier: MIT */
/* Logging: one line per event, text on a TTY else JSON (LOG_FORMAT overrides).
 * Never pass a token, password or secret to these functions. */
#ifndef PETE_CORE_LOG_H
#define PETE_CORE_LOG_H

#include <stdint.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

/* Set once at start-up, before threads start. fmt: "text", "json" or NULL (auto). */
void log_setup(const char *level, const char *format);
void log_msg(log_level lv, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Ties this thread's following log lines to a request (request_id NULL: none). The
 * dispatcher sets it around each request, so every line a handler logs carries the request
 * id and the tenant. */
void log_set_request(const char *request_id, int64_t user_id);
/* The access log line: method, path (no query string), status, microseconds, user id (0 = none). */
void log_access(const char *request_id, const char *method, const char *path, unsigned status,
                int64_t micros, int64_t user_id);

/* Forgets the counts of repeated events (tests that log the same line many times on purpose). */
void log_repeats_reset(void);

#define LOG_D(...) log_msg(LOG_DEBUG, __func__, __VA_ARGS__)
#define LOG_I(...) log_msg(LOG_INFO, __func__, __VA_ARGS__)
#define LOG_W(...) log_msg(LOG_WARN, __func__, __VA_ARGS__)
#define LOG_E(...) log_msg(LOG_ERROR, __func__, __VA_ARGS__)

#endif
