/*
 * The C contender of wsk4j's benchmark suite: the physical reference for the loopback workloads the Java
 * contenders run (EchoClient, ConnectClient), written the way a C programmer would with Linux epoll
 * (level-triggered, non-blocking sockets, one thread).
 *
 *   epoll_client echo HOST PORT CONNECTIONS SIZE   then, per stdin line "run MESSAGES": echo MESSAGES messages of
 *                                                  SIZE bytes spread over CONNECTIONS connections, one in flight
 *                                                  per connection; answers "ok" on stdout
 *   epoll_client connect HOST PORT                 then, per stdin line "run TOTAL WINDOW": TOTAL connect + close
 *                                                  cycles with at most WINDOW in flight (SO_LINGER 0, as the Java
 *                                                  clients); answers "ok"
 *   epoll_client latency HOST PORT COUNT           COUNT sequential blocking connect + close cycles (after COUNT/10
 *                                                  warm-up), prints "p50_ns P p99_ns Q"
 *
 * Built by bench/run.sh with gcc -O2 when gcc exists. An error prints "error: ..." and exits 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in target;

static void die(const char *what) {
    printf("error: %s: %s\n", what, strerror(errno));
    fflush(stdout);
    exit(1);
}

static int new_socket(int nonblocking) {
    int fd = socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) die("socket");
    struct linger linger = {1, 0};
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger) < 0) die("SO_LINGER");
    return fd;
}

/* ---- echo ---------------------------------------------------------------------------------------- */

struct conn {
    int fd;
    size_t sent, received;
    int left;
    int want_out;
};

static int echo_size;
static char *payload, *sink;

static void echo_start(int ep, struct conn *c) {
    c->sent = c->received = 0;
    ssize_t n = write(c->fd, payload, echo_size);
    if (n < 0 && errno != EAGAIN) die("write");
    if (n > 0) c->sent = (size_t) n;
    int want_out = c->sent < (size_t) echo_size;
    if (want_out != c->want_out) {
        struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl");
        c->want_out = want_out;
    }
}

static void echo(const char *connections_arg, const char *size_arg) {
    int connections = atoi(connections_arg);
    echo_size = atoi(size_arg);
    payload = malloc(echo_size);
    sink = malloc(echo_size);
    for (int i = 0; i < echo_size; i++) payload[i] = (char) i;
    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    struct conn *conns = calloc(connections, sizeof *conns);
    for (int i = 0; i < connections; i++) {
        int fd = new_socket(0);
        if (connect(fd, (struct sockaddr *) &target, sizeof target) < 0) die("connect");
        int one = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) die("TCP_NODELAY");
        if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) die("O_NONBLOCK");
        conns[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
    }
    printf("ready\n");
    fflush(stdout);
    char line[128];
    struct epoll_event events[64];
    while (fgets(line, sizeof line, stdin)) {
        int messages = 0;
        if (sscanf(line, "run %d", &messages) != 1) break;
        int per = messages / connections, open = connections;
        for (int i = 0; i < connections; i++) {
            conns[i].left = per;
            echo_start(ep, &conns[i]);
        }
        while (open > 0) {
            int n = epoll_wait(ep, events, 64, -1);
            if (n < 0) {
                if (errno == EINTR) continue;
                die("epoll_wait");
            }
            for (int e = 0; e < n; e++) {
                struct conn *c = events[e].data.ptr;
                if ((events[e].events & EPOLLOUT) && c->sent < (size_t) echo_size) {
                    ssize_t w = write(c->fd, payload + c->sent, echo_size - c->sent);
                    if (w < 0 && errno != EAGAIN) die("write");
                    if (w > 0) c->sent += (size_t) w;
                }
                if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                    ssize_t r = read(c->fd, sink + c->received, echo_size - c->received);
                    if (r == 0) { errno = ECONNRESET; die("echo server closed the connection"); }
                    if (r < 0 && errno != EAGAIN) die("read");
                    if (r > 0) c->received += (size_t) r;
                }
                if (c->received == (size_t) echo_size) {
                    if (--c->left == 0) {
                        open--;
                        if (c->want_out) {
                            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                            epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                            c->want_out = 0;
                        }
                    } else {
                        echo_start(ep, c);
                    }
                } else {
                    int want_out = c->sent < (size_t) echo_size;
                    if (want_out != c->want_out) {
                        struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
                        if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl");
                        c->want_out = want_out;
                    }
                }
            }
        }
        printf("ok\n");
        fflush(stdout);
    }
}

/* ---- connect + close ------------------------------------------------------------------------------ */

static void connect_close(void) {
    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    printf("ready\n");
    fflush(stdout);
    char line[128];
    struct epoll_event events[256];
    while (fgets(line, sizeof line, stdin)) {
        int total = 0, window = 0;
        if (sscanf(line, "run %d %d", &total, &window) != 2) break;
        int started = 0, done = 0;
        while (done < total) {
            while (started - done < window && started < total) {
                int fd = new_socket(1);
                started++;
                if (connect(fd, (struct sockaddr *) &target, sizeof target) == 0) {
                    close(fd);
                    done++;
                } else if (errno == EINPROGRESS) {
                    struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
                } else {
                    die("connect");
                }
            }
            if (done >= total) break;
            int n = epoll_wait(ep, events, 256, -1);
            if (n < 0) {
                if (errno == EINTR) continue;
                die("epoll_wait");
            }
            for (int e = 0; e < n; e++) {
                int fd = events[e].data.fd, err = 0;
                socklen_t len = sizeof err;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
                    errno = err;
                    die("connect failed");
                }
                close(fd); /* also leaves the epoll set */
                done++;
            }
        }
        printf("ok\n");
        fflush(stdout);
    }
}

/* ---- sequential blocking connect + close latency --------------------------------------------------- */

static int compare_long(const void *a, const void *b) {
    long x = *(const long *) a, y = *(const long *) b;
    return (x > y) - (x < y);
}

static void latency(const char *count_arg) {
    int count = atoi(count_arg);
    long *ns = malloc(sizeof(long) * count);
    for (int round = 0; round < 2; round++) {
        int n = round == 0 ? count / 10 : count; /* warm-up, then measured */
        for (int i = 0; i < n; i++) {
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            int fd = new_socket(0);
            if (connect(fd, (struct sockaddr *) &target, sizeof target) < 0) die("connect");
            close(fd);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            if (round == 1) ns[i] = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
        }
    }
    qsort(ns, count, sizeof(long), compare_long);
    printf("p50_ns %ld p99_ns %ld\n", ns[count / 2], ns[(int) (count * 0.99)]);
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s echo|connect|latency HOST PORT ...\n", argv[0]);
        return 2;
    }
    target.sin_family = AF_INET;
    target.sin_port = htons((unsigned short) atoi(argv[3]));
    if (inet_pton(AF_INET, argv[2], &target.sin_addr) != 1) {
        fprintf(stderr, "bad address %s\n", argv[2]);
        return 2;
    }
    if (strcmp(argv[1], "echo") == 0 && argc == 6) {
        echo(argv[4], argv[5]);
    } else if (strcmp(argv[1], "connect") == 0 && argc == 4) {
        connect_close();
    } else if (strcmp(argv[1], "latency") == 0 && argc == 5) {
        latency(argv[4]);
    } else {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    return 0;
}
