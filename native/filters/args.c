#include "args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FreeBSD's af_arg is 240 bytes; a longer argument string is a mistake, not a configuration. */
#define ARG_MAX_LEN 240

int da__args_each(const char *arg, da__arg_fn fn, void *config, char *err, size_t err_size)
{
	char copy[ARG_MAX_LEN + 1];
	if (!arg || !*arg)
		return 0;
	if (strlen(arg) > ARG_MAX_LEN) {
		snprintf(err, err_size, "argument longer than %d bytes", ARG_MAX_LEN);
		return -EINVAL;
	}
	strcpy(copy, arg);
	for (char *item = copy, *next; item; item = next) {
		next = strchr(item, ':');
		if (next)
			*next++ = '\0';
		if (!*item) {
			snprintf(err, err_size, "empty item in '%s'", arg);
			return -EINVAL;
		}
		char *value = strchr(item, '=');
		if (value)
			*value++ = '\0';
		int rc = fn(config, item, value, err, err_size);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int da__config_parse(const char *arg, da__arg_fn fn, const void *defaults, size_t size,
		     void **config, char *err, size_t err_size)
{
	void *c = malloc(size);
	if (!c)
		return -ENOMEM;
	memcpy(c, defaults, size);
	int rc = da__args_each(arg, fn, c, err, err_size);
	if (rc < 0) {
		free(c);
		return rc;
	}
	*config = c;
	return 0;
}

int da__arg_size(const char *key, const char *value, size_t min, size_t max, size_t *out,
		 char *err, size_t err_size)
{
	size_t n = 0;
	const char *p = value;
	if (p && *p) {
		for (; *p >= '0' && *p <= '9' && n <= max; p++)
			n = n * 10 + (size_t)(*p - '0');
	}
	if (!p || !*value || *p || n < min || n > max) {
		snprintf(err, err_size, "%s=%s: want a number from %zu to %zu", key,
			 value ? value : "", min, max);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

int da__arg_drop(const char *key, const char *value, bool *drop, char *err, size_t err_size)
{
	if (value && (!strcmp(value, "pass") || !strcmp(value, "drop"))) {
		*drop = !strcmp(value, "drop");
		return 0;
	}
	snprintf(err, err_size, "%s=%s: want pass or drop", key, value ? value : "");
	return -EINVAL;
}

int da__arg_unknown(const char *key, const char *value, char *err, size_t err_size)
{
	snprintf(err, err_size, "unknown item '%s%s%s'", key, value ? "=" : "", value ? value : "");
	return -EINVAL;
}
