#include "harness.h"

FUZZ_SPECS("dataready", "dataready:7", "dataready:bytes=300")
