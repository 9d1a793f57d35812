/*
 * Runs a spec over bytes the way the engine does: "NAME[:ARG]" is one built-in filter called
 * directly (so its consumed is visible), a spec with ',' is a chain. Shared by the unit tests
 * and the fuzz targets.
 */
#ifndef DA_RUNNER_H
#define DA_RUNNER_H

#include "chain.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Room for the state of the longest chain. */
#define RUNNER_STATE_MAX (16 + DA_CHAIN_MAX * DA_FILTER_STATE_MAX)

struct runner {
	struct da_chain *chain;
	const struct da_filter *filter;
	void *config;
	size_t peek_limit;
};

/* 0, or a negative errno with the reason in err. */
static inline int runner_open(struct runner *r, const char *spec, char *err, size_t err_size)
{
	char name[32];
	*r = (struct runner){0};
	if (strchr(spec, ',')) {
		int rc = da_chain_create(spec, NULL, &r->chain, err, err_size);
		if (rc == 0)
			r->peek_limit = da_chain_peek_limit(r->chain);
		return rc;
	}
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec), count;
	snprintf(name, sizeof name, "%.*s", (int)n, spec);
	const struct da_filter *const *f = da_builtin_filters(&count);
	for (size_t i = 0; i < count; i++)
		if (!strcmp(f[i]->name, name))
			r->filter = f[i];
	if (!r->filter) {
		snprintf(err, err_size, "no built-in filter %s", name);
		return -ENOENT;
	}
	int rc = r->filter->create(colon ? colon + 1 : NULL, &r->config, &r->peek_limit, err, err_size);
	if (rc < 0)
		r->filter = NULL;
	return rc;
}

static inline enum da_verdict runner_check(const struct runner *r, void *state, const uint8_t *bytes,
					   size_t len, unsigned flags, size_t *consumed)
{
	*consumed = 0;
	if (r->chain)
		return da_chain_check(r->chain, state, bytes, len, flags);
	struct da_filter_input in = {bytes, len, flags};
	return r->filter->check(r->config, state, &in, consumed);
}

static inline void runner_close(struct runner *r)
{
	if (r->chain)
		da_chain_destroy(r->chain);
	else if (r->filter)
		r->filter->destroy(r->config);
	*r = (struct runner){0};
}

#endif
