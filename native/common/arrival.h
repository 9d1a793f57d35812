/*
 * A connection the server's accept just took, in the preload and in the launcher alike: whether it
 * is the engine's wake-up, else its verdict (counted); and, for MORE, the hand-off to the engine.
 */
#ifndef DA_ARRIVAL_H
#define DA_ARRIVAL_H

#include <stdint.h>
#include <sys/types.h>

#include "chain.h"
#include "page.h"

/* The connection is the engine's wake-up: its first bytes are the page's token. */
#define DA_WAKE_UP (-1)

/* peeked/n/err: one recv(MSG_PEEK | MSG_DONTWAIT) into peek_size bytes. DA_WAKE_UP, or the
 * verdict of da_look() with the connection counted as accepted. */
int da_arrival(const struct da_chain *chain, struct da_page *page, const uint8_t *peeked, ssize_t n,
	       int err, size_t peek_size);

/* The chain said MORE: "P" and the socket to the engine on channel. 0: the engine has it (or,
 * when no engine can take it and the page says drop, nobody will): the caller closes its copy.
 * 1: no engine could take it and the page says pass: the caller hands it over now. Counted. */
int da_park_send(int channel, struct da_page *page, int sock);

#endif
