/*
 * The accept filter ABI: the contract between the engine and every filter, built in or loaded
 * from a shared object. A filter is a pure function over the bytes a client has sent so far; it
 * never does I/O, never allocates per call, and is called again, from the first byte, each time
 * more bytes have arrived (the engine peeks, the bytes stay in the kernel).
 */
#ifndef DA_FILTER_H
#define DA_FILTER_H

#include <stddef.h>
#include <stdint.h>

/* Bumped on any change of struct da_filter or of the verdict values. */
#define DA_FILTER_ABI_VERSION 1

/* Per-connection state a filter may keep between calls; zeroed when a connection is parked.
 * Small on purpose: the engine's memory per parked connection is measured (bench/RESULTS.md). */
#define DA_FILTER_STATE_MAX 32

enum da_verdict {
	DA_MORE = 0,  /* keep parking: the protocol unit is not complete yet */
	DA_READY = 1, /* complete: hand the connection over */
	DA_PASS = 2,  /* not this protocol (or over a limit the filter fails open on): hand over now */
	DA_DROP = 3,  /* close it; the server never hears of it (only where the user asked for it) */
};

/* Flags for check(). */
#define DA_CHECK_EOF 0x1u /* the peer half-closed: no more bytes will come */

struct da_filter_input {
	const uint8_t *bytes; /* everything peeked so far, from the first byte this filter owns */
	size_t length;
	unsigned flags; /* DA_CHECK_* */
};

struct da_filter {
	uint32_t abi_version; /* DA_FILTER_ABI_VERSION */
	const char *name;     /* [a-z0-9-], at most 15 characters (FreeBSD's af_name) */
	const char *summary;  /* one line for `defer-accept filters` */
	const char *usage;    /* the valid argument forms, shown in errors and --help */

	/*
	 * Parse the argument string (NULL or "" means defaults; items are separated by ':') into a
	 * configuration. Returns 0, or a negative errno with a one-line reason in err.
	 * *peek_limit receives the most bytes this filter ever needs to see to decide.
	 */
	int (*create)(const char *arg, void **config, size_t *peek_limit, char *err, size_t err_size);
	void (*destroy)(void *config);

	/*
	 * Decide on the prefix in *in. state is DA_FILTER_STATE_MAX bytes, zeroed at first call,
	 * kept between calls. On DA_READY, *consumed is how many bytes the protocol unit used, so
	 * the next filter of a chain starts after them (a PROXY header, then an HTTP request).
	 */
	enum da_verdict (*check)(const void *config, void *state, const struct da_filter_input *in,
				 size_t *consumed);
};

/* A shared-object filter exports this symbol. */
#define DA_FILTER_ENTRY_SYMBOL "da_filter_entry"
typedef const struct da_filter *(*da_filter_entry_fn)(void);

#endif
