/*
 * The contract between the files of the preload: the table of hand-over descriptors, the real
 * libc functions, and the engine registration shared by bind mode and SO_ACCEPTFILTER.
 *
 * A hand-over descriptor is the server's end of an AF_UNIX SOCK_SEQPACKET pair that stands for a
 * listening TCP socket the engine owns. Every interposed call first asks da__lookup(fd): for a
 * descriptor that is not ours that is one bounds check and one byte load, then the real call.
 */
#ifndef DA_PRELOAD_H
#define DA_PRELOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DA_EXPORT __attribute__((visibility("default")))

/* Descriptors at or above this are never ours: 64 KiB of table, untouched pages cost nothing. */
#define DA_FD_LIMIT 65536
/* Hand-over descriptors one process can hold (a server listens on a few ports, not hundreds). */
#define DA_LISTENERS_MAX 64
#define DA_CHAIN_MAX_TEXT 256

struct da__listener {
	struct sockaddr_storage addr; /* the listener's address: what getsockname answers */
	socklen_t addrlen;
	int keep;                     /* dup of the real listener (bind mode, SO_ACCEPTFILTER), or -1 */
	int defer_accept;             /* TCP_DEFER_ACCEPT as the server set it (atomic) */
	int mode;                     /* O_NONBLOCK or 0: what the engine is seen to send; -1 unknown (atomic) */
	int asked;                    /* the preference this process last sent; -1 none (atomic) */
	char chain[DA_CHAIN_MAX_TEXT]; /* the filter chain when this process registered it, else "" */
};

/* slot[fd] is 0, or 1 + the index of fd's entry in listeners[]. Written under a lock, read bare. */
struct da__table {
	uint8_t slot[DA_FD_LIMIT];
	struct da__listener listeners[DA_LISTENERS_MAX];
};

extern struct da__table da__table;

static inline struct da__listener *da__lookup(int fd)
{
	unsigned s;

	if ((unsigned)fd >= DA_FD_LIMIT)
		return NULL;
	s = __atomic_load_n(&da__table.slot[fd], __ATOMIC_ACQUIRE);
	return s ? &da__table.listeners[s - 1] : NULL;
}

/* Make fd ours with a copy of *proto's fields. Returns 0 or -ENOSPC / -EBADF. */
int da__adopt(int fd, const struct da__listener *proto);
/* fd is no longer ours; closes its kept real listener when close_keep says so. */
void da__forget(int fd, int close_keep);
/* Forget every descriptor in [first, last]. */
void da__forget_range(unsigned first, unsigned last);
/* Write DEFER_ACCEPT_HANDOVER for exec'd children from the table. */
void da__publish(void);

/* "127.0.0.1:8080" or "[::1]:8080" <-> sockaddr. Return 0 or -EINVAL / -ENOSPC. */
int da__parse_address(const char *text, size_t len, struct sockaddr_storage *out, socklen_t *outlen);
int da__format_address(const struct sockaddr *addr, char *out, size_t size);

/* Copy a value out as the kernel does for getsockname/getsockopt: truncate to *len, report the full size. */
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
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
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

/* Bind mode: what DEFER_ACCEPT_PORTS says for this port, or NULL. */
const char *da__chain_for_port(unsigned port);
/* The engine's control socket (DEFER_ACCEPT_CONTROL), or NULL. */
const char *da__control_path(void);

/*
 * Hand the listening TCP socket fd to the engine with chain and put the returned hand-over end
 * in its place (same number, same O_NONBLOCK and FD_CLOEXEC). On failure fd is untouched, the
 * result is a negative errno and why says what went wrong, in one line.
 */
int da__divert(int fd, const char *chain, char *why, size_t why_size);
/* Put the real listener kept by da__divert back on fd. Returns 0 or -EINVAL if there is none. */
int da__restore(int fd);

/* setsockopt/getsockopt(SOL_SOCKET, SO_ACCEPTFILTER): FreeBSD's semantics, 0 or a negative errno. */
int da__acceptfilter_set(int fd, const void *value, socklen_t len);
int da__acceptfilter_get(int fd, void *value, socklen_t *len);

#endif
