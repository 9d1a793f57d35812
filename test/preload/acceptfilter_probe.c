/*
 * A C server written for FreeBSD's SO_ACCEPTFILTER, built against defer_accept.h. Argument:
 * the filter name. Prints one JSON line with the errno name (or "0") of each step: set on a
 * socket that does not listen yet, set, get, set again, remove, remove again, and the port.
 * With "hold" as second argument it keeps the filter and serves one client before removing it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "defer_accept.h"

static const char *result(int r)
{
	return r == 0 ? "0" : strerrorname_np(errno);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct accept_filter_arg afa, got;
	socklen_t len = sizeof a, glen = sizeof got;
	int fd = socket(AF_INET, SOCK_STREAM, 0), early, set, get, again, removed, removed_again, c;
	char served[8] = "no";

	memset(&afa, 0, sizeof afa);
	memset(&got, 0, sizeof got);
	snprintf(afa.af_name, sizeof afa.af_name, "%s", argc > 1 ? argv[1] : "httpready");
	bind(fd, (struct sockaddr *)&a, sizeof a);
	early = setsockopt(fd, SOL_SOCKET, SO_ACCEPTFILTER, &afa, sizeof afa);
	early = early ? errno : 0;
	listen(fd, 16);
	getsockname(fd, (struct sockaddr *)&a, &len);
	set = setsockopt(fd, SOL_SOCKET, SO_ACCEPTFILTER, &afa, sizeof afa);
	const char *set_text = result(set);
	get = getsockopt(fd, SOL_SOCKET, SO_ACCEPTFILTER, &got, &glen);
	const char *get_text = result(get);
	again = setsockopt(fd, SOL_SOCKET, SO_ACCEPTFILTER, &afa, sizeof afa);
	const char *again_text = result(again);
	if (argc > 2 && set == 0) {
		printf("{\"port\":%u}\n", ntohs(a.sin_port));
		fflush(stdout);
		c = accept(fd, NULL, NULL);
		if (c >= 0) {
			const char *ok = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";
			char buf[4096];

			if (read(c, buf, sizeof buf) > 0 && write(c, ok, strlen(ok)) > 0)
				strcpy(served, "yes");
			close(c);
		}
	}
	removed = setsockopt(fd, SOL_SOCKET, SO_ACCEPTFILTER, NULL, 0);
	const char *removed_text = result(removed);
	removed_again = setsockopt(fd, SOL_SOCKET, SO_ACCEPTFILTER, NULL, 0);
	printf("{\"early\":\"%s\",\"set\":\"%s\",\"get\":\"%s\",\"name\":\"%s\",\"again\":\"%s\","
	       "\"removed\":\"%s\",\"removed_again\":\"%s\",\"served\":\"%s\",\"port\":%u}\n",
	       early ? strerrorname_np(early) : "0", set_text, get_text, got.af_name, again_text,
	       removed_text, result(removed_again), served, ntohs(a.sin_port));
	return 0;
}
