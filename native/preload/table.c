/*
 * The table of hand-over descriptors, the environment that fills it at load, and the lookup of
 * the real libc functions. Everything here runs at load or when a listener is created, copied or
 * closed; the accept path only reads da__table.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preload.h"

#define PORTS_MAX 32

struct da__table da__table;
struct da__real da__real;

/* Bit i set: listeners[i] is in use. Guarded by lock, as are all writes to da__table. */
static uint64_t used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
	unsigned port;
	char chain[DA_CHAIN_MAX_TEXT];
} ports[PORTS_MAX];
static size_t nports;
static char control[108]; /* sizeof sun_path */

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
	r.getsockname = dlsym(RTLD_NEXT, "getsockname");
	r.getpeername = dlsym(RTLD_NEXT, "getpeername");
	r.getsockopt = dlsym(RTLD_NEXT, "getsockopt");
	r.setsockopt = dlsym(RTLD_NEXT, "setsockopt");
	r.execve = dlsym(RTLD_NEXT, "execve");
	/* fcntl64 only exists in glibc >= 2.28; before that fcntl is the same function. */
	if (!r.fcntl64)
		r.fcntl64 = r.fcntl;
	da__real = r;
}

int da__adopt(int fd, const struct da__listener *proto)
{
	int i;

	if (fd < 0 || fd >= DA_FD_LIMIT)
		return -EBADF;
	pthread_mutex_lock(&lock);
	if (da__table.slot[fd]) {
		i = da__table.slot[fd] - 1;
	} else {
		if (used == UINT64_MAX) {
			pthread_mutex_unlock(&lock);
			return -ENOSPC;
		}
		i = __builtin_ctzll(~used);
		used |= 1ULL << i;
	}
	da__table.listeners[i] = *proto;
	__atomic_store_n(&da__table.slot[fd], (uint8_t)(i + 1), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lock);
	return 0;
}

static void forget_locked(int fd, int close_keep)
{
	int i = da__table.slot[fd] - 1;

	__atomic_store_n(&da__table.slot[fd], 0, __ATOMIC_RELEASE);
	used &= ~(1ULL << i);
	if (close_keep && da__table.listeners[i].keep >= 0)
		DA_REAL(close)(da__table.listeners[i].keep);
}

void da__forget(int fd, int close_keep)
{
	int saved = errno;

	pthread_mutex_lock(&lock);
	if (fd >= 0 && fd < DA_FD_LIMIT && da__table.slot[fd])
		forget_locked(fd, close_keep);
	pthread_mutex_unlock(&lock);
	errno = saved;
}

void da__forget_range(unsigned first, unsigned last)
{
	int saved = errno, keep;
	unsigned fd, top = last < DA_FD_LIMIT ? last : DA_FD_LIMIT - 1;

	pthread_mutex_lock(&lock);
	for (fd = first; fd <= top; fd++) {
		if (!da__table.slot[fd])
			continue;
		/* A kept listener inside the range is already closed: its number may be reused. */
		keep = da__table.listeners[da__table.slot[fd] - 1].keep;
		forget_locked((int)fd, keep < 0 || (unsigned)keep < first || (unsigned)keep > last);
	}
	pthread_mutex_unlock(&lock);
	errno = saved;
}

void da__copy_out(void *dst, socklen_t *len, const void *src, socklen_t size)
{
	memcpy(dst, src, *len < size ? *len : size);
	*len = size;
}

static int parse_port(const char *s, size_t len, unsigned *port)
{
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

/* ADDRESS = IPV4 ":" PORT | "[" IPV6 "]" ":" PORT */
int da__parse_address(const char *text, size_t len, struct sockaddr_storage *out, socklen_t *outlen)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *host_start = text;
	size_t host_len;
	unsigned port;

	colon = len ? memrchr(text, ':', len) : NULL;
	if (!colon || parse_port(colon + 1, len - (size_t)(colon + 1 - text), &port) < 0)
		return -EINVAL;
	host_len = (size_t)(colon - text);
	if (text[0] == '[') {
		if (host_len < 2 || colon[-1] != ']')
			return -EINVAL;
		host_start++;
		host_len -= 2;
	}
	if (host_len >= sizeof host)
		return -EINVAL;
	memcpy(host, host_start, host_len);
	host[host_len] = '\0';
	memset(out, 0, sizeof *out);
	if (text[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*outlen = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)out;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*outlen = sizeof *a;
	}
	return 0;
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

void da__publish(void)
{
	char text[DA_LISTENERS_MAX * 72], addr[INET6_ADDRSTRLEN + 10];
	size_t at = 0;
	int fd, n;

	pthread_mutex_lock(&lock);
	for (fd = 0; fd < DA_FD_LIMIT; fd++) {
		const struct da__listener *l = da__lookup(fd);

		if (!l || da__format_address((const struct sockaddr *)&l->addr, addr, sizeof addr) < 0)
			continue;
		n = snprintf(text + at, sizeof text - at, "%s%d@%s", at ? "," : "", fd, addr);
		if (n > 0 && (size_t)n < sizeof text - at)
			at += (size_t)n;
	}
	pthread_mutex_unlock(&lock);
	setenv("DEFER_ACCEPT_HANDOVER", text, 1);
}

const char *da__chain_for_port(unsigned port)
{
	size_t i;

	for (i = 0; i < nports; i++)
		if (ports[i].port == port)
			return ports[i].chain;
	return NULL;
}

const char *da__control_path(void)
{
	return control[0] ? control : NULL;
}

/*
 * The environment lists descriptor numbers, and an exec'd child may not have them any more (the
 * server set FD_CLOEXEC) or have another file there: take only AF_UNIX SOCK_SEQPACKET sockets.
 */
static int is_handover_socket(int fd)
{
	int domain = 0, type = 0;
	socklen_t len = sizeof domain;

	if (da__real.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return 0;
	len = sizeof type;
	if (da__real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return 0;
	return domain == AF_UNIX && type == SOCK_SEQPACKET;
}

/* DEFER_ACCEPT_HANDOVER = ITEM ("," ITEM)*, ITEM = FD "@" ADDRESS; bad items are skipped. */
static void load_handover(const char *s)
{
	struct da__listener l = {.keep = -1, .mode = -1, .asked = -1};

	while (s && *s) {
		const char *end = strchr(s, ','), *at;
		size_t len = end ? (size_t)(end - s) : strlen(s);
		char *digits_end;
		long fd;

		at = memchr(s, '@', len);
		fd = strtol(s, &digits_end, 10);
		if (at && digits_end == at && fd >= 0 && fd < DA_FD_LIMIT &&
		    da__parse_address(at + 1, len - (size_t)(at + 1 - s), &l.addr, &l.addrlen) == 0 &&
		    is_handover_socket((int)fd))
			da__adopt((int)fd, &l);
		s = end ? end + 1 : NULL;
	}
}

/* DEFER_ACCEPT_PORTS = ITEM (";" ITEM)*, ITEM = PORT "=" CHAIN; bad items are skipped. */
static void load_ports(const char *s)
{
	while (s && *s && nports < PORTS_MAX) {
		const char *end = strchr(s, ';'), *eq;
		size_t len = end ? (size_t)(end - s) : strlen(s), chain_len;

		eq = memchr(s, '=', len);
		if (eq) {
			chain_len = len - (size_t)(eq + 1 - s);
			if (parse_port(s, (size_t)(eq - s), &ports[nports].port) == 0 && chain_len > 0 &&
			    chain_len < DA_CHAIN_MAX_TEXT) {
				memcpy(ports[nports].chain, eq + 1, chain_len);
				ports[nports].chain[chain_len] = '\0';
				nports++;
			}
		}
		s = end ? end + 1 : NULL;
	}
}

__attribute__((constructor)) static void load(void)
{
	const char *path = getenv("DEFER_ACCEPT_CONTROL");

	da__resolve();
	if (path && strlen(path) < sizeof control)
		strcpy(control, path);
	load_ports(getenv("DEFER_ACCEPT_PORTS"));
	load_handover(getenv("DEFER_ACCEPT_HANDOVER"));
}
