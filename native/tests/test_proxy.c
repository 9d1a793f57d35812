#include "check.h"

#define V1 "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"
#define V1_6 "PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n"
#define SIG "\r\n\r\n\0\r\nQUIT\n"
/* PROXY over TCP/IPv4: 12 address bytes. */
#define V2 SIG "\x21\x11\x00\x0c" "\xc0\x00\x02\x01" "\xc6\x33\x64\x02" "\xdc\x04\x01\xbb"
#define HTTP "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
#define LEN(s) (sizeof(s) - 1)

static const struct vector vectors[] = {
	V("proxy_v1_tcp4", "proxy", V1 HTTP, LEN(V1), DA_READY, LEN(V1)),
	V("proxy_v1_tcp6", "proxy", V1_6, END, DA_READY, LEN(V1_6)),
	V("proxy_v1_unknown", "proxy", "PROXY UNKNOWN whatever\r\nGET", 24, DA_READY, 24),
	V("proxy_v1_then_http", "proxy,httpready", V1 HTTP, END, DA_READY, 0),
	V("proxy_v1_then_partial_http", "proxy,httpready", V1 "GET / HTTP/1.1\r\n", AT_EOF, DA_PASS,
	  0),
	V("proxy_v2_then_http", "proxy,httpready", V2 HTTP, END, DA_READY, 0),
	V("proxy_v2", "proxy", V2 "xyz", LEN(V2), DA_READY, LEN(V2)),
	V("proxy_v2_local", "proxy", SIG "\x20\x00\x00\x00", END, DA_READY, 16),
	V("proxy_v2_bad_command", "proxy", SIG "\x22\x11\x00\x0c", 16, DA_DROP, 0),
	V("proxy_v2_short_addresses", "proxy", SIG "\x21\x21\x00\x0c", 16, DA_DROP, 0),
	V("proxy_v1_bad_field", "proxy", "PROXY TCP4 1.2.3.x", 18, DA_DROP, 0),
	V("proxy_v1_missing_field", "proxy", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", 30, DA_DROP, 0),
	V("proxy_v1_too_long", "proxy",
	  "PROXY UNKNOWN aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 106, DA_DROP, 0),
	V("proxy_missing_drop", "proxy", HTTP, 1, DA_DROP, 0),
	V("proxy_missing_post", "proxy", "POST / HTTP/1.1\r\n", 2, DA_DROP, 0),
	V("proxy_missing_pass", "proxy:missing=pass", HTTP, 1, DA_PASS, 0),
	V("proxy_missing_pass_chain", "proxy:missing=pass,httpready", HTTP, 1, DA_PASS, 0),
	V("proxy_eof_in_header", "proxy", "PROXY TCP4 1.2", AT_EOF, DA_DROP, 0),
	V("proxy_eof_in_signature", "proxy:missing=pass", "PRO", AT_EOF, DA_PASS, 0),
	V("proxy_missing_next", "proxy:missing=next", HTTP, 1, DA_READY, 0),
	V("proxy_missing_next_chain", "proxy:missing=next,httpready", HTTP, END, DA_READY, 0),
};
VECTORS(vectors)
