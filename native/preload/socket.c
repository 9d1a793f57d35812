/*
 * listen() of a socket on a configured port (bind mode), SO_ACCEPTFILTER, and the calls that
 * copy or close descriptors, which keep the table true. For any other descriptor or option each
 * is the real call after one table lookup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "defer_accept.h"
#include "preload.h"

static int fail(int negative_errno)
{
	if (negative_errno >= 0)
		return negative_errno;
	errno = -negative_errno;
	return -1;
}

/* A copy of a filtered listener is one too, with the same filter. */
static void copied(int from, int to)
{
	struct da__filter *f = da__lookup(from);

	if (to < 0 || from == to)
		return;
	if (f)
		da__adopt(to, f);
	else if (da__lookup(to))
		da__forget(to);
}

/* The first listen() on a channel tells `inspect` where it listens (socket activation: the wrapper). */
static void publish_address(int fd, struct da_page *page)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof a;
	char text[sizeof page->address];
	uint32_t unset = 0;

	if (__atomic_load_n(&page->address_set, __ATOMIC_ACQUIRE) ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0 ||
	    da__format_address((struct sockaddr *)&a, text, sizeof text) < 0)
		return;
	if (__atomic_compare_exchange_n(&page->address_set, &unset, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		memcpy(page->address, text, sizeof text);
}

/* Bind mode: the server made its own listener on a port DEFER_ACCEPT_PORTS names. */
DA_EXPORT int listen(int fd, int backlog)
{
	int saved = errno, r = DA_REAL(listen)(fd, backlog);
	struct da__filter *f;
	unsigned port;

	if (r < 0 || da__lookup(fd))
		return r;
	port = da_tcp_port(fd);
	f = port ? da__filter_for_port(port) : NULL;
	if (f) {
		r = da__filter_listener(fd, f);
		if (r < 0)
			dprintf(STDERR_FILENO, "defer-accept: port %u stays unfiltered: %s\n", port, strerror(-r));
		else
			publish_address(fd, f->page);
	}
	errno = saved;
	return 0;
}

DA_EXPORT int close(int fd)
{
	if (da__lookup(fd))
		da__forget(fd);
	return DA_REAL(close)(fd);
}

DA_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	int r;

	if (!DA_REAL(close_range))
		return fail(-ENOSYS);
	r = da__real.close_range(first, last, flags);
	if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
		da__forget_range(first, last);
	return r;
}

DA_EXPORT int dup(int fd)
{
	int r = DA_REAL(dup)(fd);

	copied(fd, r);
	return r;
}

DA_EXPORT int dup2(int fd, int to)
{
	int r = DA_REAL(dup2)(fd, to);

	copied(fd, r);
	return r;
}

DA_EXPORT int dup3(int fd, int to, int flags)
{
	int r = DA_REAL(dup3)(fd, to, flags);

	copied(fd, r);
	return r;
}

/* Every fcntl command takes no argument, an int or a pointer: pass one word through. */
static int fcntl_with(int (*real)(int, int, ...), int fd, int cmd, void *arg)
{
	int r = real(fd, cmd, arg);

	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		copied(fd, r);
	return r;
}

DA_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_with(DA_REAL(fcntl), fd, cmd, arg);
}

DA_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_with(DA_REAL(fcntl64), fd, cmd, arg);
}

/* Differs from libc: Linux has no SO_ACCEPTFILTER (ENOPROTOOPT); the preload gives FreeBSD's. */
DA_EXPORT int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
	if (level == SOL_SOCKET && name == SO_ACCEPTFILTER)
		return fail(da__acceptfilter_get(fd, value, len));
	return DA_REAL(getsockopt)(fd, level, name, value, len);
}

DA_EXPORT int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
	if (level == SOL_SOCKET && name == SO_ACCEPTFILTER)
		return fail(da__acceptfilter_set(fd, value, len));
	return DA_REAL(setsockopt)(fd, level, name, value, len);
}
