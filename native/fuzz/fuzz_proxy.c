#include "harness.h"

FUZZ_SPECS("proxy", "proxy:missing=pass")
