/*
 * ceiling-bench — the ceiling for publishing on this machine: no client library, a plain
 * blocking TCP socket writing pre-built PUB frames to the server.
 *
 * bench/compare.sh runs it next to `jetdeck-cli bench pub` and natsc-bench pub and reports
 * both clients as a fraction of it. Whatever a client does beyond handing bytes to the
 * kernel (laying frames out, locking, buffering, waking threads) is the gap to this number.
 *
 *   ceiling-bench pub --server nats://127.0.0.1:PORT [--msgs N] [--size B] [--json]
 *
 * It connects, reads the server's INFO, sends CONNECT (verbose off) and a PING and waits for
 * the PONG. Then it lays out frames "PUB bench.pub B\r\n<payload>\r\n" back to back into one
 * buffer of at least 64 KiB (one frame when a frame is larger) and writes that buffer with
 * blocking write() calls until N frames are out, then a PING, and reads until the PONG: the
 * server has then processed every frame (the same end as a client's flush). Timed from the
 * first write to the PONG. cpu_user_s / cpu_sys_s are this process's getrusage() over the
 * same span.
 *
 * Exit codes: 0 ok, 1 runtime failure, 2 usage error.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

#define DEFAULT_MSGS  1000000L
#define DEFAULT_SIZE  128L
#define CHUNK_BYTES   (64L * 1024)
#define SUBJECT       "bench.pub"
#define MAX_LINE      65536

static void usage(FILE *out)
{
    fprintf(out, "usage: ceiling-bench pub --server nats://127.0.0.1:PORT [--msgs N] [--size B] "
                 "[--json]\n"
                 "  --msgs N   frames to write (default %ld)\n"
                 "  --size B   payload bytes (default %ld)\n"
                 "  --json     print one JSON line on stdout\n",
            DEFAULT_MSGS, DEFAULT_SIZE);
}

/* Accepts nats://HOST:PORT or HOST:PORT with a dotted IPv4 host (the benchmarks run on
 * loopback). */
static bool parse_server(const char *url, struct sockaddr_in *addr)
{
    char        host[64];
    const char *p = url;
    const char *colon;
    long        port;
    size_t      n;

    if (strncmp(p, "nats://", 7) == 0)
        p += 7;
    colon = strrchr(p, ':');
    if (colon == NULL)
        return false;
    n = (size_t) (colon - p);
    if (n == 0 || n >= sizeof(host))
        return false;
    memcpy(host, p, n);
    host[n] = '\0';
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    if (!parse_long(colon + 1, 1, 65535, &port))
        return false;
    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t) port);
    return inet_pton(AF_INET, host, &addr->sin_addr) == 1;
}

static bool write_fully(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "ceiling-bench: write failed: %s\n", strerror(errno));
            return false;
        }
        buf += n;
        len -= (size_t) n;
    }
    return true;
}

/* Reads lines until one starts with `want`; skips INFO and answers PING. A -ERR fails. */
static bool read_until(int fd, const char *want, char *line, size_t cap)
{
    size_t len = 0;

    for (;;) {
        char   *eol;
        ssize_t n = read(fd, line + len, cap - 1 - len);
        if (n <= 0) {
            fprintf(stderr, "ceiling-bench: the server closed the connection (waiting for %s)\n",
                    want);
            return false;
        }
        len += (size_t) n;
        line[len] = '\0';
        while ((eol = strstr(line, "\r\n")) != NULL) {
            size_t one = (size_t) (eol - line) + 2;
            if (strncmp(line, want, strlen(want)) == 0)
                return true;
            if (strncmp(line, "-ERR", 4) == 0) {
                *eol = '\0';
                fprintf(stderr, "ceiling-bench: the server answered %s\n", line);
                return false;
            }
            if (strncmp(line, "PING", 4) == 0 && !write_fully(fd, "PONG\r\n", 6))
                return false;
            memmove(line, line + one, len - one);
            len -= one;
            line[len] = '\0';
        }
        if (len >= cap - 1) {
            fprintf(stderr, "ceiling-bench: a line from the server is longer than %zu bytes\n",
                    cap - 1);
            return false;
        }
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr;
    const char        *server = NULL;
    long               msgs = DEFAULT_MSGS;
    long               size = DEFAULT_SIZE;
    bool               json = false;
    char              *line;
    char              *chunk;
    char               head[64];
    int                head_len;
    long               frame_len, per_chunk, i;
    int                fd, one = 1;
    int64_t            t0, t1;
    double             u0, s0, u1, s1;

    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "pub") != 0) {
        fprintf(stderr, "ceiling-bench: unknown mode '%s' (only pub)\n", argv[1]);
        return 2;
    }
    for (i = 2; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--json") == 0) {
            json = true;
        } else if (strcmp(opt, "--server") == 0 && val != NULL) {
            server = val;
            i++;
        } else if (strcmp(opt, "--msgs") == 0) {
            if (!parse_long(val, 1, 2000000000L, &msgs)) {
                fprintf(stderr, "ceiling-bench: --msgs needs an integer in 1..2000000000\n");
                return 2;
            }
            i++;
        } else if (strcmp(opt, "--size") == 0) {
            if (!parse_long(val, 0, 64L * 1024 * 1024, &size)) {
                fprintf(stderr, "ceiling-bench: --size needs an integer in 0..67108864\n");
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "ceiling-bench: unknown option or missing value '%s'\n", opt);
            return 2;
        }
    }
    if (server == NULL || !parse_server(server, &addr)) {
        fprintf(stderr, "ceiling-bench: --server needs nats://IPv4:PORT (got '%s')\n",
                server ? server : "");
        return 2;
    }

    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &addr, sizeof(addr)) != 0) {
        fprintf(stderr, "ceiling-bench: connect to %s failed: %s\n", server, strerror(errno));
        return 1;
    }
    /* Like every client: small frames are not held back by Nagle. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    line = malloc(MAX_LINE);
    if (line == NULL)
        return 1;
    static const char connect_line[] =
        "CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1,\"name\":\"ceiling-bench\"}"
        "\r\nPING\r\n";
    if (!read_until(fd, "INFO", line, MAX_LINE) ||
        !write_fully(fd, connect_line, sizeof(connect_line) - 1) ||
        !read_until(fd, "PONG", line, MAX_LINE))
        return 1;

    head_len = snprintf(head, sizeof(head), "PUB " SUBJECT " %ld\r\n", size);
    frame_len = head_len + size + 2;
    per_chunk = CHUNK_BYTES / frame_len;
    if (per_chunk < 1)
        per_chunk = 1;
    if (per_chunk > msgs)
        per_chunk = msgs;
    chunk = malloc((size_t) (per_chunk * frame_len));
    if (chunk == NULL) {
        fprintf(stderr, "ceiling-bench: out of memory\n");
        return 1;
    }
    for (i = 0; i < per_chunk; i++) {
        char *f = chunk + i * frame_len;
        memcpy(f, head, (size_t) head_len);
        memset(f + head_len, 'x', (size_t) size);
        memcpy(f + head_len + size, "\r\n", 2);
    }

    rusage_seconds(&u0, &s0);
    t0 = now_ns();
    for (i = 0; i < msgs; i += per_chunk) {
        long n = msgs - i < per_chunk ? msgs - i : per_chunk;
        if (!write_fully(fd, chunk, (size_t) (n * frame_len)))
            return 1;
    }
    if (!write_fully(fd, "PING\r\n", 6) || !read_until(fd, "PONG", line, MAX_LINE))
        return 1;
    t1 = now_ns();
    rusage_seconds(&u1, &s1);
    close(fd);

    {
        double secs = (double) (t1 - t0) / 1e9;
        double rate = (double) msgs / secs;
        double mbps = (double) msgs * (double) size / 1e6 / secs;
        if (json)
            printf("{\"client\":\"ceiling\",\"mode\":\"pub\",\"msgs\":%ld,\"size\":%ld,"
                   "\"seconds\":%.6f,\"msgs_per_sec\":%.1f,\"mb_per_sec\":%.3f,"
                   "\"cpu_user_s\":%.6f,\"cpu_sys_s\":%.6f}\n",
                   msgs, size, secs, rate, mbps, u1 - u0, s1 - s0);
        else
            printf("ceiling pub msgs=%ld size=%ldB time=%.3fs rate=%.0f msg/s (%.2f MB/s) "
                   "cpu user=%.3fs sys=%.3fs\n",
                   msgs, size, secs, rate, mbps, u1 - u0, s1 - s0);
    }
    free(chunk);
    free(line);
    return 0;
}
