/* The built-in filters: each is registered exactly as a plugin exports itself, by one struct. */
#include "chain.h"

extern const struct da_filter da_filter_dataready, da_filter_httpready, da_filter_dnsready,
	da_filter_tlsready, da_filter_proxy;

static const struct da_filter *const builtins[] = {
	&da_filter_dataready, &da_filter_httpready, &da_filter_dnsready,
	&da_filter_tlsready,  &da_filter_proxy,
};

const struct da_filter *const *da_builtin_filters(size_t *count)
{
	*count = sizeof builtins / sizeof builtins[0];
	return builtins;
}
