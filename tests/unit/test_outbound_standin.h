/* SPDX-License-Identifier: MIT */
/* Starts and stops tests/standins/outbound_standin.py for the outbound tests: a child
 * process on an ephemeral port of 127.0.0.1 and 127.0.0.2 that exits when its stdin closes
 * (so a test that dies leaves nothing running) or after two minutes. */
#ifndef PETE_TEST_OUTBOUND_STANDIN_H
#define PETE_TEST_OUTBOUND_STANDIN_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/mono.h"

struct standin {
    pid_t pid;
    int to_child; /* the child's stdin: closing it ends the child */
    int port;     /* plain HTTP on 127.0.0.1 and 127.0.0.2 */
    int tls_port; /* HTTPS on 127.0.0.1 when started with a certificate, else 0 */
};

/* Reads the child's "PORT n TLS m" line within 10 s; false on timeout or garbage. */
static inline bool standin_read_ports(int fd, struct standin *s)
{
    char line[128];
    size_t n = 0;
    int64_t deadline = mono_ms() + 10000;
    while (n + 1 < sizeof line && (n == 0 || line[n - 1] != '\n')) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int64_t left = deadline - mono_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return false;
        ssize_t r = read(fd, line + n, sizeof line - 1 - n);
        if (r <= 0)
            return false;
        n += (size_t)r;
    }
    line[n] = '\0';
    return sscanf(line, "PORT %d TLS %d", &s->port, &s->tls_port) == 2 && s->port > 0;
}

/* Starts the stand-in; cert and key (PEM paths) may be NULL for no TLS listener. */
static inline bool standin_start(struct standin *s, const char *cert, const char *key)
{
    int in[2], out[2];
    char script[1024];
    snprintf(script, sizeof script, "%s/../standins/outbound_standin.py", PETE_TEST_FIXTURES);
    memset(s, 0, sizeof *s);
    if (pipe(in) != 0 || pipe(out) != 0)
        return false;
    s->pid = fork();
    if (s->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        if (cert)
            execlp("python3", "python3", script, "--tls-cert", cert, "--tls-key", key,
                   (char *)NULL);
        else
            execlp("python3", "python3", script, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    s->to_child = in[1];
    bool ok = s->pid > 0 && standin_read_ports(out[0], s);
    close(out[0]);
    return ok;
}

/* Closes the child's stdin and reaps it (killing it, by its pid, if it lingers 5 s). */
static inline void standin_stop(struct standin *s)
{
    if (s->to_child > 0)
        close(s->to_child);
    if (s->pid <= 0)
        return;
    int64_t deadline = mono_ms() + 5000;
    while (waitpid(s->pid, NULL, WNOHANG) == 0) {
        if (mono_ms() > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
            break;
        }
        usleep(20000);
    }
    s->pid = 0;
}

#endif
