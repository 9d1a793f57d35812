/* What happens to a connection once a verdict is known, in one place: close it, give it back
 * on its channel (or hold it while the channel is full), or park it. */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "engine.h"
#include "fds.h"

/*
 * One "ready" message per connection, engine -> server (native/README.md):
 *   payload  the peer's struct sockaddr_in or sockaddr_in6, its length the message's length
 *   control  SOL_SOCKET / SCM_RIGHTS with one int: the connected TCP socket, every byte the
 *            client sent still unread in it
 * then a wake-up to the connection's own local address. -EAGAIN when the channel is full (fd
 * kept); otherwise fd is closed here, sent or not.
 */
static int give_back(struct da_engine *e, uint32_t ci, int fd)
{
	struct da_channel *ch = &e->channels[ci];
	struct sockaddr_storage peer, local;
	socklen_t peer_len = sizeof peer, local_len = sizeof local;
	/* Asked now rather than kept in every parked slot; the local address before the send,
	 * as the descriptor is the server's once it is sent. */
	if (getpeername(fd, (struct sockaddr *)&peer, &peer_len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&local, &local_len) < 0) {
		da_count(ch->count->dropped[DA_DROP_RESET]); /* ENOTCONN: reset since the verdict */
		close(fd);
		return 0;
	}
	int rc = da_send_fds(ch->fd, &peer, peer_len, &fd, 1);
	if (rc == -EAGAIN)
		return rc;
	close(fd);
	if (rc < 0) { /* EPIPE: every server closed its end; the hang-up event follows */
		da_count(ch->count->dropped[DA_DROP_NO_SERVER]);
		return 0;
	}
	da__wakeup(e, ci, (struct sockaddr *)&local, local_len);
	return 0;
}

/* Behind those already waiting, in order; the channel is watched for room meanwhile. */
static void hold(struct da_engine *e, uint32_t ci, uint32_t i)
{
	struct da_channel *ch = &e->channels[ci];
	if (ch->held_head == DA_NIL)
		da__watch(e, ch->fd, EPOLLIN | EPOLLOUT, DA_KIND_CHANNEL, 0, ci);
	da__park_slot(e, i)->held = 1;
	da__list_push(e, &ch->held_head, &ch->held_tail, i);
	da_count_add(ch->count->held, 1);
}

/* slot: the connection's park slot, off its parked list already, or DA_NIL for one that was
 * never parked (state: its chain's state for DA_MORE). */
void da__settle(struct da_engine *e, uint32_t ci, int fd, uint32_t slot, enum da_verdict v,
		const void *state)
{
	struct da_channel *ch = &e->channels[ci];
	if (v == DA_MORE) {
		da__park(e, ci, fd, state);
		return;
	}
	if (v == DA_DROP || (ch->held_head == DA_NIL && give_back(e, ci, fd) == 0)) {
		if (v == DA_DROP)
			close(fd); /* also leaves epoll: nobody else holds this file */
		if (slot != DA_NIL)
			da__park_free(e, slot);
		return;
	}
	if (slot == DA_NIL && (slot = da__park_take(e)) == DA_NIL) {
		da_count(ch->count->dropped[DA_DROP_PARK_FULL]);
		close(fd);
		return;
	}
	struct da_park *p = da__park_slot(e, slot);
	p->fd = fd;
	p->channel = ci;
	hold(e, ci, slot);
}

/* Room on the channel: what it holds goes out, oldest first. */
void da__drain(struct da_engine *e, uint32_t ci)
{
	struct da_channel *ch = &e->channels[ci];
	uint32_t i;
	while ((i = ch->held_head) != DA_NIL) {
		if (give_back(e, ci, da__park_slot(e, i)->fd) == -EAGAIN)
			return;
		da__list_remove(e, &ch->held_head, &ch->held_tail, i);
		da_count_sub(ch->count->held, 1);
		da__park_free(e, i);
	}
	da__watch(e, ch->fd, EPOLLIN, DA_KIND_CHANNEL, 0, ci);
}
