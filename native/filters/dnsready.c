/* dnsready: hand the connection over once the first DNS-over-TCP message is whole. */
#include "args.h"
#include "filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The smallest DNS message is its 12-byte header (RFC 1035 4.1.1). */
#define HEADER_SIZE 12

struct config {
	bool not_dns_drop;
};

static int item(void *config, const char *key, const char *value, char *err, size_t err_size)
{
	struct config *c = config;
	if (!strcmp(key, "not-dns"))
		return da__arg_drop(key, value, &c->not_dns_drop, err, err_size);
	return da__arg_unknown(key, value, err, err_size);
}

static int create(const char *arg, void **config, size_t *peek_limit, char *err, size_t err_size)
{
	static const struct config defaults = {0};
	int rc = da__config_parse(arg, item, &defaults, sizeof defaults, config, err, err_size);
	if (rc == 0)
		*peek_limit = 2 + 0xffff;
	return rc;
}

/*
 * DNS over TCP (RFC 1035 4.2.2, RFC 7766 8): every message is preceded by its length,
 *   length (2 bytes, big-endian) | message (length bytes)
 * READY when the first message is whole; consumed = 2 + length.
 * A length below 12 cannot hold a DNS header: not DNS, PASS (the server answers or closes), or
 * DROP with not-dns=drop. FreeBSD's accf_dns holds such a connection; handing it over is kinder
 * to a server that speaks something else on the port.
 * EOF before the message is whole: DROP, a server cannot answer half a query.
 */
static enum da_verdict check(const void *config, void *state, const struct da_filter_input *in,
			     size_t *consumed)
{
	const struct config *c = config;
	(void)state;
	if (in->length >= 2) {
		size_t length = (size_t)in->bytes[0] << 8 | in->bytes[1];
		if (length < HEADER_SIZE)
			return c->not_dns_drop ? DA_DROP : DA_PASS;
		if (in->length >= 2 + length) {
			*consumed = 2 + length;
			return DA_READY;
		}
	}
	return in->flags & DA_CHECK_EOF ? DA_DROP : DA_MORE;
}

const struct da_filter da_filter_dnsready = {
	.abi_version = DA_FILTER_ABI_VERSION,
	.name = "dnsready",
	.summary = "wait for a whole DNS-over-TCP message",
	.usage = "not-dns=pass|drop (a length below 12; default pass)",
	.create = create,
	.destroy = free,
	.check = check,
};
