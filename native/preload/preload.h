/*
 * The contract between the files of the preload: the table of filtered listeners, their filters,
 * and the real libc functions.
 *
 * A filtered listener is the server's own listening TCP socket. Only accept()/accept4() on it
 * behave differently (accept.c); every interposed call first asks da__lookup(fd), which for a
 * descriptor that is not ours is one bounds check and one byte load, then the real call.
 */
#ifndef DA_PRELOAD_H
#define DA_PRELOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ports.h"

#include "chain.h"
#include "page.h"

#define DA_EXPORT __attribute__((visibility("default")))

/* Descriptors at or above this are never ours: 64 KiB of table, untouched pages cost nothing. */
#define DA_FD_LIMIT 65536
/* Filters one process can hold: a server listens on a few ports, not hundreds. */
#define DA_FILTERS_MAX 64

/*
 * What a filtered listener is filtered with: one per port of DEFER_ACCEPT_PORTS (shared by every
 * listener on that port, kept for the life of the process) or one per SO_ACCEPTFILTER (owned:
 * freed when its last descriptor is closed or the filter removed). Written under the table lock
 * before any slot points at it, then only read.
 */
struct da__filter {
	unsigned port;           /* DEFER_ACCEPT_PORTS' port; 0 for SO_ACCEPTFILTER */
	int channel;             /* the channel's server end */
	struct da_page *page;
	struct da_chain *chain;
	size_t peek_size;        /* bytes one peek asks for: the chain's limit, at least the token */
	unsigned refs;           /* descriptors pointing here (owned filters only) */
	int owned;
};

/* slot[fd] is 0, or 1 + the index of fd's filter in filters[]. Written under a lock, read bare. */
struct da__table {
	uint8_t slot[DA_FD_LIMIT];
	struct da__filter filters[DA_FILTERS_MAX];
};

extern struct da__table da__table;

static inline struct da__filter *da__lookup(int fd)
{
	unsigned s;

	if ((unsigned)fd >= DA_FD_LIMIT)
		return NULL;
	s = __atomic_load_n(&da__table.slot[fd], __ATOMIC_ACQUIRE);
	return s ? &da__table.filters[s - 1] : NULL;
}

/* The filter of DEFER_ACCEPT_PORTS for this port, or NULL. */
struct da__filter *da__filter_for_port(unsigned port);
/* Make a new owned filter from a channel and a mapped page (both then belong to it). */
struct da__filter *da__filter_add(int channel, struct da_page *page, struct da_chain *chain);
/* Make fd a listener filtered by f (replacing what fd had). Returns 0 or -EBADF. */
int da__adopt(int fd, struct da__filter *f);
/* fd is no longer ours; an owned filter whose last descriptor this was is freed. */
void da__forget(int fd);
/* Forget every descriptor in [first, last]. */
void da__forget_range(unsigned first, unsigned last);
/* "3,4": the filtered listeners an exec'd program keeps (no FD_CLOEXEC), for DEFER_ACCEPT_LISTENERS. */
void da__listeners_text(char *out, size_t size);

/* Filter the listening socket fd with f: TCP_DEFER_ACCEPT from the page, then the table. */
int da__filter_listener(int fd, struct da__filter *f);

/* "127.0.0.1:8080" or "[::1]:8080". Returns 0 or -EAFNOSUPPORT / -ENOSPC. */
int da__format_address(const struct sockaddr *addr, char *out, size_t size);

/* Copy a value out as the kernel does for getpeername/getsockopt: truncate to *len, report the full size. */
void da__copy_out(void *dst, socklen_t *len, const void *src, socklen_t size);

/* The functions we interpose, as libc defines them; looked up once with dlsym(RTLD_NEXT). */
struct da__real {
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*listen)(int, int);
	int (*close)(int);
	int (*close_range)(unsigned, unsigned, int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*fcntl64)(int, int, ...);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*execve)(const char *, char *const[], char *const[]);
};

extern struct da__real da__real;

/*
 * Another library's constructor can run before ours and already call close() or fcntl(): the
 * wrappers then resolve the real functions themselves (dlsym is idempotent).
 */
void da__resolve(void);
#define DA_REAL(name) (__builtin_expect(da__real.name != NULL, 1) ? 0 : (da__resolve(), 0), da__real.name)

/* DEFER_ACCEPT_PLUGIN_DIR as it was at load, or NULL. */
const char *da__plugin_dir(void);

/* setsockopt/getsockopt(SOL_SOCKET, SO_ACCEPTFILTER): FreeBSD's semantics, 0 or a negative errno. */
int da__acceptfilter_set(int fd, const void *value, socklen_t len);
int da__acceptfilter_get(int fd, void *value, socklen_t *len);

#endif
