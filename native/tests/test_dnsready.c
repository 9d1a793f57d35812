#include "check.h"

#define QUERY "\x00\x0c" "abcdefghijkl"

static const struct vector vectors[] = {
	V("dns_complete", "dnsready", QUERY, END, DA_READY, 14),
	V("dns_pipelined", "dnsready", QUERY QUERY, 14, DA_READY, 14),
	V("dns_zero_length", "dnsready", "\x00\x00" "abc", 2, DA_PASS, 0),
	V("dns_zero_length_drop", "dnsready:not-dns=drop", "\x00\x00", 2, DA_DROP, 0),
	V("dns_shorter_than_header", "dnsready", "\x00\x0b", 2, DA_PASS, 0),
	V("dns_eof_before_complete", "dnsready", "\x00\x0c" "abc", AT_EOF, DA_DROP, 0),
	V("dns_eof_in_length", "dnsready", "\x00", AT_EOF, DA_DROP, 0),
};
VECTORS(vectors)
