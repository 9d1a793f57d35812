/* Channels: taking one over from a dead engine, the "park" messages of its servers, and its
 * hang-up. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine.h"
#include "fds.h"
#include "verdict.h"

/* Messages taken per readiness event: one server that sends fast cannot starve the others or
 * the deadlines; the channel is level-triggered and comes back at once. */
#define RECEIVE_BATCH 64

/* What a dead engine had parked or held is gone with it: counted once, by the next engine. */
static void take_over(struct da_page *page)
{
	struct da_counters *c = &page->count;
	uint32_t lost = __atomic_exchange_n(&c->parked, 0, __ATOMIC_RELAXED) +
			__atomic_exchange_n(&c->held, 0, __ATOMIC_RELAXED);
	da_count_add(c->dropped[DA_DROP_ENGINE], lost);
	__atomic_store_n(&page->engine_pid, (int32_t)getpid(), __ATOMIC_RELAXED);
	da_count(c->engine_starts);
}

static int set_up_socket(int fd, uint32_t backlog)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	/* The kernel doubles the value; FORCE passes wmem_max when we are allowed to. */
	int sndbuf = (int)(backlog * DA_READY_MESSAGE_BYTES / 2);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) < 0)
		return -errno;
	return 0;
}

static uint32_t free_slot(const struct da_engine *e)
{
	for (uint32_t ci = 0; ci < e->channel_count; ci++)
		if (!e->channels[ci].page)
			return ci;
	return e->channel_count < DA_MAX_CHANNELS ? e->channel_count : DA_NIL;
}

int da__channel_add(struct da_engine *e, const struct da_channel_spec *s, struct da_page *page,
		    char *err, size_t err_size)
{
	uint32_t ci = free_slot(e);
	if (ci == DA_NIL) {
		snprintf(err, err_size, "more than %u channels", DA_MAX_CHANNELS);
		return -ENOSPC;
	}
	char name[sizeof page->chain];
	snprintf(name, sizeof name, "%.*s", (int)sizeof name - 1, s->chain ? s->chain : page->chain);
	struct da_chain *chain;
	int rc = da_chain_create(name, e->plugin_dir, &chain, err, err_size);
	if (rc < 0)
		return rc;
	struct da_channel *ch = &e->channels[ci];
	*ch = (struct da_channel){
		.fd = s->channel_fd, .page = page, .count = &page->count, .chain = chain,
		.timeout_ms = page->timeout_ms < DA_MAX_TIMEOUT_MS ? page->timeout_ms : DA_MAX_TIMEOUT_MS,
		.pass_on_timeout = page->pass_on_timeout != 0,
		.park_head = DA_NIL, .park_tail = DA_NIL, .held_head = DA_NIL, .held_tail = DA_NIL,
	};
	ch->peek_size = da_chain_peek_limit(chain) ? da_chain_peek_limit(chain) : 1;
	ch->peek = malloc(ch->peek_size);
	rc = !ch->peek ? -ENOMEM : da__park_fit(e, da_chain_state_size(chain));
	if (rc == 0)
		rc = set_up_socket(s->channel_fd, s->backlog);
	if (rc == 0)
		rc = da__watch(e, s->channel_fd, EPOLLIN, DA_KIND_CHANNEL, 0, ci);
	if (rc < 0) {
		snprintf(err, err_size, "cannot set up channel fd %d: %s", s->channel_fd, strerror(-rc));
		free(ch->peek);
		da_chain_destroy(chain);
		ch->page = NULL;
		return rc;
	}
	take_over(page);
	if (ci == e->channel_count)
		e->channel_count++;
	e->live++;
	return (int)ci;
}

/* A connection a server's chain said MORE for: peeked again at once, as it may have become
 * ready on its way here. */
static void admit(struct da_engine *e, uint32_t ci, int fd)
{
	struct da_channel *ch = &e->channels[ci];
	unsigned char state[DA_CHAIN_MAX * DA_FILTER_STATE_MAX] __attribute__((aligned(8)));
	memset(state, 0, da_chain_state_size(ch->chain));
	ssize_t n = recv(fd, ch->peek, ch->peek_size, MSG_PEEK | MSG_DONTWAIT);
	if (da__wakeup_returned(e, ci, fd, n)) {
		close(fd);
		return;
	}
	enum da_verdict v = da_look(ch->chain, state, ch->peek, n, errno, false, ch->peek_size,
				    ch->count);
	da__settle(e, ci, fd, DA_NIL, v, state);
}

/*
 * One message per connection to park, server -> engine:
 *   payload  one byte, 'P'
 *   control  SOL_SOCKET / SCM_RIGHTS with one int: an accepted TCP socket
 * Anything else is not the contract's: its descriptors are closed and it is ignored. With
 * `gone` (the servers hung up) every connection is closed, counted as no_server.
 */
static void receive(struct da_engine *e, uint32_t ci, bool gone)
{
	struct da_channel *ch = &e->channels[ci];
	for (int i = 0; gone || i < RECEIVE_BATCH; i++) {
		char message[16];
		int fds[DA_FDS_MAX], flags;
		size_t count;
		ssize_t n = da_recv_fds(ch->fd, message, sizeof message, fds, &count, &flags, 1);
		if (n == -EINTR)
			continue;
		if (n < 0 || (n == 0 && count == 0)) /* EAGAIN, or the end of a hung-up channel */
			return;
		bool park = n == 1 && message[0] == 'P' && !(flags & MSG_TRUNC);
		if (park && count == 1 && !gone) {
			admit(e, ci, fds[0]);
			continue;
		}
		for (size_t k = 0; k < count; k++)
			close(fds[k]);
		if (park && gone)
			da_count(ch->count->dropped[DA_DROP_NO_SERVER]);
		/* Out of descriptors: the kernel closed the one it could not install, and the next
		 * one needs room. Unreliable where the limit is system-wide (ENFILE): another process
		 * may take the freed descriptor first. */
		if (park && (flags & MSG_CTRUNC) && count == 0) {
			da_count(ch->count->dropped[DA_DROP_PARK_FULL]);
			da__park_evict_oldest(e);
		}
	}
}

/* Every process holding the server end has closed it: nobody will accept from here on. */
static void hang_up(struct da_engine *e, uint32_t ci)
{
	struct da_channel *ch = &e->channels[ci];
	receive(e, ci, true);
	da__park_close_all(e, ci, DA_DROP_NO_SERVER);
	da__unwatch(e, ch->fd);
	close(ch->fd); /* our copy: the wrapper keeps its own */
	ch->fd = -1;
	ch->hung_up = true;
	for (uint32_t i = 0; i < DA_MAX_WAKEUPS; i++) /* their listener is as gone as the servers */
		if (e->wakeups[i].fd >= 0 && e->wakeups[i].channel == ci) {
			close(e->wakeups[i].fd);
			e->wakeups[i].fd = -1;
		}
	e->live--;
	/* Such a channel lives in this engine only: its slot is for the next `channel` request. */
	if (ch->from_control) {
		da_chain_destroy(ch->chain);
		free(ch->peek);
		munmap(ch->page, DA_PAGE_SIZE);
		*ch = (struct da_channel){.fd = -1};
		e->control_channels--;
	}
}

void da__channel_event(struct da_engine *e, uint32_t ci, uint32_t events)
{
	struct da_channel *ch = &e->channels[ci];
	if (ch->fd < 0) /* fetched in the batch that hung it up */
		return;
	if (events & (EPOLLHUP | EPOLLERR)) {
		hang_up(e, ci);
		return;
	}
	if (events & EPOLLIN)
		receive(e, ci, false);
	if (events & EPOLLOUT)
		da__drain(e, ci);
}
