#include "harness.h"

FUZZ_SPECS("proxy,httpready:max-head=64", "proxy:missing=pass,httpready:body=32:max-head=128",
	   "dataready:3,dnsready", "proxy,tlsready", "dnsready,dnsready:not-dns=drop",
	   "proxy:missing=pass,dataready:2,httpready:max-head=32:oversize=drop")
