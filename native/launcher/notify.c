/*
 * The seccomp side: the filter the child installs before exec, and the parent's answers to its
 * notifications. Everything here is one system call or ioctl; the decisions are in accept.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "launcher.h"

#if defined(__x86_64__)
#define DA_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define DA_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "da-launcher: add this architecture's AUDIT_ARCH"
#endif

/*
 * accept, accept4 and listen go to the launcher; io_uring_setup fails with ENOSYS, as on a kernel
 * without io_uring, since an accept made through a ring is no system call the launcher could
 * answer (servers that can fall back to epoll do); every other call, and every call made in
 * another ABI (x32, 32-bit compat), runs untouched. Known limit: a server built for another ABI
 * than the launcher's is not filtered (wrap's in-force check then stops it).
 */
int da__install_filter(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DA_AUDIT_ARCH, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_accept, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_accept4, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_listen, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);

	return fd < 0 ? -errno : (int)fd;
}

int da__probe_addfd(int notify, int any_fd)
{
	/* No notification has id 0 (ids start at a random number): a kernel that knows the ioctl and
	 * the flag looks for it and says ENOENT; one that does not says EINVAL or ENOTTY first. */
	struct seccomp_notif_addfd a = {.id = 0, .flags = SECCOMP_ADDFD_FLAG_SEND, .srcfd = (uint32_t)any_fd};

	if (ioctl(notify, SECCOMP_IOCTL_NOTIF_ADDFD, &a) == 0)
		return 0;
	return errno == ENOENT ? 0 : -errno;
}

/* Linux 6.6's uapi names; Debian 12's headers are 6.1's. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* A trapped accept is a call and its answer, one after the other, as a pipe's ping-pong: the
 * kernel then switches between the two on one CPU instead of waking the other on another (for
 * the trap and NOTIF_SEND's answers; ADDFD wakes the caller as it always did). */
bool da__sync_wake_up(int notify)
{
	return ioctl(notify, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
}

bool da__valid(uint64_t id)
{
	return ioctl(da__l.notify, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void respond(uint64_t id, int64_t val, int negative_errno, uint32_t flags)
{
	/* The kernel reads as many bytes as its own struct has (SECCOMP_GET_NOTIF_SIZES): zeros past ours. */
	union {
		struct seccomp_notif_resp r;
		uint8_t room[256];
	} u = {0};

	u.r = (struct seccomp_notif_resp){.id = id, .val = val, .error = negative_errno, .flags = flags};
	/* ENOENT: the caller was interrupted meanwhile, and nothing waits for this answer. */
	ioctl(da__l.notify, SECCOMP_IOCTL_NOTIF_SEND, &u);
}

void da__reply(uint64_t id, int64_t val, int negative_errno)
{
	respond(id, negative_errno ? 0 : val, negative_errno, 0);
}

/* The call runs in the caller as if never trapped. Safe here: the launcher decides nothing from
 * the caller's memory that the kernel then reads again (CONTINUE's known race). */
void da__continue(uint64_t id)
{
	respond(id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}

int da__poke_two(pid_t pid, uint64_t addr1, const void *buf1, size_t len1, uint64_t addr2, const void *buf2, size_t len2)
{
	struct iovec local[2] = {{(void *)buf1, len1}, {(void *)buf2, len2}};
	struct iovec remote[2] = {{(void *)(uintptr_t)addr1, len1}, {(void *)(uintptr_t)addr2, len2}};
	ssize_t n = process_vm_writev(pid, local, 2, remote, 2, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len1 + len2 ? 0 : -EFAULT;
}

int da__peek_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {.iov_base = buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

pid_t da__process_of(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = tid;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	if (!(f = fopen(path, "re")))
		return tid;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

int da__take_fd(pid_t pid, int fd)
{
	long pidfd = syscall(SYS_pidfd_open, pid, 0), copy;
	pid_t tgid;
	int failed;

	/* A notification names the calling thread; pidfd_open takes a process (without PIDFD_THREAD,
	 * Linux 6.9+): EINVAL for another thread before 6.18 or so, ENOENT since. */
	if (pidfd < 0 && (errno == EINVAL || errno == ENOENT) && (tgid = da__process_of(pid)) != pid)
		pidfd = syscall(SYS_pidfd_open, tgid, 0);
	if (pidfd < 0)
		return -errno;
	copy = syscall(SYS_pidfd_getfd, (int)pidfd, fd, 0);
	failed = errno;
	close((int)pidfd);
	return copy < 0 ? -failed : (int)copy;
}
