/*
 * Least privilege, applied once every descriptor given on the command line is set up: the engine
 * reads bytes from anyone on the internet, so whatever a bug in a filter could do afterwards is
 * bounded by an unprivileged user and a short list of system calls.
 *
 * The list was taken from `strace -f` over the engine's tests (test/engine, test/preload,
 * test/commands/wrap-engine, test/hardening) from the first epoll_wait on, plus the paths those
 * tests do not reach (shedding, loading a plugin for `register`, a fatal message). A call that
 * is not on it kills the whole engine (SIGSYS): the supervisor restarts it on the same sockets,
 * the server never notices.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h"

/* Root gives up every id; supplementary groups first, while it still may. */
static int drop_root(const char *user, char *err, size_t err_size)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(err, err_size, "no user %s to run as%s%s", user, errno ? ": " : "",
			 errno ? strerror(errno) : "");
		return errno ? -errno : -ENOENT;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		int rc = -errno;
		snprintf(err, err_size, "cannot become %s: %s", user, strerror(-rc));
		return rc;
	}
	return 0;
}

#define ALLOW(name, ...) seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(name), __VA_ARGS__)

static int allow_list(scmp_filter_ctx ctx)
{
	int rc = 0;
	/* The loop itself. epoll_pwait is what epoll_wait is on architectures without it. */
	rc |= ALLOW(epoll_wait, 0);
	rc |= ALLOW(epoll_pwait, 0);
	rc |= ALLOW(epoll_ctl, 0);
	/* Clients: accept, peek, hand over (sendmsg), close; the peer's address for a parked one;
	 * the descriptor's mode when the server changed its mind (fcntl F_GETFL/F_SETFL only). */
	rc |= ALLOW(accept4, 0);
	rc |= ALLOW(recvfrom, 0);
	rc |= ALLOW(sendmsg, 0);
	rc |= ALLOW(close, 0);
	rc |= ALLOW(getpeername, 0);
	rc |= ALLOW(fcntl, 1, SCMP_A1(SCMP_CMP_EQ, F_GETFL));
	rc |= ALLOW(fcntl, 1, SCMP_A1(SCMP_CMP_EQ, F_SETFL));
	/* The control socket: requests and descriptors in (recvmsg), `stats` (getpid, and SIOCOUTQ
	 * for the bytes still queued on a pair), `register` (checks the socket it got, sets up the
	 * listener, makes a hand-over pair: AF_UNIX only, so no new network socket is possible). */
	rc |= ALLOW(recvmsg, 0);
	rc |= ALLOW(getpid, 0);
	rc |= ALLOW(ioctl, 1, SCMP_A1(SCMP_CMP_EQ, SIOCOUTQ));
	rc |= ALLOW(getsockopt, 0);
	rc |= ALLOW(setsockopt, 0);
	rc |= ALLOW(getsockname, 0);
	rc |= ALLOW(socketpair, 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	/* Memory: malloc and realloc of the park table (brk, mmap, mremap, munmap, madvise when
	 * trimming), glibc's first malloc seeds its tcache key (getrandom). */
	rc |= ALLOW(brk, 0);
	rc |= ALLOW(mmap, 0);
	rc |= ALLOW(mremap, 0);
	rc |= ALLOW(munmap, 0);
	rc |= ALLOW(madvise, 0);
	rc |= ALLOW(getrandom, 0);
	/* Files, read-only: /dev/null as the spare descriptor that lets the engine shed load when
	 * it runs out, and a plugin a `register` request names (dlopen reads and maps it, and
	 * mprotect sets its segments; the chain checks that it exists first). Nothing can be
	 * created, truncated or written. */
	rc |= ALLOW(openat, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY));
	rc |= ALLOW(access, 0);
	rc |= ALLOW(faccessat, 0);
	rc |= ALLOW(read, 0);
	rc |= ALLOW(pread64, 0);
	rc |= ALLOW(fstat, 0);
	rc |= ALLOW(newfstatat, 0);
	rc |= ALLOW(mprotect, 0);
	/* A fatal message on stderr (descriptor 2 only), and the exit. */
	rc |= ALLOW(write, 1, SCMP_A0(SCMP_CMP_EQ, 2));
	rc |= ALLOW(exit_group, 0);
	/* Clock reads are in the vDSO; these are its fallbacks, and the kernel's own restart. */
	rc |= ALLOW(clock_gettime, 0);
	rc |= ALLOW(gettimeofday, 0);
	rc |= ALLOW(restart_syscall, 0);
	return rc ? -EINVAL : 0;
}

int da__sandbox(const char *user, char *err, size_t err_size)
{
	if (geteuid() == 0) {
		int rc = drop_root(user, err, err_size);
		if (rc < 0)
			return rc;
	}
	/* No-new-privileges is libseccomp's default: needed to load a filter without root. */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		snprintf(err, err_size, "cannot set up the system call filter");
		return -ENOMEM;
	}
	int rc = allow_list(ctx);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		snprintf(err, err_size, "cannot install the system call filter: %s", strerror(-rc));
	return rc;
}
