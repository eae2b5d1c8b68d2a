/*
 * What the two plain-C benchmark programs share (natsc-bench, ceiling-bench): the clock,
 * the process's CPU time and strict integer arguments. Header-only, static functions.
 */
#ifndef JETDECK_BENCH_COMMON_H
#define JETDECK_BENCH_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

/* Monotonic nanoseconds. */
static inline int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* This process's CPU time so far (every thread), user and system, in seconds. */
static inline void rusage_seconds(double* user, double* sys) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* A whole decimal integer in [min, max], nothing after it; false otherwise. */
static inline bool parse_long(const char* text, long min, long max, long* out) {
    char* end = NULL;
    long v;

    if (text == NULL || *text == '\0')
        return false;
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || end == NULL || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

#endif
