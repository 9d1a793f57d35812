/* The hand-over: one sendmsg per ready connection on its listener's SEQPACKET pair, and the
 * backpressure of a server that does not keep up. */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "engine.h"

/*
 * One message per connection, engine -> server:
 *   payload  the peer's struct sockaddr_in or sockaddr_in6, its length the message's length
 *   control  SOL_SOCKET / SCM_RIGHTS with one int: the connected TCP socket, every byte the
 *            client sent still unread in it
 * Sends fd unless the pair is full (-EAGAIN, fd kept); otherwise fd is closed here. */
static int send_or_close(struct da_listener *l, int fd, const struct sockaddr *peer,
			 socklen_t len, bool nonblock)
{
	/* Accepted in the mode the server wanted then; it changed its mind since (rare). */
	if (nonblock != l->server_nonblock)
		fcntl(fd, F_SETFL, l->server_nonblock ? O_NONBLOCK : 0);
	int rc = da__send_fds(l->handover_fd, peer, len, &fd, 1);
	if (rc == -EAGAIN)
		return rc;
	if (rc < 0) /* EPIPE: every server closed its end; the hang-up event follows */
		l->count.dropped[DA_DROP_NO_SERVER]++;
	close(fd);
	return 0;
}

/* A parked connection's peer address: asked again rather than kept in every parked slot. */
static int send_slot(struct da_engine *e, uint32_t i)
{
	struct da_park *p = da__park_slot(e, i);
	struct da_listener *l = &e->listeners[p->listener];
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	if (getpeername(p->fd, (struct sockaddr *)&peer, &len) < 0) {
		l->count.dropped[DA_DROP_RESET]++;
		close(p->fd);
		return 0;
	}
	return send_or_close(l, p->fd, (struct sockaddr *)&peer, len, p->flags & DA_PARK_NONBLOCK);
}

static void hold(struct da_engine *e, uint32_t li, uint32_t i)
{
	struct da_listener *l = &e->listeners[li];
	if (!l->blocked)
		da__listener_pause(e, li, true);
	da__park_slot(e, i)->flags |= DA_PARK_HELD;
	da__list_push(e, &l->held_head, &l->held_tail, i);
	l->count.held++;
}

void da__handover(struct da_engine *e, uint32_t li, int fd, const struct sockaddr *peer,
		  socklen_t len, bool nonblock)
{
	struct da_listener *l = &e->listeners[li];
	if (send_or_close(l, fd, peer, len, nonblock) == 0)
		return;
	uint32_t i = da__park_take(e);
	if (i == DA_NIL) {
		l->count.dropped[DA_DROP_PARK_FULL]++;
		close(fd);
		return;
	}
	struct da_park *p = da__park_slot(e, i);
	*p = (struct da_park){.fd = fd, .listener = li, .flags = nonblock ? DA_PARK_NONBLOCK : 0,
			      .generation = (uint16_t)(p->generation + 1)};
	hold(e, li, i);
}

void da__handover_parked(struct da_engine *e, uint32_t i)
{
	struct da_park *p = da__park_slot(e, i);
	uint32_t li = p->listener;
	/* The file lives on in the server after our close: so would its epoll registration. */
	da__epoll(e, EPOLL_CTL_DEL, p->fd, 0, 0);
	if (e->listeners[li].blocked || send_slot(e, i) == -EAGAIN)
		hold(e, li, i); /* behind those already waiting, in order */
	else
		da__park_free(e, i);
}

static void drain(struct da_engine *e, uint32_t li)
{
	struct da_listener *l = &e->listeners[li];
	uint32_t i;
	while ((i = l->held_head) != DA_NIL) {
		if (send_slot(e, i) == -EAGAIN)
			return;
		da__list_remove(e, &l->held_head, &l->held_tail, i);
		l->count.held--;
		da__park_free(e, i);
	}
	da__listener_pause(e, li, false);
}

/* Every process holding the server's end has closed it: nobody will accept from here on. */
static void hang_up(struct da_engine *e, uint32_t li)
{
	struct da_listener *l = &e->listeners[li];
	l->hung_up = true;
	da__park_close_all(e, li);
	if (l->kept)
		da__keep_forget(e, l->handover_fd);
	close(l->listen_fd); /* our copy only: the wrapper keeps its own */
	close(l->handover_fd);
	e->live_handovers--;
}

void da__handover_event(struct da_engine *e, uint32_t li, uint32_t events)
{
	struct da_listener *l = &e->listeners[li];
	if (l->hung_up)
		return;
	/* Requests from the server side, one byte each: 'N' hand over non-blocking, 'B' blocking. */
	char request[16];
	ssize_t n;
	while ((n = recv(l->handover_fd, request, sizeof request, MSG_DONTWAIT)) > 0)
		if (n == 1 && (request[0] == 'N' || request[0] == 'B'))
			l->server_nonblock = request[0] == 'N';
	if (events & (EPOLLHUP | EPOLLERR))
		hang_up(e, li);
	else if (events & EPOLLOUT)
		drain(e, li);
}
