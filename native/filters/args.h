/*
 * Argument parsing shared by the built-in filters (internal to filters/). An argument string is
 * ':'-separated items, each KEY or KEY=VALUE; errors are one line without the usage, which the
 * chain appends.
 */
#ifndef DA_ARGS_H
#define DA_ARGS_H

#include <stdbool.h>
#include <stddef.h>

/* Called once per item; value is NULL for a bare KEY. Returns 0 or a negative errno. */
typedef int (*da__arg_fn)(void *config, const char *key, const char *value, char *err,
			  size_t err_size);

int da__args_each(const char *arg, da__arg_fn fn, void *config, char *err, size_t err_size);
/*
 * A filter's configuration: a heap copy of defaults (size bytes) with the items of arg applied by
 * fn. Returns 0 with *config set, or a negative errno with nothing allocated.
 */
int da__config_parse(const char *arg, da__arg_fn fn, const void *defaults, size_t size,
		     void **config, char *err, size_t err_size);
/* A decimal number in [min, max]. */
int da__arg_size(const char *key, const char *value, size_t min, size_t max, size_t *out,
		 char *err, size_t err_size);
/* `pass` or `drop`. */
int da__arg_drop(const char *key, const char *value, bool *drop, char *err, size_t err_size);
/* The error for an item no filter knows. */
int da__arg_unknown(const char *key, const char *value, char *err, size_t err_size);

#endif
