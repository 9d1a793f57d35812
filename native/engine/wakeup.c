/*
 * The wake-up: after each "ready" message, one TCP connection from the engine to the given
 * connection's own local address (it reaches the listener, or its reuseport group), carrying
 * the page's token as its first bytes. A server blocked in accept(), or polling the listener,
 * accepts it; the preload sees the token, closes it and takes the "ready" message instead.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h"

/* True once the token is sent (or can never be): the caller closes the socket. */
static bool send_token(struct da_engine *e, uint32_t ci, int fd)
{
	if (!e->channels[ci].page) /* the channel hung up and was forgotten meanwhile */
		return true;
	ssize_t n = send(fd, e->channels[ci].page->token, DA_TOKEN_SIZE, MSG_NOSIGNAL | MSG_DONTWAIT);
	/* Not connected yet: EAGAIN (SYN sent, no answer) or ENOTCONN; anything else is final. */
	return !(n < 0 && (errno == EAGAIN || errno == ENOTCONN));
}

void da__wakeup(struct da_engine *e, uint32_t ci, const struct sockaddr *local, socklen_t len)
{
	int fd = socket(local->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return; /* out of descriptors: the server's next accept finds the connection anyway */
	/* On loopback the handshake completes inside connect() (EINPROGRESS is still its answer
	 * when non-blocking), so the token nearly always goes out at once. */
	if (connect(fd, local, len) < 0 && errno != EINPROGRESS) {
		close(fd);
		return;
	}
	if (send_token(e, ci, fd)) {
		close(fd);
		return;
	}
	for (uint32_t i = 0; i < DA_MAX_WAKEUPS; i++) {
		if (e->wakeups[i].fd >= 0)
			continue;
		if (da__watch(e, fd, EPOLLOUT, DA_KIND_WAKEUP, 0, i) < 0)
			break;
		e->wakeups[i] = (struct da_wakeup){.fd = fd, .channel = ci};
		return;
	}
	close(fd); /* too many in progress: skipped, as above */
}

/* An event fetched for a wake-up this batch closed, on a slot a newer one took since, at worst
 * sends that one's token early (or finds it not connected yet): harmless either way. */
void da__wakeup_event(struct da_engine *e, uint32_t slot, uint32_t events)
{
	struct da_wakeup *w = &e->wakeups[slot];
	if (w->fd < 0)
		return;
	if (!(events & (EPOLLERR | EPOLLHUP)) && !send_token(e, w->channel, w->fd))
		return;
	close(w->fd); /* also leaves epoll */
	w->fd = -1;
}

/*
 * A server that accepted a wake-up before its token arrived (a listener whose TCP_DEFER_ACCEPT
 * the server turned off) saw no bytes and sent it here to park. Closed, and another wake-up made:
 * the ready connection it stood for still waits in the channel. True when peeked was one.
 */
bool da__wakeup_returned(struct da_engine *e, uint32_t ci, int fd, ssize_t peeked)
{
	struct da_channel *ch = &e->channels[ci];
	struct sockaddr_storage local;
	socklen_t len = sizeof local;
	if (peeked < DA_TOKEN_SIZE || memcmp(ch->peek, ch->page->token, DA_TOKEN_SIZE) != 0)
		return false;
	if (getsockname(fd, (struct sockaddr *)&local, &len) == 0)
		da__wakeup(e, ci, (struct sockaddr *)&local, len);
	return true;
}
