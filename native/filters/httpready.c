/*
 * httpready: hand the connection over once a whole HTTP/1.x request head has arrived
 * (optionally with its body). Framing only: whether the request makes sense is the server's call.
 * The end of the head is found wherever it is, not only in the last bytes (FreeBSD's accf_http),
 * so pipelined requests and a body in the same segment are READY. A head that has not ended
 * within max-head bytes is PASS, so the server can answer 431, or DROP with oversize=drop.
 */
#include "args.h"
#include "filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Limits keep offsets in 32 bits and the peek buffer bounded. */
#define LIMIT_MAX (1u << 20)

struct config {
	size_t max_head, body_max;
	bool body, oversize_drop, non_http_drop, eof_drop;
};

enum stage { METHOD, TARGET, VERSION, REQUEST_LF, FIELDS, BODY, CHUNK_SIZE, CHUNK_DATA, TRAILERS };

#define HAS_LENGTH 0x1u
#define HAS_CODING 0x2u
#define CHUNKED 0x4u
#define BAD_FRAMING 0x8u

struct state {
	uint64_t length; /* Content-Length, then the bytes left in the current chunk */
	uint32_t pos;    /* next byte to look at */
	uint32_t line;   /* where the current line starts */
	uint32_t head_end;
	uint8_t stage, flags, idx;
};
_Static_assert(sizeof(struct state) <= DA_FILTER_STATE_MAX, "state must fit the ABI's block");

static int item(void *config, const char *key, const char *value, char *err, size_t err_size)
{
	struct config *c = config;
	if (!strcmp(key, "body")) {
		c->body = true;
		return value ? da__arg_size(key, value, 0, LIMIT_MAX, &c->body_max, err, err_size) : 0;
	}
	if (!strcmp(key, "max-head"))
		return da__arg_size(key, value, 16, LIMIT_MAX, &c->max_head, err, err_size);
	if (!strcmp(key, "oversize"))
		return da__arg_drop(key, value, &c->oversize_drop, err, err_size);
	if (!strcmp(key, "non-http"))
		return da__arg_drop(key, value, &c->non_http_drop, err, err_size);
	if (!strcmp(key, "eof"))
		return da__arg_drop(key, value, &c->eof_drop, err, err_size);
	return da__arg_unknown(key, value, err, err_size);
}

static size_t peek_needed(const struct config *c)
{
	return c->max_head + (c->body ? c->body_max : 0);
}

static int create(const char *arg, void **config, size_t *peek_limit, char *err, size_t err_size)
{
	static const struct config defaults = {.max_head = 16384, .body_max = 65536};
	int rc = da__config_parse(arg, item, &defaults, sizeof defaults, config, err, err_size);
	if (rc == 0)
		*peek_limit = peek_needed(*config);
	return rc;
}

static bool is_tchar(uint8_t c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static enum da_verdict ready(size_t at, size_t *consumed)
{
	*consumed = at;
	return DA_READY;
}

/*
 * Request line (RFC 9112 3): method SP request-target SP HTTP-version CRLF
 *   method          = token (tchar+): any method, not only GET and HEAD
 *   request-target  = visible bytes (framing only; the server judges the form)
 *   HTTP-version    = "HTTP/1.0" / "HTTP/1.1"; a bare LF may end the line (RFC 9112 2.2)
 * Empty lines before it are skipped (RFC 9112 2.2). A line with no version is HTTP/0.9 and the
 * request line of the HTTP/2 preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") is HTTP/2: both are
 * handed over at once, the server speaks them or not.
 */
static enum da_verdict request_line(const struct config *c, struct state *s, const uint8_t *b,
				    size_t limit)
{
	enum da_verdict non_http = c->non_http_drop ? DA_DROP : DA_PASS;
	for (; s->stage < FIELDS && s->pos < limit; s->pos++) {
		uint8_t ch = b[s->pos];
		switch (s->stage) {
		case METHOD:
			if (is_tchar(ch))
				continue;
			if (ch == ' ' && s->pos > s->line)
				s->stage = TARGET, s->idx = 0;
			else if ((ch == '\r' || ch == '\n') && s->pos == s->line)
				s->line = s->pos + 1;
			else
				return non_http;
			continue;
		case TARGET:
			if (ch > ' ' && ch != 0x7f)
				s->idx = 1;
			else if (ch == ' ' && s->idx)
				s->stage = VERSION, s->idx = 0;
			else if ((ch == '\r' || ch == '\n') && s->idx)
				return DA_PASS;
			else
				return non_http;
			continue;
		case VERSION:
			if (s->idx < 8 && (ch == "HTTP/1."[s->idx] || (s->idx == 7 && (ch == '0' || ch == '1'))))
				s->idx++;
			else if (s->idx == 5 && ch == '2' && s->pos - s->line == 11 &&
				 !memcmp(b + s->line, "PRI * HTTP/", 11))
				return DA_PASS;
			else if (s->idx == 8 && ch == '\r')
				s->stage = REQUEST_LF;
			else if (s->idx == 8 && ch == '\n')
				s->stage = FIELDS, s->line = s->pos + 1;
			else
				return non_http;
			continue;
		case REQUEST_LF:
			if (ch != '\n')
				return non_http;
			s->stage = FIELDS, s->line = s->pos + 1;
			continue;
		}
	}
	return DA_MORE;
}

static bool is_ows(uint8_t ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * A field line: name ":" OWS value OWS. Only the two that frame a body are read:
 *   Content-Length: digits; a second one with another value is BAD_FRAMING (RFC 9112 6.3)
 *   Transfer-Encoding: the body is chunked when the last coding of the last one is "chunked"
 * A line starting with SP or HT is an obsolete fold (RFC 9112 5.2): skipped, the server must
 * reject or unfold it. Anything odd only makes the filter stop at the end of the head.
 */
static void field(struct state *s, const uint8_t *p, size_t n)
{
	const uint8_t *colon = memchr(p, ':', n);
	if (!colon || is_ows(p[0]))
		return;
	size_t name = (size_t)(colon - p);
	const uint8_t *v = colon + 1, *end = p + n;
	while (v < end && is_ows(*v))
		v++;
	while (end > v && is_ows(end[-1]))
		end--;
	if (name == 14 && !strncasecmp((const char *)p, "content-length", 14)) {
		uint64_t len = 0;
		const uint8_t *d = v;
		for (; d < end && *d >= '0' && *d <= '9' && len <= LIMIT_MAX; d++)
			len = len * 10 + (uint64_t)(*d - '0');
		if (d == v || (d < end && len <= LIMIT_MAX))
			s->flags |= BAD_FRAMING;
		if (d < end)
			len = UINT64_MAX; /* more than any body= limit: framed by the server */
		if ((s->flags & HAS_LENGTH) && s->length != len)
			s->flags |= BAD_FRAMING;
		s->flags |= HAS_LENGTH;
		s->length = len;
	} else if (name == 17 && !strncasecmp((const char *)p, "transfer-encoding", 17)) {
		const uint8_t *last = end;
		while (last > v && last[-1] != ',' && !is_ows(last[-1]))
			last--;
		s->flags |= HAS_CODING;
		if (end - last == 7 && !strncasecmp((const char *)last, "chunked", 7))
			s->flags |= CHUNKED;
		else
			s->flags &= (uint8_t)~CHUNKED;
	}
}

/* The next complete line in [s->line, limit), without its CRLF or LF; false if none yet. */
static bool next_line(struct state *s, const uint8_t *b, size_t limit, size_t *n)
{
	const uint8_t *lf = s->pos < limit ? memchr(b + s->pos, '\n', limit - s->pos) : NULL;
	if (!lf) {
		s->pos = (uint32_t)limit;
		return false;
	}
	size_t e = (size_t)(lf - b);
	*n = e - s->line - (e > s->line && b[e - 1] == '\r');
	s->pos = (uint32_t)e + 1;
	return true;
}

/*
 * After the head, the body framing of RFC 9112 6.3 decides what to wait for (with body=N):
 *   no Content-Length, no Transfer-Encoding: no body, READY now;
 *   Content-Length <= N: wait for it; larger: READY now, the server reads the body itself;
 *   Transfer-Encoding ending in chunked: wait for the last chunk and trailers within N bytes.
 * Smuggling shapes are READY at the end of the head, for the server to reject (RFC 9112 6.3):
 * Content-Length with Transfer-Encoding, differing or non-numeric Content-Length values, and a
 * last coding that is not chunked (the server answers 400 or reads until close).
 */
static enum da_verdict head_done(const struct config *c, struct state *s, size_t *consumed)
{
	s->head_end = s->pos;
	s->line = s->pos;
	if (!c->body || (s->flags & BAD_FRAMING) || (s->flags & HAS_LENGTH && s->flags & HAS_CODING))
		return ready(s->head_end, consumed);
	if (s->flags & CHUNKED)
		s->stage = CHUNK_SIZE;
	else if (s->flags & HAS_CODING || !(s->flags & HAS_LENGTH) || s->length > c->body_max)
		return ready(s->head_end, consumed);
	else
		s->stage = BODY;
	return DA_MORE;
}

/*
 * Chunked body (RFC 9112 7.1):
 *   chunk-size (HEXDIG+) [ BWS ";" chunk-ext ] CRLF, chunk-data CRLF, ... then "0" CRLF,
 *   trailer field lines, and an empty line.
 * A malformed size, a chunk over body=N, or data not followed by a line end: READY at the end
 * of the head, the server frames (and rejects) it.
 */
static enum da_verdict chunked(struct state *s, const uint8_t *b, size_t limit, size_t *consumed)
{
	size_t n;
	for (;;) {
		if (s->stage == CHUNK_DATA) {
			size_t end = s->pos + s->length;
			if (end >= limit || (b[end] == '\r' && end + 1 >= limit))
				return DA_MORE;
			if (b[end] != '\n' && (b[end] != '\r' || b[end + 1] != '\n'))
				return ready(s->head_end, consumed);
			s->pos = s->line = (uint32_t)(end + 1 + (b[end] == '\r'));
			s->stage = CHUNK_SIZE;
		}
		if (!next_line(s, b, limit, &n))
			return DA_MORE;
		const uint8_t *p = b + s->line;
		s->line = s->pos;
		if (s->stage == TRAILERS) {
			if (n == 0)
				return ready(s->pos, consumed);
			continue;
		}
		size_t i = 0, size = 0;
		for (; i < n && i < 8 && p[i] && strchr("0123456789abcdefABCDEF", p[i]); i++)
			size = size * 16 + (size_t)((p[i] & 0xf) + (p[i] > '9' ? 9 : 0));
		if (i == 0 || (i < n && p[i] != ';' && !is_ows(p[i])) || size > LIMIT_MAX)
			return ready(s->head_end, consumed);
		s->length = size;
		s->stage = size ? CHUNK_DATA : TRAILERS;
	}
}

static enum da_verdict run(const struct config *c, struct state *s, const uint8_t *b, size_t len,
			   size_t *consumed)
{
	size_t limit = len < c->max_head ? len : c->max_head, n;
	enum da_verdict v = request_line(c, s, b, limit);
	if (v != DA_MORE)
		return v;
	while (s->stage == FIELDS && next_line(s, b, limit, &n)) {
		if (n == 0) {
			if (head_done(c, s, consumed) == DA_READY)
				return DA_READY;
			break;
		}
		field(s, b + s->line, n);
		s->line = s->pos;
	}
	if (s->stage < BODY)
		return len >= c->max_head ? (c->oversize_drop ? DA_DROP : DA_PASS) : DA_MORE;
	/* The body counts against body=N from the end of the head; only bytes below it are read. */
	size_t body_limit = s->head_end + c->body_max;
	limit = len < body_limit ? len : body_limit;
	if (s->stage == BODY)
		v = limit >= s->head_end + s->length ? ready(s->head_end + s->length, consumed) : DA_MORE;
	else
		v = chunked(s, b, limit, consumed);
	return v == DA_MORE && len >= body_limit ? ready(s->head_end, consumed) : v;
}

/* EOF before the head is complete: PASS (fail open, the server sees the EOF) or eof=drop.
 * EOF while waiting for a body: READY at the end of the head, the server sees the short body. */
static enum da_verdict check(const void *config, void *state, const struct da_filter_input *in,
			     size_t *consumed)
{
	const struct config *c = config;
	struct state s;
	memcpy(&s, state, sizeof s);
	enum da_verdict v = run(c, &s, in->bytes, in->length, consumed);
	memcpy(state, &s, sizeof s);
	if (v != DA_MORE || !(in->flags & DA_CHECK_EOF))
		return v;
	if (s.stage >= BODY)
		return ready(s.head_end, consumed);
	return c->eof_drop ? DA_DROP : DA_PASS;
}

const struct da_filter da_filter_httpready = {
	.abi_version = DA_FILTER_ABI_VERSION,
	.name = "httpready",
	.summary = "wait for a complete HTTP/1.x request head (and optionally its body)",
	.usage = "body[=N] max-head=N oversize=pass|drop non-http=pass|drop eof=pass|drop "
		 "(items joined by ':'; N up to 1048576, defaults body=65536 max-head=16384)",
	.create = create,
	.destroy = free,
	.check = check,
};
