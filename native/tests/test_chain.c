#include "chain.h"
#include "check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Creates SPEC, expecting rc; on failure err must contain each of the NULL-ended needles. */
static void expect_error(const char *spec, const char *dir, int want_rc, ...)
{
	char err[1024] = "";
	struct da_chain *c = NULL;
	int rc = da_chain_create(spec, dir, &c, err, sizeof err);
	CHECK(rc == want_rc, "%s: rc %d, want %d (%s)", spec, rc, want_rc, err);
	if (rc == 0) {
		da_chain_destroy(c);
		return;
	}
	va_list ap;
	va_start(ap, want_rc);
	for (const char *needle; (needle = va_arg(ap, const char *));)
		CHECK(strstr(err, needle), "%s: error '%s' lacks '%s'", spec, err, needle);
	va_end(ap);
}

TEST(chain_unknown_filter_lists_known)
{
	expect_error("nosuch", NULL, -ENOENT, "unknown filter 'nosuch'", "dataready, httpready, "
		     "dnsready, tlsready, proxy", "no plugin directory", NULL);
	expect_error("nosuch", DA_TEST_PLUGIN_DIR, -ENOENT, "no plugin at " DA_TEST_PLUGIN_DIR
		     "/nosuch.so", "httpready", NULL);
}

TEST(chain_bad_argument_lists_usage)
{
	expect_error("httpready:max-head=abc", NULL, -EINVAL, "filter 'httpready'",
		     "max-head=abc: want a number from 16 to 1048576", "valid forms: body[=N]", NULL);
	expect_error("httpready:colour=red", NULL, -EINVAL, "unknown item 'colour=red'",
		     "non-http=pass|drop", NULL);
	expect_error("dataready:0", NULL, -EINVAL, "bytes=0", "valid forms: N | bytes=N", NULL);
	expect_error("httpready:oversize=maybe", NULL, -EINVAL, "want pass or drop", NULL);
	expect_error("tlsready:x", NULL, -EINVAL, "(no arguments)", NULL);
	expect_error("proxy:missing", NULL, -EINVAL, "missing=: want pass or drop", NULL);
	expect_error("httpready:body::", NULL, -EINVAL, "empty item", NULL);
}

TEST(chain_bad_spec)
{
	expect_error("", NULL, -EINVAL, "empty filter chain", "NAME[:ARG...]", NULL);
	expect_error("proxy,,httpready", NULL, -EINVAL, "empty filter in chain", NULL);
	expect_error("proxy,proxy,proxy,proxy,httpready", NULL, -E2BIG, "more than 4", NULL);
	expect_error("Http", NULL, -EINVAL, "invalid filter name 'Http'", NULL);
}

TEST(chain_properties)
{
	char err[256];
	struct da_chain *c;
	int rc = da_chain_create("proxy:missing=pass,httpready:body=100:max-head=200", NULL, &c, err,
				 sizeof err);
	CHECK(rc == 0, "create: %s", err);
	if (rc)
		return;
	CHECK(!strcmp(da_chain_name(c), "proxy:missing=pass,httpready:body=100:max-head=200"),
	      "name %s", da_chain_name(c));
	CHECK(da_chain_state_size(c) == 16 + 2 * DA_FILTER_STATE_MAX, "state size %zu",
	      da_chain_state_size(c));
	CHECK(da_chain_peek_limit(c) == 16 + 0xffff + 300, "peek limit %zu", da_chain_peek_limit(c));
	da_chain_destroy(c);
}

TEST(chain_builtins_listed)
{
	size_t n;
	const struct da_filter *const *f = da_builtin_filters(&n);
	CHECK(n == 5, "%zu built-in filters", n);
	for (size_t i = 0; i < n; i++)
		CHECK(f[i]->abi_version == DA_FILTER_ABI_VERSION && f[i]->summary && f[i]->usage &&
		      strlen(f[i]->name) <= 15, "filter %zu is incomplete", i);
}

static void expect_plugin(const char *spec)
{
	char err[512];
	uint8_t state[16 + 2 * DA_FILTER_STATE_MAX] = {0};
	struct da_chain *c;
	int rc = da_chain_create(spec, DA_TEST_PLUGIN_DIR, &c, err, sizeof err);
	CHECK(rc == 0, "%s: %s", spec, err);
	if (rc)
		return;
	static const char bytes[] = "hi!GET / HTTP/1.1\r\n\r\n";
	CHECK(!strncmp(da_chain_name(c), "example,", 8), "name %s", da_chain_name(c));
	CHECK(da_chain_check(c, state, (const uint8_t *)bytes, 2, 0) == DA_MORE, "before '!'");
	CHECK(da_chain_check(c, state, (const uint8_t *)bytes, 3, 0) == DA_MORE, "head not begun");
	CHECK(da_chain_check(c, state, (const uint8_t *)bytes, sizeof bytes - 2, 0) == DA_MORE,
	      "head not ended");
	CHECK(da_chain_check(c, state, (const uint8_t *)bytes, sizeof bytes - 1, 0) == DA_READY,
	      "head after the plugin's unit");
	da_chain_destroy(c);
}

TEST(chain_plugin_by_name)
{
	expect_plugin("example,httpready");
}

TEST(chain_plugin_by_path)
{
	expect_plugin(DA_TEST_PLUGIN_DIR "/example.so,httpready");
}

TEST(chain_plugin_bad_argument)
{
	expect_error("example:x", DA_TEST_PLUGIN_DIR, -EINVAL, "filter 'example'",
		     "Invalid argument", "valid forms: (no arguments)", NULL);
}

TEST(chain_plugin_abi_mismatch)
{
	char want[64];
	snprintf(want, sizeof want, "filter ABI version %d, this build speaks version %d",
		 DA_FILTER_ABI_VERSION + 41, DA_FILTER_ABI_VERSION);
	expect_error("old-abi", DA_TEST_PLUGIN_DIR, -EPROTO, want, NULL);
}

TEST(chain_plugin_without_entry)
{
	expect_error("no-entry", DA_TEST_PLUGIN_DIR, -ENOEXEC, "no-entry.so has no da_filter_entry",
		     NULL);
}

TEST(chain_plugin_not_a_shared_object)
{
	char dir[] = "/tmp/da-test-XXXXXX", path[64];
	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(path, sizeof path, "%s/text.so", dir);
	FILE *f = fopen(path, "w");
	CHECK(f, "create %s", path);
	if (!f)
		return;
	fputs("not an ELF file\n", f);
	fclose(f);
	expect_error("text", dir, -ENOEXEC, "is not a loadable shared object", "text.so", NULL);
	unlink(path);
	rmdir(dir);
}

/* The chain hands the next link only what the previous one did not consume. */
static const struct vector vectors[] = {
	V("chain_dataready_then_dns", "dataready:2,dnsready", "\x00\x0c" "abcdefghijkl", END, DA_READY, 0),
	V("chain_proxy_then_tls", "proxy,tlsready",
	  "PROXY UNKNOWN\r\n" "\x16\x03\x01\x00\x0a" "\x01\x00\x00\x06" "abcdef", END, DA_READY, 0),
	V("chain_proxy_then_http_drop", "proxy,httpready:non-http=drop", "PROXY UNKNOWN\r\n\x16", END,
	  DA_DROP, 0),
};
VECTORS(vectors)
