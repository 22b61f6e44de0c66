/*
 * hist.c: the history file (see hist.h). Written by hand rather than with write_history so
 * the mode is 0600 from the first byte and secrets are filtered on the way in and out.
 */
#include "hist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>

/* Make a directory if missing (mode 0700). */
static int
hist_mkdir(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

/* The history file's path. */
int
hist_path(char *buf, size_t cap)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char dir[1024];

	if (state != NULL && state[0] == '/') {
		snprintf(dir, sizeof(dir), "%s", state);
		if (hist_mkdir(dir) != 0)
			return -1;
	} else if (home != NULL && home[0] != '\0') {
		snprintf(dir, sizeof(dir), "%s/.local", home);
		if (hist_mkdir(dir) != 0)
			return -1;
		snprintf(dir, sizeof(dir), "%s/.local/state", home);
		if (hist_mkdir(dir) != 0)
			return -1;
	} else {
		return -1;
	}
	size_t n = strlen(dir);
	if (n + sizeof("/ehlo/history") > cap || n + sizeof("/ehlo") > sizeof(dir))
		return -1;
	memcpy(dir + n, "/ehlo", sizeof("/ehlo"));
	if (hist_mkdir(dir) != 0)
		return -1;
	snprintf(buf, cap, "%s/history", dir);
	return 0;
}

/* True when a line must never be kept. */
bool
hist_is_secret(const char *line)
{
	if (strncasecmp(line, "AUTH ", 5) != 0)
		return false;
	const char *p = line + 5;
	while (*p == ' ')
		p++;
	p += strcspn(p, " ");
	while (*p == ' ')
		p++;
	return *p != '\0';
}

/* Load the file into readline's history. */
void
hist_load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[2048];

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0' && !hist_is_secret(line))
			add_history(line);
	}
	fclose(f);
}

/* Add a line to readline's history. */
void
hist_add(const char *line)
{
	if (line[0] == '\0' || hist_is_secret(line))
		return;
	HIST_ENTRY *last =
		history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
	if (last != NULL && strcmp(last->line, line) == 0)
		return;
	add_history(line);
}

/* Write readline's history to path, mode 0600. */
int
hist_save(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	if (fchmod(fd, 0600) != 0) {
		close(fd);
		return -1;
	}
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return -1;
	}
	int first = history_length > HIST_KEEP ? history_length - HIST_KEEP : 0;
	for (int i = first; i < history_length; i++) {
		HIST_ENTRY *e = history_get(history_base + i);
		if (e != NULL && e->line != NULL && !hist_is_secret(e->line) &&
		    strchr(e->line, '\n') == NULL)
			fprintf(f, "%s\n", e->line);
	}
	return fclose(f) == 0 ? 0 : -1;
}
