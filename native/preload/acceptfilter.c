/*
 * setsockopt/getsockopt(SOL_SOCKET, SO_ACCEPTFILTER) as FreeBSD defines them: a server that
 * asks for a filter gets a channel and a page from the engine's control socket and runs the
 * chain in its own accept, as a listener of DEFER_ACCEPT_PORTS does. Never on the accept path.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/un.h>
#include <unistd.h>

#include "defer_accept.h"
#include "fds.h"
#include "preload.h"

/* How long a setsockopt waits for a stuck engine before it fails (ENOENT, as no engine). */
#define CONTROL_TIMEOUT_MS 5000

static int socket_int(int fd, int name, int *value)
{
	socklen_t len = sizeof *value;

	return DA_REAL(getsockopt)(fd, SOL_SOCKET, name, value, &len) < 0 ? -errno : 0;
}

/* Only an engine of our own user (or root) may hand us a page and run chains for us. */
static int engine_trusted(int control)
{
	struct ucred cred;
	socklen_t len = sizeof cred;

	return DA_REAL(getsockopt)(control, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	       (cred.uid == geteuid() || cred.uid == 0);
}

/*
 * Control exchange (a new connection to DEFER_ACCEPT_CONTROL, SOCK_SEQPACKET):
 *   request  "channel CHAIN"
 *   answer   "ok" + SCM_RIGHTS { the channel's server end, its page } | "error TEXT"
 * Returns 0 with both descriptors (close-on-exec) in fds, or a negative errno: -ENOENT when
 * there is no engine of ours or it refused the chain.
 */
static int ask_channel(const char *control_path, const char *chain, int fds[DA_FDS_MAX])
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct pollfd p = {.events = POLLIN};
	char request[16 + sizeof(struct accept_filter_arg)], reply[320];
	size_t count = 0;
	int control, flags = 0, r = -ENOENT, n;
	ssize_t got;

	if (strlen(control_path) >= sizeof sun.sun_path)
		return -ENOENT;
	strcpy(sun.sun_path, control_path);
	control = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (control < 0)
		return -errno;
	p.fd = control;
	n = snprintf(request, sizeof request, "channel %s", chain);
	if (connect(control, (struct sockaddr *)&sun, sizeof sun) < 0 || !engine_trusted(control) ||
	    send(control, request, (size_t)n, MSG_NOSIGNAL) != n || poll(&p, 1, CONTROL_TIMEOUT_MS) != 1)
		goto out;
	got = da_recv_fds(control, reply, sizeof reply - 1, fds, &count, &flags, 1);
	if (got == 2 && memcmp(reply, "ok", 2) == 0 && count == 2) {
		r = 0;
		goto out;
	}
	if (got >= 0 && (flags & MSG_CTRUNC))
		r = -EMFILE;
	for (size_t i = 0; i < count; i++)
		DA_REAL(close)(fds[i]);
out:
	DA_REAL(close)(control);
	return r;
}

static int filter_with_engine(int fd, const char *chain_text)
{
	const char *control = getenv("DEFER_ACCEPT_CONTROL");
	struct da__filter *f = NULL;
	struct da_chain *chain = NULL;
	struct da_page *page;
	char err[256];
	int fds[DA_FDS_MAX], r;

	if (!control || !*control)
		return -ENOENT;
	r = ask_channel(control, chain_text, fds);
	if (r < 0)
		return r;
	page = da_page_map(fds[1]);
	DA_REAL(close)(fds[1]);
	/* The engine checked the chain already: here it fails only for want of memory. */
	if (page && da_chain_create(chain_text, da__plugin_dir(), &chain, err, sizeof err) == 0)
		f = da__filter_add(fds[0], page, chain);
	if (!f) {
		if (chain)
			da_chain_destroy(chain);
		if (page)
			munmap(page, DA_PAGE_SIZE);
		DA_REAL(close)(fds[0]);
		return page ? -ENOMEM : -ENOENT;
	}
	return da__filter_listener(fd, f);
}

/*
 * FreeBSD's order of checks: not listening EINVAL, a filter already set EINVAL, unknown filter
 * ENOENT. Differs from FreeBSD: only TCP listeners can be filtered (EOPNOTSUPP for others), and
 * ENOENT also means no engine of ours runs (no DEFER_ACCEPT_CONTROL, unreachable, another user).
 */
int da__acceptfilter_set(int fd, const void *value, socklen_t len)
{
	struct da__filter *f = da__lookup(fd);
	struct accept_filter_arg afa;
	char chain[sizeof afa + 1];
	int listening = 0, protocol = 0, r;

	if (!value && f) {
		/* Differs from FreeBSD: what the engine had parked for this listener is not moved
		 * to its queue; the kernel's own deferral goes with the filter. */
		if (f->owned) {
			int off = 0;

			DA_REAL(setsockopt)(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &off, sizeof off);
		}
		da__forget(fd);
		return 0;
	}
	r = socket_int(fd, SO_ACCEPTCONN, &listening);
	if (r < 0)
		return r;
	if (!value || f || len < sizeof afa || !listening)
		return -EINVAL;
	r = socket_int(fd, SO_PROTOCOL, &protocol);
	if (r < 0)
		return r;
	if (protocol != IPPROTO_TCP)
		return -EOPNOTSUPP;
	if (fd >= DA_FD_LIMIT)
		return -ENOMEM;
	memcpy(&afa, value, sizeof afa);
	afa.af_name[sizeof afa.af_name - 1] = '\0';
	afa.af_arg[sizeof afa.af_arg - 1] = '\0';
	if (!afa.af_name[0])
		return -ENOENT;
	snprintf(chain, sizeof chain, "%s%s%s", afa.af_name, afa.af_arg[0] ? ":" : "", afa.af_arg);
	r = filter_with_engine(fd, chain);
	return r == -EMFILE || r == -ENFILE || r == -ENOMEM || r == 0 ? r : -ENOENT;
}

/* The chain as FreeBSD's struct: its text up to the first ':' the name, the rest the argument. */
int da__acceptfilter_get(int fd, void *value, socklen_t *len)
{
	struct da__filter *f = da__lookup(fd);
	struct accept_filter_arg afa;
	const char *text, *colon;
	size_t name_len;
	int listening;

	if (!f) {
		int r = socket_int(fd, SO_ACCEPTCONN, &listening);

		return r < 0 ? r : -EINVAL;
	}
	if ((int)*len < 0)
		return -EINVAL;
	memset(&afa, 0, sizeof afa);
	text = da_chain_name(f->chain);
	colon = strchr(text, ':');
	name_len = colon ? (size_t)(colon - text) : strlen(text);
	if (name_len >= sizeof afa.af_name)
		name_len = sizeof afa.af_name - 1;
	memcpy(afa.af_name, text, name_len);
	if (colon)
		snprintf(afa.af_arg, sizeof afa.af_arg, "%s", colon + 1);
	da__copy_out(value, len, &afa, sizeof afa);
	return 0;
}
