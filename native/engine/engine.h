/*
 * The engine's private contract between its files (data plane v2, native/README.md). One struct
 * da_engine is passed everywhere; channels and parked connections are named by index, so the
 * arrays that hold them may grow. Functions return 0 or a negative errno unless they say
 * otherwise.
 */
#ifndef DA_ENGINE_H
#define DA_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "chain.h"
#include "page.h"

#define DA_NIL UINT32_MAX
/* Deadlines are compared as signed 32-bit differences of milliseconds: keep far from 2^31. */
#define DA_MAX_TIMEOUT_MS (1u << 30)

/* Channels an engine serves, from the command line and `channel` requests together: one per
 * filtered port, and a port per SO_ACCEPTFILTER listener. */
#define DA_MAX_CHANNELS 64
/* Control clients at once: the wrapper, `inspect`, and a few servers asking for a channel. */
#define DA_MAX_CLIENTS 16
/* Wake-ups whose connect did not complete in the call. On loopback the handshake is done
 * before connect() returns to user space, so these are rare; beyond the bound the wake-up is
 * skipped (the preload also takes a ready connection when its accept would return EAGAIN). */
#define DA_MAX_WAKEUPS 32
/* Descriptors that are not parked connections: stdio, epoll, the control socket, the spare,
 * one being received or loaded (a plugin), and the bounds above. Kept out of --max-parked so
 * that a full park table never leaves the engine without a descriptor for the next message. */
#define DA_FD_RESERVE (8 + DA_MAX_CLIENTS + DA_MAX_CHANNELS + DA_MAX_WAKEUPS)

/* What one "ready" message (a sockaddr_in6 and one SCM_RIGHTS descriptor) costs in the
 * engine end's send buffer, as skb truesize: measured 740 to 768 bytes on Linux 6.18. The send
 * buffer holds `backlog` of them; SEQPACKET counts whole skbs, not payload. */
#define DA_READY_MESSAGE_BYTES 768

/* What an epoll event is about (loop.c builds and reads the tags). */
enum da_kind {
	DA_KIND_CHANNEL = 1, DA_KIND_PARKED, DA_KIND_WAKEUP, DA_KIND_CONTROL, DA_KIND_CLIENT
};

/* What --channel or a `channel` request says about one channel. */
struct da_channel_spec {
	int channel_fd, page_fd;
	const char *chain; /* NULL: the page's */
	uint32_t backlog;
};

struct da_channel {
	int fd;                    /* the engine end; -1 once the slot is free */
	struct da_page *page;      /* shared with every server process: counters, token, policy */
	struct da_counters *count; /* &page->count */
	struct da_chain *chain;
	uint8_t *peek;             /* da_chain_peek_limit bytes, at least one */
	size_t peek_size;
	uint32_t timeout_ms;
	bool pass_on_timeout;
	bool from_control;         /* made by a `channel` request: forgotten once it hangs up */
	bool hung_up;              /* every server closed its end: this channel is finished */
	uint32_t park_head, park_tail; /* parked, oldest first, which is also deadline order */
	uint32_t held_head, held_tail; /* ready, waiting for room on the channel */
};

/* One parked or held connection; the chain's state follows it in the same slot. */
struct da_park {
	int32_t fd;          /* -1 while the slot is free */
	uint32_t deadline;   /* da__now() value */
	uint32_t prev, next; /* the channel's parked or held list; next links free slots too */
	uint32_t channel;
	uint8_t held;        /* on the held list, not in epoll */
	/* Counts the slot's uses: an event already fetched for the connection that had the slot
	 * before (evicted while the batch ran) must not act on the one that has it now. */
	uint16_t generation;
	unsigned char state[] __attribute__((aligned(8)));
};

struct da_park_table {
	unsigned char *slots;
	size_t stride;                 /* sizeof(struct da_park) + the largest chain state, rounded */
	uint32_t capacity, max, used, free_head;
};

struct da_wakeup {
	int fd; /* -1 while free */
	uint32_t channel;
};

struct da_engine {
	int epoll, control_fd;
	int spare_fd; /* /dev/null, closed to make room for one accept when descriptors run out */
	struct da_channel channels[DA_MAX_CHANNELS];
	uint32_t channel_count; /* slots in use or used: [0, channel_count) */
	uint32_t live;          /* channels not hung up */
	bool exit_when_idle;    /* channels were given on the command line: done when all hang up */
	uint32_t clients, control_channels;
	struct da_wakeup wakeups[DA_MAX_WAKEUPS];
	struct da_park_table park;
	const char *plugin_dir;
	uint32_t default_timeout_ms; /* --channel-defaults, for `channel` requests */
	bool default_pass;
	uint64_t epoch_ms;
};

/* loop.c: the epoll backend (the only file that says epoll) and the loop */
int da__engine_init(struct da_engine *e, uint32_t max_parked, const char *plugin_dir);
int da__engine_run(struct da_engine *e);
/* Memory only: descriptors are closed by exit. */
void da__engine_free(struct da_engine *e);
uint32_t da__now(const struct da_engine *e);
/* Watch fd for events (added, or changed when watched already), tagged with what it is. */
int da__watch(struct da_engine *e, int fd, uint32_t events, enum da_kind kind,
	      uint16_t generation, uint32_t index);
int da__unwatch(struct da_engine *e, int fd);

/* sandbox.c: as root, become `user`; then the system-call filter. err says what failed. */
int da__sandbox(const char *user, int control_fd, char *err, size_t err_size);

/* spec.c */
int da__spec_parse(char *text, struct da_channel_spec *out, char *err, size_t err_size);
int da__defaults_parse(char *text, uint32_t *timeout_ms, bool *pass, char *err, size_t err_size);

/* channel.c: taking a channel, its messages from the servers, its hang-up. _add returns the
 * channel's index or a negative errno. */
int da__channel_add(struct da_engine *e, const struct da_channel_spec *spec, struct da_page *page,
		    char *err, size_t err_size);
void da__channel_event(struct da_engine *e, uint32_t ci, uint32_t events);

/* settle.c: what happens to a connection after a verdict; giving back, holding */
void da__settle(struct da_engine *e, uint32_t ci, int fd, uint32_t slot, enum da_verdict v,
		const void *state);
void da__drain(struct da_engine *e, uint32_t ci);

/* park.c */
int da__park_fit(struct da_engine *e, size_t state_size);
struct da_park *da__park_slot(const struct da_engine *e, uint32_t i);
uint32_t da__park_take(struct da_engine *e);
void da__park_free(struct da_engine *e, uint32_t i);
void da__park_leave(struct da_engine *e, uint32_t i);
void da__park_evict_oldest(struct da_engine *e);
void da__list_push(struct da_engine *e, uint32_t *head, uint32_t *tail, uint32_t i);
void da__list_remove(struct da_engine *e, uint32_t *head, uint32_t *tail, uint32_t i);
void da__park(struct da_engine *e, uint32_t ci, int fd, const void *state);
void da__park_event(struct da_engine *e, uint32_t i, uint16_t generation, uint32_t events);
int da__park_wait_ms(struct da_engine *e);
void da__park_expire(struct da_engine *e);
void da__park_close_all(struct da_engine *e, uint32_t ci, enum da_drop reason);

/* wakeup.c: a connection to the listener carrying the token, after each "ready" */
void da__wakeup(struct da_engine *e, uint32_t ci, const struct sockaddr *local, socklen_t len);
void da__wakeup_event(struct da_engine *e, uint32_t slot, uint32_t events);
bool da__wakeup_returned(struct da_engine *e, uint32_t ci, int fd, ssize_t peeked);

/* control.c */
int da__control_init(struct da_engine *e, int fd);
void da__control_accept(struct da_engine *e);
void da__control_event(struct da_engine *e, int fd, uint32_t events);
int da__stats_client(const char *path);

/* stats.c */
void da__stats_park_time(struct da_counters *c, uint32_t ms);
int da__stats_json(const struct da_engine *e, char *out, size_t size);

/* json.c: appends to a fixed buffer; at == end once it overflowed */
struct da_out {
	char *at, *end;
};
void da__put(struct da_out *o, const char *format, ...) __attribute__((format(printf, 2, 3)));
void da__put_string(struct da_out *o, const char *s);

#endif
