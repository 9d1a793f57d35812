/*
 * Giving a listener the server made itself to the engine, for bind mode (DEFER_ACCEPT_PORTS) and
 * for setsockopt(SO_ACCEPTFILTER), and taking it back. Runs when a listener is set up, never on
 * the accept path.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <unistd.h>

#include "defer_accept.h"
#include "preload.h"

/* How long a server's listen() waits for a stuck engine before it runs unfiltered. */
#define CONTROL_TIMEOUT_S 5

static int say(char *why, size_t size, int negative_errno, const char *what)
{
	snprintf(why, size, "%s: %s", what, strerror(-negative_errno));
	return negative_errno;
}

static int send_request(int control, const char *chain, int listener)
{
	union {
		struct cmsghdr align;
		char bytes[CMSG_SPACE(sizeof(int))];
	} cm;
	char text[16 + DA_CHAIN_MAX_TEXT];
	struct iovec iov = {.iov_base = text};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.bytes,
			     .msg_controllen = sizeof cm.bytes};
	struct cmsghdr *c;
	int n = snprintf(text, sizeof text, "register %s", chain);

	iov.iov_len = (size_t)n;
	memset(&cm, 0, sizeof cm);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof listener);
	memcpy(CMSG_DATA(c), &listener, sizeof listener);
	return sendmsg(control, &msg, MSG_NOSIGNAL) == n ? 0 : -errno;
}

/*
 * Control exchange (server -> engine on a new connection to DEFER_ACCEPT_CONTROL, SEQPACKET):
 *   request  "register CHAIN" + SCM_RIGHTS { the listening TCP socket }
 *   answer   "ok" + SCM_RIGHTS { the server's end of a new hand-over pair }
 *            | "error TEXT" and no descriptor
 * Returns the hand-over descriptor (close-on-exec) or a negative errno; -ENOENT when the engine
 * refused the chain.
 */
static int engine_register(int listener, const char *chain, char *why, size_t why_size)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval timeout = {.tv_sec = CONTROL_TIMEOUT_S};
	union {
		struct cmsghdr align;
		char bytes[CMSG_SPACE(sizeof(int))];
	} cm;
	char reply[320];
	struct iovec iov = {.iov_base = reply, .iov_len = sizeof reply - 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.bytes,
			     .msg_controllen = sizeof cm.bytes};
	struct cmsghdr *c;
	int control, handover = -1, r;
	ssize_t n;

	strncpy(sun.sun_path, da__control_path(), sizeof sun.sun_path - 1);
	control = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (control < 0)
		return say(why, why_size, -errno, "cannot create a control socket");
	DA_REAL(setsockopt)(control, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
	DA_REAL(setsockopt)(control, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
	if (connect(control, (struct sockaddr *)&sun, sizeof sun) < 0) {
		r = say(why, why_size, -errno, "cannot reach the engine at DEFER_ACCEPT_CONTROL");
		goto out;
	}
	r = send_request(control, chain, listener);
	if (r < 0) {
		say(why, why_size, r, "cannot send the listener to the engine");
		goto out;
	}
	n = recvmsg(control, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0) {
		r = say(why, why_size, -errno, "no answer from the engine");
		goto out;
	}
	reply[n] = '\0';
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len >= CMSG_LEN(sizeof handover))
		memcpy(&handover, CMSG_DATA(c), sizeof handover);
	if (n == 2 && memcmp(reply, "ok", 2) == 0 && handover >= 0) {
		r = handover;
		goto out;
	}
	if (handover >= 0)
		DA_REAL(close)(handover);
	r = -ENOENT;
	if (strncmp(reply, "error ", 6) == 0)
		snprintf(why, why_size, "the engine refused \"%s\": %s", chain, reply + 6);
	else if (msg.msg_flags & MSG_CTRUNC)
		say(why, why_size, r = -EMFILE, "cannot receive the hand-over descriptor");
	else
		snprintf(why, why_size, "the engine answered \"%s\" to register", reply);
out:
	DA_REAL(close)(control);
	return r;
}

/*
 * The kept real listener sits high, out of the way of servers that expect the next descriptor
 * numbers to be the ones they open.
 */
static int keep_base(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_cur < 64)
		return 3;
	return r.rlim_cur / 2 < 1024 ? (int)(r.rlim_cur / 2) : 1024;
}

int da__divert(int fd, const char *chain, char *why, size_t why_size)
{
	struct da__listener l = {.keep = -1, .mode = -1, .asked = -1};
	int status, fdflags, handover, r;

	if (fd >= DA_FD_LIMIT || strlen(chain) >= sizeof l.chain)
		return say(why, why_size, -ENOSPC, "descriptor number or chain too large for the preload");
	l.addrlen = sizeof l.addr;
	if (DA_REAL(getsockname)(fd, (struct sockaddr *)&l.addr, &l.addrlen) < 0)
		return say(why, why_size, -errno, "getsockname");
	strcpy(l.chain, chain);
	status = DA_REAL(fcntl)(fd, F_GETFL);
	fdflags = DA_REAL(fcntl)(fd, F_GETFD);
	l.keep = DA_REAL(fcntl)(fd, F_DUPFD_CLOEXEC, keep_base());
	if (status < 0 || fdflags < 0 || l.keep < 0) {
		r = say(why, why_size, -errno, "cannot keep a copy of the listener");
		goto fail;
	}
	handover = engine_register(fd, chain, why, why_size);
	if (handover < 0) {
		r = handover;
		goto fail;
	}
	/* Ours before the swap: a hand-over descriptor is never left in the table as not ours. */
	r = da__adopt(fd, &l);
	if (r == 0 && DA_REAL(dup3)(handover, fd, fdflags & FD_CLOEXEC ? O_CLOEXEC : 0) < 0) {
		r = -errno;
		da__forget(fd, 0);
	}
	DA_REAL(close)(handover);
	if (r < 0) {
		say(why, why_size, r, "cannot put the hand-over descriptor in place");
		goto fail;
	}
	/* The pair's end is a new open file: give it the server's O_NONBLOCK. */
	if (status & O_NONBLOCK)
		DA_REAL(fcntl)(fd, F_SETFL, O_NONBLOCK);
	da__publish();
	return 0;
fail:
	if (l.keep >= 0)
		DA_REAL(close)(l.keep);
	return r;
}

/*
 * The kept listener shares its open file with the engine's copy, and so its O_NONBLOCK: the
 * server gets back the mode it had set. The engine learns the listener is no longer served when
 * the last holder of this hand-over descriptor closes it; connections it still held are lost
 * (differs from FreeBSD, where removing the filter moves them to the accept queue).
 */
int da__restore(int fd)
{
	struct da__listener *l = da__lookup(fd);
	int status, fdflags, mode;

	if (!l || l->keep < 0)
		return -EINVAL;
	status = DA_REAL(fcntl)(fd, F_GETFL);
	fdflags = DA_REAL(fcntl)(fd, F_GETFD);
	if (status < 0 || fdflags < 0 ||
	    DA_REAL(dup3)(l->keep, fd, fdflags & FD_CLOEXEC ? O_CLOEXEC : 0) < 0)
		return -errno;
	mode = status & O_NONBLOCK;
	da__forget(fd, 1);
	status = DA_REAL(fcntl)(fd, F_GETFL);
	if (status >= 0 && (status & O_NONBLOCK) != mode)
		DA_REAL(fcntl)(fd, F_SETFL, (status & ~O_NONBLOCK) | mode);
	return 0;
}

static int socket_int(int fd, int name, int *value)
{
	socklen_t len = sizeof *value;

	return DA_REAL(getsockopt)(fd, SOL_SOCKET, name, value, &len) < 0 ? -errno : 0;
}

/*
 * FreeBSD's order of checks: not listening EINVAL, a filter already set EINVAL, unknown filter
 * ENOENT. Differs from FreeBSD: only TCP listeners can be filtered (EOPNOTSUPP for others), and
 * ENOENT also means no engine runs (no DEFER_ACCEPT_CONTROL, or it cannot be reached).
 */
int da__acceptfilter_set(int fd, const void *value, socklen_t len)
{
	struct accept_filter_arg afa;
	char chain[DA_CHAIN_MAX_TEXT], why[320];
	int listening = 0, protocol = 0, r;

	if (da__lookup(fd))
		return value ? -EINVAL : da__restore(fd);
	r = socket_int(fd, SO_ACCEPTCONN, &listening);
	if (r < 0)
		return r;
	if (!value || len < sizeof afa || !listening)
		return -EINVAL;
	r = socket_int(fd, SO_PROTOCOL, &protocol);
	if (r < 0)
		return r;
	if (protocol != IPPROTO_TCP)
		return -EOPNOTSUPP;
	memcpy(&afa, value, sizeof afa);
	afa.af_name[sizeof afa.af_name - 1] = '\0';
	afa.af_arg[sizeof afa.af_arg - 1] = '\0';
	if (!da__control_path() || !afa.af_name[0])
		return -ENOENT;
	snprintf(chain, sizeof chain, "%s%s%s", afa.af_name, afa.af_arg[0] ? ":" : "", afa.af_arg);
	r = da__divert(fd, chain, why, sizeof why);
	if (r == -EMFILE || r == -ENFILE || r == -ENOSPC)
		return r == -ENOSPC ? -ENOMEM : r;
	return r < 0 ? -ENOENT : 0;
}

int da__acceptfilter_get(int fd, void *value, socklen_t *len)
{
	struct da__listener *l = da__lookup(fd);
	struct accept_filter_arg afa;
	const char *colon;
	size_t name_len;
	int listening;

	if (!l || !l->chain[0]) {
		int r = socket_int(fd, SO_ACCEPTCONN, &listening);

		return r < 0 ? r : -EINVAL;
	}
	if ((int)*len < 0)
		return -EINVAL;
	memset(&afa, 0, sizeof afa);
	colon = strchr(l->chain, ':');
	name_len = colon ? (size_t)(colon - l->chain) : strlen(l->chain);
	if (name_len >= sizeof afa.af_name)
		name_len = sizeof afa.af_name - 1;
	memcpy(afa.af_name, l->chain, name_len);
	if (colon)
		snprintf(afa.af_arg, sizeof afa.af_arg, "%s", colon + 1);
	da__copy_out(value, len, &afa, sizeof afa);
	return 0;
}
