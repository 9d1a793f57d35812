/* Counters: the park-time histogram and the `stats` answer of the control socket, both in the
 * channels' pages. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "engine.h"

/* The engine is the histogram's only writer; the adds are atomic for the page's readers. */
void da__stats_park_time(struct da_counters *c, uint32_t ms)
{
	unsigned b = ms ? 32 - (unsigned)__builtin_clz(ms) : 0;
	da_count(c->park_ms[b < DA_HIST_BUCKETS ? b : DA_HIST_BUCKETS - 1]);
	if (ms > __atomic_load_n(&c->park_ms_max, __ATOMIC_RELAXED))
		__atomic_store_n(&c->park_ms_max, ms, __ATOMIC_RELAXED);
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

#define N(field) (unsigned long long)__atomic_load_n(&(field), __ATOMIC_RELAXED)

static void put_channel(struct da_out *o, const struct da_channel *ch)
{
	const struct da_page *p = ch->page;
	const struct da_counters *c = &p->count;
	char address[sizeof p->address + 1] = "", chain[sizeof p->chain + 1];
	if (__atomic_load_n(&p->address_set, __ATOMIC_ACQUIRE))
		snprintf(address, sizeof address, "%.*s", (int)sizeof p->address, p->address);
	snprintf(chain, sizeof chain, "%s", da_chain_name(ch->chain));
	da__put(o, "{\"address\":");
	da__put_string(o, address);
	da__put(o, ",\"chain\":");
	da__put_string(o, chain);
	da__put(o, ",\"timeout_ms\":%u,\"on_timeout\":\"%s\",\"accepted\":%llu,\"ready\":%llu,"
	       "\"passed\":%llu,\"passed_on\":{\"verdict\":%llu,\"timeout\":%llu,\"oversize\":%llu,"
	       "\"no_engine\":%llu},",
	    ch->timeout_ms, ch->pass_on_timeout ? "pass" : "drop", N(c->accepted), N(c->ready),
	    N(c->passed), N(c->passed_on[DA_PASS_VERDICT]), N(c->passed_on[DA_PASS_TIMEOUT]),
	    N(c->passed_on[DA_PASS_OVERSIZE]), N(c->passed_on[DA_PASS_NO_ENGINE]));
	da__put(o, "\"dropped\":{\"timeout\":%llu,\"eof\":%llu,\"reset\":%llu,\"filter\":%llu,"
	       "\"park_full\":%llu,\"shed\":%llu,\"no_server\":%llu,\"engine\":%llu},",
	    N(c->dropped[DA_DROP_TIMEOUT]), N(c->dropped[DA_DROP_EOF]), N(c->dropped[DA_DROP_RESET]),
	    N(c->dropped[DA_DROP_FILTER]), N(c->dropped[DA_DROP_PARK_FULL]),
	    N(c->dropped[DA_DROP_SHED]), N(c->dropped[DA_DROP_NO_SERVER]),
	    N(c->dropped[DA_DROP_ENGINE]));
	da__put(o, "\"parked\":%llu,\"in_flight\":%llu,\"server_closed\":%s,\"engine_starts\":%llu,"
	       "\"park_ms\":{\"p50\":%u,\"p90\":%u,\"p99\":%u,\"max\":%u}}",
	    N(c->parked), N(c->held), ch->hung_up ? "true" : "false", N(c->engine_starts),
	    percentile(c, 500), percentile(c, 900), percentile(c, 990),
	    __atomic_load_n(&c->park_ms_max, __ATOMIC_RELAXED));
}

int da__stats_json(const struct da_engine *e, char *buffer, size_t size)
{
	struct da_out o = {buffer, buffer + size};
	da__put(&o, "{\"pid\":%d,\"listeners\":[", (int)getpid());
	bool first = true;
	for (uint32_t ci = 0; ci < e->channel_count; ci++) {
		if (!e->channels[ci].page)
			continue;
		da__put(&o, first ? "" : ",");
		put_channel(&o, &e->channels[ci]);
		first = false;
	}
	da__put(&o, "]}\n");
	return o.at >= o.end ? -EMSGSIZE : (int)(o.at - buffer);
}
