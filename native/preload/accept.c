/*
 * accept() and accept4() on a hand-over descriptor: one recvmsg gives the next ready connection,
 * as one accept4 gives it from a real listener. Nothing is allocated; errno is left exactly as a
 * real accept would leave it (untouched on success).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "preload.h"

/*
 * The engine gave up its end of the pair (every process holding it exited). A real listener in
 * this state does not exist: the closest is one no client ever connects to again, so a
 * non-blocking descriptor says EAGAIN (an event loop will spin on the hang-up, which it reports
 * as readable) and a blocking one waits. Differs from libc: the wait is a poll() that returns
 * EINTR on every signal, where accept() would be restarted for an SA_RESTART handler; and it
 * retries the descriptor once a second, so a descriptor closed meanwhile ends in EBADF.
 */
static int wait_for_engine(int fd)
{
	int flags = DA_REAL(fcntl)(fd, F_GETFL);

	if (flags < 0)
		return -1;
	if (flags & O_NONBLOCK) {
		errno = EAGAIN;
		return -1;
	}
	return poll(NULL, 0, 1000) < 0 ? -1 : 0;
}

/*
 * The engine hands sockets over in the mode the pair last asked for (`N`: O_NONBLOCK, `B`:
 * blocking), blocking until asked. Once a socket arrives in the mode this process wants, later
 * ones will too (the pair is FIFO and the engine switches once), so the check and the message
 * happen only until then: the steady state costs no system call. Differs from libc when
 * processes sharing one hand-over descriptor want different modes: each fixes what it sees while
 * unsure, but once sure it trusts the engine, which another process may have switched.
 */
static int settle_mode(int fd, struct da__listener *l, int sock, int want)
{
	int flags = DA_REAL(fcntl)(sock, F_GETFL);

	if (flags < 0)
		return -1;
	if ((flags & O_NONBLOCK) == want) {
		__atomic_store_n(&l->mode, want, __ATOMIC_RELAXED);
		return 0;
	}
	if (DA_REAL(fcntl)(sock, F_SETFL, (flags & ~O_NONBLOCK) | want) < 0)
		return -1;
	if (__atomic_exchange_n(&l->asked, want, __ATOMIC_RELAXED) != want &&
	    send(fd, want ? "N" : "B", 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
		__atomic_store_n(&l->asked, -1, __ATOMIC_RELAXED);
	return 0;
}

static int received_fd(struct msghdr *msg)
{
	struct cmsghdr *c = CMSG_FIRSTHDR(msg);
	int fd;

	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len < CMSG_LEN(sizeof fd))
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

/*
 * Hand-over message (engine -> server, one SEQPACKET message per connection):
 *   payload  the peer's struct sockaddr_in or sockaddr_in6, its length the message length
 *   control  SCM_RIGHTS, one descriptor: the connected TCP socket
 * The pair carries nothing else in this direction.
 */
static int handover_accept(int fd, struct da__listener *l, struct sockaddr *addr, socklen_t *addrlen,
			   int flags)
{
	struct sockaddr_storage peer;
	union {
		struct cmsghdr align;
		char bytes[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov;
	struct msghdr msg;
	socklen_t peerlen;
	int saved = errno, sock, want = flags & SOCK_NONBLOCK ? O_NONBLOCK : 0;
	ssize_t n;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC) || (addr && (!addrlen || (int)*addrlen < 0))) {
		errno = addr && !addrlen ? EFAULT : EINVAL;
		return -1;
	}
	for (;;) {
		iov = (struct iovec){.iov_base = &peer, .iov_len = sizeof peer};
		msg = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes,
				      .msg_controllen = sizeof control.bytes};
		n = recvmsg(fd, &msg, flags & SOCK_CLOEXEC ? MSG_CMSG_CLOEXEC : 0);
		if (n < 0)
			return -1;
		sock = received_fd(&msg);
		if (sock >= 0)
			break;
		/*
		 * No descriptor but a truncated control part: the kernel could not install it
		 * (RLIMIT_NOFILE) and closed it. Differs from libc: a real accept leaves the
		 * connection queued on EMFILE; here the kernel has already dropped it.
		 */
		if (msg.msg_flags & MSG_CTRUNC) {
			errno = EMFILE;
			return -1;
		}
		/* Zero bytes: the engine is gone. Bytes without a descriptor: not the contract's, skipped. */
		if (n == 0 && wait_for_engine(fd) < 0)
			return -1;
	}
	if (want != __atomic_load_n(&l->mode, __ATOMIC_RELAXED) && settle_mode(fd, l, sock, want) < 0) {
		int failed = errno;

		DA_REAL(close)(sock);
		errno = failed;
		return -1;
	}
	peerlen = (socklen_t)n;
	if ((msg.msg_flags & MSG_TRUNC) || peerlen < sizeof(sa_family_t) ||
	    (peer.ss_family != AF_INET && peer.ss_family != AF_INET6)) {
		/* Not the contract's payload: ask the kernel instead of trusting it. */
		peerlen = sizeof peer;
		if (DA_REAL(getpeername)(sock, (struct sockaddr *)&peer, &peerlen) < 0)
			peerlen = 0;
	}
	if (addr)
		da__copy_out(addr, addrlen, &peer, peerlen);
	errno = saved;
	return sock;
}

DA_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	struct da__listener *l = da__lookup(fd);

	if (!l)
		return DA_REAL(accept4)(fd, addr, addrlen, flags);
	return handover_accept(fd, l, addr, addrlen, flags);
}

DA_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	struct da__listener *l = da__lookup(fd);

	if (!l)
		return DA_REAL(accept)(fd, addr, addrlen);
	return handover_accept(fd, l, addr, addrlen, 0);
}
