/* A connection just accepted, or given back by the engine, for the preload and the launcher (arrival.h). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arrival.h"
#include "fds.h"
#include "verdict.h"

int da_arrival(const struct da_chain *chain, struct da_page *page, const uint8_t *peeked, ssize_t n,
	       int err, size_t peek_size)
{
	uint64_t state[(16 + DA_CHAIN_MAX * DA_FILTER_STATE_MAX) / sizeof(uint64_t)] = {0};
	if (n >= DA_TOKEN_SIZE && memcmp(peeked, page->token, DA_TOKEN_SIZE) == 0)
		return DA_WAKE_UP;
	da_count(page->count.accepted);
	return da_look(chain, state, peeked, n, err, false, peek_size, &page->count);
}

int da_park_send(int channel, struct da_page *page, int sock)
{
	/* Any failure to send (channel full, EAGAIN; broken, EPIPE) means no engine can park it. */
	if (da_send_fds(channel, "P", 1, &sock, 1) == 0) {
		da_count(page->count.parked_total);
		return 0;
	}
	if (page->pass_on_timeout) {
		da_count(page->count.passed);
		da_count(page->count.passed_on[DA_PASS_NO_ENGINE]);
		return 1;
	}
	da_count(page->count.dropped[DA_DROP_ENGINE]);
	return 0;
}

int da_take_ready(int channel, struct sockaddr_storage *peer, socklen_t *peerlen, int flags)
{
	int fds[DA_FDS_MAX], mflags = 0, status, want = flags & SOCK_NONBLOCK ? O_NONBLOCK : 0;
	size_t count;
	ssize_t n = da_recv_fds(channel, peer, sizeof *peer, fds, &count, &mflags, flags & SOCK_CLOEXEC);

	/* A failing channel has nothing ready either: the caller's accept goes on as without it. */
	if (n < 0)
		return -EAGAIN;
	/* Every message carries a descriptor: nothing at all is the other end's close. */
	if (n == 0 && count == 0 && !(mflags & MSG_CTRUNC))
		return -EPIPE;
	for (size_t i = 1; i < count; i++)
		syscall(SYS_close, fds[i]);
	/*
	 * No descriptor but a truncated control part: the kernel could not install it
	 * (RLIMIT_NOFILE) and closed it. Differs from libc: a real accept leaves the connection
	 * queued on EMFILE; this one is lost. A message without one is not the contract's: skipped.
	 */
	if (count == 0)
		return mflags & MSG_CTRUNC ? -EMFILE : -EAGAIN;
	/* The engine parks in its own mode; the caller gets the one it asked accept4 for. */
	status = (int)syscall(SYS_fcntl, fds[0], F_GETFL);
	if (status < 0 || ((status & O_NONBLOCK) != want && syscall(SYS_fcntl, fds[0], F_SETFL, (status & ~O_NONBLOCK) | want) < 0)) {
		int failed = -errno;

		syscall(SYS_close, fds[0]);
		return failed;
	}
	*peerlen = (socklen_t)n;
	if ((mflags & MSG_TRUNC) || !((peer->ss_family == AF_INET && *peerlen == sizeof(struct sockaddr_in)) ||
				      (peer->ss_family == AF_INET6 && *peerlen == sizeof(struct sockaddr_in6)))) {
		/* Not the contract's payload: ask the kernel. Differs from libc: a connection reset
		 * meanwhile has no peer any more and is returned with an address of length 0. */
		*peerlen = sizeof *peer;
		if (getpeername(fds[0], (struct sockaddr *)peer, peerlen) < 0)
			*peerlen = 0;
	}
	return fds[0];
}
