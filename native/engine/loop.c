/* The epoll loop: every descriptor the engine watches, dispatched by its tag. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

/* Events per epoll_wait: enough that a burst of accepts and parked wake-ups is one call. */
#define EVENTS 256

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

int da__epoll(struct da_engine *e, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	return epoll_ctl(e->epoll, op, fd, &ev) < 0 ? -errno : 0;
}

int da__engine_init(struct da_engine *e, uint32_t max_parked, const char *plugin_dir)
{
	*e = (struct da_engine){.control_fd = -1, .keep_post = -1, .keep_take = -1,
				.plugin_dir = plugin_dir, .epoch_ms = monotonic_ms()};
	e->park.max = max_parked;
	e->park.free_head = DA_NIL;
	/* Every parked connection is a descriptor: take all the hard limit allows. */
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		setrlimit(RLIMIT_NOFILE, &limit);
	}
	e->epoll = epoll_create1(EPOLL_CLOEXEC);
	if (e->epoll < 0)
		return -errno;
	e->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return e->spare_fd < 0 ? -errno : 0;
}

void da__engine_free(struct da_engine *e)
{
	for (uint32_t li = 0; li < e->listener_count; li++) {
		da_chain_destroy(e->listeners[li].chain);
		free(e->listeners[li].peek);
		free(e->listeners[li].address);
	}
	free(e->listeners);
	free(e->park.slots);
}

int da__engine_run(struct da_engine *e)
{
	struct epoll_event events[EVENTS];
	/* Done when there were servers and all of them closed their ends of the hand-over pairs. */
	while (e->listener_count == 0 || e->live_handovers > 0) {
		int n = epoll_wait(e->epoll, events, EVENTS, da__park_wait_ms(e));
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++) {
			uint32_t index = (uint32_t)events[i].data.u64, what = events[i].events;
			switch (events[i].data.u64 >> 56) {
			case DA_TAG_LISTEN: da__listener_accept(e, index); break;
			case DA_TAG_HANDOVER: da__handover_event(e, index, what); break;
			case DA_TAG_PARKED:
				da__park_event(e, index, (uint16_t)(events[i].data.u64 >> 32), what);
				break;
			case DA_TAG_CONTROL: da__control_accept(e); break;
			case DA_TAG_CLIENT: da__control_event(e, (int)index, what); break;
			}
		}
		da__park_expire(e);
	}
	return 0;
}
