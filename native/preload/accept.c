/*
 * accept() and accept4() on a filtered listener: the real accept4, one peek, the chain. A ready
 * connection costs one system call more than the kernel's own deferral; only connections the
 * chain wants more bytes of go to the engine, and come back through the channel after a
 * wake-up connection. errno is left exactly as the real accept leaves it (untouched on success).
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "preload.h"
#include "arrival.h"

/* httpready's default head limit: the usual chain peeks into the caller's stack. */
#define STACK_PEEK 16384
/* Larger chains peek into a per-thread mapping; a peek only writes what is queued, so the pages
 * never written cost nothing. (The largest peek table.c allows.) */
#define THREAD_PEEK (1u << 20)

static __thread uint8_t *thread_buffer;
static pthread_key_t buffer_key;
static pthread_once_t buffer_once = PTHREAD_ONCE_INIT;

static void buffer_free(void *p)
{
	munmap(p, THREAD_PEEK);
}

static void buffer_key_create(void)
{
	pthread_key_create(&buffer_key, buffer_free);
}

/* mmap, not malloc: accept() is async-signal-safe and may be called from a signal handler. */
static uint8_t *big_buffer(void)
{
	void *p;

	if (thread_buffer)
		return thread_buffer;
	pthread_once(&buffer_once, buffer_key_create);
	p = mmap(NULL, THREAD_PEEK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	pthread_setspecific(buffer_key, p);
	return thread_buffer = p;
}

/* A ready connection from the engine (arrival.h), its peer in the caller's buffers. room is the
 * caller's *addrlen as it came in. */
static int take_ready(struct da__filter *f, struct sockaddr *addr, socklen_t *addrlen, socklen_t room,
		      int flags)
{
	struct sockaddr_storage peer;
	socklen_t peerlen;
	int sock = da_take_ready(f->channel, &peer, &peerlen, flags);

	if (sock == -EPIPE)
		return -EAGAIN;
	if (sock >= 0 && addr) {
		*addrlen = room;
		da__copy_out(addr, addrlen, &peer, peerlen);
	}
	return sock;
}

/* The peek of a fresh connection, and what it says (arrival.h). */
static int look(struct da__filter *f, int sock)
{
	uint8_t stack[STACK_PEEK], *buf = stack;
	size_t size = f->peek_size;
	ssize_t n;

	if (size > STACK_PEEK && !(buf = big_buffer())) {
		/* Out of memory for the big peek: a smaller one, so a long head fails open (oversize). */
		buf = stack;
		size = STACK_PEEK;
	}
	n = recv(sock, buf, size, MSG_PEEK | MSG_DONTWAIT);
	return da_arrival(f->chain, f->page, buf, n, n < 0 ? errno : 0, size);
}

/*
 * Differs from libc: one accept() call may accept and close (or park) several connections
 * before it returns one; a blocking caller keeps blocking meanwhile, a non-blocking one gets
 * EAGAIN once only connections that are not ready were queued.
 */
static int filtered_accept(int fd, struct da__filter *f, struct sockaddr *addr, socklen_t *addrlen,
			   int flags)
{
	int saved = errno, sock, r;
	/* The kernel rewrites *addrlen with the peer's size: each retry gets the caller's room. */
	socklen_t room = addr && addrlen ? *addrlen : 0;

	for (;;) {
		if (addr && addrlen)
			*addrlen = room;
		sock = DA_REAL(accept4)(fd, addr, addrlen, flags);
		if (sock < 0) {
			int failed = errno;

			if (failed != EAGAIN && failed != EWOULDBLOCK)
				return -1;
			/* Nothing queued: a ready connection whose wake-up was lost goes out now. */
			r = take_ready(f, addr, addrlen, room, flags);
			errno = r >= 0 ? saved : r == -EAGAIN ? failed : -r;
			return r >= 0 ? r : -1;
		}
		switch (look(f, sock)) {
		case DA_WAKE_UP:
			DA_REAL(close)(sock);
			r = take_ready(f, addr, addrlen, room, flags);
			if (r == -EAGAIN)
				continue;
			errno = r >= 0 ? saved : -r;
			return r >= 0 ? r : -1;
		case DA_READY:
		case DA_PASS:
			errno = saved;
			return sock;
		case DA_DROP:
			DA_REAL(close)(sock);
			continue;
		case DA_MORE:
			if (da_park_send(f->channel, f->page, sock)) {
				errno = saved;
				return sock;
			}
			DA_REAL(close)(sock);
			continue;
		}
	}
}

DA_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	struct da__filter *f = da__lookup(fd);

	if (!f)
		return DA_REAL(accept4)(fd, addr, addrlen, flags);
	return filtered_accept(fd, f, addr, addrlen, flags);
}

DA_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	struct da__filter *f = da__lookup(fd);

	if (!f)
		return DA_REAL(accept)(fd, addr, addrlen);
	return filtered_accept(fd, f, addr, addrlen, 0);
}
