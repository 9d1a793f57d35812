/*
 * The invariants every filter and chain keeps, checked over one fuzz input:
 *   data[0] picks the spec, data[1] a stride, the rest is what the client sent.
 * 1. Verdicts are in range and READY's consumed never exceeds the bytes shown.
 * 2. The verdict is a function of the bytes up to where it is made: feeding every prefix on one
 *    state, feeding in strides, and one call on everything (fresh state) agree on the verdict
 *    and consumed, or all say MORE.
 * 3. With EOF flagged the answer is never MORE, and EOF after resumed calls equals EOF on a
 *    fresh state; a decision made before EOF stands.
 * 4. Nothing is still undecided once peek_limit bytes have arrived.
 */
#ifndef DA_FUZZ_HARNESS_H
#define DA_FUZZ_HARNESS_H

#include "../tests/runner.h"

#include <stdlib.h>

struct outcome {
	enum da_verdict verdict;
	size_t consumed, at; /* at: the prefix length it was decided at */
};

static void must(int ok, const char *what, const char *spec)
{
	if (!ok) {
		fprintf(stderr, "invariant broken (%s) for %s\n", what, spec);
		abort();
	}
}

/* Feeds prefixes step, 2*step, ... (from 0 when step is 1) on one state until a decision or
 * the end; a step of n is one call on everything. */
static struct outcome feed(const struct runner *r, const char *spec, const uint8_t *b, size_t n,
			   size_t step, uint8_t *state)
{
	struct outcome o = {DA_MORE, 0, 0};
	memset(state, 0, RUNNER_STATE_MAX);
	for (size_t p = step == 1 ? 0 : step < n ? step : n;; p = p + step < n ? p + step : n) {
		o.verdict = runner_check(r, state, b, p, 0, &o.consumed);
		o.at = p;
		must(o.verdict <= DA_DROP, "verdict in range", spec);
		must(o.verdict != DA_READY || o.consumed <= p, "consumed <= length", spec);
		if (o.verdict != DA_MORE || p == n)
			return o;
	}
}

static int fuzz_specs(const char *const *specs, size_t count, const uint8_t *data, size_t size)
{
	uint8_t state[RUNNER_STATE_MAX] __attribute__((aligned(16)));
	char err[512];
	struct runner r;
	if (size < 2)
		return -1;
	const char *spec = specs[data[0] % count];
	size_t step = 2 + data[1] % 31, n = size - 2, consumed;
	const uint8_t *b = data + 2;
	must(runner_open(&r, spec, err, sizeof err) == 0, err, spec);

	struct outcome every = feed(&r, spec, b, n, 1, state);
	if (every.verdict == DA_MORE) {
		enum da_verdict v = runner_check(&r, state, b, n, DA_CHECK_EOF, &consumed);
		size_t fresh_consumed;
		must(v != DA_MORE, "EOF decides", spec);
		uint8_t fresh[RUNNER_STATE_MAX] __attribute__((aligned(16))) = {0};
		must(runner_check(&r, fresh, b, n, DA_CHECK_EOF, &fresh_consumed) == v &&
			     (v != DA_READY || consumed == fresh_consumed),
		     "EOF resumed equals EOF fresh", spec);
		must(n < r.peek_limit, "decided within peek_limit", spec);
	} else {
		must(every.at <= r.peek_limit, "decided within peek_limit", spec);
	}
	struct outcome strides = feed(&r, spec, b, n, step, state);
	struct outcome whole = feed(&r, spec, b, n, n > 1 ? n : 2, state);
	must(strides.verdict == every.verdict && whole.verdict == every.verdict,
	     "same verdict however split", spec);
	must(every.verdict != DA_READY ||
		     (strides.consumed == every.consumed && whole.consumed == every.consumed),
	     "same consumed however split", spec);
	if (every.verdict != DA_MORE) {
		memset(state, 0, sizeof state);
		must(runner_check(&r, state, b, n, DA_CHECK_EOF, &consumed) == every.verdict &&
			     (every.verdict != DA_READY || consumed == every.consumed),
		     "a decision stands at EOF", spec);
	}
	runner_close(&r);
	return 0;
}

#define FUZZ_SPECS(...)                                                                            \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                              \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                               \
	{                                                                                          \
		static const char *const specs[] = {__VA_ARGS__};                                  \
		return fuzz_specs(specs, sizeof specs / sizeof specs[0], data, size);              \
	}

#endif
