/*
 * SO_ACCEPTFILTER for C servers on Linux, spelled as FreeBSD spells it in <sys/socket.h> (NetBSD
 * and DragonFly use the same value and struct): the option number 0x1000 at level SOL_SOCKET and
 * the 256-byte struct accept_filter_arg, whose two strings the kernel NUL-terminates.
 *
 * Linux has no such option (its kernel answers ENOPROTOOPT). Under the defer-accept preload,
 * setsockopt(fd, SOL_SOCKET, SO_ACCEPTFILTER, &afa, sizeof afa) on a listening TCP socket hands
 * the socket to the engine with the filter chain "af_name[:af_arg]" (e.g. "httpready",
 * "proxy,httpready:body=65536"); setsockopt(fd, SOL_SOCKET, SO_ACCEPTFILTER, NULL, 0) removes it;
 * getsockopt reads it back. Errors are FreeBSD's: EINVAL when the socket is not listening, when a
 * filter is already set (set) or none is (get, remove); ENOENT when the filter is unknown or no
 * engine runs (FreeBSD: the accf module is not loaded).
 *
 * Where the system defines SO_ACCEPTFILTER itself, its definitions win.
 */
#ifndef DEFER_ACCEPT_H
#define DEFER_ACCEPT_H

#include <sys/socket.h>

#ifndef SO_ACCEPTFILTER
#define SO_ACCEPTFILTER 0x1000

struct accept_filter_arg {
	char af_name[16];
	char af_arg[256 - 16];
};
#endif

#endif
