/*
 * The table of filtered listeners and their filters, the environment that fills it at load, and
 * the lookup of the real libc functions. Everything here runs at load or when a listener is
 * created, copied or closed; the accept path only reads da__table.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "preload.h"

struct da__table da__table;
struct da__real da__real;

/* Bit i set: filters[i] is in use. Guarded by lock, as are all writes to da__table. */
static uint64_t used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *plugin_dir;

void da__resolve(void)
{
	struct da__real r;

	r.accept = dlsym(RTLD_NEXT, "accept");
	r.accept4 = dlsym(RTLD_NEXT, "accept4");
	r.listen = dlsym(RTLD_NEXT, "listen");
	r.close = dlsym(RTLD_NEXT, "close");
	r.close_range = dlsym(RTLD_NEXT, "close_range");
	r.dup = dlsym(RTLD_NEXT, "dup");
	r.dup2 = dlsym(RTLD_NEXT, "dup2");
	r.dup3 = dlsym(RTLD_NEXT, "dup3");
	r.fcntl = dlsym(RTLD_NEXT, "fcntl");
	r.fcntl64 = dlsym(RTLD_NEXT, "fcntl64");
	r.getsockopt = dlsym(RTLD_NEXT, "getsockopt");
	r.setsockopt = dlsym(RTLD_NEXT, "setsockopt");
	r.execve = dlsym(RTLD_NEXT, "execve");
	/* fcntl64 only exists in glibc >= 2.28; before that fcntl is the same function. */
	if (!r.fcntl64)
		r.fcntl64 = r.fcntl;
	da__real = r;
}

const char *da__plugin_dir(void)
{
	return plugin_dir;
}

static struct da__filter *add_locked(unsigned port, int channel, struct da_page *page,
				     struct da_chain *chain, int owned)
{
	struct da__filter *f;
	int i;

	if (used == UINT64_MAX)
		return NULL;
	i = __builtin_ctzll(~used);
	used |= 1ULL << i;
	f = &da__table.filters[i];
	*f = (struct da__filter){.port = port, .channel = channel, .page = page, .chain = chain,
				 .peek_size = da_peek_size(chain), .owned = owned};
	return f;
}

struct da__filter *da__filter_add(int channel, struct da_page *page, struct da_chain *chain)
{
	struct da__filter *f;

	pthread_mutex_lock(&lock);
	f = add_locked(0, channel, page, chain, 1);
	pthread_mutex_unlock(&lock);
	return f;
}

/* Ports' filters are all made at load, before any thread: later additions are owned ones. */
struct da__filter *da__filter_for_port(unsigned port)
{
	uint64_t in_use = __atomic_load_n(&used, __ATOMIC_RELAXED);

	for (int i = 0; i < DA_FILTERS_MAX; i++) {
		struct da__filter *f = &da__table.filters[i];

		if ((in_use >> i & 1) && !f->owned && f->port == port)
			return f;
	}
	return NULL;
}

/*
 * An owned filter goes with its last descriptor. A thread still inside accept() on that
 * listener while another closes it or removes the filter races as it would with a plain close().
 */
static void release_locked(struct da__filter *f)
{
	if (!f->owned || --f->refs > 0)
		return;
	DA_REAL(close)(f->channel);
	munmap(f->page, DA_PAGE_SIZE);
	da_chain_destroy(f->chain);
	used &= ~(1ULL << (f - da__table.filters));
}

static void forget_locked(int fd)
{
	struct da__filter *f = &da__table.filters[da__table.slot[fd] - 1];

	__atomic_store_n(&da__table.slot[fd], 0, __ATOMIC_RELEASE);
	release_locked(f);
}

int da__adopt(int fd, struct da__filter *f)
{
	if (fd < 0 || fd >= DA_FD_LIMIT)
		return -EBADF;
	pthread_mutex_lock(&lock);
	f->refs++;
	if (da__table.slot[fd])
		forget_locked(fd);
	__atomic_store_n(&da__table.slot[fd], (uint8_t)(f - da__table.filters + 1), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lock);
	return 0;
}

void da__forget(int fd)
{
	int saved = errno;

	pthread_mutex_lock(&lock);
	if (fd >= 0 && fd < DA_FD_LIMIT && da__table.slot[fd])
		forget_locked(fd);
	pthread_mutex_unlock(&lock);
	errno = saved;
}

void da__forget_range(unsigned first, unsigned last)
{
	int saved = errno;
	unsigned fd, top = last < DA_FD_LIMIT ? last : DA_FD_LIMIT - 1;

	pthread_mutex_lock(&lock);
	for (fd = first; fd <= top; fd++)
		if (da__table.slot[fd])
			forget_locked((int)fd);
	pthread_mutex_unlock(&lock);
	errno = saved;
}

void da__listeners_text(char *out, size_t size)
{
	size_t at = 0;
	int saved = errno, n;

	out[0] = '\0';
	pthread_mutex_lock(&lock);
	for (int fd = 0; fd < DA_FD_LIMIT; fd++) {
		int flags;

		/* An SO_ACCEPTFILTER channel is this process's: an exec'd program asks for its own. */
		if (!da__table.slot[fd] || da__table.filters[da__table.slot[fd] - 1].owned)
			continue;
		flags = DA_REAL(fcntl)(fd, F_GETFD);
		if (flags < 0 || (flags & FD_CLOEXEC))
			continue;
		n = snprintf(out + at, size - at, "%s%d", at ? "," : "", fd);
		if (n > 0 && (size_t)n < size - at)
			at += (size_t)n;
	}
	pthread_mutex_unlock(&lock);
	errno = saved;
}

void da__copy_out(void *dst, socklen_t *len, const void *src, socklen_t size)
{
	memcpy(dst, src, *len < size ? *len : size);
	*len = size;
}

int da__format_address(const struct sockaddr *addr, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	int n;

	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)addr;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		n = snprintf(out, size, "%s:%u", host, ntohs(a->sin_port));
	} else if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		n = snprintf(out, size, "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		return -EAFNOSUPPORT;
	}
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

/* A listener taken at load or at listen(), not a copy: the wrapper reads the count to know that
 * the filter is in force (src/wrap/in-force.ts). */
static int adopt_counted(int fd, struct da__filter *f)
{
	int rc = da__adopt(fd, f);

	if (rc == 0)
		da_count(f->page->count.adopted);
	return rc;
}

int da__filter_listener(int fd, struct da__filter *f)
{
	/* TCP_DEFER_ACCEPT takes seconds: round up, so the kernel never gives up before the page says. */
	int seconds = (int)((f->page->timeout_ms + 999) / 1000);

	if (seconds < 1)
		seconds = 1;
	/* Best effort: without it, clients that never send are parked by the engine instead. */
	DA_REAL(setsockopt)(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof seconds);
	return adopt_counted(fd, f);
}

static void complain(const char *what, const char *item, size_t len)
{
	dprintf(STDERR_FILENO, "defer-accept: %s ignored: \"%.*s\"\n", what, (int)len, item);
}

static void load_port(const char *s, size_t len)
{
	struct da_port_item item;
	char why[512] = "DEFER_ACCEPT_PORTS ";
	size_t prefix = strlen(why);

	if (da_port_open(s, len, plugin_dir, &item, why + prefix, sizeof why - prefix) < 0) {
		complain(why, s, len);
		return;
	}
	if (da__filter_for_port(item.port))
		complain("DEFER_ACCEPT_PORTS item for a port named before", s, len);
	else if (add_locked(item.port, item.channel, item.page, item.chain, 0))
		return;
	else
		complain("DEFER_ACCEPT_PORTS item beyond the preload's 64", s, len);
	da_chain_destroy(item.chain);
	munmap(item.page, DA_PAGE_SIZE);
}

/* DEFER_ACCEPT_PORTS = ITEM (";" ITEM)* */
static void load_ports(const char *spec)
{
	const char *item;
	size_t len;

	while ((item = da_port_next(&spec, &len)))
		load_port(item, len);
}

/*
 * DEFER_ACCEPT_LISTENERS = FD ("," FD)*. An exec'd program may have another file at a number
 * (the variable came from an older process): only listening TCP sockets on a configured port.
 */
static void load_listeners(const char *s)
{
	while (s && *s) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		long fd = da_decimal(s, len, DA_FD_LIMIT - 1);
		struct da__filter *f;

		if (fd < 0)
			complain("DEFER_ACCEPT_LISTENERS item not a descriptor", s, len);
		else if (da_socket_int((int)fd, SOL_SOCKET, SO_ACCEPTCONN) != 1)
			complain("DEFER_ACCEPT_LISTENERS item not a listening socket", s, len);
		else if (!(f = da__filter_for_port(da_tcp_port((int)fd))))
			complain("DEFER_ACCEPT_LISTENERS item not a TCP listener on a port of DEFER_ACCEPT_PORTS", s, len);
		else
			adopt_counted((int)fd, f);
		s = end ? end + 1 : NULL;
	}
}

__attribute__((constructor)) static void load(void)
{
	const char *dir = getenv("DEFER_ACCEPT_PLUGIN_DIR");

	da__resolve();
	if (dir && *dir)
		plugin_dir = strdup(dir);
	load_ports(getenv("DEFER_ACCEPT_PORTS"));
	load_listeners(getenv("DEFER_ACCEPT_LISTENERS"));
}
