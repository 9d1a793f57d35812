/*
 * The counters page: one shared memory page per channel (per filtered port), made by the wrapper
 * (a memfd), mapped by every server process (the preload) and by the engine. Every counter is
 * written with relaxed atomic adds, so `inspect` sees the fast path without asking the server.
 */
#ifndef DA_PAGE_H
#define DA_PAGE_H

#include <stddef.h>
#include <stdint.h>

#define DA_PAGE_MAGIC 0x32566164u /* "daV2", little-endian */
#define DA_PAGE_VERSION 1
#define DA_PAGE_SIZE 4096
#define DA_TOKEN_SIZE 16

/* Why a connection was closed without reaching the server. */
enum da_drop {
	DA_DROP_TIMEOUT,   /* deadline passed, on-timeout=drop */
	DA_DROP_EOF,       /* the peer closed before the chain was satisfied (or before one byte) */
	DA_DROP_RESET,     /* RST or socket error */
	DA_DROP_FILTER,    /* the chain said DROP */
	DA_DROP_PARK_FULL, /* evicted as the oldest parked when the table or descriptors ran out */
	DA_DROP_SHED,      /* accepted and closed at once: the process ran out of descriptors */
	DA_DROP_NO_SERVER, /* ready, but every server had closed its end of the channel */
	DA_DROP_ENGINE,    /* parked in an engine that died, or no engine to park in (on-timeout=drop) */
	DA_DROP_REASONS
};

/* Why a connection was handed over without the chain saying READY. */
enum da_pass { DA_PASS_VERDICT, DA_PASS_TIMEOUT, DA_PASS_OVERSIZE, DA_PASS_NO_ENGINE, DA_PASS_REASONS };

/* Park times in a log2 histogram of milliseconds: bucket b holds [2^(b-1), 2^b). */
#define DA_HIST_BUCKETS 32

struct da_counters {
	uint64_t accepted; /* real accepts of client connections (wake-ups not counted) */
	uint64_t ready, passed;
	uint64_t passed_on[DA_PASS_REASONS];
	uint64_t dropped[DA_DROP_REASONS];
	uint64_t parked_total; /* sent to the engine to park */
	uint32_t parked;       /* in the engine now (gauge, the engine's) */
	uint32_t held;         /* ready, waiting in the engine for room on the channel (gauge) */
	uint64_t park_ms[DA_HIST_BUCKETS];
	uint32_t park_ms_max;
	uint32_t engine_starts; /* engines that took this channel; > 1 means restarts */
	uint32_t adopted;       /* listeners the preload took, in every process: 0 = not in force */
};

struct da_page {
	uint32_t magic, version;   /* DA_PAGE_MAGIC, DA_PAGE_VERSION: set by the wrapper */
	uint8_t token[DA_TOKEN_SIZE]; /* the wake-up token (random, the wrapper's) */
	uint32_t timeout_ms;       /* the channel's deadline: TCP_DEFER_ACCEPT in bind mode too */
	uint32_t pass_on_timeout;  /* 1: on-timeout=pass (also the policy when no engine can park) */
	int32_t engine_pid;        /* the engine serving the channel, 0 while there is none */
	uint32_t address_set;      /* 0, then 1 once address holds text (first listen() wins) */
	char address[64];          /* the listener's address as text, "127.0.0.1:8080", "[::1]:8080" */
	char chain[256];           /* the chain, normalised, NUL-terminated */
	struct da_counters count;
};

_Static_assert(sizeof(struct da_page) <= DA_PAGE_SIZE, "the counters page is one page");
/* The wrapper (src/wrap/page.ts) writes the header by these offsets, little-endian. */
_Static_assert(offsetof(struct da_page, token) == 8 && offsetof(struct da_page, timeout_ms) == 24 &&
	       offsetof(struct da_page, pass_on_timeout) == 28 && offsetof(struct da_page, engine_pid) == 32 &&
	       offsetof(struct da_page, address_set) == 36 && offsetof(struct da_page, address) == 40 &&
	       offsetof(struct da_page, chain) == 104 && offsetof(struct da_page, count) == 360 &&
	       offsetof(struct da_page, count.adopted) == 760,
	       "the page header's layout is part of the contract");

#define da_count(field) __atomic_fetch_add(&(field), 1, __ATOMIC_RELAXED)
#define da_count_add(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)
#define da_count_sub(field, n) __atomic_fetch_sub(&(field), (n), __ATOMIC_RELAXED)

/* Map the page behind fd (read-write, shared); NULL with errno set when it is not ours. */
struct da_page *da_page_map(int fd);

#endif
