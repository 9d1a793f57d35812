/*
 * The engine's private contract between its files. One struct da_engine is passed everywhere;
 * listeners and parked connections are named by index, so the arrays that hold them may grow.
 * Functions return 0 or a negative errno unless they say otherwise.
 */
#ifndef DA_ENGINE_H
#define DA_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "chain.h"

#define DA_NIL UINT32_MAX

/* What one hand-over message (a sockaddr_in6 and one SCM_RIGHTS descriptor) costs in the
 * sender's send buffer, as skb truesize: measured 740 to 768 bytes on Linux 6.18. The pair's
 * send buffer holds `backlog` of them; SEQPACKET counts whole skbs, not payload. */
#define DA_HANDOVER_MESSAGE_BYTES 768

/* What an epoll event is about: the kind in the top byte of data.u64, an index in the low half,
 * and for a parked connection its slot's generation in between. */
enum da_tag { DA_TAG_LISTEN = 1, DA_TAG_HANDOVER, DA_TAG_PARKED, DA_TAG_CONTROL, DA_TAG_CLIENT };
#define DA_TAG_GEN(tag, generation, index) \
	((uint64_t)(tag) << 56 | (uint64_t)(uint16_t)(generation) << 32 | (uint32_t)(index))
#define DA_TAG(tag, index) DA_TAG_GEN(tag, 0, index)

/* Why a connection was closed without reaching the server. */
enum da_drop {
	DA_DROP_TIMEOUT,   /* deadline passed, listener says on-timeout=drop */
	DA_DROP_EOF,       /* the peer half-closed and the chain did not want it */
	DA_DROP_RESET,     /* RST or socket error while parked */
	DA_DROP_FILTER,    /* the chain said DROP */
	DA_DROP_PARK_FULL, /* evicted as the oldest parked when the table was full */
	DA_DROP_SHED,      /* accepted and closed at once because the engine ran out of descriptors */
	DA_DROP_NO_SERVER, /* the hand-over pair was closed by the server side */
	DA_DROP_REASONS
};

/* Why a connection was handed over without the chain saying READY. */
enum da_pass { DA_PASS_VERDICT, DA_PASS_TIMEOUT, DA_PASS_OVERSIZE, DA_PASS_REASONS };

/* Park times in a log2 histogram of milliseconds: bucket b holds [2^(b-1), 2^b), 2^31 ms is
 * 24 days, longer than any deadline. */
#define DA_HIST_BUCKETS 32

struct da_counters {
	uint64_t accepted, ready, passed;
	uint64_t passed_on[DA_PASS_REASONS];
	uint64_t dropped[DA_DROP_REASONS];
	uint32_t parked, held;
	uint64_t park_ms[DA_HIST_BUCKETS];
	uint32_t park_ms_max;
};

/* What the wrapper (--listener) or the preload (register) says about one listener. */
struct da_listener_spec {
	int listen_fd, handover_fd;
	const char *chain, *address;
	uint32_t timeout_ms, backlog;
	bool pass_on_timeout;
};

struct da_listener {
	int listen_fd, handover_fd;
	struct da_chain *chain;
	char *address;
	uint32_t timeout_ms, backlog;
	bool pass_on_timeout;
	bool server_nonblock; /* the server side sent 'N': hand sockets over non-blocking */
	bool blocked;         /* the hand-over pair is full: not accepting until EPOLLOUT */
	bool hung_up;         /* every server closed its end: this listener is finished */
	bool kept;            /* registered by a server: a copy waits in the wrapper's queue */
	uint8_t *peek;        /* da_chain_peek_limit bytes, at least one */
	size_t peek_size;
	bool busy;            /* the last batch found two or more waiting: accept in batches */
	uint32_t quiet_events; /* readiness events with one accept each, for PROBE_EVERY */
	uint32_t park_head, park_tail; /* parked, oldest first, which is also deadline order */
	uint32_t held_head, held_tail; /* ready, waiting for room on the hand-over pair */
	struct da_counters count;
};

/* One parked or held connection; the chain's state follows it in the same slot. */
struct da_park {
	int32_t fd;          /* -1 while the slot is free */
	uint32_t deadline;   /* da__now() value */
	uint32_t prev, next; /* the listener's parked or held list; next links free slots too */
	uint32_t listener;
	uint8_t flags;       /* DA_PARK_* */
	/* Counts the slot's uses: an event already fetched for the connection that had the slot
	 * before (evicted while the batch ran) must not act on the one that has it now. */
	uint16_t generation;
	unsigned char state[] __attribute__((aligned(8)));
};
#define DA_PARK_HELD 0x1u     /* on the held list, not in epoll */
#define DA_PARK_NONBLOCK 0x2u /* the descriptor is O_NONBLOCK */

struct da_park_table {
	unsigned char *slots;
	size_t stride;                 /* sizeof(struct da_park) + the largest chain state, rounded */
	uint32_t capacity, max, used, free_head;
};

struct da_engine {
	int epoll, control_fd;
	int spare_fd; /* /dev/null, closed to make room for one accept when descriptors run out */
	struct da_listener *listeners;
	uint32_t listener_count, listener_cap, live_handovers;
	struct da_park_table park;
	const char *plugin_dir;
	/* Items a `register` request starts from (the wrapper's --timeout and the like): bind-mode
	 * listeners get the same settings as the ones on the command line. */
	const char *register_defaults;
	/* The wrapper's queue of registered listeners (keep.c): post to one end, take from the
	 * other; -1 without --keep. */
	int keep_post, keep_take;
	uint64_t epoch_ms;
};

/* engine (loop.c) */
int da__engine_init(struct da_engine *e, uint32_t max_parked, const char *plugin_dir);
int da__engine_run(struct da_engine *e);
/* Memory only: descriptors are closed by exit, and the listeners are the wrapper's. */
void da__engine_free(struct da_engine *e);
uint32_t da__now(const struct da_engine *e);
int da__epoll(struct da_engine *e, int op, int fd, uint32_t events, uint64_t data);

/* sandbox.c: as root, become `user`; then the system-call filter. err says what failed. */
int da__sandbox(const char *user, char *err, size_t err_size);

/* listener.c */
int da__listener_add(struct da_engine *e, const struct da_listener_spec *spec, char *err,
		     size_t err_size);
void da__listener_accept(struct da_engine *e, uint32_t li);
bool da__shed(struct da_engine *e, int listen_fd);
int da__listener_pause(struct da_engine *e, uint32_t li, bool paused);
enum da_verdict da__judge(const struct da_listener *l, enum da_verdict v, size_t n, bool eof,
			  int *reason);
void da__settle(struct da_listener *l, int fd, enum da_verdict v, int reason);

/* spec.c */
int da__spec_parse(char *text, struct da_listener_spec *out, char *err, size_t err_size);

/* park.c */
int da__park_fit(struct da_engine *e, size_t state_size);
struct da_park *da__park_slot(const struct da_engine *e, uint32_t i);
uint32_t da__park_take(struct da_engine *e);
void da__park_free(struct da_engine *e, uint32_t i);
void da__park(struct da_engine *e, uint32_t li, int fd, const void *state, size_t state_size,
	      bool nonblock);
void da__list_push(struct da_engine *e, uint32_t *head, uint32_t *tail, uint32_t i);
void da__list_remove(struct da_engine *e, uint32_t *head, uint32_t *tail, uint32_t i);
void da__park_event(struct da_engine *e, uint32_t i, uint16_t generation, uint32_t events);
int da__park_wait_ms(struct da_engine *e);
void da__park_expire(struct da_engine *e);
void da__park_close_all(struct da_engine *e, uint32_t li);

/* handover.c */
void da__handover(struct da_engine *e, uint32_t li, int fd, const struct sockaddr *peer,
		  socklen_t len, bool nonblock);
void da__handover_parked(struct da_engine *e, uint32_t slot);
void da__handover_event(struct da_engine *e, uint32_t li, uint32_t events);

/* control.c */
int da__control_init(struct da_engine *e, int fd);
void da__control_accept(struct da_engine *e);
void da__control_event(struct da_engine *e, int fd, uint32_t events);
int da__stats_client(const char *path);

/* fds.c: one message with up to DA_FDS_MAX descriptors in SCM_RIGHTS, never blocking */
#define DA_FDS_MAX 2
int da__send_fds(int socket, const void *bytes, size_t len, const int *fds, size_t count);
/* Returns the payload's length or a negative errno; fds gets *count descriptors (close-on-exec),
 * flags the message's msg_flags (MSG_TRUNC, MSG_CTRUNC). */
ssize_t da__recv_fds(int socket, void *bytes, size_t size, int fds[DA_FDS_MAX], size_t *count,
		     int *flags);

/* keep.c: registered listeners a restarted engine serves again */
int da__keep(struct da_engine *e, const struct da_listener_spec *s, const char *address);
void da__keep_restore(struct da_engine *e);
void da__keep_forget(struct da_engine *e, int handover_fd);

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
