/*
 * A tiny test runner: cases register themselves (constructors), main runs them all and closes
 * with "N passed, N failed". A case fails when any CHECK in it fails.
 */
#ifndef DA_CHECK_H
#define DA_CHECK_H

#include "filter.h"

#include <stddef.h>

void check_register(const char *name, void (*run)(const void *), const void *arg);
void check_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			check_fail(__FILE__, __LINE__, __VA_ARGS__);                               \
	} while (0)

#define TEST(fn)                                                                                   \
	static void fn(const void *);                                                              \
	__attribute__((constructor)) static void fn##_register(void)                              \
	{                                                                                          \
		check_register(#fn, fn, NULL);                                                     \
	}                                                                                          \
	static void fn(const void *unused __attribute__((unused)))

/*
 * A byte vector fed to SPEC ("NAME[:ARG]", or a chain when it holds ',') at every prefix
 * length on one state, as the engine does: MORE below `at` bytes, then `want` (and, for a single
 * filter's READY, `consumed`). at == END means the whole vector; at == AT_EOF means MORE at
 * every prefix and `want` once EOF is flagged on the whole vector.
 */
struct vector {
	const char *name, *spec, *bytes;
	size_t len, at;
	enum da_verdict want;
	size_t consumed;
};
#define END ((size_t)-2)
#define AT_EOF ((size_t)-1)
#define V(name, spec, bytes, at, want, consumed) {name, spec, bytes, sizeof(bytes) - 1, at, want, consumed}

void check_vector(const void *vector);

#define VECTORS(table)                                                                             \
	__attribute__((constructor)) static void table##_register(void)                           \
	{                                                                                          \
		for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)                        \
			check_register(table[i].name, check_vector, &table[i]);                    \
	}

#endif
