/*
 * da-launcher [--ports SPEC] [--listeners FD,...] [--plugin-dir DIR] [--status-fd FD] -- SERVER ARGS
 *
 * Forks; the child sets no_new_privs, installs the filter (accept, accept4, listen go to the
 * launcher), hands the notification descriptor to the parent and execs the server in place, so
 * the server's pid is the child's (LISTEN_PID is set to it there). The parent stays: it answers
 * the notifications (accept.c), forwards signals, and exits with the server's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fds.h"
#include "launcher.h"

struct da__launcher da__l = {.notify = -1};

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH};

/* What the child tells the parent before exec: how far it got, and the errno where it stopped. */
enum stage { STAGE_FILTER_OK, STAGE_NO_NEW_PRIVS, STAGE_SECCOMP, STAGE_EXEC };
struct report {
	int stage, err;
};

static int status_fd = -1;

static void usage(const char *why)
{
	dprintf(STDERR_FILENO, "da-launcher: %s\nusage: da-launcher [--ports PORT@CHANNEL,PAGE=CHAIN;...] [--listeners FD,...] "
			       "[--plugin-dir DIR] [--status-fd FD] -- SERVER [ARGS...]\n", why);
	exit(DA_LAUNCHER_USAGE);
}

/* The kernel or the sandbox lacks what the launcher needs: one line, here and on --status-fd. */
static void unavailable(const char *what, int err)
{
	char line[512];

	snprintf(line, sizeof line, "seccomp user notification unavailable: %s (%s)", what, strerror(err));
	dprintf(STDERR_FILENO, "da-launcher: %s\n", line);
	if (status_fd >= 0)
		dprintf(status_fd, "unavailable %s\n", line);
	exit(DA_LAUNCHER_UNAVAILABLE);
}

static const char *seccomp_reason(int err)
{
	switch (err) {
	case EINVAL:
		return "this kernel has no seccomp user notification (SECCOMP_FILTER_FLAG_NEW_LISTENER, Linux 5.0+)";
	case ENOSYS:
		return "this kernel has no seccomp filters";
	case EBUSY:
		return "a seccomp supervisor already watches this process (a launcher inside a launcher, or a container runtime's listener)";
	case EACCES:
	case EPERM:
		return "seccomp is forbidden here (a container or sandbox policy)";
	default:
		return "seccomp(SECCOMP_SET_MODE_FILTER) failed";
	}
}

static void child_report(int sv, int stage, int err, int fd)
{
	struct report r = {stage, err};

	da_send_fds(sv, &r, sizeof r, &fd, fd >= 0 ? 1 : 0);
}

static void child(int sv, char **argv, const sigset_t *old, pid_t parent)
{
	char pid[16], go;
	int notify;

	/* A group of its own: a signal to the launcher's group reaches the server once, forwarded. */
	setpgid(0, 0);
	/* Without the launcher its accept calls would fail (ENOSYS): the server goes with it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(DA_LAUNCHER_UNAVAILABLE);
	sigprocmask(SIG_SETMASK, old, NULL);
	if (getenv("LISTEN_FDS")) {
		snprintf(pid, sizeof pid, "%d", (int)getpid());
		setenv("LISTEN_PID", pid, 1);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		child_report(sv, STAGE_NO_NEW_PRIVS, errno, -1);
		_exit(DA_LAUNCHER_UNAVAILABLE);
	}
	if ((notify = da__install_filter()) < 0) {
		child_report(sv, STAGE_SECCOMP, -notify, -1);
		_exit(DA_LAUNCHER_UNAVAILABLE);
	}
	child_report(sv, STAGE_FILTER_OK, 0, notify);
	close(notify);
	/* The parent checks the rest of the feature before the server runs. */
	if (read(sv, &go, 1) != 1)
		_exit(DA_LAUNCHER_UNAVAILABLE);
	execvp(argv[0], argv);
	child_report(sv, STAGE_EXEC, errno, -1);
	_exit(errno == ENOENT ? 127 : 126);
}

/* One report from the child (a blocking wait on a non-blocking receive). Returns the stage, or -1
 * when the child closed its end: exec succeeded (close-on-exec), or it died. */
static int receive(int sv, struct report *r, int *fd)
{
	int fds[DA_FDS_MAX], flags;
	size_t count = 0;
	ssize_t n;
	struct pollfd p = {.fd = sv, .events = POLLIN};

	*fd = -1;
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	n = da_recv_fds(sv, r, sizeof *r, fds, &count, &flags, 1);
	if (count > 0)
		*fd = fds[0];
	return n == (ssize_t)sizeof *r ? r->stage : -1;
}

static int exit_status(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static int reap(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return exit_status(status);
}

static void parse_listeners(const char *s)
{
	while (s && *s) {
		char *end;
		long fd = strtol(s, &end, 10);
		int r;

		if (end == s || fd < 0 || (*end && *end != ','))
			usage("--listeners takes FD,FD,...");
		if ((r = da__adopt_inherited((int)fd)) < 0)
			dprintf(STDERR_FILENO, "da-launcher: descriptor %ld stays unfiltered: %s\n", fd,
				r == -ENOENT ? "not a TCP listener on a port of --ports" : r == -ENOTCONN ? "not a listening socket" : strerror(-r));
		s = *end ? end + 1 : end;
	}
}

/*
 * A thread of the server waits while the launcher answers its accept: the launcher asks for a short
 * slice (EEVDF's sched_runtime for normal tasks, Linux 6.12+), so that once woken it runs before a
 * busy server thread or client has used up its longer one. Its share of CPU stays what it was;
 * older kernels ignore the field. A launcher started under another policy (SCHED_BATCH, FIFO, RR:
 * systemd's CPUSchedulingPolicy=, chrt) keeps it, and its nice value stays.
 */
static void ask_short_slice(void)
{
	struct {
		uint32_t size, policy;
		uint64_t flags;
		int32_t nice;
		uint32_t priority;
		uint64_t runtime, deadline, period;
	} attr = {0};

	if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) < 0 || attr.policy != SCHED_OTHER)
		return;
	attr.size = sizeof attr;
	attr.flags &= SCHED_FLAG_RESET_ON_FORK;
	attr.runtime = 100 * 1000; /* ns: the least the kernel takes */
	syscall(SYS_sched_setattr, 0, &attr, 0);
}

/* The loop: notifications, signals, and the blocking accepts that wait. Never returns. */
static void supervise(pid_t pid, int signals)
{
	struct pollfd p[2 + 2 * 64];
	struct seccomp_notif_sizes sizes = {0};
	struct seccomp_notif *n;
	size_t size = sizeof *n;
	bool notify_open = true;

	/* A newer kernel may write a larger notification than this header's: room for what it says. */
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0 && sizes.seccomp_notif > size)
		size = sizes.seccomp_notif;
	if (!(n = malloc(size))) {
		kill(pid, SIGKILL);
		exit(reap(pid));
	}

	for (;;) {
		size_t count = 2;
		int timeout, ready;
		bool retry;

		p[0] = (struct pollfd){.fd = notify_open ? da__l.notify : -1, .events = POLLIN};
		p[1] = (struct pollfd){.fd = signals, .events = POLLIN};
		count += da__pending_polls(p + 2, sizeof p / sizeof p[0] - 2);
		/* A waiting accept whose caller got a signal is seen only by asking: twice a second. */
		timeout = da__l.npending ? 500 : -1;
		ready = poll(p, count, timeout);
		if (ready < 0 && errno != EINTR) {
			dprintf(STDERR_FILENO, "da-launcher: poll: %s\n", strerror(errno));
			kill(pid, SIGKILL);
			exit(reap(pid));
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(signals, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo != SIGCHLD) {
					kill(pid, (int)si.ssi_signo);
					continue;
				}
				int status;
				pid_t done;

				while ((done = waitpid(-1, &status, WNOHANG)) > 0)
					if (done == pid)
						exit(exit_status(status));
			}
		}
		if (p[0].revents & POLLIN) {
			memset(n, 0, size);
			/* ENOENT: the caller was interrupted between poll and here. */
			if (ioctl(da__l.notify, SECCOMP_IOCTL_NOTIF_RECV, n) == 0)
				da__on_notification(n);
		} else if (p[0].revents & (POLLHUP | POLLERR)) {
			/* No process runs under the filter any more; the child's exit follows. */
			notify_open = false;
		}
		/* Only a listener or channel that became readable, or the timer, can change a pending call. */
		retry = ready == 0;
		for (size_t i = 2; i < count; i++)
			retry |= p[i].revents != 0;
		if (da__l.npending && retry)
			da__retry_pending();
	}
}

int main(int argc, char **argv)
{
	const char *ports = NULL, *listeners = NULL, *plugin_dir = getenv("DEFER_ACCEPT_PLUGIN_DIR");
	char err[512];
	sigset_t mask, old;
	struct report r;
	int i, sv[2], signals, fd;
	pid_t pid, parent = getpid();

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (!value)
			usage("an option without its value");
		if (strcmp(argv[i], "--ports") == 0)
			ports = value;
		else if (strcmp(argv[i], "--listeners") == 0)
			listeners = value;
		else if (strcmp(argv[i], "--plugin-dir") == 0)
			plugin_dir = value;
		else if (strcmp(argv[i], "--status-fd") == 0) {
			status_fd = atoi(value);
			if (status_fd < 0 || fcntl(status_fd, F_SETFD, FD_CLOEXEC) < 0)
				usage("--status-fd is not an open descriptor");
		} else
			usage("unknown option");
		i++;
	}
	if (i + 1 >= argc)
		usage("no server command after --");
	if (da__ports_parse(ports, plugin_dir, err, sizeof err) < 0)
		usage(err);
	da__l.self = parent;
	da__l.kcmp = syscall(SYS_kcmp, parent, parent, KCMP_FILE, 0, 0) == 0 || errno == EBADF;
	parse_listeners(listeners);

	sigemptyset(&mask);
	for (size_t s = 0; s < sizeof forwarded / sizeof forwarded[0]; s++)
		sigaddset(&mask, forwarded[s]);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		dprintf(STDERR_FILENO, "da-launcher: socketpair: %s\n", strerror(errno));
		return 1;
	}
	if ((pid = fork()) < 0) {
		dprintf(STDERR_FILENO, "da-launcher: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], argv + i + 1, &old, parent);
	}
	close(sv[1]);
	switch (receive(sv[0], &r, &fd)) {
	case STAGE_FILTER_OK:
		if (fd >= 0)
			break;
		r.err = EPROTO;
		/* fall through */
	case STAGE_NO_NEW_PRIVS:
		if (r.stage == STAGE_NO_NEW_PRIVS) {
			reap(pid);
			unavailable("prctl(PR_SET_NO_NEW_PRIVS) failed", r.err);
		}
		/* fall through */
	default:
		reap(pid);
		unavailable(r.stage == STAGE_SECCOMP ? seccomp_reason(r.err) : "the child stopped before installing its filter",
			    r.stage == STAGE_SECCOMP ? r.err : EPROTO);
	}
	da__l.notify = fd;
	{
		int probe = da__probe_addfd(fd, sv[0]);

		if (probe < 0) {
			kill(pid, SIGKILL);
			reap(pid);
			unavailable(probe == -ENOTTY ? "this kernel cannot install a descriptor in the server (SECCOMP_IOCTL_NOTIF_ADDFD, Linux 5.9+)"
						     : "this kernel cannot install a descriptor and answer in one step (SECCOMP_ADDFD_FLAG_SEND, Linux 5.14+)",
				    -probe);
		}
	}
	/* Older kernels answer as fast, only with a cross-CPU wake-up more per call. */
	da__sync_wake_up(fd);
	/* Before the server runs (it was forked already, so it does not inherit the slice): from its
	 * first accept on, the launcher answers with it. */
	ask_short_slice();
	if (write(sv[0], "g", 1) != 1 || receive(sv[0], &r, &fd) == STAGE_EXEC) {
		int status = reap(pid);

		dprintf(STDERR_FILENO, "da-launcher: cannot run %s: %s\n", argv[i + 1], strerror(r.err));
		return status;
	}
	close(sv[0]);
	if ((signals = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		dprintf(STDERR_FILENO, "da-launcher: signalfd: %s\n", strerror(errno));
		kill(pid, SIGKILL);
		return reap(pid);
	}
	supervise(pid, signals);
}
