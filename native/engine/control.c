/* The control socket: `stats`, and `channel CHAIN` for SO_ACCEPTFILTER. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine.h"
#include "fds.h"

/* A request is `stats` or `channel CHAIN`: a line, never long. */
#define REQUEST_MAX 1024
/* The stats answer: about 700 bytes per channel; a SEQPACKET message must fit in one send. */
#define ANSWER_MAX 65536
/* How long `da-engine --stats` waits for an engine that does not answer. */
#define CLIENT_TIMEOUT_S 5
/* Channels `channel` requests may hold at once, within DA_MAX_CHANNELS: a server that sets
 * SO_ACCEPTFILTER on every socket it makes cannot take the engine's every descriptor. */
#define MAX_CONTROL_CHANNELS 48

int da__control_init(struct da_engine *e, int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	e->control_fd = fd;
	return da__watch(e, fd, EPOLLIN, DA_KIND_CONTROL, 0, 0);
}

/* Only the engine's own user, or root, is answered: the control socket makes channels and
 * tells what every port sees. */
static bool trusted(int client)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	return getsockopt(client, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	       (cred.uid == geteuid() || cred.uid == 0);
}

/*
 * Out of descriptors: without a descriptor to accept into, the listening socket stays readable
 * and the loop would spin. Free the spare, accept one client and close it unanswered, take the
 * spare back. Unreliable where the limit is system-wide (ENFILE): another process may take the
 * freed descriptor first; the loop then retries on the next event.
 */
static bool shed(struct da_engine *e)
{
	if (e->spare_fd < 0)
		e->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (e->spare_fd < 0)
		return false;
	close(e->spare_fd);
	int fd = accept4(e->control_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	e->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return fd >= 0;
}

void da__control_accept(struct da_engine *e)
{
	for (;;) {
		int client = accept4(e->control_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (client < 0) {
			if ((errno == EMFILE || errno == ENFILE) && shed(e))
				continue;
			return;
		}
		if (e->clients >= DA_MAX_CLIENTS || !trusted(client) ||
		    da__watch(e, client, EPOLLIN, DA_KIND_CLIENT, 0, (uint32_t)client) < 0) {
			close(client);
			continue;
		}
		e->clients++;
	}
}

static void answer_error(int client, const char *why)
{
	char text[REQUEST_MAX + 16];
	int n = snprintf(text, sizeof text, "error %s", why);
	da_send_fds(client, text, n < (int)sizeof text ? (size_t)n : sizeof text - 1, NULL, 0);
}

/* A fresh page as the wrapper would fill it, from --channel-defaults; mapped, or NULL. */
static struct da_page *new_page(const struct da_engine *e, int fd)
{
	if (ftruncate(fd, DA_PAGE_SIZE) < 0)
		return NULL;
	struct da_page *p = mmap(NULL, DA_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	p->magic = DA_PAGE_MAGIC;
	p->version = DA_PAGE_VERSION;
	p->timeout_ms = e->default_timeout_ms;
	p->pass_on_timeout = e->default_pass;
	if (getrandom(p->token, sizeof p->token, 0) != (ssize_t)sizeof p->token) {
		munmap(p, DA_PAGE_SIZE);
		return NULL;
	}
	return p;
}

/*
 * `channel CHAIN`: a new channel and its page; answers `ok` with two descriptors, the server
 * end and the page. Only names of built-in filters or of the plugin directory are taken: the
 * control socket never loads code named by a path on the wire.
 */
static void make_channel(struct da_engine *e, int client, const char *chain)
{
	char err[512];
	int pair[2] = {-1, -1}, page_fd = -1;
	struct da_page *page = NULL;
	struct da_channel_spec s = {.chain = chain, .backlog = 511};
	if (strchr(chain, '/') || !*chain) {
		answer_error(client, "a chain names built-in filters or plugin-directory names (no '/')");
		return;
	}
	if (e->control_channels >= MAX_CONTROL_CHANNELS) {
		answer_error(client, "too many channels");
		return;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0 ||
	    (page_fd = memfd_create("defer-accept-page", MFD_CLOEXEC)) < 0 ||
	    !(page = new_page(e, page_fd))) {
		snprintf(err, sizeof err, "cannot make a channel: %s", strerror(errno));
		goto fail;
	}
	s.channel_fd = pair[0];
	s.page_fd = page_fd;
	int ci = da__channel_add(e, &s, page, err, sizeof err);
	if (ci < 0)
		goto fail;
	struct da_channel *ch = &e->channels[ci];
	ch->from_control = true;
	e->control_channels++;
	snprintf(page->chain, sizeof page->chain, "%s", da_chain_name(ch->chain));
	da_send_fds(client, "ok", 2, (int[2]){pair[1], page_fd}, 2);
	close(pair[1]);
	close(page_fd);
	return;
fail:
	answer_error(client, err);
	if (page)
		munmap(page, DA_PAGE_SIZE);
	int fds[] = {pair[0], pair[1], page_fd};
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

void da__control_event(struct da_engine *e, int client, uint32_t events)
{
	char request[REQUEST_MAX + 1];
	int fds[DA_FDS_MAX], flags;
	size_t count;
	ssize_t n = da_recv_fds(client, request, REQUEST_MAX, fds, &count, &flags, 1);
	if (n == -EAGAIN && !(events & (EPOLLHUP | EPOLLERR)))
		return;
	for (size_t i = 0; i < count; i++) /* no request carries descriptors */
		close(fds[i]);
	if (n <= 0) {
		close(client);
		e->clients--;
		return;
	}
	request[n] = '\0';
	if (!strcmp(request, "stats")) {
		char answer[ANSWER_MAX];
		int len = da__stats_json(e, answer, sizeof answer);
		if (len < 0)
			answer_error(client, "stats do not fit in one message");
		else
			da_send_fds(client, answer, (size_t)len, NULL, 0);
	} else if (!strncmp(request, "channel ", 8)) {
		make_channel(e, client, request + 8);
	} else {
		answer_error(client, "unknown request: expected `stats` or `channel CHAIN`");
	}
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
