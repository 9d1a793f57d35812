/* The verdict and its counters, for both paths (verdict.h). */
#include <errno.h>

#include "verdict.h"

enum da_verdict da_look(const struct da_chain *chain, void *state, const uint8_t *peeked, ssize_t n,
			int err, bool hup, size_t peek_size, struct da_counters *count)
{
	if (n < 0 && err != EAGAIN && err != EWOULDBLOCK) {
		da_count(count->dropped[DA_DROP_RESET]);
		return DA_DROP;
	}
	size_t got = n < 0 ? 0 : (size_t)n;
	/* TCP delivers in order: once the FIN is seen, every byte before it is in the queue. */
	bool eof = n == 0 || (hup && n > 0);
	if (eof && got == 0) {
		da_count(count->dropped[DA_DROP_EOF]);
		return DA_DROP;
	}
	enum da_verdict v = da_chain_check(chain, state, peeked, got, eof ? DA_CHECK_EOF : 0);
	if (v == DA_MORE && got >= peek_size) {
		da_count(count->passed);
		da_count(count->passed_on[DA_PASS_OVERSIZE]);
		return DA_PASS;
	}
	if (v == DA_MORE && eof)
		v = DA_DROP;
	switch (v) {
	case DA_READY: da_count(count->ready); break;
	case DA_PASS:
		da_count(count->passed);
		da_count(count->passed_on[DA_PASS_VERDICT]);
		break;
	case DA_DROP: da_count(count->dropped[eof ? DA_DROP_EOF : DA_DROP_FILTER]); break;
	case DA_MORE: break;
	}
	return v;
}
