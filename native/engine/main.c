/* da-engine: the command line (native/README.md), then the loop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <unistd.h>

#include "engine.h"

#define EXIT_FATAL 1
#define EXIT_USAGE 2
/* The park table's default bound: 64 Ki connections, about 4 MiB of slots with one filter. */
#define DEFAULT_MAX_PARKED 65536
/* Listeners on one command line; more come through `register`. */
#define MAX_LISTENERS 64
/* Who the engine becomes once its sockets are set up, when it was started as root. */
#define DEFAULT_USER "nobody"

static const char usage[] =
	"usage: da-engine --list\n"
	"       da-engine [--plugin-dir DIR] --check CHAIN\n"
	"       da-engine --stats CONTROL_PATH\n"
	"       da-engine [--control FD [--register-defaults SPEC] [--keep FD,FD]] [--max-parked N]\n"
	"                 [--plugin-dir DIR] [--user NAME]\n"
	"                 --listener SPEC...\n"
	"SPEC: listen=FD handover=FD chain=CHAIN timeout=MS on-timeout=drop|pass backlog=N "
	"address=TEXT\n";

struct options {
	const char *check, *stats, *plugin_dir, *user, *register_defaults;
	bool list;
	int control_fd, keep_post, keep_take;
	unsigned long max_parked;
	char *listeners[MAX_LISTENERS];
	int listener_count;
};

static int bad(const char *what, const char *detail)
{
	fprintf(stderr, "da-engine: %s%s%s\n%s", what, detail ? ": " : "", detail ? detail : "", usage);
	return EXIT_USAGE;
}

static int parse(int argc, char **argv, struct options *o)
{
	*o = (struct options){.control_fd = -1, .keep_post = -1, .keep_take = -1,
			      .max_parked = DEFAULT_MAX_PARKED,
			      .user = DEFAULT_USER};
	for (int i = 1; i < argc; i++) {
		const char *flag = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;
		if (!strcmp(flag, "--list")) {
			o->list = true;
			continue;
		}
		if (!value)
			return bad("missing value after", flag);
		i++;
		if (!strcmp(flag, "--check"))
			o->check = value;
		else if (!strcmp(flag, "--stats"))
			o->stats = value;
		else if (!strcmp(flag, "--plugin-dir"))
			o->plugin_dir = value;
		else if (!strcmp(flag, "--user"))
			o->user = value;
		else if (!strcmp(flag, "--register-defaults"))
			o->register_defaults = value;
		else if (!strcmp(flag, "--control"))
			o->control_fd = (int)strtol(value, &end, 10);
		else if (!strcmp(flag, "--keep")) {
			if (sscanf(value, "%d,%d", &o->keep_post, &o->keep_take) != 2 ||
			    o->keep_post < 0 || o->keep_take < 0)
				return bad("--keep needs two descriptors, FD,FD", value);
		} else if (!strcmp(flag, "--max-parked"))
			o->max_parked = strtoul(value, &end, 10);
		else if (!strcmp(flag, "--listener") && o->listener_count < MAX_LISTENERS)
			o->listeners[o->listener_count++] = argv[i];
		else
			return bad("unknown or repeated option", flag);
		if (end && (*end || end == value || o->control_fd < -1 || o->max_parked < 1 ||
			    o->max_parked > UINT32_MAX - 1))
			return bad("not a number in range", value);
	}
	return 0;
}

static int list_filters(void)
{
	char text[65536];
	struct da_out o = {text, text + sizeof text};
	size_t count;
	const struct da_filter *const *filters = da_builtin_filters(&count);
	da__put(&o, "[");
	for (size_t i = 0; i < count; i++) {
		da__put(&o, "%s{\"name\":", i ? "," : "");
		da__put_string(&o, filters[i]->name);
		da__put(&o, ",\"summary\":");
		da__put_string(&o, filters[i]->summary);
		da__put(&o, ",\"usage\":");
		da__put_string(&o, filters[i]->usage);
		da__put(&o, ",\"abi\":%u}", (unsigned)filters[i]->abi_version);
	}
	da__put(&o, "]\n");
	if (o.at == o.end)
		return EXIT_FATAL;
	fputs(text, stdout);
	return 0;
}

static int check_chain(const struct options *o)
{
	char err[512] = "";
	struct da_chain *chain;
	if (da_chain_create(o->check, o->plugin_dir, &chain, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	da_chain_destroy(chain);
	return 0;
}

static int serve(const struct options *o)
{
	struct da_engine e;
	struct da_listener_spec specs[MAX_LISTENERS];
	char err[512];
	int highest_fd = MAX(o->control_fd, MAX(o->keep_post, o->keep_take));
	for (int i = 0; i < o->listener_count; i++) {
		struct da_listener_spec *s = &specs[i];
		if (da__spec_parse(o->listeners[i], s, err, sizeof err) < 0)
			return bad(err, NULL);
		if (s->listen_fd < 0 || s->handover_fd < 0 || !s->chain)
			return bad("a listener needs listen=FD handover=FD chain=CHAIN", NULL);
		highest_fd = MAX(highest_fd, MAX(s->listen_fd, s->handover_fd));
	}
	/* Descriptors the engine was not given but inherited (a stray pipe of whoever started the
	 * wrapper) would stay open as long as the engine lives: a reader of that pipe would never
	 * see its end. Closed before the engine opens its own. */
	close_range((unsigned)MAX(highest_fd, STDERR_FILENO) + 1, ~0U, 0);
	int rc = da__engine_init(&e, (uint32_t)o->max_parked, o->plugin_dir);
	if (rc < 0) {
		fprintf(stderr, "da-engine: cannot start: %s\n", strerror(-rc));
		return EXIT_FATAL;
	}
	for (int i = 0; i < o->listener_count; i++)
		if (da__listener_add(&e, &specs[i], err, sizeof err) < 0)
			return bad(err, NULL);
	e.keep_post = o->keep_post;
	e.keep_take = o->keep_take;
	da__keep_restore(&e);
	e.register_defaults = o->register_defaults;
	if (o->control_fd >= 0 && (rc = da__control_init(&e, o->control_fd)) < 0)
		return bad("--control is not a usable socket", strerror(-rc));
	*err = '\0';
	if ((rc = da__sandbox(o->user, err, sizeof err)) == 0)
		rc = da__engine_run(&e);
	da__engine_free(&e);
	if (rc < 0) {
		fprintf(stderr, "da-engine: %s\n", *err ? err : strerror(-rc));
		return EXIT_FATAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc;
	signal(SIGPIPE, SIG_IGN); /* a closed stdout or peer is an error return, not a death */
	if (o.list)
		return list_filters();
	if (o.check)
		return check_chain(&o);
	if (o.stats) {
		rc = da__stats_client(o.stats);
		if (rc < 0)
			fprintf(stderr, "da-engine: stats from %s: %s\n", o.stats, strerror(-rc));
		return rc < 0 ? EXIT_FATAL : 0;
	}
	if (o.listener_count == 0 && o.control_fd < 0)
		return bad("nothing to serve: give --listener or --control", NULL);
	return serve(&o);
}
