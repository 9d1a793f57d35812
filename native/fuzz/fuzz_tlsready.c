#include "harness.h"

FUZZ_SPECS("tlsready")
