/* The epoll backend and the loop: the only file that builds tags or calls epoll_ctl. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

/* Events per epoll_wait: enough that a burst of parked wake-ups is one call. */
#define EVENTS 256

/* A tag: the kind in the top byte of data.u64, an index in the low half, and for a parked
 * connection its slot's generation in between. */
#define TAG(kind, generation, index) \
	((uint64_t)(kind) << 56 | (uint64_t)(uint16_t)(generation) << 32 | (uint32_t)(index))
#define TAG_KIND(tag) ((tag) >> 56)
#define TAG_GENERATION(tag) ((uint16_t)((tag) >> 32))
#define TAG_INDEX(tag) ((uint32_t)(tag))

static uint64_t monotonic_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t); /* vDSO: no system call */
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

uint32_t da__now(const struct da_engine *e)
{
	return (uint32_t)(monotonic_ms() - e->epoch_ms);
}

int da__watch(struct da_engine *e, int fd, uint32_t events, enum da_kind kind,
	      uint16_t generation, uint32_t index)
{
	struct epoll_event ev = {.events = events, .data.u64 = TAG(kind, generation, index)};
	if (epoll_ctl(e->epoll, EPOLL_CTL_ADD, fd, &ev) == 0)
		return 0;
	/* Only channels change their events (EPOLLOUT while holding): rare, so ADD is tried first. */
	if (errno == EEXIST && epoll_ctl(e->epoll, EPOLL_CTL_MOD, fd, &ev) == 0)
		return 0;
	return -errno;
}

int da__unwatch(struct da_engine *e, int fd)
{
	return epoll_ctl(e->epoll, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

/* The park table's default bound: 64 Ki connections, about 4 MiB of slots with one filter. */
#define DEFAULT_MAX_PARKED 65536

/* Every parked connection is a descriptor: take all the hard limit allows, and keep the
 * engine's own reserve out of the table. max_parked 0: the default, lowered without a word. */
static uint32_t clamp_parked(uint32_t max_parked)
{
	bool asked = max_parked != 0;
	struct rlimit limit;
	if (!asked)
		max_parked = DEFAULT_MAX_PARKED;
	if (getrlimit(RLIMIT_NOFILE, &limit) < 0)
		return max_parked;
	if (limit.rlim_cur < limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		setrlimit(RLIMIT_NOFILE, &limit);
		getrlimit(RLIMIT_NOFILE, &limit);
	}
	rlim_t room = limit.rlim_cur > DA_FD_RESERVE + 1 ? limit.rlim_cur - DA_FD_RESERVE : 1;
	if (room >= max_parked)
		return max_parked;
	if (asked)
		fprintf(stderr, "da-engine: --max-parked %u lowered to %u: the descriptor limit is %llu, "
			"%u of them kept for the engine's own\n", max_parked, (unsigned)room,
			(unsigned long long)limit.rlim_cur, DA_FD_RESERVE);
	return (uint32_t)room;
}

int da__engine_init(struct da_engine *e, uint32_t max_parked, const char *plugin_dir)
{
	memset(e, 0, sizeof *e);
	e->control_fd = -1;
	e->plugin_dir = plugin_dir;
	e->epoch_ms = monotonic_ms();
	e->park.max = clamp_parked(max_parked);
	e->park.free_head = DA_NIL;
	for (int i = 0; i < DA_MAX_WAKEUPS; i++)
		e->wakeups[i].fd = -1;
	e->epoll = epoll_create1(EPOLL_CLOEXEC);
	if (e->epoll < 0)
		return -errno;
	e->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return e->spare_fd < 0 ? -errno : 0;
}

void da__engine_free(struct da_engine *e)
{
	for (uint32_t ci = 0; ci < e->channel_count; ci++) {
		da_chain_destroy(e->channels[ci].chain);
		free(e->channels[ci].peek);
	}
	free(e->park.slots);
}

static void dispatch(struct da_engine *e, uint64_t tag, uint32_t events)
{
	uint32_t index = TAG_INDEX(tag);
	switch (TAG_KIND(tag)) {
	case DA_KIND_CHANNEL: da__channel_event(e, index, events); break;
	case DA_KIND_PARKED: da__park_event(e, index, TAG_GENERATION(tag), events); break;
	case DA_KIND_WAKEUP: da__wakeup_event(e, index, events); break;
	case DA_KIND_CONTROL: da__control_accept(e); break;
	case DA_KIND_CLIENT: da__control_event(e, (int)index, events); break;
	}
}

int da__engine_run(struct da_engine *e)
{
	struct epoll_event events[EVENTS];
	/* Done once the channels of the command line and all since have hung up (a hang-up drops
	 * what the channel held, so nothing is held then). */
	while (!e->exit_when_idle || e->live > 0) {
		int n = epoll_wait(e->epoll, events, EVENTS, da__park_wait_ms(e));
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++)
			dispatch(e, events[i].data.u64, events[i].events);
		da__park_expire(e);
	}
	return 0;
}
