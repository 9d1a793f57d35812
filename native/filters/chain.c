/* Chains: parsing the spec, finding each filter (built in or plugin), running the links. */
#include "chain.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct link {
	const struct da_filter *filter;
	void *config;
	void *handle; /* dlopen handle of a plugin, NULL when built in */
};

struct da_chain {
	size_t count, peek_limit;
	struct link links[DA_CHAIN_MAX];
	char *name;
	size_t name_size;
};

/* Chain state: this header, then one DA_FILTER_STATE_MAX block per link. Kept 16 bytes so the
 * blocks stay 8-byte aligned for filters that cast their block. */
struct head {
	uint64_t start; /* where the current link's bytes begin */
	uint32_t link;  /* the link that has not decided yet */
	uint32_t unused;
};
#define HEAD_SIZE sizeof(struct head)
_Static_assert(HEAD_SIZE == 16, "keep the link blocks aligned");

static bool valid_name(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-");
	return n > 0 && n <= 15 && !name[n];
}

static void known_names(char *out, size_t size)
{
	size_t count, used = 0;
	const struct da_filter *const *f = da_builtin_filters(&count);
	out[0] = '\0';
	for (size_t i = 0; i < count && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "", f[i]->name);
}

static int load_plugin(const char *name, const char *plugin_dir, struct link *l, char *err,
		       size_t err_size)
{
	char path[PATH_MAX], known[128];
	known_names(known, sizeof known);
	if (strchr(name, '/')) {
		snprintf(path, sizeof path, "%s", name);
	} else if (!valid_name(name)) {
		snprintf(err, err_size, "invalid filter name '%s': a name is 1 to 15 of [a-z0-9-] "
			 "(built in: %s), or a path to a plugin", name, known);
		return -EINVAL;
	} else if (!plugin_dir) {
		snprintf(err, err_size, "unknown filter '%s': not built in (%s) and no plugin "
			 "directory is set", name, known);
		return -ENOENT;
	} else {
		snprintf(path, sizeof path, "%s/%s.so", plugin_dir, name);
	}
	if (access(path, F_OK) != 0) {
		snprintf(err, err_size, "unknown filter '%s': not built in (%s) and no plugin at %s",
			 name, known, path);
		return -ENOENT;
	}
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(err, err_size, "plugin %s is not a loadable shared object: %s", path, dlerror());
		return -ENOEXEC;
	}
	da_filter_entry_fn entry = (da_filter_entry_fn)dlsym(handle, DA_FILTER_ENTRY_SYMBOL);
	const struct da_filter *f = entry ? entry() : NULL;
	int rc = 0;
	if (!entry)
		snprintf(err, err_size, "plugin %s has no %s symbol", path, DA_FILTER_ENTRY_SYMBOL), rc = -ENOEXEC;
	else if (!f)
		snprintf(err, err_size, "plugin %s: %s() returned NULL", path, DA_FILTER_ENTRY_SYMBOL), rc = -ENOEXEC;
	else if (f->abi_version != DA_FILTER_ABI_VERSION)
		snprintf(err, err_size, "plugin %s was built for filter ABI version %u, this build "
			 "speaks version %u: rebuild it against filter.h", path, f->abi_version,
			 DA_FILTER_ABI_VERSION), rc = -EPROTO;
	else if (!f->name || !valid_name(f->name) || !f->create || !f->destroy || !f->check)
		snprintf(err, err_size, "plugin %s: struct da_filter lacks a valid name, create, "
			 "destroy or check", path), rc = -ENOEXEC;
	if (rc < 0) {
		dlclose(handle);
		return rc;
	}
	l->filter = f;
	l->handle = handle;
	return 0;
}

static int find(const char *name, const char *plugin_dir, struct link *l, char *err,
		size_t err_size)
{
	size_t count;
	const struct da_filter *const *f = da_builtin_filters(&count);
	for (size_t i = 0; i < count; i++) {
		if (!strcmp(f[i]->name, name)) {
			l->filter = f[i];
			return 0;
		}
	}
	return load_plugin(name, plugin_dir, l, err, err_size);
}

static int add_link(struct da_chain *c, char *item, const char *plugin_dir, char *err,
		    size_t err_size)
{
	char *arg = strchr(item, ':');
	if (arg)
		*arg++ = '\0';
	struct link *l = &c->links[c->count];
	int rc = find(item, plugin_dir, l, err, err_size);
	if (rc < 0)
		return rc;
	char why[256] = "";
	size_t limit = 0;
	rc = l->filter->create(arg, &l->config, &limit, why, sizeof why);
	if (rc < 0) {
		snprintf(err, err_size, "bad argument for filter '%s': %s; valid forms: %s",
			 l->filter->name, why[0] ? why : strerror(-rc), l->filter->usage);
		if (l->handle)
			dlclose(l->handle);
		return rc;
	}
	c->count++;
	c->peek_limit = c->peek_limit + limit < c->peek_limit ? SIZE_MAX : c->peek_limit + limit;
	size_t used = strlen(c->name);
	snprintf(c->name + used, c->name_size - used, "%s%s%s%s", used ? "," : "", l->filter->name,
		 arg ? ":" : "", arg ? arg : "");
	return 0;
}

int da_chain_create(const char *spec, const char *plugin_dir, struct da_chain **out, char *err,
		    size_t err_size)
{
	if (!spec || !*spec) {
		snprintf(err, err_size, "empty filter chain: want NAME[:ARG...][,NAME[:ARG...]]...");
		return -EINVAL;
	}
	struct da_chain *c = calloc(1, sizeof *c);
	char *copy = strdup(spec);
	/* The normalised name swaps a plugin's path for its name (at most 15 characters). */
	if (c) {
		c->name_size = strlen(spec) + 16 * DA_CHAIN_MAX;
		c->name = calloc(1, c->name_size);
	}
	if (!c || !copy || !c->name) {
		free(copy);
		da_chain_destroy(c);
		return -ENOMEM;
	}
	int rc = 0;
	for (char *item = copy, *next; item && rc == 0; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (!*item) {
			snprintf(err, err_size, "empty filter in chain '%s': want NAME[:ARG...][,NAME[:ARG...]]...", spec);
			rc = -EINVAL;
		} else if (c->count == DA_CHAIN_MAX) {
			snprintf(err, err_size, "chain '%s' has more than %d filters", spec, DA_CHAIN_MAX);
			rc = -E2BIG;
		} else {
			rc = add_link(c, item, plugin_dir, err, err_size);
		}
	}
	free(copy);
	if (rc < 0) {
		da_chain_destroy(c);
		return rc;
	}
	*out = c;
	return 0;
}

void da_chain_destroy(struct da_chain *chain)
{
	if (!chain)
		return;
	for (size_t i = 0; i < chain->count; i++) {
		chain->links[i].filter->destroy(chain->links[i].config);
		if (chain->links[i].handle)
			dlclose(chain->links[i].handle);
	}
	free(chain->name);
	free(chain);
}

size_t da_chain_state_size(const struct da_chain *chain)
{
	return HEAD_SIZE + chain->count * DA_FILTER_STATE_MAX;
}

size_t da_chain_peek_limit(const struct da_chain *chain)
{
	return chain->peek_limit;
}

const char *da_chain_name(const struct da_chain *chain)
{
	return chain->name;
}

/*
 * A READY link hands the bytes after what it consumed to the next link; the last link's READY
 * is the chain's. PASS and DROP end the chain at once. A plugin's out-of-range verdict is PASS
 * (fail open) and its consumed is capped to what it was shown.
 */
enum da_verdict da_chain_check(const struct da_chain *chain, void *state, const uint8_t *bytes,
			       size_t length, unsigned flags)
{
	struct head h;
	enum da_verdict v;
	memcpy(&h, state, sizeof h);
	for (;;) {
		const struct link *l = &chain->links[h.link];
		struct da_filter_input in = {bytes + h.start, length - (size_t)h.start, flags};
		size_t consumed = 0;
		v = l->filter->check(l->config, (uint8_t *)state + HEAD_SIZE + h.link * DA_FILTER_STATE_MAX,
				     &in, &consumed);
		if (v > DA_DROP)
			v = DA_PASS;
		if (v != DA_READY || h.link + 1 == chain->count)
			break;
		h.start += consumed < in.length ? consumed : in.length;
		h.link++;
	}
	memcpy(state, &h, sizeof h);
	return v;
}
