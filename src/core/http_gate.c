/* SPDX-License-Identifier: MIT */
/* The gate: the server's own accept loop in front of libmicrohttpd.
 *
 * One thread owns the listening socket. It accepts a connection (refusing it at once when
 * its address already holds MAX_CONNECTIONS_PER_IP), then waits, with the connection's
 * bytes left in the kernel (MSG_PEEK), until a whole request head has arrived, checks it
 * with http_head_check() and only then hands the socket to libmicrohttpd
 * (MHD_add_connection), which reads the same bytes as if nothing had happened.
 *
 * Why: libmicrohttpd 0.9.75 mishandles some heads it refuses by itself (a malformed
 * Content-Length or hundreds of cookies get two status lines, hundreds of query parameters
 * no answer at all), and a client that dribbles its head holds one of its connections for
 * as long as it likes. At the gate a head is answered in the SPEC §5 shape, and a
 * connection that has not delivered its first head within HEAD_TIMEOUT gets a 408 and is
 * closed, without ever reaching libmicrohttpd. Later requests on a kept-alive connection are
 * read by libmicrohttpd directly; http.c and http_conn.c guard those.
 *
 * A refused connection is answered, its writing side shut, and what the client still sends
 * is read and dropped for a moment (up to LINGER_MS) before closing, so the answer is not
 * destroyed by a reset while the client is still sending. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/http_internal.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/mono.h"

#define PEEK_MAX (HTTP_LINE_MAX + HTTP_HEADERS_MAX_BYTES + 1024)
#define LINGER_MS 2000
#define EVENTS 64

struct pending {
    int fd;
    bool closing;       /* answered; draining until EOF or its deadline */
    int64_t deadline;   /* mono_ms */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    struct pending *prev, *next; /* FIFO by deadline within each kind */
};

/* Waiting connections in deadline order: every wait of one kind has the same length, so
 * appending keeps each list sorted. */
struct queue {
    struct pending *head, *tail;
};

static struct {
    int lfd, efd, wake[2];
    struct MHD_Daemon *daemon;
    long max_body;
    int64_t head_ms;
    int max_pending, npending;
    struct queue heads, closing;
    pthread_t thread;
    bool running;
    char buf[PEEK_MAX + 1];
} g = {.lfd = -1, .efd = -1, .wake = {-1, -1}};

static void enqueue(struct queue *q, struct pending *p)
{
    p->next = NULL;
    p->prev = q->tail;
    if (q->tail)
        q->tail->next = p;
    else
        q->head = p;
    q->tail = p;
}

static void dequeue(struct queue *q, struct pending *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        q->head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        q->tail = p->prev;
    p->prev = p->next = NULL;
}

static void drop(struct pending *p)
{
    dequeue(p->closing ? &g.closing : &g.heads, p);
    epoll_ctl(g.efd, EPOLL_CTL_DEL, p->fd, NULL);
    close(p->fd);
    http_conn_release((struct sockaddr *)&p->addr);
    g.npending--;
    free(p);
}

/* Writes the error answer (best effort: the socket is non-blocking and the answer small),
 * shuts the writing side and moves p to the draining list. */
static void answer(struct pending *p, unsigned status, const char *code, const char *message)
{
    char body[512], out[1024];
    int bl = snprintf(body, sizeof body, "{\"status\":\"error\",\"code\":\"%s\",\"message\":\"%s\"}",
                      code, message);
    int n = snprintf(out, sizeof out,
                     "HTTP/1.1 %u %s\r\nContent-Type: " HTTP_JSON_TYPE "\r\nContent-Length: %d\r\n"
                     "Connection: close\r\n\r\n%s",
                     status, MHD_get_reason_phrase_for(status), bl, body);
    if (send(p->fd, out, (size_t)n, MSG_NOSIGNAL) < 0)
        LOG_D("gate: could not answer a refused connection: %s", strerror(errno));
    shutdown(p->fd, SHUT_WR);
    dequeue(&g.heads, p);
    p->closing = true;
    p->deadline = mono_ms() + LINGER_MS;
    enqueue(&g.closing, p);
}

static void hand_over(struct pending *p)
{
    dequeue(&g.heads, p);
    epoll_ctl(g.efd, EPOLL_CTL_DEL, p->fd, NULL);
    g.npending--;
    /* libmicrohttpd owns the socket from here, also when it fails (it closes it then);
     * the address's slot is given back when libmicrohttpd reports the connection closed. */
    if (MHD_add_connection(g.daemon, p->fd, (struct sockaddr *)&p->addr, p->addrlen) != MHD_YES) {
        LOG_W("gate: libmicrohttpd did not take a connection: %s", strerror(errno));
        http_conn_release((struct sockaddr *)&p->addr);
    }
    free(p);
}

static void readable(struct pending *p)
{
    if (p->closing) {
        ssize_t n = recv(p->fd, g.buf, PEEK_MAX, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            drop(p);
        return;
    }
    ssize_t n = recv(p->fd, g.buf, PEEK_MAX, MSG_PEEK);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        drop(p); /* the client went away before sending a head */
        return;
    }
    if (n < 0)
        return;
    struct http_head_error e;
    switch (http_head_check(g.buf, (size_t)n, g.max_body, &e)) {
    case HTTP_HEAD_OK: hand_over(p); break;
    case HTTP_HEAD_REFUSE: answer(p, e.status, e.code, e.message); break;
    case HTTP_HEAD_MORE:
        if (n >= PEEK_MAX)
            answer(p, 431, "request_header_fields_too_large",
                   "The request head is larger than this server accepts.");
        break;
    }
}

static void accept_all(void)
{
    for (;;) {
        struct pending *p = mem_zalloc(1, sizeof *p);
        p->addrlen = sizeof p->addr;
        p->fd = accept4(g.lfd, (struct sockaddr *)&p->addr, &p->addrlen,
                        SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (p->fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                LOG_W("gate: accept failed: %s", strerror(errno));
            free(p);
            return;
        }
        if (g.npending >= g.max_pending || !http_conn_admit((struct sockaddr *)&p->addr)) {
            close(p->fd); /* over a limit (logged by http_conn_admit) */
            free(p);
            continue;
        }
        int one = 1;
        setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = p};
        if (epoll_ctl(g.efd, EPOLL_CTL_ADD, p->fd, &ev) != 0) {
            close(p->fd);
            http_conn_release((struct sockaddr *)&p->addr);
            free(p);
            continue;
        }
        p->deadline = mono_ms() + g.head_ms;
        enqueue(&g.heads, p);
        g.npending++;
    }
}

/* Ends what is past its deadline; returns the milliseconds until the next deadline. */
static int expire(void)
{
    int64_t now = mono_ms();
    while (g.heads.head && g.heads.head->deadline <= now)
        answer(g.heads.head, 408, "request_timeout",
               "The request head did not arrive in time (HEAD_TIMEOUT).");
    while (g.closing.head && g.closing.head->deadline <= now)
        drop(g.closing.head);
    int64_t next = now + 1000;
    if (g.heads.head && g.heads.head->deadline < next)
        next = g.heads.head->deadline;
    if (g.closing.head && g.closing.head->deadline < next)
        next = g.closing.head->deadline;
    return (int)(next - now);
}

static void *gate_loop(void *arg)
{
    (void)arg;
    struct epoll_event ev[EVENTS];
    for (;;) {
        int n = epoll_wait(g.efd, ev, EVENTS, expire());
        for (int i = 0; i < n; i++) {
            if (ev[i].data.ptr == &g.lfd)
                accept_all();
            else if (ev[i].data.ptr == &g.wake)
                goto out;
            else
                readable(ev[i].data.ptr);
        }
    }
out:
    while (g.heads.head)
        drop(g.heads.head);
    while (g.closing.head)
        drop(g.closing.head);
    return NULL;
}

/* A listening socket on cfg's HOST:PORT; -1 (logged) on failure. */
static int listen_on(const struct config *cfg)
{
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;
    socklen_t len;
    if (inet_pton(AF_INET, cfg->host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)cfg->port);
        len = sizeof *in;
    } else if (inet_pton(AF_INET6, cfg->host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)cfg->port);
        len = sizeof *in6;
    } else {
        LOG_E("HOST must be an IPv4 or IPv6 address, got \"%s\"", cfg->host);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 1024) != 0) {
        LOG_E("cannot listen on %s:%d (%s)", cfg->host, cfg->port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int http_gate_start(const struct config *cfg, struct MHD_Daemon *daemon)
{
    g.daemon = daemon;
    g.max_body = cfg->max_body_bytes;
    g.head_ms = (int64_t)cfg->head_timeout * 1000;
    g.max_pending = cfg->max_connections;
    g.npending = 0;
    if ((g.lfd = listen_on(cfg)) < 0)
        return -1;
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &g.lfd};
    struct epoll_event wev = {.events = EPOLLIN, .data.ptr = &g.wake};
    if ((g.efd = epoll_create1(EPOLL_CLOEXEC)) < 0 || pipe2(g.wake, O_CLOEXEC) != 0 ||
        epoll_ctl(g.efd, EPOLL_CTL_ADD, g.lfd, &lev) != 0 ||
        epoll_ctl(g.efd, EPOLL_CTL_ADD, g.wake[0], &wev) != 0 ||
        pthread_create(&g.thread, NULL, gate_loop, NULL) != 0) {
        LOG_E("cannot start the connection gate: %s", strerror(errno));
        http_gate_stop();
        return -1;
    }
    g.running = true;
    return 0;
}

void http_gate_stop(void)
{
    if (g.running) {
        if (write(g.wake[1], "x", 1) != 1)
            LOG_W("gate: cannot wake the gate thread");
        pthread_join(g.thread, NULL);
        g.running = false;
    }
    for (int i = 0; i < 2; i++)
        if (g.wake[i] >= 0)
            close(g.wake[i]), g.wake[i] = -1;
    if (g.efd >= 0)
        close(g.efd), g.efd = -1;
    if (g.lfd >= 0)
        close(g.lfd), g.lfd = -1;
}
