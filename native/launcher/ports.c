/*
 * --ports: the filtered ports, in the format of the preload's DEFER_ACCEPT_PORTS
 * (native/README.md). The channels and pages are descriptors the launcher inherited from the
 * wrapper; they are made close-on-exec here, so the server never holds them.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "launcher.h"

/* The token must fit in one peek, whatever the chain needs; past 1 MiB a peek fails open. */
#define PEEK_MAX (1u << 20)

/* A decimal number in [0, max], the whole of s[0, len). */
static long number(const char *s, size_t len, long max)
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

static int socket_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof v;

	return getsockopt(fd, level, name, &v, &len) < 0 ? -1 : v;
}

unsigned da__tcp_port(int fd)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof a;

	if (socket_int(fd, SOL_SOCKET, SO_PROTOCOL) != IPPROTO_TCP || getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return 0;
	if (a.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&a)->sin_port);
	if (a.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&a)->sin6_port);
	return 0;
}

struct da__port *da__port_for(unsigned port)
{
	for (size_t i = 0; i < da__l.nports; i++)
		if (da__l.ports[i].port == port)
			return &da__l.ports[i];
	return NULL;
}

/* ITEM = PORT "@" CHANNEL "," PAGE "=" CHAIN */
static int parse_port(const char *s, size_t len, const char *plugin_dir, char *err, size_t size)
{
	const char *at = memchr(s, '@', len), *comma = at ? memchr(at, ',', len - (size_t)(at - s)) : NULL;
	const char *eq = comma ? memchr(comma, '=', len - (size_t)(comma - s)) : NULL;
	char spec[DA_PAGE_SIZE], why[256];
	long port, channel, page_fd;
	struct da__port *p;
	size_t limit;

	port = at ? number(s, (size_t)(at - s), 65535) : -1;
	channel = comma ? number(at + 1, (size_t)(comma - at - 1), 1 << 20) : -1;
	page_fd = eq ? number(comma + 1, (size_t)(eq - comma - 1), 1 << 20) : -1;
	if (port <= 0 || channel < 0 || page_fd < 0 || (size_t)(s + len - eq - 1) >= sizeof spec) {
		snprintf(err, size, "--ports item not PORT@CHANNEL,PAGE=CHAIN: \"%.*s\"", (int)len, s);
		return -1;
	}
	if (da__port_for((unsigned)port) || da__l.nports == DA_PORTS_MAX) {
		snprintf(err, size, "--ports item for a port named before, or beyond %d: \"%.*s\"", DA_PORTS_MAX, (int)len, s);
		return -1;
	}
	if (socket_int((int)channel, SOL_SOCKET, SO_TYPE) != SOCK_SEQPACKET) {
		snprintf(err, size, "--ports item whose channel %ld is not a SEQPACKET socket", channel);
		return -1;
	}
	p = &da__l.ports[da__l.nports];
	*p = (struct da__port){.port = (unsigned)port, .channel = (int)channel};
	if (!(p->page = da_page_map((int)page_fd))) {
		snprintf(err, size, "--ports item whose page %ld cannot be mapped: %s", page_fd, strerror(errno));
		return -1;
	}
	memcpy(spec, eq + 1, (size_t)(s + len - eq - 1));
	spec[s + len - eq - 1] = '\0';
	if (da_chain_create(spec, plugin_dir, &p->chain, why, sizeof why) < 0) {
		snprintf(err, size, "port %ld: %s", port, why);
		munmap(p->page, DA_PAGE_SIZE);
		return -1;
	}
	limit = da_chain_peek_limit(p->chain);
	p->peek_size = limit < DA_TOKEN_SIZE ? DA_TOKEN_SIZE : limit > PEEK_MAX ? PEEK_MAX : limit;
	/* The mapping stays; the server needs neither descriptor. */
	fcntl((int)channel, F_SETFD, FD_CLOEXEC);
	fcntl((int)page_fd, F_SETFD, FD_CLOEXEC);
	da__l.nports++;
	return 0;
}

/* SPEC = ITEM (";" ITEM)* */
int da__ports_parse(const char *s, const char *plugin_dir, char *err, size_t size)
{
	while (s && *s) {
		const char *end = strchr(s, ';');
		size_t len = end ? (size_t)(end - s) : strlen(s);

		if (len && parse_port(s, len, plugin_dir, err, size) < 0)
			return -1;
		s = end ? end + 1 : NULL;
	}
	return 0;
}
