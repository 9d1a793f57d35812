/*
 * Filter chains and the registry of filters: what the engine calls. A chain is a list of
 * filters run one after the other over the peeked bytes: `proxy,httpready` waits for a PROXY
 * header, then for an HTTP request after it. Pure: no I/O but loading plugins at create time.
 */
#ifndef DA_CHAIN_H
#define DA_CHAIN_H

#include "filter.h"

/* Filters a chain may hold; each costs DA_FILTER_STATE_MAX bytes per parked connection. */
#define DA_CHAIN_MAX 4

struct da_chain;

/* The built-in filters, in the order `defer-accept filters` lists them. */
const struct da_filter *const *da_builtin_filters(size_t *count);

/*
 * Parse "NAME[:ARG...][,NAME[:ARG...]]..." into a chain. A name that is not built in is loaded
 * from plugin_dir/NAME.so, or from NAME itself when it contains a '/'. Returns 0, or a negative
 * errno with one line in err that says what was wrong and what the valid forms are.
 */
int da_chain_create(const char *spec, const char *plugin_dir, struct da_chain **out, char *err,
		    size_t err_size);
void da_chain_destroy(struct da_chain *chain);

/* Bytes of per-connection state the chain needs (zeroed before the first check). */
size_t da_chain_state_size(const struct da_chain *chain);
/* The most bytes the chain ever needs to peek to decide. */
size_t da_chain_peek_limit(const struct da_chain *chain);
/* The spec, normalised, for counters and messages. */
const char *da_chain_name(const struct da_chain *chain);

/* Run the chain over everything peeked so far. */
enum da_verdict da_chain_check(const struct da_chain *chain, void *state, const uint8_t *bytes,
			       size_t length, unsigned flags);

#endif
