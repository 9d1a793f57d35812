/* The control socket: `stats`, and `register` for servers that bind their own ports. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine.h"

/* A request is `stats` or `register CHAIN [key=value...]`: a line, never long. */
#define REQUEST_MAX 1024
/* The stats answer: about 600 bytes per listener; a SEQPACKET message must fit in one send. */
#define ANSWER_MAX 65536
/* How long `da-engine --stats` waits for an engine that does not answer. */
#define CLIENT_TIMEOUT_S 5

int da__control_init(struct da_engine *e, int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	e->control_fd = fd;
	return da__epoll(e, EPOLL_CTL_ADD, fd, EPOLLIN, DA_TAG(DA_TAG_CONTROL, 0));
}

void da__control_accept(struct da_engine *e)
{
	for (;;) {
		int client = accept4(e->control_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (client < 0) {
			/* Out of descriptors: the client is closed unanswered rather than left pending,
			 * which would keep the socket readable and the loop spinning. */
			if ((errno == EMFILE || errno == ENFILE) && da__shed(e, e->control_fd))
				continue;
			return;
		}
		if (da__epoll(e, EPOLL_CTL_ADD, client, EPOLLIN, DA_TAG(DA_TAG_CLIENT, client)) < 0)
			close(client);
	}
}

static void answer_error(int client, const char *why)
{
	char text[REQUEST_MAX + 16];
	int n = snprintf(text, sizeof text, "error %s", why);
	da__send_fds(client, text, n < (int)sizeof text ? (size_t)n : sizeof text - 1, NULL, 0);
}

static int is_tcp_listener(int fd)
{
	int listening = 0, protocol = 0;
	socklen_t len = sizeof listening;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
		return 0;
	len = sizeof protocol;
	return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) == 0 && listening &&
	       protocol == IPPROTO_TCP;
}

/* `register CHAIN [key=value...]` with a listening TCP socket: the engine takes it over and
 * answers `ok` with the server's end of a new hand-over pair. False when it did not take the
 * socket: the caller still holds it. */
static bool register_listener(struct da_engine *e, int client, char *text, int listen_fd)
{
	char err[512], items[2 * REQUEST_MAX], *rest = strchr(text, ' ');
	if (rest)
		*rest++ = '\0';
	struct da_listener_spec s;
	int pair[2];
	if (listen_fd < 0 || !is_tcp_listener(listen_fd)) {
		answer_error(client, "register needs one listening TCP socket in SCM_RIGHTS");
		return false;
	}
	/* Later items win: the request's own after the engine's defaults. */
	snprintf(items, sizeof items, "%s %s", e->register_defaults ? e->register_defaults : "",
		 rest ? rest : "");
	if (da__spec_parse(items, &s, err, sizeof err) < 0) {
		answer_error(client, err);
		return false;
	}
	s.chain = text;
	s.listen_fd = listen_fd;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
		answer_error(client, strerror(errno));
		return false;
	}
	s.handover_fd = pair[0];
	if (da__listener_add(e, &s, err, sizeof err) < 0) {
		close(pair[0]);
		answer_error(client, err);
		close(pair[1]);
		return false;
	}
	struct da_listener *l = &e->listeners[e->listener_count - 1];
	int rc = da__keep(e, &s, l->address);
	l->kept = rc == 0 && e->keep_post >= 0;
	if (rc < 0)
		fprintf(stderr, "da-engine: listener %s is served but not kept for the next engine: "
			"%s\n", l->address, strerror(-rc));
	da__send_fds(client, "ok", 2, &pair[1], 1);
	close(pair[1]);
	return true;
}

void da__control_event(struct da_engine *e, int client, uint32_t events)
{
	char request[REQUEST_MAX + 1];
	int fds[DA_FDS_MAX], flags;
	size_t count;
	ssize_t n = da__recv_fds(client, request, REQUEST_MAX, fds, &count, &flags);
	if (n == -EAGAIN && !(events & (EPOLLHUP | EPOLLERR)))
		return;
	if (n <= 0) {
		close(client);
		return;
	}
	request[n] = '\0';
	/* A request carries one descriptor at most (register); any other is not kept. */
	for (size_t i = 1; i < count; i++)
		close(fds[i]);
	int fd = count > 0 ? fds[0] : -1;
	if (!strcmp(request, "stats")) {
		char answer[ANSWER_MAX];
		int len = da__stats_json(e, answer, sizeof answer);
		if (len < 0)
			answer_error(client, "stats do not fit in one message");
		else
			da__send_fds(client, answer, (size_t)len, NULL, 0);
	} else if (!strncmp(request, "register ", 9)) {
		if (register_listener(e, client, request + 9, fd))
			return; /* the descriptor is the listener's now */
	} else {
		answer_error(client, "unknown request: expected `stats` or `register CHAIN`");
	}
	if (fd >= 0)
		close(fd);
}

/* `da-engine --stats PATH`: the client side of `stats`, for callers without SEQPACKET. */
int da__stats_client(const char *path)
{
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof address.sun_path)
		return -ENAMETOOLONG;
	strcpy(address.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct timeval timeout = {.tv_sec = CLIENT_TIMEOUT_S};
	char answer[ANSWER_MAX];
	ssize_t n = -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == 0 &&
	    connect(fd, (struct sockaddr *)&address, sizeof address) == 0 &&
	    send(fd, "stats", 5, MSG_NOSIGNAL) == 5)
		n = recv(fd, answer, sizeof answer, 0);
	int rc = n < 0 ? -errno : n == 0 ? -ECONNRESET : 0;
	close(fd);
	if (rc == 0 && fwrite(answer, 1, (size_t)n, stdout) != (size_t)n)
		rc = -EIO;
	return rc;
}
