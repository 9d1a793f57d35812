/* A connection just accepted, for the preload and the launcher (arrival.h). */
#include <string.h>

#include "arrival.h"
#include "fds.h"
#include "verdict.h"

int da_arrival(const struct da_chain *chain, struct da_page *page, const uint8_t *peeked, ssize_t n,
	       int err, size_t peek_size)
{
	uint64_t state[(16 + DA_CHAIN_MAX * DA_FILTER_STATE_MAX) / sizeof(uint64_t)] = {0};
	if (n >= DA_TOKEN_SIZE && memcmp(peeked, page->token, DA_TOKEN_SIZE) == 0)
		return DA_WAKE_UP;
	da_count(page->count.accepted);
	return da_look(chain, state, peeked, n, err, false, peek_size, &page->count);
}

int da_park_send(int channel, struct da_page *page, int sock)
{
	/* Any failure to send (channel full, EAGAIN; broken, EPIPE) means no engine can park it. */
	if (da_send_fds(channel, "P", 1, &sock, 1) == 0) {
		da_count(page->count.parked_total);
		return 0;
	}
	if (page->pass_on_timeout) {
		da_count(page->count.passed);
		da_count(page->count.passed_on[DA_PASS_NO_ENGINE]);
		return 1;
	}
	da_count(page->count.dropped[DA_DROP_ENGINE]);
	return 0;
}
