/* The park table: connections whose request is not whole yet, their deadlines, and eviction. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "engine.h"

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

/* Re-spaces the slots in place, last first, when a listener's chain needs more state. */
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

/* Takes a parked connection off its listener's list, recording how long it waited. */
static void leave(struct da_engine *e, uint32_t i)
{
	struct da_park *p = da__park_slot(e, i);
	struct da_listener *l = &e->listeners[p->listener];
	da__list_remove(e, &l->park_head, &l->park_tail, i);
	l->count.parked--;
	da__stats_park_time(&l->count, da__now(e) - (p->deadline - l->timeout_ms));
}

static void drop(struct da_engine *e, uint32_t i, enum da_drop reason)
{
	struct da_park *p = da__park_slot(e, i);
	leave(e, i);
	e->listeners[p->listener].count.dropped[reason]++;
	close(p->fd); /* also leaves epoll: nobody else holds this file */
	da__park_free(e, i);
}

/* The oldest parked connection of all listeners: the head of one listener's list. */
static void evict_oldest(struct da_engine *e)
{
	uint32_t oldest = DA_NIL, oldest_start = 0;
	for (uint32_t li = 0; li < e->listener_count; li++) {
		struct da_listener *l = &e->listeners[li];
		if (l->park_head == DA_NIL)
			continue;
		uint32_t start = da__park_slot(e, l->park_head)->deadline - l->timeout_ms;
		if (oldest == DA_NIL || (int32_t)(start - oldest_start) < 0) {
			oldest = l->park_head;
			oldest_start = start;
		}
	}
	if (oldest != DA_NIL)
		drop(e, oldest, DA_DROP_PARK_FULL);
}

uint32_t da__park_take(struct da_engine *e)
{
	struct da_park_table *t = &e->park;
	if (t->free_head == DA_NIL && grow(e) < 0)
		evict_oldest(e);
	uint32_t i = t->free_head;
	if (i != DA_NIL) {
		t->free_head = da__park_slot(e, i)->next;
		t->used++;
	}
	return i;
}

void da__park(struct da_engine *e, uint32_t li, int fd, const void *state, size_t state_size,
	      bool nonblock)
{
	uint32_t i = da__park_take(e);
	struct da_listener *l = &e->listeners[li];
	if (i == DA_NIL) { /* every slot holds a ready connection waiting for the server */
		l->count.dropped[DA_DROP_PARK_FULL]++;
		close(fd);
		return;
	}
	struct da_park *p = da__park_slot(e, i);
	*p = (struct da_park){.fd = fd, .deadline = da__now(e) + l->timeout_ms, .listener = li,
			      .flags = nonblock ? DA_PARK_NONBLOCK : 0,
			      .generation = (uint16_t)(p->generation + 1)};
	memcpy(p->state, state, state_size);
	da__list_push(e, &l->park_head, &l->park_tail, i);
	l->count.parked++;
	/* Edge-triggered: the engine only peeks, so the bytes stay queued and a level-triggered
	 * watch would report every parked connection on every epoll_wait (one core spinning on
	 * recv(MSG_PEEK) for idle clients). An edge comes with each new segment, FIN or RST. */
	if (da__epoll(e, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP | EPOLLET,
		      DA_TAG_GEN(DA_TAG_PARKED, p->generation, i)) < 0)
		drop(e, i, DA_DROP_PARK_FULL); /* out of epoll watches (max_user_watches) */
}

void da__park_event(struct da_engine *e, uint32_t i, uint16_t generation, uint32_t events)
{
	struct da_park *p = da__park_slot(e, i);
	/* An event for a connection an earlier event of this batch settled, or evicted. */
	if (i >= e->park.capacity || p->fd < 0 || (p->flags & DA_PARK_HELD) ||
	    p->generation != generation)
		return;
	struct da_listener *l = &e->listeners[p->listener];
	ssize_t n = -1;
	if (!(events & EPOLLERR))
		n = recv(p->fd, l->peek, l->peek_size, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && ((events & EPOLLERR) || errno != EAGAIN)) {
		drop(e, i, DA_DROP_RESET);
		return;
	}
	if (n < 0)
		return;
	/* TCP delivers in order: once the FIN is seen, every byte before it is in the queue. */
	bool eof = n == 0 || (events & (EPOLLRDHUP | EPOLLHUP));
	int reason;
	enum da_verdict v = da_chain_check(l->chain, p->state, l->peek, (size_t)n,
					   eof ? DA_CHECK_EOF : 0);
	v = da__judge(l, v, (size_t)n, eof, &reason);
	if (v == DA_MORE)
		return;
	leave(e, i);
	da__settle(l, p->fd, v, reason);
	if (v == DA_DROP)
		da__park_free(e, i);
	else
		da__handover_parked(e, i);
}

int da__park_wait_ms(struct da_engine *e)
{
	int wait = -1;
	uint32_t now = da__now(e);
	for (uint32_t li = 0; li < e->listener_count; li++) {
		struct da_listener *l = &e->listeners[li];
		if (l->park_head == DA_NIL)
			continue;
		int32_t left = (int32_t)(da__park_slot(e, l->park_head)->deadline - now);
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
	for (uint32_t li = 0; li < e->listener_count; li++) {
		struct da_listener *l = &e->listeners[li];
		uint32_t i;
		while ((i = l->park_head) != DA_NIL &&
		       (int32_t)(now - da__park_slot(e, i)->deadline) >= 0) {
			if (!l->pass_on_timeout) {
				drop(e, i, DA_DROP_TIMEOUT);
				continue;
			}
			leave(e, i);
			da__settle(l, -1, DA_PASS, DA_PASS_TIMEOUT);
			da__handover_parked(e, i);
		}
	}
}

void da__park_close_all(struct da_engine *e, uint32_t li)
{
	struct da_listener *l = &e->listeners[li];
	while (l->park_head != DA_NIL)
		drop(e, l->park_head, DA_DROP_NO_SERVER);
	while (l->held_head != DA_NIL) {
		uint32_t i = l->held_head;
		da__list_remove(e, &l->held_head, &l->held_tail, i);
		close(da__park_slot(e, i)->fd);
		l->count.held--;
		l->count.dropped[DA_DROP_NO_SERVER]++;
		da__park_free(e, i);
	}
}
