/* The filtered ports' specification, shared by the preload and the launcher (ports.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "ports.h"

/* The token must fit in one peek, whatever the chain needs; past 1 MiB a peek fails open. */
#define PEEK_MAX (1u << 20)
/* Descriptor numbers an item may name. */
#define FD_MAX (1 << 20)

size_t da_peek_size(const struct da_chain *chain)
{
	size_t n = da_chain_peek_limit(chain);
	return n < DA_TOKEN_SIZE ? DA_TOKEN_SIZE : n > PEEK_MAX ? PEEK_MAX : n;
}

long da_decimal(const char *s, size_t len, long max)
{
	long v = 0;
	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

int da_socket_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof v;
	return getsockopt(fd, level, name, &v, &len) < 0 ? -1 : v;
}

unsigned da_tcp_port(int fd)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof a;
	if (da_socket_int(fd, SOL_SOCKET, SO_PROTOCOL) != IPPROTO_TCP ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return 0;
	if (a.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&a)->sin_port);
	if (a.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&a)->sin6_port);
	return 0;
}

const char *da_port_next(const char **spec, size_t *len)
{
	while (*spec && **spec) {
		const char *item = *spec, *end = strchr(item, ';');
		*len = end ? (size_t)(end - item) : strlen(item);
		*spec = end ? end + 1 : NULL;
		if (*len)
			return item;
	}
	return NULL;
}

int da_port_open(const char *s, size_t len, const char *plugin_dir, struct da_port_item *out,
		 char *why, size_t size)
{
	const char *at = memchr(s, '@', len), *comma = at ? memchr(at, ',', len - (size_t)(at - s)) : NULL;
	const char *eq = comma ? memchr(comma, '=', len - (size_t)(comma - s)) : NULL;
	char chain[DA_PAGE_SIZE], err[256];
	long port = at ? da_decimal(s, (size_t)(at - s), 65535) : -1;
	long channel = comma ? da_decimal(at + 1, (size_t)(comma - at - 1), FD_MAX) : -1;
	long page_fd = eq ? da_decimal(comma + 1, (size_t)(eq - comma - 1), FD_MAX) : -1;
	if (port <= 0 || channel < 0 || page_fd < 0 || (size_t)(s + len - eq - 1) >= sizeof chain) {
		snprintf(why, size, "item not PORT@CHANNEL,PAGE=CHAIN");
		return -1;
	}
	if (da_socket_int((int)channel, SOL_SOCKET, SO_TYPE) != SOCK_SEQPACKET) {
		snprintf(why, size, "item whose channel is not a SEQPACKET socket");
		return -1;
	}
	*out = (struct da_port_item){.port = (unsigned)port, .channel = (int)channel, .page_fd = (int)page_fd};
	if (!(out->page = da_page_map((int)page_fd))) {
		snprintf(why, size, "item whose page cannot be mapped (%s)", strerror(errno));
		return -1;
	}
	memcpy(chain, eq + 1, (size_t)(s + len - eq - 1));
	chain[s + len - eq - 1] = '\0';
	if (da_chain_create(chain, plugin_dir, &out->chain, err, sizeof err) < 0) {
		snprintf(why, size, "item whose chain is wrong (%s)", err);
		munmap(out->page, DA_PAGE_SIZE);
		return -1;
	}
	out->peek_size = da_peek_size(out->chain);
	return 0;
}
