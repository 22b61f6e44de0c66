/*
 * cmd.h: what the user can type, with no curses: slash commands parsed from a line, and
 * tab completion candidates (SMTP verbs, slash commands, the AUTH mechanisms the server
 * advertised, MAIL FROM:<> / RCPT TO:<> templates).
 */
#ifndef EHLO_CMD_H
#define EHLO_CMD_H

#include <stddef.h>

#include "caps.h"

enum cmd_kind {
	CMD_NONE, /* not a slash command: a line for the server */
	CMD_AUTH,
	CMD_STARTTLS,
	CMD_COMPOSE,
	CMD_SAVE,
	CMD_EXPLAIN,
	CMD_FIND,
	CMD_CLEAR,
	CMD_RECONNECT,
	CMD_HELP,
	CMD_QUIT,
	CMD_UNKNOWN, /* starts with / but names nothing we know */
};

/* Parse a typed line; *arg points at the argument (after spaces), "" when none. */
enum cmd_kind cmd_parse(const char *line, const char **arg);

/*
 * The state-th completion of text, which starts at column start of the whole line
 * (readline's generator contract): a malloc'd string, or NULL when there are no more.
 * caps may be NULL.
 */
char *cmd_complete(const char *line, size_t start, const char *text, int state,
		   const struct caps *caps);

#endif
