/*
 * A server that execs a new copy of itself with an environment of its own making loses the
 * preload: nginx's binary upgrade (USR2) passes only TZ, its `env` directives and its list of
 * inherited sockets, so the new binary would accept unfiltered. execve gives such a program the
 * preload's variables as they were at load, and every program that keeps them a
 * DEFER_ACCEPT_LISTENERS true for the descriptors it inherits now. Differs from libc: the
 * environment the new program sees is not exactly the one passed.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

static const char *const OURS[] = {"LD_PRELOAD=", "DEFER_ACCEPT_PORTS=", "DEFER_ACCEPT_CONTROL=",
				   "DEFER_ACCEPT_PLUGIN_DIR="};
#define OURS_COUNT (sizeof OURS / sizeof *OURS)
#define PORTS_AT 1
#define LISTENERS "DEFER_ACCEPT_LISTENERS="

/* "NAME=value" of each of OURS as the process started, or NULL. */
static char *saved[OURS_COUNT];

__attribute__((constructor)) static void save(void)
{
	extern char **environ;

	for (char **e = environ; e && *e; e++)
		for (size_t i = 0; i < OURS_COUNT; i++)
			if (strncmp(*e, OURS[i], strlen(OURS[i])) == 0)
				saved[i] = strdup(*e);
}

static int starts(const char *entry, const char *prefix)
{
	return strncmp(entry, prefix, strlen(prefix)) == 0;
}

/* Is entry one of OURS or DEFER_ACCEPT_LISTENERS? */
static int ours(const char *entry)
{
	for (size_t i = 0; i < OURS_COUNT; i++)
		if (starts(entry, OURS[i]))
			return 1;
	return starts(entry, LISTENERS);
}

/*
 * A program with a clean environment is the server's own binary (an upgrade: the file at its
 * path may be new, so the path is compared) or something else the server runs, which may have
 * removed the preload on purpose and is left alone.
 */
static int same_binary(const char *path)
{
	char self[PATH_MAX], target[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	const char *deleted = " (deleted)";
	size_t dl = strlen(deleted);

	if (n <= 0 || !realpath(path, target))
		return 0;
	self[n] = '\0';
	if ((size_t)n > dl && strcmp(self + n - dl, deleted) == 0)
		self[n - dl] = '\0';
	return strcmp(self, target) == 0;
}

DA_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	char listeners[sizeof LISTENERS + DA_FILTERS_MAX * 8];
	size_t n = 0, m = 0;
	int keeps = 0, inject, r, saved_errno = errno;
	char **merged;

	for (; envp && envp[n]; n++)
		keeps |= starts(envp[n], "DEFER_ACCEPT_");
	inject = !keeps && same_binary(path);
	errno = saved_errno;
	/* Without filtered ports a program that keeps our variables has nothing stale in them. */
	if (!inject && !(keeps && saved[PORTS_AT]))
		return DA_REAL(execve)(path, argv, envp);
	merged = malloc((n + OURS_COUNT + 2) * sizeof *merged);
	if (!merged)
		return DA_REAL(execve)(path, argv, envp);
	for (size_t i = 0; i < n; i++)
		if (!(inject ? ours(envp[i]) : starts(envp[i], LISTENERS)))
			merged[m++] = envp[i];
	for (size_t i = 0; inject && i < OURS_COUNT; i++)
		if (saved[i])
			merged[m++] = saved[i];
	if (saved[PORTS_AT]) {
		strcpy(listeners, LISTENERS);
		da__listeners_text(listeners + strlen(LISTENERS), sizeof listeners - strlen(LISTENERS));
		merged[m++] = listeners;
	}
	merged[m] = NULL;
	r = DA_REAL(execve)(path, argv, merged);
	saved_errno = errno;
	free(merged);
	errno = saved_errno;
	return r;
}
