/* Listeners: setting one up, and the fast path from accept4 to a verdict. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "engine.h"

/* Accepts per readiness event: bounded so that one busy listener cannot starve the others or
 * the parked connections' deadlines; the listener stays readable and comes back at once. */
#define ACCEPT_BATCH 64
/* How often a quiet listener checks whether connections queue up behind the one it accepts. */
#define PROBE_EVERY 16

static int set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static char *format_address(int fd)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof a;
	char host[INET6_ADDRSTRLEN] = "?", text[INET6_ADDRSTRLEN + 16];
	unsigned port = 0;
	if (getsockname(fd, (struct sockaddr *)&a, &len) == 0 && a.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		port = ntohs(in6->sin6_port);
		snprintf(text, sizeof text, "[%s]:%u", host, port);
		return strdup(text);
	}
	if (a.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&a;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		port = ntohs(in->sin_port);
	}
	snprintf(text, sizeof text, "%s:%u", host, port);
	return strdup(text);
}

static int setup_sockets(struct da_engine *e, uint32_t li, const struct da_listener_spec *s)
{
	/* The kernel holds a client that has not sent yet; the engine's own deadline does the rest. */
	int seconds = s->timeout_ms / 1000 + (s->timeout_ms % 1000 != 0);
	if (seconds < 1)
		seconds = 1;
	if (setsockopt(s->listen_fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof seconds) < 0)
		return -errno;
	int rc = set_nonblock(s->listen_fd);
	if (rc == 0)
		rc = set_nonblock(s->handover_fd);
	if (rc < 0)
		return rc;
	/* The kernel doubles the value; FORCE passes wmem_max when we are allowed to. */
	int sndbuf = (int)(s->backlog * DA_HANDOVER_MESSAGE_BYTES / 2);
	if (setsockopt(s->handover_fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0 &&
	    setsockopt(s->handover_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) < 0)
		return -errno;
	rc = da__epoll(e, EPOLL_CTL_ADD, s->listen_fd, EPOLLIN, DA_TAG(DA_TAG_LISTEN, li));
	if (rc < 0)
		return rc;
	rc = da__epoll(e, EPOLL_CTL_ADD, s->handover_fd, EPOLLIN, DA_TAG(DA_TAG_HANDOVER, li));
	/* The listening socket outlives this failure in the server (bind mode): its watch would
	 * go on reporting events for a listener index that is not this one's. */
	if (rc < 0)
		da__epoll(e, EPOLL_CTL_DEL, s->listen_fd, 0, 0);
	return rc;
}

int da__listener_add(struct da_engine *e, const struct da_listener_spec *s, char *err,
		     size_t err_size)
{
	struct da_chain *chain;
	int rc = da_chain_create(s->chain, e->plugin_dir, &chain, err, err_size);
	if (rc < 0)
		return rc;
	if (e->listener_count == e->listener_cap) {
		uint32_t cap = e->listener_cap ? e->listener_cap * 2 : 4;
		struct da_listener *grown = realloc(e->listeners, cap * sizeof *grown);
		if (!grown) {
			rc = -ENOMEM;
			goto fail;
		}
		e->listeners = grown;
		e->listener_cap = cap;
	}
	uint32_t li = e->listener_count;
	struct da_listener *l = &e->listeners[li];
	*l = (struct da_listener){
		.listen_fd = s->listen_fd, .handover_fd = s->handover_fd, .chain = chain,
		.timeout_ms = s->timeout_ms, .backlog = s->backlog, .pass_on_timeout = s->pass_on_timeout,
		.park_head = DA_NIL, .park_tail = DA_NIL, .held_head = DA_NIL, .held_tail = DA_NIL,
	};
	l->peek_size = da_chain_peek_limit(chain) ? da_chain_peek_limit(chain) : 1;
	l->peek = malloc(l->peek_size);
	l->address = s->address ? strdup(s->address) : format_address(s->listen_fd);
	rc = !l->peek || !l->address ? -ENOMEM : da__park_fit(e, da_chain_state_size(chain));
	if (rc == 0)
		rc = setup_sockets(e, li, s);
	if (rc == 0) {
		e->listener_count++;
		e->live_handovers++;
		return 0;
	}
	free(l->peek);
	free(l->address);
	snprintf(err, err_size, "cannot set up listener fd %d, hand-over fd %d: %s", s->listen_fd,
		 s->handover_fd, strerror(-rc));
fail:
	da_chain_destroy(chain);
	return rc;
}

int da__listener_pause(struct da_engine *e, uint32_t li, bool paused)
{
	struct da_listener *l = &e->listeners[li];
	l->blocked = paused;
	int rc = da__epoll(e, EPOLL_CTL_MOD, l->listen_fd, paused ? 0 : EPOLLIN,
			   DA_TAG(DA_TAG_LISTEN, li));
	if (rc == 0)
		rc = da__epoll(e, EPOLL_CTL_MOD, l->handover_fd, EPOLLIN | (paused ? EPOLLOUT : 0),
			       DA_TAG(DA_TAG_HANDOVER, li));
	return rc;
}

enum da_verdict da__judge(const struct da_listener *l, enum da_verdict v, size_t n, bool eof,
			  int *reason)
{
	if (v == DA_MORE && n >= l->peek_size) {
		*reason = DA_PASS_OVERSIZE; /* fail open: the server decides what to do with it */
		return DA_PASS;
	}
	if (v == DA_MORE && eof) /* no byte will ever come to complete it */
		v = DA_DROP;
	*reason = v == DA_PASS ? DA_PASS_VERDICT : eof ? DA_DROP_EOF : DA_DROP_FILTER;
	return v;
}

void da__settle(struct da_listener *l, int fd, enum da_verdict v, int reason)
{
	if (v == DA_READY) {
		l->count.ready++;
	} else if (v == DA_PASS) {
		l->count.passed++;
		l->count.passed_on[reason]++;
	} else if (v == DA_DROP) {
		l->count.dropped[reason]++;
		close(fd);
	}
}

/*
 * Out of descriptors: without a descriptor to accept into, a listening socket stays readable and
 * the loop would spin. Free the spare, accept one connection and close it, take the spare back.
 * Unreliable where the limit is system-wide (ENFILE): another process may take the freed
 * descriptor first; then accept fails again, the spare is gone, and the loop retries on the next
 * event until descriptors come back. True when one connection was shed.
 */
bool da__shed(struct da_engine *e, int listen_fd)
{
	if (e->spare_fd < 0)
		e->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (e->spare_fd < 0)
		return false;
	close(e->spare_fd);
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	e->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return fd >= 0;
}

static bool shed(struct da_engine *e, struct da_listener *l)
{
	if (!da__shed(e, l->listen_fd))
		return false;
	l->count.accepted++;
	l->count.dropped[DA_DROP_SHED]++;
	return true;
}

/* The fast path: one peek, one check, and for a whole request the hand-over, no epoll. */
static void inspect(struct da_engine *e, uint32_t li, int fd, const struct sockaddr *peer,
		    socklen_t len, bool nonblock)
{
	struct da_listener *l = &e->listeners[li];
	unsigned char state[DA_CHAIN_MAX * DA_FILTER_STATE_MAX] __attribute__((aligned(8)));
	size_t state_size = da_chain_state_size(l->chain);
	memset(state, 0, state_size);
	ssize_t n = recv(fd, l->peek, l->peek_size, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && errno != EAGAIN) {
		l->count.dropped[DA_DROP_RESET]++;
		close(fd);
		return;
	}
	size_t got = n < 0 ? 0 : (size_t)n;
	bool eof = n == 0;
	int reason;
	enum da_verdict v = da_chain_check(l->chain, state, l->peek, got, eof ? DA_CHECK_EOF : 0);
	v = da__judge(l, v, got, eof, &reason);
	if (v == DA_MORE) {
		da__park(e, li, fd, state, state_size, nonblock);
		return;
	}
	da__settle(l, fd, v, reason);
	if (v != DA_DROP)
		da__handover(e, li, fd, peer, len, nonblock);
}

/*
 * A quiet listener gets one accept per readiness event, as nginx without multi_accept: looping
 * to EAGAIN would cost a second accept4 for every connection (bench/RESULTS.md, fast path).
 * Every PROBE_EVERY-th event, and for as long as that keeps finding two or more connections
 * waiting, the event accepts until EAGAIN or the batch: under load the empty accept4 is shared
 * by the whole batch.
 */
void da__listener_accept(struct da_engine *e, uint32_t li)
{
	struct da_listener *first = &e->listeners[li];
	bool batch = first->busy || ++first->quiet_events % PROBE_EVERY == 0;
	int accepted = 0;
	for (int i = 0; i < (batch ? ACCEPT_BATCH : 1); i++) {
		struct da_listener *l = &e->listeners[li];
		if (l->blocked || l->hung_up)
			break;
		struct sockaddr_storage peer;
		socklen_t len = sizeof peer;
		/* Accepted in the mode the server asked for, so that the hand-over needs no fcntl. */
		bool nonblock = l->server_nonblock;
		int fd = accept4(l->listen_fd, (struct sockaddr *)&peer, &len,
				 SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    ((errno == EMFILE || errno == ENFILE) && shed(e, l)))
				continue;
			break; /* EAGAIN, or an error the next readiness event retries */
		}
		l->count.accepted++;
		accepted++;
		inspect(e, li, fd, (struct sockaddr *)&peer, len, nonblock);
	}
	if (batch)
		e->listeners[li].busy = accepted >= 2;
}
