/*
 * Least privilege, applied once every descriptor given on the command line is set up: the engine
 * reads bytes from anyone on the internet, so whatever a bug in a filter could do afterwards is
 * bounded by an unprivileged user and a short list of system calls.
 *
 * The list was taken from `strace -f` over the engine's tests (test/engine) from the first
 * epoll_wait on, plus the paths those tests do not reach (shedding, loading a plugin for
 * `channel`, a fatal message). It is installed before anything is read from any socket. A call
 * that is not on it kills the whole engine (SIGSYS): the supervisor restarts it on the same
 * channels, and the servers pass or drop (their page's policy) while it is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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

static int allow_list(scmp_filter_ctx ctx, int control_fd)
{
	int rc = 0;
	/* The loop itself. epoll_pwait is what epoll_wait is on architectures without it. */
	rc |= ALLOW(epoll_wait, 0);
	rc |= ALLOW(epoll_pwait, 0);
	rc |= ALLOW(epoll_ctl, 0);
	/* Channels: "park" messages in and "ready" messages out with their descriptors. */
	rc |= ALLOW(recvmsg, 0);
	rc |= ALLOW(sendmsg, 0);
	/* Parked connections: the peek, the peer and local addresses of a ready one, the close. */
	rc |= ALLOW(recvfrom, 0);
	rc |= ALLOW(getpeername, 0);
	rc |= ALLOW(getsockname, 0);
	rc |= ALLOW(close, 0);
	/* Wake-ups: a TCP socket (IPv4 or IPv6 only), its connect, the token (send is sendto). */
	rc |= ALLOW(socket, 1, SCMP_A0(SCMP_CMP_EQ, AF_INET));
	rc |= ALLOW(socket, 1, SCMP_A0(SCMP_CMP_EQ, AF_INET6));
	rc |= ALLOW(connect, 0);
	rc |= ALLOW(sendto, 0);
	/* The control socket: its clients (accept4 on it only), who they are (SO_PEERCRED against
	 * geteuid), `stats` (getpid). */
	rc |= ALLOW(accept4, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)control_fd));
	rc |= ALLOW(getsockopt, 0);
	rc |= ALLOW(geteuid, 0);
	rc |= ALLOW(getpid, 0);
	/* `channel`: a pair (AF_UNIX only), its engine end non-blocking with a send buffer, a page
	 * (memfd, its size, its mapping, its random token). */
	rc |= ALLOW(socketpair, 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	rc |= ALLOW(fcntl, 1, SCMP_A1(SCMP_CMP_EQ, F_GETFL));
	rc |= ALLOW(fcntl, 1, SCMP_A1(SCMP_CMP_EQ, F_SETFL));
	rc |= ALLOW(setsockopt, 1, SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET));
	rc |= ALLOW(memfd_create, 0);
	rc |= ALLOW(ftruncate, 0);
	rc |= ALLOW(getrandom, 0);
	/* Memory: malloc and realloc of the park table (brk, mmap, mremap, munmap, madvise when
	 * trimming), pages of `channel` (mmap, munmap). */
	rc |= ALLOW(brk, 0);
	rc |= ALLOW(mmap, 0);
	rc |= ALLOW(mremap, 0);
	rc |= ALLOW(munmap, 0);
	rc |= ALLOW(madvise, 0);
	/* Files, read-only: /dev/null as the spare descriptor that lets the control socket shed
	 * clients when descriptors run out, and a plugin a `channel` request names (dlopen reads
	 * and maps it, and mprotect sets its segments; the chain checks that it exists first).
	 * Nothing can be created, truncated or written. */
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

int da__sandbox(const char *user, int control_fd, char *err, size_t err_size)
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
	int rc = allow_list(ctx, control_fd);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		snprintf(err, err_size, "cannot install the system call filter: %s", strerror(-rc));
	return rc;
}
