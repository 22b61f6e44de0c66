/*
 * draft.h: the composer's draft store, with no curses. One draft file under the XDG state
 * directory ($XDG_STATE_HOME/ehlo/draft.eml, or ~/.local/state/ehlo/draft.eml) holds the
 * message being written, lines ended by LF. It is written atomically (a temporary file in
 * the same directory, then rename), mode 0600, so a crash or a dropped connection never
 * leaves half a draft; the next /compose offers it back.
 */
#ifndef EHLO_DRAFT_H
#define EHLO_DRAFT_H

#include <stdbool.h>
#include <stddef.h>

#define DRAFT_MAX (8u * 1024 * 1024) /* bytes a draft may hold */

/* The draft file's path into buf: 0, or -1 when neither XDG_STATE_HOME nor HOME is set. */
int draft_path(char *buf, size_t cap);

/* Write text to path atomically (parent directories made 0700, file 0600). 0 or -1. */
int draft_save(const char *path, const char *text, size_t len);

/*
 * Read the draft at path into a malloc'd, NUL-terminated buffer. 0, or -1 when there is
 * none, it cannot be read, or it is larger than DRAFT_MAX.
 */
int draft_load(const char *path, char **text, size_t *len);

/* True when a draft is saved at path. */
bool draft_exists(const char *path);

/* Remove the draft (after the server took the message). 0, or -1 (none is fine: 0). */
int draft_remove(const char *path);

#endif
