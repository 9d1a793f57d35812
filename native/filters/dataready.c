/*
 * dataready: hand the connection over once the client has sent at least N bytes (FreeBSD's
 * accf_data waits for SO_RCVLOWAT bytes). Any bytes count; nothing is parsed.
 */
#include "args.h"
#include "filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The engine peeks at most this much; a larger N would never be satisfied by one peek. */
#define BYTES_MAX 65536

struct config {
	size_t bytes;
};

static int item(void *config, const char *key, const char *value, char *err, size_t err_size)
{
	struct config *c = config;
	if (!value && key[0] >= '0' && key[0] <= '9')
		return da__arg_size("bytes", key, 1, BYTES_MAX, &c->bytes, err, err_size);
	if (!strcmp(key, "bytes"))
		return da__arg_size(key, value, 1, BYTES_MAX, &c->bytes, err, err_size);
	return da__arg_unknown(key, value, err, err_size);
}

static int create(const char *arg, void **config, size_t *peek_limit, char *err, size_t err_size)
{
	static const struct config defaults = {.bytes = 1};
	int rc = da__config_parse(arg, item, &defaults, sizeof defaults, config, err, err_size);
	if (rc == 0)
		*peek_limit = ((const struct config *)*config)->bytes;
	return rc;
}

/*
 * Consumes nothing: the count is a condition, not a protocol unit, so a filter after this one
 * in a chain sees the same bytes. EOF with fewer than N bytes is READY (fail open): the server
 * reads what there is and then EOF, exactly as it would without the filter.
 */
static enum da_verdict check(const void *config, void *state, const struct da_filter_input *in,
			     size_t *consumed)
{
	const struct config *c = config;
	(void)state;
	*consumed = 0;
	if (in->length >= c->bytes || (in->flags & DA_CHECK_EOF))
		return DA_READY;
	return DA_MORE;
}

const struct da_filter da_filter_dataready = {
	.abi_version = DA_FILTER_ABI_VERSION,
	.name = "dataready",
	.summary = "wait until the client has sent at least N bytes (default 1)",
	.usage = "N | bytes=N (1 to 65536)",
	.create = create,
	.destroy = free,
	.check = check,
};
