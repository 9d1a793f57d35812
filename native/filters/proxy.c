/* proxy: wait for a PROXY protocol header (v1 or v2) in front of the client's own bytes. */
#include "args.h"
#include "filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define V1_MAX 107 /* the longest v1 line, CRLF included */
static const uint8_t v2_signature[12] = "\r\n\r\n\0\r\nQUIT\n";

/* What a client without a header gets: DROP, PASS (handed over at once), or, with `next`,
 * READY with nothing consumed, so that the next filter of the chain judges its bytes (a listener
 * that takes both proxied and direct clients, and still wants whole requests from both). */
struct config {
	enum da_verdict missing;
};

static int item(void *config, const char *key, const char *value, char *err, size_t err_size)
{
	struct config *c = config;
	if (strcmp(key, "missing"))
		return da__arg_unknown(key, value, err, err_size);
	if (value && !strcmp(value, "next")) {
		c->missing = DA_READY;
		return 0;
	}
	bool drop = true;
	int rc = da__arg_drop(key, value, &drop, err, err_size);
	c->missing = drop ? DA_DROP : DA_PASS;
	return rc;
}

static int create(const char *arg, void **config, size_t *peek_limit, char *err, size_t err_size)
{
	static const struct config defaults = {.missing = DA_DROP};
	int rc = da__config_parse(arg, item, &defaults, sizeof defaults, config, err, err_size);
	if (rc == 0)
		*peek_limit = 16 + 0xffff;
	return rc;
}

/* Whether the n bytes at p agree with the first bytes of want, as far as both go. */
static bool agrees(const uint8_t *p, size_t n, const void *want, size_t want_len)
{
	return !memcmp(p, want, n < want_len ? n : want_len);
}

/*
 * v1 (haproxy proxy-protocol.txt 2.1), one text line of at most 107 bytes:
 *   "PROXY TCP4 " src-ip SP dst-ip SP src-port SP dst-port CRLF   (TCP6 alike)
 *   "PROXY UNKNOWN" [anything but CR and LF] CRLF
 * Only the shape is checked: hex digits, '.' and ':' in four fields.
 */
static enum da_verdict v1(const uint8_t *b, size_t n, size_t *consumed)
{
	static const char *const protocols[] = {"PROXY TCP4 ", "PROXY TCP6 ", "PROXY UNKNOWN"};
	size_t fields = 0;
	bool unknown = agrees(b, n, protocols[2], 13);
	if (!unknown && !agrees(b, n, protocols[0], 11) && !agrees(b, n, protocols[1], 11))
		return DA_DROP;
	for (size_t i = unknown ? 13 : 11; i < n && i < V1_MAX - 1; i++) {
		if (b[i] == '\r') {
			if (i + 1 == n)
				return DA_MORE;
			if (b[i + 1] != '\n' || !(unknown || (fields == 3 && b[i - 1] != ' ')))
				return DA_DROP;
			*consumed = i + 2;
			return DA_READY;
		}
		if (unknown ? b[i] == '\n'
			    : b[i] == ' ' ? (b[i - 1] == ' ' || ++fields > 3)
					  : !(strchr("0123456789abcdefABCDEF.:", b[i]) && b[i]))
			return DA_DROP;
	}
	return n >= V1_MAX - 1 ? DA_DROP : DA_MORE; /* no CR where the last CRLF could start */
}

/*
 * v2 (proxy-protocol.txt 2.2), binary:
 *   signature (12: "\r\n\r\n\0\r\nQUIT\n") | version 2, command (1: 0x20 LOCAL, 0x21 PROXY)
 *   | family, transport (1) | length (2, big-endian) | addresses and TLVs (length bytes)
 * PROXY needs a known family and transport and room for its addresses (INET 12, INET6 36,
 * UNIX 216 bytes); LOCAL (a health check from the proxy itself) carries none to check.
 */
static enum da_verdict v2(const uint8_t *b, size_t n, size_t *consumed)
{
	if (n < 16)
		return DA_MORE;
	size_t length = (size_t)b[14] << 8 | b[15];
	if (b[12] == 0x21) {
		static const size_t room[] = {0, 12, 36, 216};
		unsigned family = b[13] >> 4, transport = b[13] & 0xf;
		if (family > 3 || transport > 2 || (family == 0) != (transport == 0) || length < room[family])
			return DA_DROP;
	} else if (b[12] != 0x20) {
		return DA_DROP;
	}
	if (n < 16 + length)
		return DA_MORE;
	*consumed = 16 + length;
	return DA_READY;
}

/*
 * READY with consumed = the header's length, so a chained filter sees the client's bytes.
 * No signature: DROP (a proxy-only listener must not take direct clients), or as missing= says.
 * A signature with a malformed header, or EOF inside a header: DROP.
 */
static enum da_verdict check(const void *config, void *state, const struct da_filter_input *in,
			     size_t *consumed)
{
	const struct config *c = config;
	enum da_verdict missing = c->missing, v;
	size_t n = in->length;
	(void)state;
	*consumed = 0;
	if (agrees(in->bytes, n, "PROXY ", 6))
		v = n < 6 ? DA_MORE : v1(in->bytes, n, consumed);
	else if (agrees(in->bytes, n, v2_signature, 12))
		v = n < 12 ? DA_MORE : v2(in->bytes, n, consumed);
	else
		return missing;
	if (v != DA_MORE || !(in->flags & DA_CHECK_EOF))
		return v;
	return n < 6 || (n < 12 && in->bytes[0] == '\r') ? missing : DA_DROP;
}

const struct da_filter da_filter_proxy = {
	.abi_version = DA_FILTER_ABI_VERSION,
	.name = "proxy",
	.summary = "wait for a PROXY protocol v1 or v2 header (then the next filter runs after it)",
	.usage = "missing=drop|pass|next (a client without the header: close it, hand it over, or let "
		 "the next filter judge its bytes; default drop)",
	.create = create,
	.destroy = free,
	.check = check,
};
