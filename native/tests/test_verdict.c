/* da_look (common/verdict.h): each rule, in its order, and the one counter each one moves. */
#include "check.h"
#include "verdict.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct look {
	struct da_chain *chain;
	unsigned char state[DA_CHAIN_MAX * DA_FILTER_STATE_MAX] __attribute__((aligned(8)));
	struct da_counters count;
};

static int open_look(struct look *l, const char *spec)
{
	char err[512] = "";
	memset(l, 0, sizeof *l);
	int rc = da_chain_create(spec, DA_TEST_PLUGIN_DIR, &l->chain, err, sizeof err);
	CHECK(rc == 0, "%s: %s", spec, err);
	return rc;
}

/* bytes/n as a peek into a buffer of peek_size would give them (n < 0: failed with err). */
static enum da_verdict look(struct look *l, const char *bytes, ssize_t n, int err, bool hup,
			    size_t peek_size)
{
	return da_look(l->chain, l->state, (const uint8_t *)bytes, n, err, hup, peek_size, &l->count);
}

/* Every counter of c is zero but the one at `field` (bytes into the struct), which is one. */
static void only(const struct da_counters *c, size_t field, const char *what)
{
	const unsigned char *bytes = (const unsigned char *)c;
	struct da_counters want = {0};
	uint64_t one = 1; /* every counter da_look moves is a uint64_t */
	if (field != (size_t)-1)
		memcpy((unsigned char *)&want + field, &one, sizeof one);
	CHECK(!memcmp(bytes, &want, sizeof want), "%s: other counters moved, or not this one", what);
}
#define ONLY(c, member, what) only(c, offsetof(struct da_counters, member), what)
#define NONE(c, what) only(c, (size_t)-1, what)

TEST(verdict_error_is_reset)
{
	struct look l;
	if (open_look(&l, "httpready") < 0)
		return;
	CHECK(look(&l, NULL, -1, ECONNRESET, false, 64) == DA_DROP, "ECONNRESET must drop");
	ONLY(&l.count, dropped[DA_DROP_RESET], "reset");
	da_chain_destroy(l.chain);
}

TEST(verdict_nothing_yet_is_more_and_uncounted)
{
	struct look l;
	if (open_look(&l, "httpready") < 0)
		return;
	CHECK(look(&l, NULL, -1, EAGAIN, false, 64) == DA_MORE, "EAGAIN: wait");
	CHECK(look(&l, "GET / HTTP/1.1\r\n", 16, 0, false, 4096) == DA_MORE, "half a head: wait");
	NONE(&l.count, "more");
	da_chain_destroy(l.chain);
}

TEST(verdict_eof_before_a_byte_is_dropped)
{
	struct look l;
	if (open_look(&l, "httpready") < 0)
		return;
	CHECK(look(&l, NULL, 0, 0, true, 64) == DA_DROP, "EOF at once: nothing to serve");
	ONLY(&l.count, dropped[DA_DROP_EOF], "eof");
	da_chain_destroy(l.chain);
}

TEST(verdict_more_with_a_full_buffer_passes_oversize)
{
	struct look l;
	if (open_look(&l, "dataready:bytes=8") < 0)
		return;
	CHECK(look(&l, "abcd", 4, 0, false, 4) == DA_PASS, "full buffer: fail open");
	CHECK(l.count.passed == 1, "counted as passed too");
	l.count.passed = 0;
	ONLY(&l.count, passed_on[DA_PASS_OVERSIZE], "oversize");
	da_chain_destroy(l.chain);
}

TEST(verdict_more_at_eof_is_dropped)
{
	struct look l;
	if (open_look(&l, "example") < 0) /* tests/plugins/example.c: MORE until a '!', EOF or not */
		return;
	CHECK(look(&l, "abc", 3, 0, true, 64) == DA_DROP, "bytes, then EOF, no '!'");
	ONLY(&l.count, dropped[DA_DROP_EOF], "eof after bytes");
	da_chain_destroy(l.chain);
}

TEST(verdict_ready)
{
	struct look l;
	if (open_look(&l, "httpready") < 0)
		return;
	CHECK(look(&l, "GET / HTTP/1.1\r\n\r\n", 18, 0, false, 4096) == DA_READY, "a whole head");
	ONLY(&l.count, ready, "ready");
	da_chain_destroy(l.chain);
}

TEST(verdict_chain_pass)
{
	struct look l;
	if (open_look(&l, "httpready") < 0)
		return;
	CHECK(look(&l, "\x16\x03\x01", 3, 0, false, 4096) == DA_PASS, "TLS is not HTTP: pass");
	CHECK(l.count.passed == 1, "counted as passed too");
	l.count.passed = 0;
	ONLY(&l.count, passed_on[DA_PASS_VERDICT], "verdict");
	da_chain_destroy(l.chain);
}

TEST(verdict_chain_drop_is_filter)
{
	struct look l;
	if (open_look(&l, "httpready:non-http=drop") < 0)
		return;
	CHECK(look(&l, "\x16\x03\x01", 3, 0, false, 4096) == DA_DROP, "non-http=drop");
	ONLY(&l.count, dropped[DA_DROP_FILTER], "filter");
	da_chain_destroy(l.chain);
}
