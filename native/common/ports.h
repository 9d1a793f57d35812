/*
 * The ports a wrapper filters, as it names them to the preload (DEFER_ACCEPT_PORTS) and to the
 * launcher (--ports), native/README.md:
 *   SPEC = ITEM (";" ITEM)*        ITEM = PORT "@" CHANNEL "," PAGE "=" CHAIN
 * CHANNEL and PAGE are descriptors inherited from the wrapper. The callers decide what a bad
 * item costs (the preload ignores it and says so; the launcher refuses to start).
 */
#ifndef DA_PORTS_H
#define DA_PORTS_H

#include <stddef.h>

#include "chain.h"
#include "page.h"

struct da_port_item {
	unsigned port;
	int channel, page_fd;
	struct da_page *page;
	struct da_chain *chain;
	size_t peek_size; /* bytes one peek asks for: the chain's limit, at least the token */
};

/* The item of *spec, and *spec moved past it; NULL at the end. Empty items are skipped. */
const char *da_port_next(const char **spec, size_t *len);

/* Parse one item and open it: map its page, create its chain. 0, or -1 with why (one line
 * beginning "item ...", the item not included) and nothing left mapped or created. */
int da_port_open(const char *item, size_t len, const char *plugin_dir, struct da_port_item *out,
		 char *why, size_t size);

/* Bytes one peek asks for with this chain: its limit, at least the wake-up token, at most 1 MiB
 * (past that a peek fails open, oversize). */
size_t da_peek_size(const struct da_chain *chain);

/* A decimal number in [0, max], the whole of s[0, len); -1 otherwise. */
long da_decimal(const char *s, size_t len, long max);

/* An int socket option of fd, or -1. */
int da_socket_int(int fd, int level, int name);

/* The local TCP port of socket fd, or 0 when it is not a bound TCP socket. */
unsigned da_tcp_port(int fd);

#endif
