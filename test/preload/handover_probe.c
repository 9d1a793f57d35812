/*
 * A C server that checks, call by call, what accept4 and friends return on its inherited
 * listener (descriptor 3, a hand-over descriptor under the preload). One JSON line per check on
 * stdout; it serves three clients, each with a one-line HTTP answer, then exits 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int option(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof v;

	return getsockopt(fd, level, name, &v, &len) < 0 ? -errno : v;
}

static void answer(int c)
{
	struct pollfd p = {.fd = c, .events = POLLIN};
	char buf[4096];
	const char *ok = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";

	poll(&p, 1, 5000);
	if (read(c, buf, sizeof buf) > 0 && write(c, ok, strlen(ok)) < 0)
		perror("write");
	close(c);
}

static void wait_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	printf("{\"waiting\":true}\n");
	fflush(stdout);
	poll(&p, 1, 10000);
}

static void peer_text(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	const struct sockaddr_in *a4 = (const void *)ss;
	const struct sockaddr_in6 *a6 = (const void *)ss;

	if (ss->ss_family == AF_INET6)
		snprintf(out, size, "%s:%u", inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host), ntohs(a6->sin6_port));
	else
		snprintf(out, size, "%s:%u", inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host), ntohs(a4->sin_port));
}

int main(void)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char text[80];
	int fd = 3, c, five = 5, big = 1 << 20, r, dupd;
	unsigned char small[4];

	r = getsockname(fd, (struct sockaddr *)&ss, &len);
	peer_text(&ss, text, sizeof text);
	printf("{\"getsockname\":%d,\"address\":\"%s\",\"len\":%u,\"type\":%d,\"domain\":%d,\"protocol\":%d,\"acceptconn\":%d}\n",
	       r, text, len, option(fd, SOL_SOCKET, SO_TYPE), option(fd, SOL_SOCKET, SO_DOMAIN),
	       option(fd, SOL_SOCKET, SO_PROTOCOL), option(fd, SOL_SOCKET, SO_ACCEPTCONN));
	r = setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &five, sizeof five);
	printf("{\"set_defer\":%d,", r);
	printf("\"set_rcvbuf\":%d,", setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big));
	printf("\"listen\":%d,", listen(fd, 16));
	printf("\"defer\":%d}\n", option(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT));

	/* Non-blocking listener, nobody connecting yet: EAGAIN; bad flags: EINVAL. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	r = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
	printf("{\"empty\":\"%s\"}\n", r < 0 ? strerrorname_np(errno) : "a connection");
	r = accept4(fd, NULL, NULL, 0x40000000);
	printf("{\"bad_flags\":\"%s\"}\n", r < 0 ? strerrorname_np(errno) : "a connection");

	/* 1: SOCK_NONBLOCK | SOCK_CLOEXEC, an address buffer too small: truncated, full length. */
	wait_readable(fd);
	len = sizeof small;
	errno = 1234;
	c = accept4(fd, (struct sockaddr *)small, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	r = errno == 1234;
	printf("{\"accept\":1,\"ok\":%d,\"errno_kept\":%d,\"len\":%u,\"family\":%d,\"nonblock\":%d,\"cloexec\":%d}\n",
	       c >= 0, r, len, *(unsigned short *)small, !!(fcntl(c, F_GETFL) & O_NONBLOCK),
	       !!(fcntl(c, F_GETFD) & FD_CLOEXEC));
	fflush(stdout);
	answer(c);

	/* 2: plain accept on a copy (servers dup their listeners), blocking socket, full address. */
	dupd = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	fcntl(dupd, F_SETFL, fcntl(dupd, F_GETFL) & ~O_NONBLOCK);
	len = sizeof ss;
	printf("{\"waiting\":true}\n");
	fflush(stdout);
	c = accept(dupd, (struct sockaddr *)&ss, &len);
	peer_text(&ss, text, sizeof text);
	printf("{\"accept\":2,\"ok\":%d,\"peer\":\"%s\",\"nonblock\":%d,\"cloexec\":%d}\n", c >= 0, text,
	       !!(fcntl(c, F_GETFL) & O_NONBLOCK), !!(fcntl(c, F_GETFD) & FD_CLOEXEC));
	fflush(stdout);
	answer(c);

	/* 3: after the copy is moved with dup2, the new number still accepts. */
	dup2(dupd, 7);
	close(dupd);
	printf("{\"waiting\":true}\n");
	fflush(stdout);
	c = accept4(7, NULL, NULL, SOCK_CLOEXEC);
	printf("{\"accept\":3,\"ok\":%d,\"nonblock\":%d}\n", c >= 0, !!(fcntl(c, F_GETFL) & O_NONBLOCK));
	fflush(stdout);
	answer(c);
	return 0;
}
