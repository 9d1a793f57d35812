/*
 * One look at a connection: the peek's result, the chain, the verdict and its counters, decided
 * in one place for the preload's fast path and the engine's parked path alike.
 */
#ifndef DA_VERDICT_H
#define DA_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "chain.h"
#include "page.h"

/*
 * peeked/n: what recv(MSG_PEEK | MSG_DONTWAIT) into a buffer of peek_size bytes gave (n < 0:
 * it failed with error err). hup: the caller knows the peer half-closed (EPOLLRDHUP).
 * Rules, in order:
 *   error other than EAGAIN                  DROP (reset)
 *   end of stream before a single byte       DROP (eof): there is nothing to serve
 *   chain MORE and the buffer is full        PASS (oversize): fail open
 *   chain MORE at end of stream              DROP (eof)
 *   chain READY / PASS / DROP                counted as ready / passed (verdict) / dropped (filter)
 * MORE is counted by nobody here. The caller closes a DROP and hands over READY and PASS.
 */
enum da_verdict da_look(const struct da_chain *chain, void *state, const uint8_t *peeked, ssize_t n,
			int err, bool hup, size_t peek_size, struct da_counters *count);

#endif
