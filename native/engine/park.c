/* The park table: connections whose request is not whole yet, their deadlines, and eviction. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h"
#include "verdict.h"

/* The table starts this small and doubles up to --max-parked: most engines park few. */
#define INITIAL_SLOTS 64

struct da_park *da__park_slot(const struct da_engine *e, uint32_t i)
{
	return (struct da_park *)(e->park.slots + (size_t)i * e->park.stride);
}

void da__list_push(struct da_engine *e, uint32_t *head, uint32_t *tail, uint32_t i)
{
	struct da_park *p = da__park_slot(e, i);
	p->prev = *tail;
	p->next = DA_NIL;
	if (*tail != DA_NIL)
		da__park_slot(e, *tail)->next = i;
	else
		*head = i;
	*tail = i;
}

void da__list_remove(struct da_engine *e, uint32_t *head, uint32_t *tail, uint32_t i)
{
	struct da_park *p = da__park_slot(e, i);
	if (p->prev != DA_NIL)
		da__park_slot(e, p->prev)->next = p->next;
	else
		*head = p->next;
	if (p->next != DA_NIL)
		da__park_slot(e, p->next)->prev = p->prev;
	else
		*tail = p->prev;
}

/* Re-spaces the slots in place, last first, when a channel's chain needs more state. */
int da__park_fit(struct da_engine *e, size_t state_size)
{
	struct da_park_table *t = &e->park;
	size_t stride = (sizeof(struct da_park) + state_size + 7) & ~(size_t)7;
	if (stride <= t->stride)
		return 0;
	if (t->capacity) {
		unsigned char *grown = realloc(t->slots, t->capacity * stride);
		if (!grown)
			return -ENOMEM;
		for (uint32_t i = t->capacity; i-- > 0;)
			memmove(grown + i * stride, grown + i * t->stride, t->stride);
		t->slots = grown;
	}
	t->stride = stride;
	return 0;
}

static int grow(struct da_engine *e)
{
	struct da_park_table *t = &e->park;
	uint32_t cap = t->capacity ? t->capacity * 2 : INITIAL_SLOTS;
	if (cap > t->max)
		cap = t->max;
	if (cap <= t->capacity)
		return -ENOSPC;
	unsigned char *grown = realloc(t->slots, cap * t->stride);
	if (!grown)
		return -ENOMEM;
	t->slots = grown;
	for (uint32_t i = cap; i-- > t->capacity;) {
		da__park_slot(e, i)->fd = -1;
		da__park_slot(e, i)->generation = 0;
		da__park_slot(e, i)->next = t->free_head;
		t->free_head = i;
	}
	t->capacity = cap;
	return 0;
}

void da__park_free(struct da_engine *e, uint32_t i)
{
	struct da_park *p = da__park_slot(e, i);
	p->fd = -1;
	p->next = e->park.free_head;
	e->park.free_head = i;
	e->park.used--;
}

/* Takes a parked connection off its channel's list and out of epoll, recording how long it
 * waited: the descriptor may live on in a server, and so would its registration. */
void da__park_leave(struct da_engine *e, uint32_t i)
{
	struct da_park *p = da__park_slot(e, i);
	struct da_channel *ch = &e->channels[p->channel];
	da__list_remove(e, &ch->park_head, &ch->park_tail, i);
	da__unwatch(e, p->fd);
	da_count_sub(ch->count->parked, 1);
	da__stats_park_time(ch->count, da__now(e) - (p->deadline - ch->timeout_ms));
}

static void drop(struct da_engine *e, uint32_t i, enum da_drop reason)
{
	struct da_park *p = da__park_slot(e, i);
	struct da_channel *ch = &e->channels[p->channel];
	da_count(ch->count->dropped[reason]);
	da__park_leave(e, i);
	da__settle(e, p->channel, p->fd, i, DA_DROP, NULL);
}

/* The oldest parked connection of all channels: the head of one channel's list. */
void da__park_evict_oldest(struct da_engine *e)
{
	uint32_t oldest = DA_NIL, oldest_start = 0;
	for (uint32_t ci = 0; ci < e->channel_count; ci++) {
		struct da_channel *ch = &e->channels[ci];
		if (ch->fd < 0 || ch->park_head == DA_NIL)
			continue;
		uint32_t start = da__park_slot(e, ch->park_head)->deadline - ch->timeout_ms;
		if (oldest == DA_NIL || (int32_t)(start - oldest_start) < 0) {
			oldest = ch->park_head;
			oldest_start = start;
		}
	}
	if (oldest != DA_NIL)
		drop(e, oldest, DA_DROP_PARK_FULL);
}

/* A free slot, made by evicting the oldest parked when the table is at --max-parked; DA_NIL
 * when every slot holds a ready connection waiting for a server. */
uint32_t da__park_take(struct da_engine *e)
{
	struct da_park_table *t = &e->park;
	if (t->free_head == DA_NIL && grow(e) < 0)
		da__park_evict_oldest(e);
	uint32_t i = t->free_head;
	if (i != DA_NIL) {
		t->free_head = da__park_slot(e, i)->next;
		t->used++;
		da__park_slot(e, i)->generation++;
	}
	return i;
}

void da__park(struct da_engine *e, uint32_t ci, int fd, const void *state)
{
	struct da_channel *ch = &e->channels[ci];
	uint32_t i = da__park_take(e);
	if (i == DA_NIL) { /* every slot holds a ready connection waiting for a server */
		da_count(ch->count->dropped[DA_DROP_PARK_FULL]);
		close(fd);
		return;
	}
	struct da_park *p = da__park_slot(e, i);
	p->fd = fd;
	p->deadline = da__now(e) + ch->timeout_ms;
	p->channel = ci;
	p->held = 0;
	memcpy(p->state, state, da_chain_state_size(ch->chain));
	da__list_push(e, &ch->park_head, &ch->park_tail, i);
	da_count_add(ch->count->parked, 1);
	/* Edge-triggered: the engine only peeks, so the bytes stay queued and a level-triggered
	 * watch would report every parked connection on every epoll_wait (one core spinning on
	 * recv(MSG_PEEK) for idle clients). An edge comes with each new segment, FIN or RST, and
	 * the watch reports bytes that came between the first peek and now. */
	if (da__watch(e, fd, EPOLLIN | EPOLLRDHUP | EPOLLET, DA_KIND_PARKED, p->generation, i) < 0)
		drop(e, i, DA_DROP_PARK_FULL); /* out of epoll watches (max_user_watches) */
}

void da__park_event(struct da_engine *e, uint32_t i, uint16_t generation, uint32_t events)
{
	struct da_park *p = da__park_slot(e, i);
	/* An event for a connection an earlier event of this batch settled, or evicted. */
	if (i >= e->park.capacity || p->fd < 0 || p->held || p->generation != generation)
		return;
	struct da_channel *ch = &e->channels[p->channel];
	ssize_t n = -1;
	int err = ECONNRESET; /* EPOLLERR: RST, or an error the socket holds */
	if (!(events & EPOLLERR)) {
		n = recv(p->fd, ch->peek, ch->peek_size, MSG_PEEK | MSG_DONTWAIT);
		err = errno;
	}
	if (da__wakeup_returned(e, p->channel, p->fd, n)) {
		da__park_leave(e, i);
		close(p->fd);
		da__park_free(e, i);
		return;
	}
	bool hup = events & (EPOLLRDHUP | EPOLLHUP);
	enum da_verdict v = da_look(ch->chain, p->state, ch->peek, n, err, hup, ch->peek_size,
				    ch->count);
	if (v == DA_MORE)
		return;
	da__park_leave(e, i);
	da__settle(e, p->channel, p->fd, i, v, NULL);
}

int da__park_wait_ms(struct da_engine *e)
{
	int wait = -1;
	uint32_t now = da__now(e);
	for (uint32_t ci = 0; ci < e->channel_count; ci++) {
		struct da_channel *ch = &e->channels[ci];
		if (ch->fd < 0 || ch->park_head == DA_NIL)
			continue;
		int32_t left = (int32_t)(da__park_slot(e, ch->park_head)->deadline - now);
		if (left < 0)
			left = 0;
		if (wait < 0 || left < wait)
			wait = left;
	}
	return wait;
}

void da__park_expire(struct da_engine *e)
{
	uint32_t now = da__now(e);
	for (uint32_t ci = 0; ci < e->channel_count; ci++) {
		struct da_channel *ch = &e->channels[ci];
		uint32_t i;
		while (ch->fd >= 0 && (i = ch->park_head) != DA_NIL &&
		       (int32_t)(now - da__park_slot(e, i)->deadline) >= 0) {
			if (!ch->pass_on_timeout) {
				drop(e, i, DA_DROP_TIMEOUT);
				continue;
			}
			da_count(ch->count->passed);
			da_count(ch->count->passed_on[DA_PASS_TIMEOUT]);
			da__park_leave(e, i);
			da__settle(e, ci, da__park_slot(e, i)->fd, i, DA_PASS, NULL);
		}
	}
}

void da__park_close_all(struct da_engine *e, uint32_t ci, enum da_drop reason)
{
	struct da_channel *ch = &e->channels[ci];
	while (ch->park_head != DA_NIL)
		drop(e, ch->park_head, reason);
	while (ch->held_head != DA_NIL) {
		uint32_t i = ch->held_head;
		da__list_remove(e, &ch->held_head, &ch->held_tail, i);
		da_count_sub(ch->count->held, 1);
		da_count(ch->count->dropped[reason]);
		close(da__park_slot(e, i)->fd);
		da__park_free(e, i);
	}
}
