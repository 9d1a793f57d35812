#include "harness.h"

FUZZ_SPECS("httpready", "httpready:max-head=64", "httpready:body=32:max-head=128",
	   "httpready:body:non-http=drop:oversize=drop:eof=drop", "httpready:body=0:max-head=16")
