/* Descriptors in SCM_RIGHTS (fds.h). */
#include <errno.h>
#include <sys/types.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fds.h"

union fds_control {
	struct cmsghdr align;
	char bytes[CMSG_SPACE(DA_FDS_MAX * sizeof(int))];
};

int da_send_fds(int socket, const void *bytes, size_t len, const int *fds, size_t count)
{
	union fds_control control;
	struct iovec iov = {.iov_base = (void *)bytes, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (count > 0) {
		msg.msg_control = control.bytes;
		msg.msg_controllen = CMSG_SPACE(count * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(count * sizeof(int));
		memcpy(CMSG_DATA(c), fds, count * sizeof(int));
	}
	return sendmsg(socket, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

ssize_t da_recv_fds(int socket, void *bytes, size_t size, int fds[DA_FDS_MAX], size_t *count,
		    int *flags, int cloexec)
{
	union fds_control control;
	struct iovec iov = {.iov_base = bytes, .iov_len = size};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes,
			     .msg_controllen = sizeof control.bytes};
	*count = 0;
	/* Descriptors beyond DA_FDS_MAX do not fit: the kernel closes them (MSG_CTRUNC). */
	ssize_t n = recvmsg(socket, &msg, MSG_DONTWAIT | (cloexec ? MSG_CMSG_CLOEXEC : 0));
	if (n < 0)
		return -errno;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
		*count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(c), *count * sizeof(int));
	}
	*flags = msg.msg_flags;
	return n;
}
