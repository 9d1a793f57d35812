/*
 * A server that execs a new copy of itself with an environment of its own making loses the
 * preload: nginx's binary upgrade (USR2) passes only TZ, its `env` directives and its list of
 * inherited sockets, so the new binary would see its inherited hand-over descriptors as AF_UNIX
 * sockets and fail to bind the port the old one still holds. execve gives the new program this
 * process's preload variables as they are now: DEFER_ACCEPT_HANDOVER in the environment the
 * server started with is older than the listeners bind mode set up since.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

extern char **environ;

static const char *const OURS[] = {"LD_PRELOAD", "DEFER_ACCEPT_CONTROL", "DEFER_ACCEPT_PORTS",
				   "DEFER_ACCEPT_HANDOVER"};
#define OURS_COUNT (sizeof OURS / sizeof *OURS)

/* The variable's index in OURS when entry is "NAME=...", else -1. */
static int ours(const char *entry)
{
	for (size_t i = 0; i < OURS_COUNT; i++) {
		size_t len = strlen(OURS[i]);
		if (strncmp(entry, OURS[i], len) == 0 && entry[len] == '=')
			return (int)i;
	}
	return -1;
}

DA_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	size_t n = 0, m = 0;
	char **merged;
	int r, saved;

	if (envp == environ || !envp || !environ)
		return DA_REAL(execve)(path, argv, envp);
	while (envp[n])
		n++;
	merged = malloc((n + OURS_COUNT + 1) * sizeof *merged);
	if (!merged)
		return DA_REAL(execve)(path, argv, envp);
	for (size_t i = 0; i < n; i++)
		if (ours(envp[i]) < 0)
			merged[m++] = envp[i];
	for (char **e = environ; *e; e++)
		if (ours(*e) >= 0)
			merged[m++] = *e;
	merged[m] = NULL;
	r = DA_REAL(execve)(path, argv, merged);
	saved = errno;
	free(merged);
	errno = saved;
	return r;
}
