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

struct da_port_item *da__port_for(unsigned port)
{
	for (size_t i = 0; i < da__l.nports; i++)
		if (da__l.ports[i].port == port)
			return &da__l.ports[i];
	return NULL;
}

static int parse_port(const char *s, size_t len, const char *plugin_dir, char *err, size_t size)
{
	struct da_port_item item;
	char why[512];

	if (da_port_open(s, len, plugin_dir, &item, why, sizeof why) < 0) {
		snprintf(err, size, "--ports %s: \"%.*s\"", why, (int)len, s);
		return -1;
	}
	if (da__port_for(item.port) || da__l.nports == DA_PORTS_MAX) {
		snprintf(err, size, "--ports item for a port named before, or beyond %d: \"%.*s\"", DA_PORTS_MAX, (int)len, s);
		da_chain_destroy(item.chain);
		munmap(item.page, DA_PAGE_SIZE);
		return -1;
	}
	da__l.ports[da__l.nports++] = item;
	/* The mapping stays; the server needs neither descriptor. */
	fcntl(item.channel, F_SETFD, FD_CLOEXEC);
	fcntl(item.page_fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

/* SPEC = ITEM (";" ITEM)* */
int da__ports_parse(const char *spec, const char *plugin_dir, char *err, size_t size)
{
	const char *item;
	size_t len;

	while ((item = da_port_next(&spec, &len)))
		if (parse_port(item, len, plugin_dir, err, size) < 0)
			return -1;
	return 0;
}
