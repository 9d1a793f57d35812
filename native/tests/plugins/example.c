/* A plugin filter for the tests: READY once a '!' has arrived, consuming through it. */
#include "filter.h"

#include <string.h>

static int create(const char *arg, void **config, size_t *peek_limit, char *err, size_t err_size)
{
	(void)err, (void)err_size;
	*config = NULL;
	*peek_limit = 64;
	return arg && *arg ? -22 : 0;
}

static void destroy(void *config)
{
	(void)config;
}

static enum da_verdict check(const void *config, void *state, const struct da_filter_input *in,
			     size_t *consumed)
{
	const uint8_t *bang = memchr(in->bytes, '!', in->length);
	(void)config, (void)state;
	if (!bang)
		return in->length >= 64 ? DA_PASS : DA_MORE;
	*consumed = (size_t)(bang - in->bytes) + 1;
	return DA_READY;
}

static const struct da_filter example = {
	.abi_version = DA_FILTER_ABI_VERSION,
	.name = "example",
	.summary = "READY after a '!'",
	.usage = "(no arguments)",
	.create = create,
	.destroy = destroy,
	.check = check,
};

const struct da_filter *da_filter_entry(void)
{
	return &example;
}
