/* tlsready: hand the connection over once the whole TLS ClientHello has arrived. */
#include "args.h"
#include "filter.h"

#include <string.h>

/* A ClientHello with post-quantum key shares is a few KiB; past this, hand over (fail open). */
#define RECORDS_MAX 65536
#define RECORD_MAX 16384 /* TLSPlaintext.length (RFC 8446 5.1) */

struct state {
	uint32_t record; /* where the current record's header starts */
	uint32_t got;    /* handshake bytes in the records before it */
	uint8_t header[4];
};
_Static_assert(sizeof(struct state) <= DA_FILTER_STATE_MAX, "state must fit the ABI's block");

static int create(const char *arg, void **config, size_t *peek_limit, char *err, size_t err_size)
{
	if (arg && *arg)
		return da__arg_unknown(arg, NULL, err, err_size);
	*config = NULL;
	*peek_limit = RECORDS_MAX;
	return 0;
}

static void destroy(void *config)
{
	(void)config;
}

/*
 * TLS records (RFC 8446 5.1), each:
 *   type (1: 0x16 handshake) | version (2: 0x03 0x00..0xff) | length (2, big-endian, 1..16384)
 *   | fragment (length bytes)
 * The fragments, joined, carry the handshake message (RFC 8446 4):
 *   msg_type (1: 0x01 ClientHello) | length (3, big-endian) | body (length bytes)
 * so a ClientHello may span several records, and its own header may be split between two.
 * READY when 4 + length handshake bytes have arrived; consumed ends at its last byte.
 * Not a handshake record, not TLS 1.x, a record length of 0 or over 16384, another handshake
 * message first, or records past 64 KiB: PASS (not ours to judge). EOF: PASS (fail open).
 */
static enum da_verdict check(const void *config, void *statep, const struct da_filter_input *in,
			     size_t *consumed)
{
	const uint8_t *b = in->bytes;
	struct state s;
	enum da_verdict v = DA_MORE;
	(void)config;
	memcpy(&s, statep, sizeof s);
	while (v == DA_MORE) {
		size_t r = s.record, have = in->length - r;
		if (r >= RECORDS_MAX || (have > 0 && b[r] != 0x16) || (have > 1 && b[r + 1] != 0x03)) {
			v = DA_PASS;
			break;
		}
		if (have < 5)
			break;
		size_t length = (size_t)b[r + 3] << 8 | b[r + 4];
		if (length == 0 || length > RECORD_MAX || r + 5 + length > RECORDS_MAX) {
			v = DA_PASS;
			break;
		}
		size_t avail = have - 5 < length ? have - 5 : length;
		for (size_t i = 0; s.got + i < 4 && i < avail; i++)
			s.header[s.got + i] = b[r + 5 + i];
		if (s.got + avail >= 1 && s.header[0] != 0x01) {
			v = DA_PASS;
			break;
		}
		if (s.got + avail >= 4) {
			size_t need = 4 + ((size_t)s.header[1] << 16 | (size_t)s.header[2] << 8 | s.header[3]);
			if (s.got + avail >= need) {
				*consumed = r + 5 + (need - s.got);
				v = DA_READY;
				break;
			}
		}
		if (avail < length)
			break;
		s.got += (uint32_t)length;
		s.record = (uint32_t)(r + 5 + length);
	}
	memcpy(statep, &s, sizeof s);
	if (v == DA_MORE && (in->flags & DA_CHECK_EOF))
		v = DA_PASS;
	return v;
}

const struct da_filter da_filter_tlsready = {
	.abi_version = DA_FILTER_ABI_VERSION,
	.name = "tlsready",
	.summary = "wait for a whole TLS ClientHello, even over several records",
	.usage = "(no arguments)",
	.create = create,
	.destroy = destroy,
	.check = check,
};
