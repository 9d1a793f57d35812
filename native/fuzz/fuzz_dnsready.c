#include "harness.h"

FUZZ_SPECS("dnsready", "dnsready:not-dns=drop")
