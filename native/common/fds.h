/* Descriptors in SCM_RIGHTS: every message with descriptors in it, in the preload and the engine,
 * goes through these two. Both never block; both return 0 / a length or a negative errno. */
#ifndef DA_FDS_H
#define DA_FDS_H

#include <stddef.h>
#include <sys/types.h>

#define DA_FDS_MAX 2

int da_send_fds(int socket, const void *bytes, size_t len, const int *fds, size_t count);
/* fds gets *count descriptors (close-on-exec when cloexec); flags the message's msg_flags
 * (MSG_TRUNC, MSG_CTRUNC: a descriptor the kernel could not install, RLIMIT_NOFILE). */
ssize_t da_recv_fds(int socket, void *bytes, size_t size, int fds[DA_FDS_MAX], size_t *count,
		    int *flags, int cloexec);

#endif
