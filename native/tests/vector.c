/* Runs a struct vector: every prefix on one state, then the whole vector on a fresh state. */
#include "chain.h"
#include "check.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct runner {
	struct da_chain *chain;
	const struct da_filter *filter;
	void *config;
};

static bool open_runner(const char *spec, struct runner *r)
{
	char err[512], name[32];
	*r = (struct runner){0};
	if (strchr(spec, ',')) {
		int rc = da_chain_create(spec, NULL, &r->chain, err, sizeof err);
		CHECK(rc == 0, "chain %s: %s", spec, err);
		return rc == 0;
	}
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec), count, limit;
	snprintf(name, sizeof name, "%.*s", (int)n, spec);
	const struct da_filter *const *f = da_builtin_filters(&count);
	for (size_t i = 0; i < count; i++)
		if (!strcmp(f[i]->name, name))
			r->filter = f[i];
	CHECK(r->filter, "no built-in filter %s", name);
	if (!r->filter)
		return false;
	int rc = r->filter->create(colon ? colon + 1 : NULL, &r->config, &limit, err, sizeof err);
	CHECK(rc == 0, "create %s: %s", spec, err);
	return rc == 0;
}

static enum da_verdict run(struct runner *r, void *state, const char *bytes, size_t len,
			   unsigned flags, size_t *consumed)
{
	*consumed = 0;
	if (r->chain)
		return da_chain_check(r->chain, state, (const uint8_t *)bytes, len, flags);
	struct da_filter_input in = {(const uint8_t *)bytes, len, flags};
	return r->filter->check(r->config, state, &in, consumed);
}

static void close_runner(struct runner *r)
{
	if (r->chain)
		da_chain_destroy(r->chain);
	else if (r->filter)
		r->filter->destroy(r->config);
}

void check_vector(const void *arg)
{
	const struct vector *t = arg;
	static const char *const names[] = {"MORE", "READY", "PASS", "DROP"};
	uint8_t state[16 + DA_CHAIN_MAX * DA_FILTER_STATE_MAX] __attribute__((aligned(16)));
	struct runner r;
	size_t at = t->at == END ? t->len : t->at, consumed;
	bool eof = t->at == AT_EOF;
	enum da_verdict v = DA_MORE;
	if (!open_runner(t->spec, &r))
		return;
	memset(state, 0, sizeof state);
	for (size_t p = 0; p <= t->len && (eof || p <= at) && v == DA_MORE; p++) {
		v = run(&r, state, t->bytes, p, 0, &consumed);
		if (eof || p < at)
			CHECK(v == DA_MORE, "prefix %zu: %s, want MORE", p, names[v]);
	}
	if (eof)
		v = run(&r, state, t->bytes, t->len, DA_CHECK_EOF, &consumed);
	CHECK(v == t->want, "at %zu%s: %s, want %s", eof ? t->len : at, eof ? " with EOF" : "",
	      names[v], names[t->want]);
	if (v == DA_READY && !r.chain)
		CHECK(consumed == t->consumed, "consumed %zu, want %zu", consumed, t->consumed);

	/* The verdict depends on the bytes up to where it was made, not on how they were split. */
	memset(state, 0, sizeof state);
	v = run(&r, state, t->bytes, t->len, eof ? DA_CHECK_EOF : 0, &consumed);
	CHECK(v == t->want, "whole vector at once: %s, want %s", names[v], names[t->want]);
	if (v == DA_READY && !r.chain)
		CHECK(consumed == t->consumed, "whole vector at once: consumed %zu, want %zu",
		      consumed, t->consumed);
	close_runner(&r);
}
