#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct test_case {
	const char *name;
	void (*run)(const void *);
	const void *arg;
};

static struct test_case cases[512];
static size_t count;
static int failures; /* CHECK failures in the running case */

void check_register(const char *name, void (*run)(const void *), const void *arg)
{
	if (count == sizeof cases / sizeof cases[0]) {
		fprintf(stderr, "too many test cases: raise the table size in %s\n", __FILE__);
		exit(2);
	}
	cases[count++] = (struct test_case){name, run, arg};
}

void check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

int main(void)
{
	int passed = 0, failed = 0;
	for (size_t i = 0; i < count; i++) {
		failures = 0;
		cases[i].run(cases[i].arg);
		if (failures)
			failed++, fprintf(stderr, "FAIL %s\n", cases[i].name);
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
