/*
 * Listeners that servers registered (bind mode, SO_ACCEPTFILTER) outlive the engine that took
 * them. The wrapper holds both ends of a SEQPACKET pair and never reads it; the engine posts a
 * copy of each registered listener to one end, and the kernel keeps the descriptors in flight.
 * A restarted engine takes them from the other end and serves them again, and the server, whose
 * hand-over end never saw its peer close, does not notice the restart.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"

/* Kept listeners one engine handles; registrations beyond it are served but not kept. */
#define KEEP_MAX 256
/* The payload below with a chain of a `register` request (the control socket's line limit). */
#define KEEP_TEXT_MAX 1280

/*
 * One message per kept listener, on the wrapper's queue:
 *   payload  "chain=CHAIN timeout=MS on-timeout=drop|pass backlog=N address=TEXT"
 *   control  SOL_SOCKET / SCM_RIGHTS with two ints: the listening TCP socket, then the engine's
 *            end of its hand-over pair
 */
struct kept {
	char text[KEEP_TEXT_MAX];
	int fds[2];
};

static int post(const struct da_engine *e, const char *text, const int fds[2])
{
	return da__send_fds(e->keep_post, text, strlen(text), fds, 2);
}

/* The next kept listener; -EAGAIN once the queue is empty, -EBADMSG for a message that is not
 * one of ours (it is discarded with whatever it carried). */
static int take(const struct da_engine *e, struct kept *k)
{
	int fds[DA_FDS_MAX], flags;
	size_t count;
	ssize_t n = da__recv_fds(e->keep_take, k->text, sizeof k->text - 1, fds, &count, &flags);
	if (n < 0)
		return (int)n;
	k->text[n] = '\0';
	if (count == 2 && n > 0 && !(flags & (MSG_TRUNC | MSG_CTRUNC))) {
		memcpy(k->fds, fds, sizeof k->fds);
		return 0;
	}
	for (size_t i = 0; i < count; i++)
		close(fds[i]);
	return -EBADMSG;
}

static ino_t inode(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

/* A kept listener the engine serves from now on; false when it cannot (said on stderr). */
static bool adopt(struct da_engine *e, const struct kept *k)
{
	struct da_listener_spec s;
	char err[512], text[KEEP_TEXT_MAX];
	strcpy(text, k->text); /* parsed in place; the original is posted again */
	int rc = da__spec_parse(text, &s, err, sizeof err);
	s.listen_fd = k->fds[0];
	s.handover_fd = k->fds[1];
	if (rc == 0 && !s.chain) {
		snprintf(err, sizeof err, "its description names no chain");
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = da__listener_add(e, &s, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "da-engine: a registered listener is lost: %s\n", err);
		return false;
	}
	e->listeners[e->listener_count - 1].kept = true;
	return true;
}

/*
 * Takes every kept listener off the queue and posts back all but the one whose hand-over end
 * has inode `gone`. With `serve`, the engine serves each of them (at start); otherwise it has
 * its own descriptors for them already and closes the copies it took.
 */
static void sweep(struct da_engine *e, bool serve, ino_t gone)
{
	struct kept *kept = malloc(KEEP_MAX * sizeof *kept);
	if (!kept) {
		fprintf(stderr, "da-engine: no memory to go through the registered listeners\n");
		return;
	}
	int count = 0, rc;
	/* Everything first: a message posted back joins the same queue and must not be taken twice. */
	while (count < KEEP_MAX && (rc = take(e, &kept[count])) != -EAGAIN)
		if (rc == 0)
			count++;
		else if (rc != -EBADMSG)
			break;
	for (int i = 0; i < count; i++) {
		const struct kept *k = &kept[i];
		bool keep = !(gone && inode(k->fds[1]) == gone) && (!serve || adopt(e, k));
		if (keep && (rc = post(e, k->text, k->fds)) < 0)
			fprintf(stderr, "da-engine: a registered listener cannot be kept for the next "
				"engine: %s\n", strerror(-rc));
		if (!keep || !serve) {
			close(k->fds[0]);
			close(k->fds[1]);
		}
	}
	free(kept);
}

int da__keep(struct da_engine *e, const struct da_listener_spec *s, const char *address)
{
	if (e->keep_post < 0)
		return 0;
	char text[KEEP_TEXT_MAX];
	int n = snprintf(text, sizeof text, "chain=%s timeout=%u on-timeout=%s backlog=%u address=%s",
			 s->chain, s->timeout_ms, s->pass_on_timeout ? "pass" : "drop", s->backlog,
			 address);
	if (n < 0 || n >= (int)sizeof text)
		return -ENAMETOOLONG;
	return post(e, text, (int[2]){s->listen_fd, s->handover_fd});
}

void da__keep_restore(struct da_engine *e)
{
	if (e->keep_take >= 0)
		sweep(e, true, 0);
}

void da__keep_forget(struct da_engine *e, int handover_fd)
{
	if (e->keep_take >= 0)
		sweep(e, false, inode(handover_fd));
}
