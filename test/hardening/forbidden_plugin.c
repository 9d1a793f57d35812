/*
 * A filter that misbehaves on purpose, for the sandbox test: READY at the end of an HTTP head,
 * like httpready, but a request for /forbidden makes it open a Unix socket, a system call the
 * engine never makes once it serves. The engine's seccomp filter must kill it there.
 */
#include <string.h>
#include <sys/socket.h>

#include "filter.h"

static int create(const char *arg, void **config, size_t *peek_limit, char *err, size_t err_size)
{
	(void)arg, (void)err, (void)err_size;
	*config = NULL;
	*peek_limit = 4096;
	return 0;
}

static void destroy(void *config)
{
	(void)config;
}

static enum da_verdict check(const void *config, void *state, const struct da_filter_input *in,
			     size_t *consumed)
{
	(void)config, (void)state;
	const char *end = memmem(in->bytes, in->length, "\r\n\r\n", 4);
	if (!end)
		return DA_MORE;
	if (memmem(in->bytes, in->length, "/forbidden", 10))
		socket(AF_UNIX, SOCK_STREAM, 0);
	*consumed = (size_t)(end - (const char *)in->bytes) + 4;
	return DA_READY;
}

static const struct da_filter forbidden = {
	.abi_version = DA_FILTER_ABI_VERSION,
	.name = "forbidden",
	.summary = "READY at the end of an HTTP head; opens a socket on /forbidden",
	.usage = "(no arguments)",
	.create = create,
	.destroy = destroy,
	.check = check,
};

const struct da_filter *da_filter_entry(void)
{
	return &forbidden;
}
