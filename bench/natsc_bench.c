/*
 * natsc-bench — reference NATS client benchmark built on nats.c (libnats).
 *
 * Used by bench/compare.sh as the baseline that JetDeck's `jetdeck-cli bench`
 * is measured against. Both tools print the same JSON keys.
 *
 *   natsc-bench MODE --server URL [--msgs N] [--size B] [--timeout S] [--json]
 *               [--batch N] [--storage memory|file]
 *
 * Modes:
 *   pub     one connection publishes N msgs of B bytes on "bench.pub", then
 *           flushes (PING/PONG round trip). Timed from first publish to flush done.
 *   sub     subscribes to "bench.pub" and counts N msgs published by someone
 *           else. Timed from first to last received message.
 *   pubsub  subscriber and publisher connections in one process on "bench.ps".
 *           Timed from first publish until the subscriber has received all N.
 *   req     responder connection echoes requests on "bench.req"; a requester
 *           connection does N sequential natsConnection_Request calls and records
 *           each round trip (microseconds, monotonic clock).
 *   js-pub  (re)creates stream BENCHJS (subjects "bench.js.>", memory storage
 *           unless --storage file), publishes N msgs on "bench.js.pub" with
 *           js_PublishAsync (MaxPending 4096) and waits in
 *           js_PublishAsyncComplete. Timed from first publish until every
 *           publish ack has been received; "acked"/"errors" count the per-message
 *           ack callbacks. The stream is deleted afterwards.
 *   js-consume  (re)creates BENCHJS, fills it with N msgs (untimed), adds the
 *           durable pull consumer BENCHC (ack explicit, unlimited ack pending)
 *           and times a natsSubscription_Fetch loop (--batch msgs per fetch,
 *           default 100) that acks every message with natsMsg_Ack, ending with
 *           a flush so the acks have reached the server. Afterwards (untimed)
 *           checks that the consumer has no ack pending. Deletes the stream.
 *           Both JetStream modes need a server started with -js.
 *
 * mb_per_sec counts payload bytes only, in decimal megabytes (1e6 bytes).
 * cpu_user_s / cpu_sys_s: this process's CPU time (every nats.c thread) over the timed span,
 * from getrusage(); not for sub, whose span starts at the first message.
 *
 * Exit codes: 0 ok, 1 runtime failure (connect, I/O, drops, timeout),
 *             2 usage error.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#include "bench_common.h"

#define SUBJ_PUB "bench.pub"
#define SUBJ_PS  "bench.ps"
#define SUBJ_REQ "bench.req"

#define JS_STREAM   "BENCHJS"
#define JS_SUBJECTS "bench.js.>"
#define JS_SUBJ_PUB "bench.js.pub"
#define JS_CONSUMER "BENCHC"

#define DEFAULT_MSGS      1000000L
#define DEFAULT_REQ_MSGS  20000L
#define DEFAULT_JS_MSGS   200000L
#define DEFAULT_BATCH     100L
#define MAX_BATCH         100000L
#define DEFAULT_SIZE      128L
#define DEFAULT_TIMEOUT_S 120L
#define REQ_TIMEOUT_MS    5000
#define CONNECT_TIMEOUT_MS 5000
#define JS_MAX_PENDING    4096     /* jsOptions.PublishAsync.MaxPending */
#define JS_API_WAIT_MS    10000    /* stream/consumer management requests */
#define FETCH_TIMEOUT_MS  5000     /* per natsSubscription_Fetch call */
#define ACK_SETTLE_MS     5000     /* js-consume: wait for the server to apply acks */

typedef enum { MODE_PUB, MODE_SUB, MODE_PUBSUB, MODE_REQ, MODE_JS_PUB, MODE_JS_CONSUME } bench_mode;

static const char *const mode_names[] = { "pub", "sub", "pubsub", "req", "js-pub", "js-consume" };

typedef struct {
    bench_mode  mode;
    const char *server;
    long        msgs;
    long        size;
    long        timeout_s;
    bool        json;
    bool        responder_buffered;
    long        batch;        /* js-consume */
    bool        file_storage; /* js-pub / js-consume */
} bench_args;

typedef struct {
    double seconds;
    long   received;   /* pubsub / sub */
    bool   has_received;
    /* req latencies, microseconds */
    bool   has_latency;
    double p50, p95, p99, mean, max;
    /* js-pub publish acks */
    bool   has_acks;
    long   acked, errors;
    /* getrusage over the timed span: the whole process (every nats.c thread) */
    bool   has_cpu;
    double cpu_user0, cpu_sys0, cpu_user, cpu_sys;
} bench_result;

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* CPU time of this process between cpu_start() and cpu_stop(): user and system. */
static void cpu_start(bench_result *r)
{
    rusage_seconds(&r->cpu_user0, &r->cpu_sys0);
}

static void cpu_stop(bench_result *r)
{
    double u, s;
    rusage_seconds(&u, &s);
    r->cpu_user = u - r->cpu_user0;
    r->cpu_sys = s - r->cpu_sys0;
    r->has_cpu = true;
}

static void fail_status(const char *what, natsStatus s)
{
    const char *detail = nats_GetLastError(NULL);
    if (detail == NULL || detail[0] == '\0')
        detail = natsStatus_GetText(s);
    fprintf(stderr, "natsc-bench: %s failed: %s\n", what, detail);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: natsc-bench MODE --server URL [--msgs N] [--size B] [--timeout S] [--json]\n"
            "                   [--batch N] [--storage memory|file]\n"
            "  MODE: pub | sub | pubsub | req | js-pub | js-consume\n"
            "  --msgs N     messages (default %ld for pub/sub/pubsub, %ld for req,\n"
            "               %ld for js-pub/js-consume)\n"
            "  --size B     payload bytes (default %ld)\n"
            "  --timeout S  overall bound for waiting on messages (default %ld s)\n"
            "  --json       print one JSON line on stdout\n"
            "  --responder-buffered  req: let the responder use nats.c's flusher\n"
            "               thread instead of SendAsap (adds ~1 ms per reply)\n"
            "  --batch N    js-consume: messages per fetch (default %ld)\n"
            "  --storage T  js-pub/js-consume: stream storage, memory (default) or file\n"
            "  JetStream modes need nats-server -js; they (re)create and finally\n"
            "  delete the stream " JS_STREAM ".\n",
            DEFAULT_MSGS, DEFAULT_REQ_MSGS, DEFAULT_JS_MSGS, DEFAULT_SIZE, DEFAULT_TIMEOUT_S,
            DEFAULT_BATCH);
}

/* Returns 0 on success, 2 on usage error (message already printed). */
static int parse_args(int argc, char **argv, bench_args *a)
{
    int  i;
    bool msgs_set = false;

    memset(a, 0, sizeof(*a));
    a->size = DEFAULT_SIZE;
    a->timeout_s = DEFAULT_TIMEOUT_S;
    a->batch = DEFAULT_BATCH;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        exit(0);
    }
    if (strcmp(argv[1], "pub") == 0)         a->mode = MODE_PUB;
    else if (strcmp(argv[1], "sub") == 0)    a->mode = MODE_SUB;
    else if (strcmp(argv[1], "pubsub") == 0) a->mode = MODE_PUBSUB;
    else if (strcmp(argv[1], "req") == 0)    a->mode = MODE_REQ;
    else if (strcmp(argv[1], "js-pub") == 0) a->mode = MODE_JS_PUB;
    else if (strcmp(argv[1], "js-consume") == 0) a->mode = MODE_JS_CONSUME;
    else {
        fprintf(stderr, "natsc-bench: unknown mode '%s' (expected pub, sub, pubsub, req, "
                "js-pub or js-consume)\n", argv[1]);
        return 2;
    }

    for (i = 2; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = (i + 1 < argc) ? argv[i + 1] : NULL;

        if (strcmp(opt, "--json") == 0) {
            a->json = true;
        } else if (strcmp(opt, "--responder-buffered") == 0) {
            a->responder_buffered = true;
        } else if (strcmp(opt, "--server") == 0) {
            if (val == NULL || *val == '\0') {
                fprintf(stderr, "natsc-bench: --server needs a URL\n");
                return 2;
            }
            a->server = val;
            i++;
        } else if (strcmp(opt, "--msgs") == 0) {
            if (!parse_long(val, 1, 2000000000L, &a->msgs)) {
                fprintf(stderr, "natsc-bench: --msgs needs an integer in 1..2000000000\n");
                return 2;
            }
            msgs_set = true;
            i++;
        } else if (strcmp(opt, "--size") == 0) {
            if (!parse_long(val, 0, 64L * 1024 * 1024, &a->size)) {
                fprintf(stderr, "natsc-bench: --size needs an integer in 0..67108864\n");
                return 2;
            }
            i++;
        } else if (strcmp(opt, "--timeout") == 0) {
            if (!parse_long(val, 1, 86400, &a->timeout_s)) {
                fprintf(stderr, "natsc-bench: --timeout needs seconds in 1..86400\n");
                return 2;
            }
            i++;
        } else if (strcmp(opt, "--batch") == 0) {
            if (!parse_long(val, 1, MAX_BATCH, &a->batch)) {
                fprintf(stderr, "natsc-bench: --batch needs an integer in 1..%ld\n", MAX_BATCH);
                return 2;
            }
            i++;
        } else if (strcmp(opt, "--storage") == 0) {
            if (val != NULL && strcmp(val, "memory") == 0) {
                a->file_storage = false;
            } else if (val != NULL && strcmp(val, "file") == 0) {
                a->file_storage = true;
            } else {
                fprintf(stderr, "natsc-bench: --storage needs 'memory' or 'file'\n");
                return 2;
            }
            i++;
        } else if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "natsc-bench: unknown option '%s'\n", opt);
            return 2;
        }
    }

    if (a->server == NULL) {
        fprintf(stderr, "natsc-bench: --server URL is required\n");
        return 2;
    }
    if (!msgs_set) {
        if (a->mode == MODE_REQ)
            a->msgs = DEFAULT_REQ_MSGS;
        else if (a->mode == MODE_JS_PUB || a->mode == MODE_JS_CONSUME)
            a->msgs = DEFAULT_JS_MSGS;
        else
            a->msgs = DEFAULT_MSGS;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* connections                                                              */
/* ------------------------------------------------------------------------ */

/* Shared state that connection callbacks can poke to abort a wait early.
 * There is exactly one (g_wait, static storage): nats.c delivers closed /
 * disconnected callbacks from its own thread, possibly after
 * natsConnection_Destroy() has returned, so the state must outlive every
 * connection. main() waits for those threads with nats_CloseAndWait(). */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t  cond;
    atomic_long     received;
    long            target;
    int64_t         first_ns;     /* first message seen (sub mode) */
    int64_t         done_ns;      /* Nth message seen */
    bool            done;
    bool            conn_lost;    /* a connection closed/disconnected */
    atomic_int      slow_consumer;
} wait_state;

static void on_conn_lost(natsConnection *nc, void *closure)
{
    wait_state *ws = closure;
    (void) nc;
    if (ws == NULL)
        return;
    pthread_mutex_lock(&ws->mu);
    ws->conn_lost = true;
    pthread_cond_broadcast(&ws->cond);
    pthread_mutex_unlock(&ws->mu);
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    wait_state *ws = closure;
    (void) nc;
    (void) sub;
    if (ws != NULL && err == NATS_SLOW_CONSUMER)
        atomic_fetch_add(&ws->slow_consumer, 1);
}

/* Connects one client. `ws` may be NULL. `send_asap` skips the flusher thread. */
static natsStatus connect_client(natsConnection **nc, const bench_args *a, const char *name,
                                 wait_state *ws, bool send_asap)
{
    natsOptions *opts = NULL;
    natsStatus   s;

    s = natsOptions_Create(&opts);
    if (s == NATS_OK) s = natsOptions_SetURL(opts, a->server);
    if (s == NATS_OK) s = natsOptions_SetName(opts, name);
    if (s == NATS_OK) s = natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS);
    /* A benchmark must not silently buffer through a reconnect. */
    if (s == NATS_OK) s = natsOptions_SetAllowReconnect(opts, false);
    if (s == NATS_OK && send_asap) s = natsOptions_SetSendAsap(opts, true);
    if (s == NATS_OK && ws != NULL) {
        s = natsOptions_SetClosedCB(opts, on_conn_lost, ws);
        if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(opts, on_conn_lost, ws);
        if (s == NATS_OK) s = natsOptions_SetErrorHandler(opts, on_async_error, ws);
    }
    if (s == NATS_OK)
        s = natsConnection_Connect(nc, opts);
    else
        fail_status("setting connection options", s);
    if (s != NATS_OK && *nc == NULL) {
        char what[256];
        snprintf(what, sizeof(what), "connect to %s", a->server);
        fail_status(what, s);
    }
    natsOptions_Destroy(opts);
    return s;
}

static char *make_payload(long size)
{
    char *p = malloc((size_t) size + 1);
    if (p == NULL) {
        fprintf(stderr, "natsc-bench: out of memory allocating %ld-byte payload\n", size);
        return NULL;
    }
    memset(p, 'x', (size_t) size);
    p[size] = '\0';
    return p;
}

static void wait_state_init(wait_state *ws, long target)
{
    memset(ws, 0, sizeof(*ws));
    pthread_mutex_init(&ws->mu, NULL);
    pthread_cond_init(&ws->cond, NULL);
    atomic_init(&ws->received, 0);
    atomic_init(&ws->slow_consumer, 0);
    ws->target = target;
}

static wait_state g_wait;

/* Async subscription callback: counts, never blocks on a lock except for
 * the very first and the last message. */
static void on_count_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    wait_state *ws = closure;
    long        n;
    (void) nc;
    (void) sub;

    natsMsg_Destroy(msg);
    n = atomic_fetch_add_explicit(&ws->received, 1, memory_order_relaxed) + 1;
    if (n == 1 || n == ws->target) {
        int64_t t = now_ns();
        pthread_mutex_lock(&ws->mu);
        if (n == 1)
            ws->first_ns = t;
        if (n == ws->target) {
            ws->done_ns = t;
            ws->done = true;
            pthread_cond_broadcast(&ws->cond);
        }
        pthread_mutex_unlock(&ws->mu);
    }
}

/* Waits until done, a connection is lost, or the absolute monotonic deadline
 * passes. Returns true when all messages arrived. */
static bool wait_for_all(wait_state *ws, int64_t deadline_ns)
{
    bool ok;

    pthread_mutex_lock(&ws->mu);
    while (!ws->done && !ws->conn_lost) {
        int64_t now = now_ns();
        int64_t left;
        struct timespec abs;

        if (now >= deadline_ns)
            break;
        /* Wake up at least every 100 ms so the deadline is honoured even
         * though pthread_cond_timedwait uses CLOCK_REALTIME by default. */
        left = deadline_ns - now;
        if (left > 100000000LL)
            left = 100000000LL;
        clock_gettime(CLOCK_REALTIME, &abs);
        abs.tv_sec += (time_t) (left / 1000000000LL);
        abs.tv_nsec += (long) (left % 1000000000LL);
        if (abs.tv_nsec >= 1000000000L) {
            abs.tv_sec += 1;
            abs.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&ws->cond, &ws->mu, &abs);
    }
    ok = ws->done;
    pthread_mutex_unlock(&ws->mu);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* modes                                                                    */
/* ------------------------------------------------------------------------ */

static int run_pub(const bench_args *a, bench_result *r)
{
    natsConnection *nc = NULL;
    char           *payload = make_payload(a->size);
    natsStatus      s = NATS_OK;
    int64_t         t0, t1;
    long            i;
    int             rc = 1;

    if (payload == NULL)
        return 1;
    if (connect_client(&nc, a, "natsc-bench-pub", NULL, false) != NATS_OK)
        goto out;

    t0 = now_ns();
    cpu_start(r);
    for (i = 0; i < a->msgs && s == NATS_OK; i++)
        s = natsConnection_Publish(nc, SUBJ_PUB, payload, (int) a->size);
    if (s != NATS_OK) {
        fail_status("publish", s);
        goto out;
    }
    s = natsConnection_FlushTimeout(nc, a->timeout_s * 1000);
    if (s != NATS_OK) {
        fail_status("flush", s);
        goto out;
    }
    t1 = now_ns();
    cpu_stop(r);

    r->seconds = (double) (t1 - t0) / 1e9;
    rc = 0;
out:
    natsConnection_Destroy(nc);
    free(payload);
    return rc;
}

/* Shared by sub and pubsub: subscribe on `subject` with high pending limits
 * and make sure the server has registered the SUB. */
static natsStatus subscribe_counter(natsConnection *nc, natsSubscription **sub,
                                    const char *subject, wait_state *ws)
{
    natsStatus s = natsConnection_Subscribe(sub, nc, subject, on_count_msg, ws);
    if (s != NATS_OK) {
        fail_status("subscribe", s);
        return s;
    }
    s = natsSubscription_SetPendingLimits(*sub, -1, -1);
    if (s != NATS_OK) {
        fail_status("set pending limits", s);
        return s;
    }
    s = natsConnection_FlushTimeout(nc, 10000);
    if (s != NATS_OK)
        fail_status("flush subscription", s);
    return s;
}

static void report_shortfall(const char *mode, wait_state *ws, natsSubscription *sub)
{
    int64_t dropped = 0;
    bool    lost;

    if (sub != NULL)
        (void) natsSubscription_GetDropped(sub, &dropped);
    pthread_mutex_lock(&ws->mu);
    lost = ws->conn_lost;
    pthread_mutex_unlock(&ws->mu);
    fprintf(stderr,
            "natsc-bench: %s: received %ld of %ld messages (dropped %" PRId64
            ", slow-consumer events %d%s)\n",
            mode, atomic_load(&ws->received), ws->target, dropped,
            atomic_load(&ws->slow_consumer), lost ? ", connection lost" : ", timed out");
}

static int run_sub(const bench_args *a, bench_result *r)
{
    natsConnection   *nc = NULL;
    natsSubscription *sub = NULL;
    wait_state       *ws = &g_wait;
    int               rc = 1;

    wait_state_init(ws, a->msgs);
    if (connect_client(&nc, a, "natsc-bench-sub", ws, false) != NATS_OK)
        goto out;
    if (subscribe_counter(nc, &sub, SUBJ_PUB, ws) != NATS_OK)
        goto out;
    if (!a->json)
        fprintf(stderr, "natsc-bench: sub: waiting for %ld messages on %s\n", a->msgs, SUBJ_PUB);

    r->has_received = true;
    if (!wait_for_all(ws, now_ns() + (int64_t) a->timeout_s * 1000000000LL)) {
        r->received = atomic_load(&ws->received);
        report_shortfall("sub", ws, sub);
        goto out;
    }
    r->received = atomic_load(&ws->received);
    r->seconds = (double) (ws->done_ns - ws->first_ns) / 1e9;
    rc = 0;
out:
    if (sub != NULL) {
        (void) natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
    natsConnection_Destroy(nc);
    return rc;
}

static int run_pubsub(const bench_args *a, bench_result *r)
{
    natsConnection   *snc = NULL, *pnc = NULL;
    natsSubscription *sub = NULL;
    char             *payload = make_payload(a->size);
    wait_state       *ws = &g_wait;
    natsStatus        s = NATS_OK;
    int64_t           t0;
    long              i;
    int               rc = 1;

    wait_state_init(ws, a->msgs);
    if (payload == NULL)
        goto out;
    if (connect_client(&snc, a, "natsc-bench-pubsub-sub", ws, false) != NATS_OK)
        goto out;
    if (subscribe_counter(snc, &sub, SUBJ_PS, ws) != NATS_OK)
        goto out;
    if (connect_client(&pnc, a, "natsc-bench-pubsub-pub", ws, false) != NATS_OK)
        goto out;

    t0 = now_ns();
    cpu_start(r);
    for (i = 0; i < a->msgs && s == NATS_OK; i++)
        s = natsConnection_Publish(pnc, SUBJ_PS, payload, (int) a->size);
    if (s == NATS_OK)
        s = natsConnection_FlushTimeout(pnc, a->timeout_s * 1000);
    if (s != NATS_OK) {
        fail_status("publish", s);
        goto out;
    }

    r->has_received = true;
    if (!wait_for_all(ws, t0 + (int64_t) a->timeout_s * 1000000000LL)) {
        r->received = atomic_load(&ws->received);
        report_shortfall("pubsub", ws, sub);
        goto out;
    }
    r->received = atomic_load(&ws->received);
    cpu_stop(r);
    r->seconds = (double) (ws->done_ns - t0) / 1e9;
    rc = 0;
out:
    if (sub != NULL) {
        (void) natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
    natsConnection_Destroy(pnc);
    natsConnection_Destroy(snc);
    free(payload);
    return rc;
}

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    const char *reply = natsMsg_GetReply(msg);
    (void) sub;
    (void) closure;

    if (reply != NULL && reply[0] != '\0')
        (void) natsConnection_Publish(nc, reply, natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *) x, b = *(const double *) y;
    return (a > b) - (a < b);
}

/* Value at index ceil(p*N)-1 of the sorted array; p given in per-mille so
 * the rounding is exact integer arithmetic. */
static double percentile(const double *sorted, long n, long per_mille)
{
    long idx = (per_mille * n + 999) / 1000 - 1;
    if (idx < 0)
        idx = 0;
    if (idx >= n)
        idx = n - 1;
    return sorted[idx];
}

static int run_req(const bench_args *a, bench_result *r)
{
    natsConnection   *rnc = NULL, *qnc = NULL;
    natsSubscription *sub = NULL;
    char             *payload = make_payload(a->size);
    double           *lat = NULL;
    double            sum = 0.0;
    int64_t           t0, t1;
    long              i;
    int               rc = 1;

    if (payload == NULL)
        return 1;
    lat = malloc(sizeof(double) * (size_t) a->msgs);
    if (lat == NULL) {
        fprintf(stderr, "natsc-bench: out of memory for %ld latency samples\n", a->msgs);
        goto out;
    }
    /* nats.c documents SendAsap as the right setting for a connection that
     * only sends replies; without it every reply waits for the flusher. */
    if (connect_client(&rnc, a, "natsc-bench-responder", NULL, !a->responder_buffered) != NATS_OK)
        goto out;
    {
        natsStatus s = natsConnection_Subscribe(&sub, rnc, SUBJ_REQ, on_request, NULL);
        if (s == NATS_OK)
            s = natsSubscription_SetPendingLimits(sub, -1, -1);
        if (s == NATS_OK)
            s = natsConnection_FlushTimeout(rnc, 10000);
        if (s != NATS_OK) {
            fail_status("responder subscribe", s);
            goto out;
        }
    }
    if (connect_client(&qnc, a, "natsc-bench-requester", NULL, false) != NATS_OK)
        goto out;

    t0 = now_ns();
    cpu_start(r);
    for (i = 0; i < a->msgs; i++) {
        natsMsg   *reply = NULL;
        int64_t    s0 = now_ns();
        natsStatus s = natsConnection_Request(&reply, qnc, SUBJ_REQ, payload, (int) a->size,
                                              REQ_TIMEOUT_MS);
        int64_t    s1 = now_ns();

        if (s != NATS_OK) {
            char what[64];
            snprintf(what, sizeof(what), "request #%ld", i + 1);
            fail_status(what, s);
            goto out;
        }
        if (natsMsg_GetDataLength(reply) != (int) a->size) {
            fprintf(stderr, "natsc-bench: request #%ld: reply has %d bytes, expected %ld\n",
                    i + 1, natsMsg_GetDataLength(reply), a->size);
            natsMsg_Destroy(reply);
            goto out;
        }
        natsMsg_Destroy(reply);
        lat[i] = (double) (s1 - s0) / 1000.0;
        sum += lat[i];
    }
    t1 = now_ns();
    cpu_stop(r);

    qsort(lat, (size_t) a->msgs, sizeof(double), cmp_double);
    r->seconds = (double) (t1 - t0) / 1e9;
    r->has_latency = true;
    r->p50 = percentile(lat, a->msgs, 500);
    r->p95 = percentile(lat, a->msgs, 950);
    r->p99 = percentile(lat, a->msgs, 990);
    r->mean = sum / (double) a->msgs;
    r->max = lat[a->msgs - 1];
    rc = 0;
out:
    if (sub != NULL) {
        (void) natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
    natsConnection_Destroy(qnc);
    natsConnection_Destroy(rnc);
    free(lat);
    free(payload);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* JetStream modes                                                          */
/* ------------------------------------------------------------------------ */

/* Publish-ack counters. Static storage for the same reason as g_wait: the
 * ack handler runs on nats.c's reply-subscription thread and may still fire
 * for late acks after a failed run has given up waiting. */
typedef struct {
    atomic_long ok;
    atomic_long errors;
    atomic_int  first_error_set;
    char        first_error[200];
} ack_state;

static ack_state g_acks;

static void ack_state_init(ack_state *as)
{
    atomic_store(&as->ok, 0);
    atomic_store(&as->errors, 0);
    atomic_store(&as->first_error_set, 0);
    as->first_error[0] = '\0';
}

/* jsOptions.PublishAsync.AckHandler: called once per published message with
 * either the positive ack or the error. We own `msg`. */
static void on_pub_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    ack_state *as = closure;
    (void) js;

    if (pa != NULL) {
        atomic_fetch_add_explicit(&as->ok, 1, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&as->errors, 1, memory_order_relaxed);
        if (pae != NULL && atomic_exchange(&as->first_error_set, 1) == 0)
            snprintf(as->first_error, sizeof(as->first_error), "%s (status %d, JetStream error %d)",
                     pae->ErrText != NULL ? pae->ErrText : natsStatus_GetText(pae->Err),
                     (int) pae->Err, (int) pae->ErrCode);
    }
    natsMsg_Destroy(msg);
}

/* Like fail_status(), plus the JetStream error code when there is one. */
static void fail_js(const char *what, natsStatus s, jsErrCode jerr)
{
    const char *detail = nats_GetLastError(NULL);
    const char *hint = (s == NATS_NO_RESPONDERS || s == NATS_TIMEOUT)
                           ? "; is JetStream enabled on the server (nats-server -js)?" : "";
    char        code[48] = "";

    if (detail == NULL || detail[0] == '\0')
        detail = natsStatus_GetText(s);
    if (jerr != 0)
        snprintf(code, sizeof(code), " (JetStream error %d)", (int) jerr);
    fprintf(stderr, "natsc-bench: %s failed: %s%s%s\n", what, detail, code, hint);
}

static int64_t ms_left(int64_t deadline_ns)
{
    int64_t left = (deadline_ns - now_ns()) / 1000000LL;
    return left > 0 ? left : 0;
}

/* Connection plus JetStream context shared by both JetStream modes. */
typedef struct {
    natsConnection *nc;
    jsCtx          *js;
    bool            stream_created;
} js_env;

static int js_open(js_env *env, const bench_args *a, const char *name)
{
    jsOptions  jo;
    natsStatus s;

    memset(env, 0, sizeof(*env));
    ack_state_init(&g_acks);
    if (connect_client(&env->nc, a, name, NULL, false) != NATS_OK)
        return 1;

    jsOptions_Init(&jo);
    jo.Wait = JS_API_WAIT_MS;
    jo.PublishAsync.MaxPending = JS_MAX_PENDING;
    jo.PublishAsync.AckHandler = on_pub_ack;
    jo.PublishAsync.AckHandlerClosure = &g_acks;
    /* nats.c fails a js_PublishAsync that stays blocked at MaxPending for
     * StallWait (default 200 ms). A slow ack on a loaded 2-core box must not
     * abort the run, so allow the whole run timeout instead. */
    jo.PublishAsync.StallWait = a->timeout_s * 1000;
    s = natsConnection_JetStream(&env->js, env->nc, &jo);
    if (s != NATS_OK) {
        fail_status("JetStream context", s);
        return 1;
    }
    return 0;
}

/* Deletes BENCHJS (if any) and creates it afresh. */
static int js_recreate_stream(js_env *env, const bench_args *a)
{
    const char    *subjects[] = { JS_SUBJECTS };
    jsStreamConfig cfg;
    jsStreamInfo  *si = NULL;
    jsErrCode      jerr = 0;
    natsStatus     s;

    s = js_DeleteStream(env->js, JS_STREAM, NULL, &jerr);
    if (s != NATS_OK && s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr) {
        fail_js("delete existing stream " JS_STREAM, s, jerr);
        return 1;
    }

    jsStreamConfig_Init(&cfg);
    cfg.Name = JS_STREAM;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = a->file_storage ? js_FileStorage : js_MemoryStorage;
    jerr = 0;
    s = js_AddStream(&si, env->js, &cfg, NULL, &jerr);
    jsStreamInfo_Destroy(si);
    if (s != NATS_OK) {
        fail_js("create stream " JS_STREAM, s, jerr);
        return 1;
    }
    env->stream_created = true;
    return 0;
}

/* Deletes the stream if this run created it, then releases everything. A
 * failed delete only warns: the measurement is already done and the next run
 * recreates the stream anyway. */
static void js_close(js_env *env)
{
    if (env->stream_created) {
        jsErrCode  jerr = 0;
        natsStatus s = js_DeleteStream(env->js, JS_STREAM, NULL, &jerr);
        if (s != NATS_OK)
            fail_js("warning: delete stream " JS_STREAM, s, jerr);
        env->stream_created = false;
    }
    /* Destroying the context also drops any publish still waiting for an ack. */
    jsCtx_Destroy(env->js);
    natsConnection_Destroy(env->nc);
    env->js = NULL;
    env->nc = NULL;
}

/* Publishes a->msgs messages with js_PublishAsync and waits (until
 * deadline_ns) for all acks. Returns 0 when every message was acked OK. */
static int js_publish_all(js_env *env, const bench_args *a, const char *payload, int64_t deadline_ns,
                          const char *what)
{
    jsPubOptions po;
    natsStatus   s = NATS_OK;
    long         i, ok, errors;

    for (i = 0; i < a->msgs; i++) {
        s = js_PublishAsync(env->js, JS_SUBJ_PUB, payload, (int) a->size, NULL);
        if (s != NATS_OK) {
            char msg[96];
            snprintf(msg, sizeof(msg), "%s: async publish #%ld", what, i + 1);
            fail_js(msg, s, 0);
            return 1;
        }
    }
    jsPubOptions_Init(&po);
    po.MaxWait = ms_left(deadline_ns) > 0 ? ms_left(deadline_ns) : 1;
    s = js_PublishAsyncComplete(env->js, &po);

    ok = atomic_load(&g_acks.ok);
    errors = atomic_load(&g_acks.errors);
    if (s != NATS_OK) {
        fprintf(stderr, "natsc-bench: %s: waiting for publish acks failed: %s "
                "(%ld of %ld acked, %ld errors)\n",
                what, s == NATS_TIMEOUT ? "timed out" : natsStatus_GetText(s), ok, a->msgs, errors);
        return 1;
    }
    if (errors > 0 || ok != a->msgs) {
        fprintf(stderr, "natsc-bench: %s: %ld of %ld messages acked, %ld errors (first: %s)\n",
                what, ok, a->msgs, errors,
                atomic_load(&g_acks.first_error_set) ? g_acks.first_error : "none");
        return 1;
    }
    return 0;
}

static int run_js_pub(const bench_args *a, bench_result *r)
{
    js_env  env;
    char   *payload = make_payload(a->size);
    int64_t t0, t1;
    int     rc = 1, prc;

    if (payload == NULL)
        return 1;
    if (js_open(&env, a, "natsc-bench-js-pub") != 0)
        goto out;
    if (js_recreate_stream(&env, a) != 0)
        goto out;

    t0 = now_ns();
    cpu_start(r);
    prc = js_publish_all(&env, a, payload, t0 + (int64_t) a->timeout_s * 1000000000LL, "js-pub");
    t1 = now_ns();
    cpu_stop(r);

    r->has_acks = true;
    r->acked = atomic_load(&g_acks.ok);
    r->errors = atomic_load(&g_acks.errors);
    if (prc != 0)
        goto out;
    r->seconds = (double) (t1 - t0) / 1e9;
    rc = 0;
out:
    js_close(&env);
    free(payload);
    return rc;
}

/* After the timed loop: the server applies acks asynchronously, so poll the
 * consumer (bounded) until everything is delivered and nothing awaits an ack. */
static int js_check_consumer_done(js_env *env, const bench_args *a)
{
    int64_t deadline = now_ns() + (int64_t) ACK_SETTLE_MS * 1000000LL;
    int64_t ack_pending = -1;
    uint64_t delivered = 0;

    for (;;) {
        jsConsumerInfo *ci = NULL;
        jsErrCode       jerr = 0;
        natsStatus      s = js_GetConsumerInfo(&ci, env->js, JS_STREAM, JS_CONSUMER, NULL, &jerr);

        if (s != NATS_OK) {
            fail_js("consumer info " JS_CONSUMER, s, jerr);
            return 1;
        }
        ack_pending = ci->NumAckPending;
        delivered = ci->Delivered.Consumer;
        jsConsumerInfo_Destroy(ci);
        if (ack_pending == 0 && delivered == (uint64_t) a->msgs)
            return 0;
        if (now_ns() >= deadline)
            break;
        nats_Sleep(10);
    }
    fprintf(stderr, "natsc-bench: js-consume: consumer " JS_CONSUMER " reports %" PRIu64
            " delivered, %" PRId64 " still awaiting ack (expected %ld delivered, 0 pending)\n",
            delivered, ack_pending, a->msgs);
    return 1;
}

static int run_js_consume(const bench_args *a, bench_result *r)
{
    js_env            env;
    natsSubscription *sub = NULL;
    char             *payload = make_payload(a->size);
    jsConsumerConfig  cc;
    jsConsumerInfo   *ci = NULL;
    jsSubOptions      so;
    jsErrCode         jerr = 0;
    natsStatus        s;
    int64_t           t0, t1, deadline;
    long              got = 0;
    int               rc = 1;

    if (payload == NULL)
        return 1;
    if (js_open(&env, a, "natsc-bench-js-consume") != 0)
        goto out;
    if (js_recreate_stream(&env, a) != 0)
        goto out;
    /* Untimed fill. */
    if (js_publish_all(&env, a, payload, now_ns() + (int64_t) a->timeout_s * 1000000000LL,
                       "js-consume fill") != 0)
        goto out;

    jsConsumerConfig_Init(&cc);
    cc.Durable = JS_CONSUMER;
    cc.AckPolicy = js_AckExplicit;
    cc.DeliverPolicy = js_DeliverAll;
    cc.MaxAckPending = -1;   /* unlimited: the fetch loop must never stall on it */
    s = js_AddConsumer(&ci, env.js, JS_STREAM, &cc, NULL, &jerr);
    jsConsumerInfo_Destroy(ci);
    if (s != NATS_OK) {
        fail_js("create consumer " JS_CONSUMER, s, jerr);
        goto out;
    }
    /* Bind to the consumer we just made (no stream lookup, no creation). */
    jsSubOptions_Init(&so);
    so.Stream = JS_STREAM;
    so.Consumer = JS_CONSUMER;
    jerr = 0;
    s = js_PullSubscribe(&sub, env.js, JS_SUBJECTS, JS_CONSUMER, NULL, &so, &jerr);
    if (s != NATS_OK) {
        fail_js("pull subscribe", s, jerr);
        goto out;
    }

    t0 = now_ns();
    cpu_start(r);
    deadline = t0 + (int64_t) a->timeout_s * 1000000000LL;
    while (got < a->msgs) {
        natsMsgList list;
        int64_t     wait = ms_left(deadline);
        long        want = a->msgs - got < a->batch ? a->msgs - got : a->batch;
        int         i;

        if (wait <= 0) {
            fprintf(stderr, "natsc-bench: js-consume: timed out after %ld of %ld messages\n",
                    got, a->msgs);
            goto out;
        }
        if (wait > FETCH_TIMEOUT_MS)
            wait = FETCH_TIMEOUT_MS;
        jerr = 0;
        s = natsSubscription_Fetch(&list, sub, (int) want, wait, &jerr);
        if (s != NATS_OK) {
            char what[96];
            snprintf(what, sizeof(what), "js-consume: fetch after %ld of %ld messages", got, a->msgs);
            fail_js(what, s, jerr);
            goto out;
        }
        for (i = 0; i < list.Count; i++) {
            natsMsg *m = list.Msgs[i];
            if (natsMsg_GetDataLength(m) != (int) a->size) {
                fprintf(stderr, "natsc-bench: js-consume: message %ld has %d bytes, expected %ld\n",
                        got + i + 1, natsMsg_GetDataLength(m), a->size);
                natsMsgList_Destroy(&list);
                goto out;
            }
            s = natsMsg_Ack(m, NULL);
            if (s != NATS_OK) {
                fail_status("js-consume: ack", s);
                natsMsgList_Destroy(&list);
                goto out;
            }
        }
        got += list.Count;
        natsMsgList_Destroy(&list);
    }
    /* The last acks may still sit in nats.c's write buffer: include getting
     * them to the server (PING/PONG) in the timed region. */
    s = natsConnection_FlushTimeout(env.nc, ms_left(deadline) > 0 ? ms_left(deadline) : 1);
    if (s != NATS_OK) {
        fail_status("js-consume: flush acks", s);
        goto out;
    }
    t1 = now_ns();
    cpu_stop(r);

    if (js_check_consumer_done(&env, a) != 0)
        goto out;
    r->seconds = (double) (t1 - t0) / 1e9;
    rc = 0;
out:
    if (sub != NULL) {
        (void) natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
    js_close(&env);
    free(payload);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* output                                                                   */
/* ------------------------------------------------------------------------ */

static void print_result(const bench_args *a, const bench_result *r)
{
    double rate = r->seconds > 0.0 ? (double) a->msgs / r->seconds : 0.0;
    double mbps = r->seconds > 0.0 ? (double) a->msgs * (double) a->size / 1e6 / r->seconds : 0.0;
    const char *mode = mode_names[a->mode];

    if (a->json) {
        printf("{\"client\":\"nats.c\",\"mode\":\"%s\",\"msgs\":%ld,\"size\":%ld,"
               "\"seconds\":%.6f,\"msgs_per_sec\":%.1f,\"mb_per_sec\":%.3f",
               mode, a->msgs, a->size, r->seconds, rate, mbps);
        if (r->has_received)
            printf(",\"received\":%ld", r->received);
        if (r->has_latency)
            printf(",\"p50_us\":%.3f,\"p95_us\":%.3f,\"p99_us\":%.3f,\"mean_us\":%.3f,\"max_us\":%.3f",
                   r->p50, r->p95, r->p99, r->mean, r->max);
        if (r->has_acks)
            printf(",\"acked\":%ld,\"errors\":%ld", r->acked, r->errors);
        if (a->mode == MODE_JS_CONSUME)
            printf(",\"batch\":%ld", a->batch);
        if (a->mode == MODE_JS_PUB || a->mode == MODE_JS_CONSUME)
            printf(",\"storage\":\"%s\"", a->file_storage ? "file" : "memory");
        if (r->has_cpu)
            printf(",\"cpu_user_s\":%.6f,\"cpu_sys_s\":%.6f", r->cpu_user, r->cpu_sys);
        printf("}\n");
    } else {
        printf("nats.c %-6s msgs=%ld size=%ldB time=%.3fs rate=%.0f msg/s (%.2f MB/s)",
               mode, a->msgs, a->size, r->seconds, rate, mbps);
        if (r->has_received)
            printf(" received=%ld", r->received);
        if (r->has_latency)
            printf(" latency_us p50=%.1f p95=%.1f p99=%.1f mean=%.1f max=%.1f",
                   r->p50, r->p95, r->p99, r->mean, r->max);
        if (r->has_acks)
            printf(" acked=%ld errors=%ld", r->acked, r->errors);
        if (a->mode == MODE_JS_CONSUME)
            printf(" batch=%ld", a->batch);
        if (a->mode == MODE_JS_PUB || a->mode == MODE_JS_CONSUME)
            printf(" storage=%s", a->file_storage ? "file" : "memory");
        if (r->has_cpu)
            printf(" cpu user=%.3fs sys=%.3fs", r->cpu_user, r->cpu_sys);
        printf("\n");
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    bench_args   a;
    bench_result r;
    natsStatus   s;
    int          rc;

    rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc;

    s = nats_Open(-1);
    if (s != NATS_OK) {
        fail_status("library init", s);
        return 1;
    }

    memset(&r, 0, sizeof(r));
    switch (a.mode) {
    case MODE_PUB:    rc = run_pub(&a, &r);    break;
    case MODE_SUB:    rc = run_sub(&a, &r);    break;
    case MODE_PUBSUB: rc = run_pubsub(&a, &r); break;
    case MODE_REQ:    rc = run_req(&a, &r);    break;
    case MODE_JS_PUB: rc = run_js_pub(&a, &r); break;
    case MODE_JS_CONSUME: rc = run_js_consume(&a, &r); break;
    }

    if (rc == 0)
        print_result(&a, &r);
    else if (a.json && r.has_received)
        /* Keep the partial count machine-readable for the caller. */
        printf("{\"client\":\"nats.c\",\"mode\":\"%s\",\"msgs\":%ld,\"size\":%ld,"
               "\"error\":\"incomplete\",\"received\":%ld}\n",
               mode_names[a.mode], a.msgs, a.size, r.received);
    else if (a.json && r.has_acks)
        printf("{\"client\":\"nats.c\",\"mode\":\"%s\",\"msgs\":%ld,\"size\":%ld,"
               "\"error\":\"incomplete\",\"acked\":%ld,\"errors\":%ld}\n",
               mode_names[a.mode], a.msgs, a.size, r.acked, r.errors);

    /* Like nats_Close(), but also waits (bounded) for the library's internal
     * threads to finish, so the process exits with everything released. */
    (void) nats_CloseAndWait(5000);
    return rc;
}
