/* The texts of --channel and --channel-defaults: space-separated key=value items, parsed in
 * place. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* nginx's default listen backlog on Linux. */
#define DEFAULT_BACKLOG 511
/* The channel's send buffer is backlog messages: stay under what SO_SNDBUFFORCE accepts. */
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

/* The next item of text as key and value; NULL at the end. */
static char *item(char *text, char **save, char **value)
{
	char *key = strtok_r(text, " ", save);
	*value = key ? strchr(key, '=') : NULL;
	if (*value)
		*(*value)++ = '\0';
	return key;
}

/* channel=FD page=FD chain=CHAIN backlog=N */
int da__spec_parse(char *text, struct da_channel_spec *s, char *err, size_t err_size)
{
	*s = (struct da_channel_spec){.channel_fd = -1, .page_fd = -1, .backlog = DEFAULT_BACKLOG};
	char *save, *key, *value;
	for (key = item(text, &save, &value); key; key = item(NULL, &save, &value)) {
		unsigned long n = 0;
		int rc = -EINVAL;
		if (!value)
			;
		else if (!strcmp(key, "channel") && (rc = number(value, INT_MAX, &n)) == 0)
			s->channel_fd = (int)n;
		else if (!strcmp(key, "page") && (rc = number(value, INT_MAX, &n)) == 0)
			s->page_fd = (int)n;
		else if (!strcmp(key, "backlog") && (rc = number(value, MAX_BACKLOG, &n)) == 0 && n)
			s->backlog = (uint32_t)n;
		else if (!strcmp(key, "chain") && *value)
			s->chain = value, rc = 0;
		else
			rc = -EINVAL;
		if (rc < 0) {
			snprintf(err, err_size, "bad channel item '%s%s%s': expected channel=FD page=FD "
				 "chain=CHAIN backlog=N(1-%u)", key, value ? "=" : "", value ? value : "",
				 MAX_BACKLOG);
			return -EINVAL;
		}
	}
	if (s->channel_fd < 0 || s->page_fd < 0) {
		snprintf(err, err_size, "a channel needs channel=FD page=FD");
		return -EINVAL;
	}
	return 0;
}

/* timeout=MS on-timeout=drop|pass */
int da__defaults_parse(char *text, uint32_t *timeout_ms, bool *pass, char *err, size_t err_size)
{
	char *save, *key, *value;
	for (key = item(text, &save, &value); key; key = item(NULL, &save, &value)) {
		unsigned long n = 0;
		if (value && !strcmp(key, "timeout") && number(value, DA_MAX_TIMEOUT_MS, &n) == 0 && n)
			*timeout_ms = (uint32_t)n;
		else if (value && !strcmp(key, "on-timeout") &&
			 (!strcmp(value, "drop") || !strcmp(value, "pass")))
			*pass = !strcmp(value, "pass");
		else {
			snprintf(err, err_size, "bad channel default '%s%s%s': expected timeout=MS(1-%u) "
				 "on-timeout=drop|pass", key, value ? "=" : "", value ? value : "",
				 DA_MAX_TIMEOUT_MS);
			return -EINVAL;
		}
	}
	return 0;
}
