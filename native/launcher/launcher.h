/*
 * The contract between the files of the launcher (da-launcher): a supervisor that runs a server
 * under a seccomp filter whose only trapped calls are accept, accept4 and listen, and answers
 * them itself. It is the preload's fast path for servers LD_PRELOAD cannot enter: Go programs
 * (raw system calls) and statically linked binaries. See native/README.md, "The launcher".
 *
 * Single-threaded: one poll over the notification descriptor, a signalfd, and, while a blocking
 * accept waits, the listeners and channels it waits on.
 */
#ifndef DA_LAUNCHER_H
#define DA_LAUNCHER_H

#include <linux/seccomp.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "chain.h"
#include "page.h"
#include "ports.h"

/* Exit statuses of the launcher itself; any other is the server's (128+N: killed by signal N). */
#define DA_LAUNCHER_USAGE 2
/* Like env(1)'s 125: the launcher could not start the server. The kernel lacks the feature, or
 * seccomp is forbidden; one line on stderr (and on --status-fd) says which. */
#define DA_LAUNCHER_UNAVAILABLE 125

/* A server listens on a few ports; the same limit as the preload's table of filters. */
#define DA_PORTS_MAX 64
/* Listeners and their copies (dup()s of one are entries of their own). */
#define DA_LISTENERS_MAX 256
/* Blocking accepts waiting at once: one per thread of the server blocked in accept(). */
#define DA_PENDING_MAX 1024

/* One port of --ports: its channel's server end, its page, its chain. */
/* A filtered listener: the server's descriptor number, and the launcher's copy (same open file).
 * Each process has its own numbers: owner is the process whose listen() (or dup) it is, 0 for one
 * the server was given at start (every process that inherits it). */
struct da__listener {
	int fd;
	int copy;
	struct da_port_item *port;
	pid_t owner;
};

/* An accept call the launcher answers: the notification's id, the caller, its arguments. */
struct da__call {
	uint64_t id;
	pid_t pid;
	uint64_t addr, addrlen;
	int flags; /* accept4's SOCK_NONBLOCK | SOCK_CLOEXEC */
	struct da__listener *listener;
};

struct da__launcher {
	int notify;
	struct da_port_item ports[DA_PORTS_MAX];
	size_t nports;
	struct da__listener listeners[DA_LISTENERS_MAX];
	size_t nlisteners;
	struct da__call pending[DA_PENDING_MAX];
	size_t npending;
	bool kcmp; /* kcmp(KCMP_FILE) answers: a descriptor number is checked to be the listener */
	pid_t self; /* the launcher's pid, for kcmp on every accept */
	bool said_unseen; /* that a process will not let kcmp compare its descriptors, said once */
};

extern struct da__launcher da__l;

/* ports.c: parse "PORT@CHANNEL,PAGE=CHAIN;..." (DEFER_ACCEPT_PORTS' format). 0, or -1 with a
 * line in err. */
int da__ports_parse(const char *spec, const char *plugin_dir, char *err, size_t size);
struct da_port_item *da__port_for(unsigned port);

/* notify.c: the filter (in the child), and answering notifications (in the parent). */
int da__install_filter(void);
/* 0 when the kernel can install a descriptor and answer in one step (ADDFD_FLAG_SEND), else a
 * negative errno. */
int da__probe_addfd(int notify, int any_fd);
/* Ask the kernel to run the launcher on the caller's CPU at once when a call is trapped, and the
 * caller on the launcher's when NOTIF_SEND answers it (not ADDFD; Linux 6.6+); false where it
 * cannot. */
bool da__sync_wake_up(int notify);
bool da__valid(uint64_t id);
void da__reply(uint64_t id, int64_t val, int negative_errno);
void da__continue(uint64_t id);
/* The caller's memory: 0, or a negative errno (a short transfer is -EFAULT). */
int da__peek_mem(pid_t pid, uint64_t addr, void *buf, size_t len);
/* Two writes in one call, in order (accept's address, then its length). */
int da__poke_two(pid_t pid, uint64_t addr1, const void *buf1, size_t len1, uint64_t addr2, const void *buf2, size_t len2);
/* A descriptor of the caller's (pid may be any thread of it), or a negative errno. */
int da__take_fd(pid_t pid, int fd);
/* The process (thread group) of a thread a notification names. */
pid_t da__process_of(pid_t tid);

/* accept.c: what the trapped calls do. */
void da__on_notification(const struct seccomp_notif *n);
/* Retry the blocking accepts that wait; drop those the kernel gave up (a signal to the caller). */
void da__retry_pending(void);
/* What poll watches for the pending accepts: their listeners and channels. Returns the count. */
size_t da__pending_polls(struct pollfd *out, size_t room);
/* A listener the server is given at start (socket activation). 0 or a negative errno. */
int da__adopt_inherited(int fd);

#endif
