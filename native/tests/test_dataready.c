#include "check.h"

static const struct vector vectors[] = {
	V("data_default_one_byte", "dataready", "x", END, DA_READY, 0),
	V("data_n", "dataready:4", "abcdef", 4, DA_READY, 0),
	V("data_bytes_n", "dataready:bytes=3", "abc", END, DA_READY, 0),
	V("data_eof_with_fewer", "dataready:bytes=8", "ab", AT_EOF, DA_READY, 0),
};
VECTORS(vectors)
