/* Runs a struct vector: every prefix on one state, then the whole vector on a fresh state. */
#include "check.h"
#include "runner.h"

#include <stdbool.h>
#include <string.h>

void check_vector(const void *arg)
{
	const struct vector *t = arg;
	static const char *const names[] = {"MORE", "READY", "PASS", "DROP"};
	uint8_t state[RUNNER_STATE_MAX] __attribute__((aligned(16)));
	char err[512];
	struct runner r;
	size_t at = t->at == END ? t->len : t->at, consumed;
	bool eof = t->at == AT_EOF;
	enum da_verdict v = DA_MORE;
	int rc = runner_open(&r, t->spec, err, sizeof err);
	CHECK(rc == 0, "%s: %s", t->spec, err);
	if (rc)
		return;
	memset(state, 0, sizeof state);
	for (size_t p = 0; p <= t->len && (eof || p <= at) && v == DA_MORE; p++) {
		v = runner_check(&r, state, (const uint8_t *)t->bytes, p, 0, &consumed);
		if (eof || p < at)
			CHECK(v == DA_MORE, "prefix %zu: %s, want MORE", p, names[v]);
	}
	if (eof)
		v = runner_check(&r, state, (const uint8_t *)t->bytes, t->len, DA_CHECK_EOF, &consumed);
	CHECK(v == t->want, "at %zu%s: %s, want %s", eof ? t->len : at, eof ? " with EOF" : "",
	      names[v], names[t->want]);
	if (v == DA_READY && r.filter)
		CHECK(consumed == t->consumed, "consumed %zu, want %zu", consumed, t->consumed);

	/* The verdict depends on the bytes up to where it was made, not on how they were split. */
	memset(state, 0, sizeof state);
	v = runner_check(&r, state, (const uint8_t *)t->bytes, t->len, eof ? DA_CHECK_EOF : 0, &consumed);
	CHECK(v == t->want, "whole vector at once: %s, want %s", names[v], names[t->want]);
	if (v == DA_READY && r.filter)
		CHECK(consumed == t->consumed, "whole vector at once: consumed %zu, want %zu",
		      consumed, t->consumed);
	runner_close(&r);
}
