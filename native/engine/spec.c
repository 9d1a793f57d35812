/* The text that describes one listener, from --listener or a `register` request. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* Apache's `AcceptFilter data` on Linux holds a silent client 30 s: the same when unsaid. */
#define DEFAULT_TIMEOUT_MS 30000
/* Deadlines are compared as signed 32-bit differences of milliseconds: keep far from 2^31. */
#define MAX_TIMEOUT_MS (1u << 30)
/* nginx's default listen backlog on Linux. */
#define DEFAULT_BACKLOG 511
/* The pair's send buffer is backlog messages: stay under what SO_SNDBUFFORCE accepts. */
#define MAX_BACKLOG 65535

static int number(const char *text, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

/*
 * Space-separated key=value items, any order, parsed in place:
 *   listen=FD handover=FD chain=CHAIN timeout=MS on-timeout=drop|pass backlog=N address=TEXT
 */
int da__spec_parse(char *text, struct da_listener_spec *s, char *err, size_t err_size)
{
	*s = (struct da_listener_spec){.listen_fd = -1, .handover_fd = -1,
				       .timeout_ms = DEFAULT_TIMEOUT_MS, .backlog = DEFAULT_BACKLOG};
	char *save;
	for (char *item = strtok_r(text, " ", &save); item; item = strtok_r(NULL, " ", &save)) {
		char *value = strchr(item, '=');
		unsigned long n = 0;
		int rc = value ? 0 : -EINVAL;
		if (value)
			*value++ = '\0';
		if (rc < 0)
			;
		else if (!strcmp(item, "listen") && (rc = number(value, INT_MAX, &n)) == 0)
			s->listen_fd = (int)n;
		else if (!strcmp(item, "handover") && (rc = number(value, INT_MAX, &n)) == 0)
			s->handover_fd = (int)n;
		else if (!strcmp(item, "timeout") && (rc = number(value, MAX_TIMEOUT_MS, &n)) == 0)
			s->timeout_ms = (uint32_t)n;
		else if (!strcmp(item, "backlog") && (rc = number(value, MAX_BACKLOG, &n)) == 0 && n)
			s->backlog = (uint32_t)n;
		else if (!strcmp(item, "on-timeout") && (!strcmp(value, "drop") || !strcmp(value, "pass")))
			s->pass_on_timeout = !strcmp(value, "pass");
		else if (!strcmp(item, "chain") && *value)
			s->chain = value;
		else if (!strcmp(item, "address") && *value)
			s->address = value;
		else
			rc = -EINVAL;
		if (rc < 0) {
			snprintf(err, err_size, "bad listener item '%s%s%s': expected listen=FD handover=FD "
				 "chain=CHAIN timeout=MS(<=%u) on-timeout=drop|pass backlog=N(1-%u) "
				 "address=TEXT", item, value ? "=" : "", value ? value : "",
				 MAX_TIMEOUT_MS, MAX_BACKLOG);
			return -EINVAL;
		}
	}
	return 0;
}
