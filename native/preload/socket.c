/*
 * The calls besides accept that must answer for a hand-over descriptor as they would for the
 * listening TCP socket it stands for, and the calls that create, copy or close descriptors, which
 * keep the table true. For any other descriptor each is the real call after one table lookup.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

/* A copy of a hand-over descriptor is one too; the copy does not own the kept real listener. */
static void copied(int from, int to)
{
	struct da__listener *l = da__lookup(from);
	struct da__listener copy;

	if (to < 0 || from == to)
		return;
	if (da__lookup(to))
		da__forget(to, 1);
	if (!l)
		return;
	copy = *l;
	copy.keep = -1;
	da__adopt(to, &copy);
}

/*
 * Bind mode: the server made its own listener on a port DEFER_ACCEPT_PORTS names; give it to the
 * engine. Failing leaves the real listener where it is: the server runs unfiltered, and says so.
 */
static void divert_if_configured(int fd)
{
	struct sockaddr_storage addr;
	socklen_t len = sizeof addr;
	const char *chain;
	char why[320];
	unsigned port;
	int protocol = 0;
	socklen_t plen = sizeof protocol;

	if (!da__control_path() || DA_REAL(getsockname)(fd, (struct sockaddr *)&addr, &len) < 0)
		return;
	if (addr.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&addr)->sin_port);
	else if (addr.ss_family == AF_INET6)
		port = ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
	else
		return;
	chain = da__chain_for_port(port);
	if (!chain || DA_REAL(getsockopt)(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &plen) < 0 ||
	    protocol != IPPROTO_TCP)
		return;
	if (da__divert(fd, chain, why, sizeof why) < 0)
		dprintf(STDERR_FILENO, "defer-accept: port %u stays unfiltered: %s\n", port, why);
}

DA_EXPORT int listen(int fd, int backlog)
{
	int saved = errno, r;

	/* Differs from libc: the engine's real listener already listens, with its own backlog. */
	if (da__lookup(fd))
		return 0;
	r = DA_REAL(listen)(fd, backlog);
	if (r == 0) {
		divert_if_configured(fd);
		errno = saved;
	}
	return r;
}

DA_EXPORT int close(int fd)
{
	if (da__lookup(fd))
		da__forget(fd, 1);
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

DA_EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct da__listener *l = da__lookup(fd);

	if (!l)
		return DA_REAL(getsockname)(fd, addr, len);
	if ((int)*len < 0)
		return fail(-EINVAL);
	da__copy_out(addr, len, &l->addr, l->addrlen);
	return 0;
}

DA_EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (!da__lookup(fd))
		return DA_REAL(getpeername)(fd, addr, len);
	/* The pair is connected, the listener it stands for is not. */
	return fail(-ENOTCONN);
}

/*
 * Options of the listener a server asks about. Differs from libc: anything else is answered by
 * the SEQPACKET socket itself (buffer sizes, SO_REUSEADDR ...), or fails there with EOPNOTSUPP
 * for TCP-level options, which servers read only to log them.
 */
DA_EXPORT int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
	struct da__listener *l;
	int v;

	if (level == SOL_SOCKET && name == SO_ACCEPTFILTER)
		return fail(da__acceptfilter_get(fd, value, len));
	l = da__lookup(fd);
	if (!l)
		return DA_REAL(getsockopt)(fd, level, name, value, len);
	if (level == SOL_SOCKET && name == SO_TYPE)
		v = SOCK_STREAM;
	else if (level == SOL_SOCKET && name == SO_DOMAIN)
		v = l->addr.ss_family;
	else if (level == SOL_SOCKET && name == SO_PROTOCOL)
		v = IPPROTO_TCP;
	else if (level == SOL_SOCKET && name == SO_ACCEPTCONN)
		v = 1;
	else if (level == IPPROTO_TCP && name == TCP_DEFER_ACCEPT)
		v = __atomic_load_n(&l->defer_accept, __ATOMIC_RELAXED);
	else
		return DA_REAL(getsockopt)(fd, level, name, value, len);
	if ((int)*len < 0)
		return fail(-EINVAL);
	da__copy_out(value, len, &v, sizeof v);
	return 0;
}

static int is_receive_timeout(int level, int name)
{
	if (level != SOL_SOCKET)
		return 0;
#ifdef SO_RCVTIMEO_NEW
	if (name == SO_RCVTIMEO_NEW || name == SO_RCVTIMEO_OLD)
		return 1;
#endif
	return name == SO_RCVTIMEO;
}

/*
 * Differs from libc: options on a hand-over descriptor are absorbed and succeed, because they
 * are meant for a TCP listener the engine owns (Apache sets TCP_DEFER_ACCEPT after listen(),
 * which the SEQPACKET socket refuses with EOPNOTSUPP, and then gives up). TCP_DEFER_ACCEPT is
 * remembered to be read back. SO_RCVTIMEO is applied to the pair: it bounds the recvmsg that
 * stands for accept exactly as it bounds a real accept.
 */
DA_EXPORT int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
	struct da__listener *l;
	int v;

	if (level == SOL_SOCKET && name == SO_ACCEPTFILTER)
		return fail(da__acceptfilter_set(fd, value, len));
	l = da__lookup(fd);
	if (!l || is_receive_timeout(level, name))
		return DA_REAL(setsockopt)(fd, level, name, value, len);
	if (level == IPPROTO_TCP && name == TCP_DEFER_ACCEPT && value && len >= sizeof v) {
		memcpy(&v, value, sizeof v);
		__atomic_store_n(&l->defer_accept, v, __ATOMIC_RELAXED);
	}
	return 0;
}
