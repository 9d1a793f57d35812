/* A plugin built against another filter ABI: loading it must fail and say both versions. */
#include "filter.h"

static const struct da_filter old = {.abi_version = DA_FILTER_ABI_VERSION + 41, .name = "old-abi"};

const struct da_filter *da_filter_entry(void)
{
	return &old;
}
