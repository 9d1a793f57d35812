/*
 * The trapped calls. listen() on a configured port: the launcher takes a copy of the socket
 * (pidfd_getfd), listens on it itself (the same open file), sets TCP_DEFER_ACCEPT and remembers
 * it. accept()/accept4() on a remembered listener: the preload's fast path (preload/accept.c) on
 * the launcher's copy, and the ready connection installed in the caller as the call's result
 * (SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND). Any other accept runs untouched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fds.h"
#include "launcher.h"
#include "arrival.h"

/* One thread, one peek at a time: the largest peek a chain may ask for (ports.c). */
static uint8_t peek_buffer[1u << 20];

enum { DONE, PENDING };

enum { OTHER_FILE, SAME_FILE, UNSEEN };

/* Whether the caller's descriptor fd is the open file the launcher holds as copy; UNSEEN when the
 * kernel will not compare them (kcmp reads the caller: EPERM for a server that made itself
 * non-dumpable, under a launcher without CAP_SYS_PTRACE). */
static int same_file(pid_t pid, int fd, const struct da__listener *l)
{
	long r;

	if (!da__l.kcmp)
		return fd == l->fd ? SAME_FILE : OTHER_FILE;
	r = syscall(SYS_kcmp, pid, da__l.self, KCMP_FILE, fd, l->copy);
	return r == 0 ? SAME_FILE : r < 0 && errno == EPERM ? UNSEEN : OTHER_FILE;
}

/* owner: the process whose number fd is (0: inherited). Another process's listener under the same
 * number is another entry; the owner's own number, closed and reused, replaces its old copy. */
static struct da__listener *remember(pid_t owner, int fd, int copy, struct da_port_item *port)
{
	struct da__listener *l;

	for (size_t i = 0; owner && i < da__l.nlisteners; i++) {
		l = &da__l.listeners[i];
		if (l->fd == fd && l->owner == owner) {
			if (l->copy != copy)
				close(l->copy);
			*l = (struct da__listener){fd, copy, port, owner};
			return l;
		}
	}
	if (da__l.nlisteners == DA_LISTENERS_MAX)
		return NULL;
	l = &da__l.listeners[da__l.nlisteners++];
	*l = (struct da__listener){fd, copy, port, owner};
	return l;
}

/*
 * The listener behind the caller's fd, or NULL. A server may accept on a copy of its listener
 * (Go's net.FileListener dup()s descriptor 3): each copy found is remembered under its number.
 */
static struct da__listener *listener_of(pid_t pid, int fd)
{
	struct da__listener *l, *unseen = NULL;
	int copy;

	for (size_t i = 0; i < da__l.nlisteners; i++) {
		l = &da__l.listeners[i];
		if (l->fd != fd)
			continue;
		switch (same_file(pid, fd, l)) {
		case SAME_FILE:
			return l;
		case UNSEEN:
			unseen = unseen ? unseen : l;
		}
	}
	if (unseen) {
		/* Taken for the listener of its number rather than let through unfiltered; where the
		 * caller's memory cannot be written either, its accept then fails (EPERM): loudly. */
		if (!da__l.said_unseen)
			dprintf(STDERR_FILENO, "da-launcher: process %d does not let the launcher compare its descriptors (kcmp: EPERM, it made itself non-dumpable): its accept on %d is answered as the filtered listener of that number, and fails where its buffers cannot be written; run wrap as root, or keep the server dumpable\n",
				(int)pid, fd);
		da__l.said_unseen = true;
		return unseen;
	}
	if (!da__l.kcmp)
		return NULL;
	for (size_t i = 0; i < da__l.nlisteners; i++) {
		l = &da__l.listeners[i];
		if (same_file(pid, fd, l) != SAME_FILE)
			continue;
		copy = fcntl(l->copy, F_DUPFD_CLOEXEC, 3);
		if (copy < 0)
			return l;
		struct da__listener *alias = remember(da__process_of(pid), fd, copy, l->port);
		if (!alias)
			close(copy);
		return alias ? alias : l;
	}
	return NULL;
}

/* The first listen() on a channel tells `inspect` where it listens (as the preload's). */
static void publish_address(int fd, struct da_page *page)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof a;
	char host[INET6_ADDRSTRLEN], text[sizeof host + 16];
	uint32_t unset = 0;
	unsigned port;

	if (__atomic_load_n(&page->address_set, __ATOMIC_ACQUIRE) || getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return;
	if (a.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&a)->sin_addr, host, sizeof host);
		port = ntohs(((struct sockaddr_in *)&a)->sin_port);
		snprintf(text, sizeof text, "%s:%u", host, port);
	} else if (a.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a)->sin6_addr, host, sizeof host);
		port = ntohs(((struct sockaddr_in6 *)&a)->sin6_port);
		snprintf(text, sizeof text, "[%s]:%u", host, port);
	} else {
		return;
	}
	if (strlen(text) < sizeof page->address &&
	    __atomic_compare_exchange_n(&page->address_set, &unset, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		memcpy(page->address, text, strlen(text) + 1);
}

static void defer_accept(int fd, const struct da_page *page)
{
	/* TCP_DEFER_ACCEPT takes seconds: round up, so the kernel never gives up before the page says. */
	int seconds = (int)((page->timeout_ms + 999) / 1000);

	if (seconds < 1)
		seconds = 1;
	/* Best effort: without it, clients that never send are parked by the engine instead. */
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof seconds);
}

int da__adopt_inherited(int fd)
{
	int on = 0;
	socklen_t len = sizeof on;
	struct da_port_item *port;

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 || !on)
		return -ENOTCONN;
	if (!(port = da__port_for(da_tcp_port(fd))))
		return -ENOENT;
	/* The launcher's own number is the server's: the same open file, inherited by both. */
	if (!remember(0, fd, fd, port))
		return -ENOSPC;
	da_count(port->page->count.adopted);
	return 0;
}

/* Bind mode: listen(fd, backlog) in the server. */
static void on_listen(const struct seccomp_notif *n)
{
	int fd = (int)n->data.args[0], backlog = (int)n->data.args[1], copy;
	struct da_port_item *port;
	struct da__listener *l;

	copy = da__take_fd(n->pid, fd);
	/* Not a descriptor of the caller's (EBADF), or gone: the kernel gives the caller its error. */
	if (copy < 0) {
		if (copy != -EBADF && copy != -ESRCH)
			dprintf(STDERR_FILENO, "da-launcher: cannot take descriptor %d of process %d (%s): if it listens on a filtered port, it is unfiltered\n",
				fd, (int)n->pid, strerror(-copy));
		da__continue(n->id);
		return;
	}
	if (!da__valid(n->id)) {
		close(copy);
		return;
	}
	port = da__port_for(da_tcp_port(copy));
	if (!port) {
		close(copy);
		da__continue(n->id);
		return;
	}
	if (listen(copy, backlog) < 0) {
		int failed = errno;

		close(copy);
		da__reply(n->id, 0, -failed);
		return;
	}
	defer_accept(copy, port->page);
	for (size_t i = 0; i < da__l.nlisteners; i++) {
		/* listen() again on a listener it has (a new backlog): nothing new to adopt. */
		if (da__l.listeners[i].fd == fd && same_file(n->pid, fd, &da__l.listeners[i]) != OTHER_FILE) {
			close(copy);
			da__reply(n->id, 0, 0);
			return;
		}
	}
	l = remember(da__process_of(n->pid), fd, copy, port);
	if (!l) {
		dprintf(STDERR_FILENO, "da-launcher: port %u stays unfiltered: more than %d listeners\n", port->port, DA_LISTENERS_MAX);
		close(copy);
	} else {
		da_count(port->page->count.adopted);
		publish_address(copy, port->page);
	}
	da__reply(n->id, 0, 0);
}

/* A ready connection from the engine (arrival.h). */
static int take_ready(struct da_port_item *p, struct sockaddr_storage *peer, socklen_t *peerlen, int flags)
{
	int sock = da_take_ready(p->channel, peer, peerlen, flags | SOCK_CLOEXEC);

	if (sock != -EPIPE)
		return sock;
	/* wrap gave the engine up (--on-engine-failure pass): nothing will come back, and a hung-up
	 * channel would wake the loop at once, forever. Parking then fails as with no engine. */
	close(p->channel);
	p->channel = -1;
	return -EAGAIN;
}

/* The peek of a fresh connection, and what it says (arrival.h). */
static int look(struct da_port_item *p, int sock)
{
	ssize_t n = recv(sock, peek_buffer, p->peek_size, MSG_PEEK | MSG_DONTWAIT);

	return da_arrival(p->chain, p->page, peek_buffer, n, n < 0 ? errno : 0, p->peek_size);
}

/* A ready connection whose caller went away (a signal ended its accept): the engine finds it ready
 * at once and gives it back with a wake-up, so the next accept gets it. */
static void give_back(struct da_port_item *p, int sock)
{
	if (da_send_fds(p->channel, "P", 1, &sock, 1) == 0)
		da_count(p->page->count.parked_total);
	else
		da_count(p->page->count.dropped[DA_DROP_ENGINE]);
	close(sock);
}

/*
 * The call's result: the peer address in the caller's buffers (truncated to its *addrlen, which
 * gets the full size, as the kernel does), then the socket installed as the return value.
 */
static int deliver(const struct da__call *c, int sock, const struct sockaddr_storage *peer, socklen_t peerlen)
{
	struct seccomp_notif_addfd a = {.id = c->id, .flags = SECCOMP_ADDFD_FLAG_SEND, .srcfd = (uint32_t)sock,
					.newfd_flags = c->flags & SOCK_CLOEXEC ? O_CLOEXEC : 0};
	struct da_port_item *p = c->listener->port;
	socklen_t room = 0;
	int r;

	if (c->addr) {
		/* Read only now, as the kernel reads it after taking the connection: an accept that finds
		 * nothing costs no access to the caller's memory. */
		r = da__peek_mem(c->pid, c->addrlen, &room, sizeof room);
		if (!da__valid(c->id)) {
			give_back(p, sock);
			return DONE;
		}
		if (r < 0 || (int)room < 0) {
			close(sock);
			da__reply(c->id, 0, r < 0 ? r : -EINVAL);
			return DONE;
		}
		/* Whether the caller is still there is the ADDFD's to say (ENOENT), below. */
		r = da__poke_two(c->pid, c->addr, peer, room < peerlen ? room : peerlen, c->addrlen, &peerlen, sizeof peerlen);
		if (r < 0 && !da__valid(c->id)) {
			/* The write failed because the caller is gone (ESRCH): the connection is not lost. */
			give_back(p, sock);
			return DONE;
		}
		if (r < 0) {
			/* As the kernel's accept: a bad buffer loses the connection (EFAULT). */
			close(sock);
			da__reply(c->id, 0, r);
			return DONE;
		}
	}
	if (ioctl(da__l.notify, SECCOMP_IOCTL_NOTIF_ADDFD, &a) < 0) {
		int failed = errno;

		/* ENOENT: interrupted meanwhile. Any other (EMFILE in the caller): the call gets it, and
		 * the connection waits for the next accept, as the kernel leaves it queued. */
		give_back(p, sock);
		if (failed != ENOENT)
			da__reply(c->id, 0, -failed);
		return DONE;
	}
	close(sock);
	return DONE;
}

/* Whether accept4 on a blocking listener returns at once: a connection, or the listener's error
 * (a listener shut down, as servers do to end their accepts, says POLLHUP and EINVAL). */
static bool acceptable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

/*
 * Differs from the kernel's accept, as the preload's: one call may accept and close (or park)
 * several connections before it returns one; a blocking caller keeps waiting meanwhile, a
 * non-blocking one gets EAGAIN once only connections that are not ready were queued.
 */
static int serve(const struct da__call *c)
{
	struct da__listener *l = c->listener;
	struct da_port_item *p = l->port;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	int status, sock, r;
	bool blocking;

	/* The kernel's accept fails this too, after taking a connection; here none is taken. */
	if (c->addr && !c->addrlen) {
		da__reply(c->id, 0, -EFAULT);
		return DONE;
	}
	/* The copy shares the caller's file status flags: its O_NONBLOCK is the caller's. */
	status = fcntl(l->copy, F_GETFL);
	blocking = status >= 0 && !(status & O_NONBLOCK);
	for (;;) {
		peerlen = sizeof peer;
		/* A blocking listener would block the launcher: look before accepting. */
		if (blocking && !acceptable(l->copy)) {
			sock = -1;
			errno = EAGAIN;
		} else {
			sock = accept4(l->copy, (struct sockaddr *)&peer, &peerlen, SOCK_CLOEXEC | (c->flags & SOCK_NONBLOCK));
		}
		if (sock < 0) {
			int failed = errno;

			if (failed != EAGAIN && failed != EWOULDBLOCK) {
				da__reply(c->id, 0, -failed);
				return DONE;
			}
			/* Nothing queued: a ready connection whose wake-up was lost goes out now. */
			sock = take_ready(p, &peer, &peerlen, c->flags);
			if (sock >= 0)
				return deliver(c, sock, &peer, peerlen);
			if (sock != -EAGAIN || !blocking) {
				da__reply(c->id, 0, sock);
				return DONE;
			}
			return PENDING;
		}
		switch (look(p, sock)) {
		case DA_WAKE_UP:
			close(sock);
			peerlen = sizeof peer;
			r = take_ready(p, &peer, &peerlen, c->flags);
			if (r == -EAGAIN)
				continue;
			if (r < 0) {
				da__reply(c->id, 0, r);
				return DONE;
			}
			return deliver(c, r, &peer, peerlen);
		case DA_READY:
		case DA_PASS:
			return deliver(c, sock, &peer, peerlen);
		case DA_DROP:
			close(sock);
			continue;
		case DA_MORE:
			if (da_park_send(p->channel, p->page, sock))
				return deliver(c, sock, &peer, peerlen);
			close(sock);
			continue;
		}
	}
}

static void on_accept(const struct seccomp_notif *n)
{
	struct da__call c = {.id = n->id, .pid = (pid_t)n->pid, .addr = n->data.args[1], .addrlen = n->data.args[2],
			     .flags = n->data.nr == __NR_accept4 ? (int)n->data.args[3] : 0};

	if (!(c.listener = listener_of(c.pid, (int)n->data.args[0]))) {
		da__continue(n->id);
		return;
	}
	if (c.flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
		da__reply(n->id, 0, -EINVAL);
		return;
	}
	if (serve(&c) == DONE)
		return;
	if (da__l.npending == DA_PENDING_MAX) {
		/* More threads blocked in accept than any server has: this one retries. */
		da__reply(n->id, 0, -EINTR);
		return;
	}
	da__l.pending[da__l.npending++] = c;
}

void da__on_notification(const struct seccomp_notif *n)
{
	if (n->data.nr == __NR_listen)
		on_listen(n);
	else if (n->data.nr == __NR_accept || n->data.nr == __NR_accept4)
		on_accept(n);
	else
		da__continue(n->id);
}

void da__retry_pending(void)
{
	size_t kept = 0;

	for (size_t i = 0; i < da__l.npending; i++) {
		struct da__call c = da__l.pending[i];

		/* Gone: a signal ended the caller's wait (EINTR, or a restart that is a new notification). */
		if (!da__valid(c.id))
			continue;
		if (serve(&c) == PENDING)
			da__l.pending[kept++] = c;
	}
	da__l.npending = kept;
}

size_t da__pending_polls(struct pollfd *out, size_t room)
{
	size_t n = 0;

	for (size_t i = 0; i < da__l.npending && n + 2 <= room; i++) {
		const struct da__listener *l = da__l.pending[i].listener;
		bool seen = false;

		for (size_t j = 0; j < n; j++)
			seen |= out[j].fd == l->copy;
		if (seen)
			continue;
		out[n++] = (struct pollfd){.fd = l->copy, .events = POLLIN};
		out[n++] = (struct pollfd){.fd = l->port->channel, .events = POLLIN};
	}
	return n;
}
