// The ceiling of any HTTP server on this machine under serve_bench.py's load: an epoll loop per core
// (SO_REUSEPORT) that reads each keep-alive request up to the end of its body (Content-Length) and
// answers every one with the same fixed prediction, the size of nnreg's. It parses no JSON, computes
// nothing and allocates nothing per request: what it reaches is what the kernel's loopback TCP and wrk
// leave for any scoring server on the same cores.
//
//   cc -O2 -pthread -o floor_server floor_server.c && ./floor_server PORT [THREADS]
//
// Prints "listening on PORT" once every thread listens. Bench use only; not part of nnreg.
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { BUFFER = 1 << 16, MAX_EVENTS = 256, MAX_FD = 1 << 16 };

static const char BODY[] =
    "{\"predictions\": [{\"class\": 7, \"probabilities\": [0.0001, 0.0002, 0.0003, 0.0004, 0.0005, "
    "0.0006, 0.0007, 0.9955, 0.0008, 0.0009]}]}";
static char response[512];
static int response_length;
static int port;

struct connection {
    char buffer[BUFFER];
    size_t used;
};
static struct connection *connections[MAX_FD];

// The length of the first complete request in c->buffer, or 0 when it is not all there yet.
static size_t complete_request(const struct connection *c) {
    const char *end = memmem(c->buffer, c->used, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t)(end - c->buffer) + 4, body = 0;
    for (const char *line = c->buffer; line < end; ) {
        const char *next = memmem(line, (size_t)(end - line) + 2, "\r\n", 2);
        if (!next) break;
        if ((size_t)(next - line) > 15 && strncasecmp(line, "content-length:", 15) == 0) body = strtoul(line + 15, NULL, 10);
        line = next + 2;
    }
    return c->used >= head + body ? head + body : 0;
}

static int listen_on_port(void) {
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(listener, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 1024)) {
        perror("floor_server: bind/listen");
        exit(1);
    }
    return listener;
}

static void *serve(void *argument) {
    int listener = (int)(long)argument, one = 1;
    int poll = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = listener}, events[MAX_EVENTS];
    epoll_ctl(poll, EPOLL_CTL_ADD, listener, &event);
    for (;;) {
        int ready = epoll_wait(poll, events, MAX_EVENTS, -1);
        for (int i = 0; i < ready; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int client;
                while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (client >= MAX_FD) { close(client); continue; }
                    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    if (!connections[client]) connections[client] = malloc(sizeof(struct connection));
                    connections[client]->used = 0;
                    struct epoll_event added = {.events = EPOLLIN, .data.fd = client};
                    epoll_ctl(poll, EPOLL_CTL_ADD, client, &added);
                }
                continue;
            }
            struct connection *c = connections[fd];
            ssize_t got = read(fd, c->buffer + c->used, BUFFER - c->used);
            if (got <= 0) {
                if (got < 0 && errno == EAGAIN) continue;
                epoll_ctl(poll, EPOLL_CTL_DEL, fd, NULL);
                close(fd);
                continue;
            }
            c->used += (size_t)got;
            size_t length;
            while ((length = complete_request(c)) > 0) {
                if (write(fd, response, (size_t)response_length) != response_length) break;
                memmove(c->buffer, c->buffer + length, c->used - length);
                c->used -= length;
            }
            if (c->used == BUFFER) c->used = 0;  // a request larger than the buffer: dropped
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: floor_server PORT [THREADS]\n");
        return 2;
    }
    port = atoi(argv[1]);
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    response_length = snprintf(response, sizeof response,
                               "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                               sizeof BODY - 1, BODY);
    int listeners[64];
    if (threads < 1 || threads > 64) threads = 2;
    for (int i = 0; i < threads; i++) listeners[i] = listen_on_port();
    pthread_t thread;
    for (int i = 1; i < threads; i++) pthread_create(&thread, NULL, serve, (void *)(long)listeners[i]);
    printf("listening on %d\n", port);
    fflush(stdout);
    serve((void *)(long)listeners[0]);
}
