#include "check.h"

#include <stdlib.h>
#include <string.h>

/* ClientHello with a 6-byte body: handshake header 01 000006, then the body. */
#define HELLO_ONE_RECORD "\x16\x03\x01\x00\x0a" "\x01\x00\x00\x06" "abcdef"
#define HELLO_TWO_RECORDS "\x16\x03\x01\x00\x05" "\x01\x00\x00\x06" "a" "\x16\x03\x03\x00\x05" "bcdef"
#define HELLO_SPLIT_HEADER "\x16\x03\x01\x00\x02" "\x01\x00" "\x16\x03\x01\x00\x08" "\x00\x06" "abcdef"

static const struct vector vectors[] = {
	V("tls_one_record", "tlsready", HELLO_ONE_RECORD, END, DA_READY, 15),
	V("tls_two_records", "tlsready", HELLO_TWO_RECORDS, END, DA_READY, 20),
	V("tls_handshake_header_split", "tlsready", HELLO_SPLIT_HEADER, END, DA_READY, 20),
	V("tls_more_after_hello", "tlsready", "\x16\x03\x01\x00\x0c" "\x01\x00\x00\x06" "abcdefXY", 15,
	  DA_READY, 15),
	V("tls_record_length_0", "tlsready", "\x16\x03\x01\x00\x00" "\x01", 5, DA_PASS, 0),
	V("tls_record_length_16385", "tlsready", "\x16\x03\x01\x40\x01" "\x01", 5, DA_PASS, 0),
	V("tls_not_tls", "tlsready", "GET / HTTP/1.1\r\n\r\n", 1, DA_PASS, 0),
	V("tls_ssl2_major", "tlsready", "\x16\x02\x00", 2, DA_PASS, 0),
	V("tls_not_client_hello", "tlsready", "\x16\x03\x01\x00\x0a" "\x02\x00\x00\x06" "abcdef", 6,
	  DA_PASS, 0),
	V("tls_alert_between_records", "tlsready", "\x16\x03\x01\x00\x05" "\x01\x00\x00\x06" "a"
	  "\x15\x03\x03\x00\x02" "\x02\x28", 11, DA_PASS, 0),
	V("tls_eof_in_hello", "tlsready", "\x16\x03\x01\x00\x0a" "\x01\x00", AT_EOF, DA_PASS, 0),
};
VECTORS(vectors)

/* Full 16 KiB records of a ClientHello that claims 16 MiB: the fourth would end past 64 KiB. */
TEST(tls_records_past_64k)
{
	enum { RECORD = 5 + 16384, COUNT = 4 };
	char *b = calloc(COUNT, RECORD);
	CHECK(b, "calloc");
	if (!b)
		return;
	for (size_t i = 0; i < COUNT; i++)
		memcpy(b + i * RECORD, "\x16\x03\x01\x40\x00", 5);
	memcpy(b + 5, "\x01\xff\xff\xff", 4);
	struct vector v = {"tls_records_past_64k", "tlsready", b, COUNT * RECORD,
			   3 * RECORD + 5, DA_PASS, 0};
	check_vector(&v);
	free(b);
}
