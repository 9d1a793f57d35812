/* Counters: the park-time histogram and the `stats` answer of the control socket. */
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <unistd.h>

#include "engine.h"

void da__stats_park_time(struct da_counters *c, uint32_t ms)
{
	unsigned b = ms ? 32 - (unsigned)__builtin_clz(ms) : 0;
	c->park_ms[b < DA_HIST_BUCKETS ? b : DA_HIST_BUCKETS - 1]++;
	if (ms > c->park_ms_max)
		c->park_ms_max = ms;
}

/* The upper edge of the bucket holding the given rank: exact to a factor of two. */
static uint32_t percentile(const struct da_counters *c, unsigned permille)
{
	uint64_t total = 0, seen = 0;
	for (unsigned b = 0; b < DA_HIST_BUCKETS; b++)
		total += c->park_ms[b];
	uint64_t rank = (total * permille + 999) / 1000;
	for (unsigned b = 0; b < DA_HIST_BUCKETS && total; b++) {
		seen += c->park_ms[b];
		uint32_t upper = b ? (uint32_t)((1ull << b) - 1) : 0;
		if (seen >= rank)
			return upper < c->park_ms_max ? upper : c->park_ms_max;
	}
	return 0;
}

/* Connections sent and not yet received by a server, from the bytes queued on the pair, plus
 * those the engine holds until there is room. */
static uint64_t in_flight(const struct da_listener *l)
{
	int queued = 0;
	if (l->hung_up || ioctl(l->handover_fd, SIOCOUTQ, &queued) < 0)
		queued = 0;
	return l->count.held + (uint64_t)(queued + DA_HANDOVER_MESSAGE_BYTES - 1) /
				       DA_HANDOVER_MESSAGE_BYTES;
}

static void put_listener(struct da_out *o, const struct da_listener *l)
{
	const struct da_counters *c = &l->count;
	da__put(o, "{\"address\":");
	da__put_string(o, l->address);
	da__put(o, ",\"chain\":");
	da__put_string(o, da_chain_name(l->chain));
	da__put(o, ",\"timeout_ms\":%u,\"on_timeout\":\"%s\",\"accepted\":%llu,\"ready\":%llu,"
	       "\"passed\":%llu,\"passed_on\":{\"verdict\":%llu,\"timeout\":%llu,\"oversize\":%llu},",
	    l->timeout_ms, l->pass_on_timeout ? "pass" : "drop", (unsigned long long)c->accepted,
	    (unsigned long long)c->ready, (unsigned long long)c->passed,
	    (unsigned long long)c->passed_on[DA_PASS_VERDICT],
	    (unsigned long long)c->passed_on[DA_PASS_TIMEOUT],
	    (unsigned long long)c->passed_on[DA_PASS_OVERSIZE]);
	da__put(o, "\"dropped\":{\"timeout\":%llu,\"eof\":%llu,\"reset\":%llu,\"filter\":%llu,"
	       "\"park_full\":%llu,\"shed\":%llu,\"no_server\":%llu},",
	    (unsigned long long)c->dropped[DA_DROP_TIMEOUT], (unsigned long long)c->dropped[DA_DROP_EOF],
	    (unsigned long long)c->dropped[DA_DROP_RESET], (unsigned long long)c->dropped[DA_DROP_FILTER],
	    (unsigned long long)c->dropped[DA_DROP_PARK_FULL], (unsigned long long)c->dropped[DA_DROP_SHED],
	    (unsigned long long)c->dropped[DA_DROP_NO_SERVER]);
	da__put(o, "\"parked\":%u,\"in_flight\":%llu,\"server_closed\":%s,"
	       "\"park_ms\":{\"p50\":%u,\"p90\":%u,\"p99\":%u,\"max\":%u}}",
	    c->parked, (unsigned long long)in_flight(l), l->hung_up ? "true" : "false",
	    percentile(c, 500), percentile(c, 900), percentile(c, 990), c->park_ms_max);
}

int da__stats_json(const struct da_engine *e, char *buffer, size_t size)
{
	struct da_out o = {buffer, buffer + size};
	da__put(&o, "{\"pid\":%d,\"listeners\":[", (int)getpid());
	for (uint32_t li = 0; li < e->listener_count; li++) {
		da__put(&o, li ? "," : "");
		put_listener(&o, &e->listeners[li]);
	}
	da__put(&o, "]}\n");
	return o.at >= o.end ? -EMSGSIZE : (int)(o.at - buffer);
}
