/* da-engine: the command line (native/README.md), then the loop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <unistd.h>

#include "engine.h"
#include "page.h"

#define EXIT_FATAL 1
#define EXIT_USAGE 2
/* Apache's `AcceptFilter data` on Linux holds a silent client 30 s: the same when unsaid. */
#define DEFAULT_TIMEOUT_MS 30000
/* Who the engine becomes once its sockets are set up, when it was started as root. */
#define DEFAULT_USER "nobody"

static const char usage[] =
	"usage: da-engine --list\n"
	"       da-engine [--plugin-dir DIR] --check CHAIN\n"
	"       da-engine --stats CONTROL_PATH\n"
	"       da-engine [--control FD [--channel-defaults SPEC]] [--max-parked N]\n"
	"                 [--plugin-dir DIR] [--user NAME] [--channel SPEC]...\n"
	"--channel: channel=FD page=FD chain=CHAIN backlog=N\n"
	"--channel-defaults: timeout=MS on-timeout=drop|pass\n";

struct options {
	const char *check, *stats, *plugin_dir, *user;
	char *defaults;
	bool list;
	int control_fd;
	unsigned long max_parked;
	char *channels[DA_MAX_CHANNELS];
	int channel_count;
};

static int bad(const char *what, const char *detail)
{
	fprintf(stderr, "da-engine: %s%s%s\n%s", what, detail ? ": " : "", detail ? detail : "", usage);
	return EXIT_USAGE;
}

static int parse(int argc, char **argv, struct options *o)
{
	*o = (struct options){.control_fd = -1, .max_parked = 0 /* the default: da__engine_init */,
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
		else if (!strcmp(flag, "--channel-defaults"))
			o->defaults = argv[i];
		else if (!strcmp(flag, "--control"))
			o->control_fd = (int)strtol(value, &end, 10);
		else if (!strcmp(flag, "--max-parked")) {
			o->max_parked = strtoul(value, &end, 10);
			if (o->max_parked < 1)
				return bad("not a number in range", value);
		}
		else if (!strcmp(flag, "--channel") && o->channel_count < DA_MAX_CHANNELS)
			o->channels[o->channel_count++] = argv[i];
		else
			return bad("unknown or repeated option", flag);
		if (end && (*end || end == value || o->control_fd < -1 || o->max_parked > UINT32_MAX - 1))
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
	struct da_channel_spec specs[DA_MAX_CHANNELS];
	char err[512];
	uint32_t timeout_ms = DEFAULT_TIMEOUT_MS;
	bool pass = false;
	if (o->defaults && da__defaults_parse(o->defaults, &timeout_ms, &pass, err, sizeof err) < 0)
		return bad(err, NULL);
	int highest_fd = o->control_fd;
	for (int i = 0; i < o->channel_count; i++) {
		if (da__spec_parse(o->channels[i], &specs[i], err, sizeof err) < 0)
			return bad(err, NULL);
		highest_fd = MAX(highest_fd, MAX(specs[i].channel_fd, specs[i].page_fd));
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
	e.default_timeout_ms = timeout_ms;
	e.default_pass = pass;
	e.exit_when_idle = o->channel_count > 0;
	for (int i = 0; i < o->channel_count; i++) {
		struct da_page *page = da_page_map(specs[i].page_fd);
		if (!page) {
			snprintf(err, sizeof err, "page fd %d is not a counters page: %s",
				 specs[i].page_fd, strerror(errno));
			return bad(err, NULL);
		}
		close(specs[i].page_fd); /* the mapping stays */
		if (da__channel_add(&e, &specs[i], page, err, sizeof err) < 0)
			return bad(err, NULL);
	}
	if (o->control_fd >= 0 && (rc = da__control_init(&e, o->control_fd)) < 0)
		return bad("--control is not a usable socket", strerror(-rc));
	*err = '\0';
	if ((rc = da__sandbox(o->user, o->control_fd, err, sizeof err)) == 0)
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
	if (o.channel_count == 0 && o.control_fd < 0)
		return bad("nothing to serve: give --channel or --control", NULL);
	return serve(&o);
}
