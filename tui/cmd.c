/*
 * cmd.c: slash commands and completion candidates (see cmd.h). Tables are static: one for
 * slash commands, one for SMTP verbs and their templates.
 */
#include "cmd.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sasl.h"

static const struct {
	const char *name;
	enum cmd_kind kind;
} cmd_table[] = {
	{"/auth", CMD_AUTH},   {"/starttls", CMD_STARTTLS},   {"/compose", CMD_COMPOSE},
	{"/save", CMD_SAVE},   {"/explain", CMD_EXPLAIN},     {"/find", CMD_FIND},
	{"/clear", CMD_CLEAR}, {"/reconnect", CMD_RECONNECT}, {"/help", CMD_HELP},
	{"/quit", CMD_QUIT},   {"/exit", CMD_QUIT},
};

/* What a user may start a line with, templates included. */
static const char *const cmd_verbs[] = {
	"EHLO ", "HELO ",    "MAIL FROM:<>", "RCPT TO:<>", "DATA",  "RSET", "NOOP",
	"QUIT",	 "STARTTLS", "AUTH ",	     "VRFY ",	   "EXPN ", "HELP", "BDAT ",
};

/* Parse a typed line. */
enum cmd_kind
cmd_parse(const char *line, const char **arg)
{
	*arg = "";
	if (line[0] != '/')
		return CMD_NONE;
	size_t n = strcspn(line, " \t");
	const char *a = line + n;
	while (*a == ' ' || *a == '\t')
		a++;
	*arg = a;
	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (strlen(cmd_table[i].name) == n && strncasecmp(line, cmd_table[i].name, n) == 0)
			return cmd_table[i].kind;
	return CMD_UNKNOWN;
}

/* A malloc'd copy. */
static char *
cmd_dup(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);

	if (d != NULL)
		memcpy(d, s, n + 1);
	return d;
}

/* The state-th completion of text. */
char *
cmd_complete(const char *line, size_t start, const char *text, int state, const struct caps *caps)
{
	size_t tlen = strlen(text);
	int seen = 0;

	if (start == 0 && text[0] == '/') {
		for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
			if (strncasecmp(cmd_table[i].name, text, tlen) == 0 && seen++ == state)
				return cmd_dup(cmd_table[i].name);
		return NULL;
	}
	if (start == 0) {
		for (size_t i = 0; i < sizeof(cmd_verbs) / sizeof(cmd_verbs[0]); i++)
			if (strncasecmp(cmd_verbs[i], text, tlen) == 0 && seen++ == state)
				return cmd_dup(cmd_verbs[i]);
		return NULL;
	}
	/* The second word of AUTH or /auth: mechanisms, the advertised ones first. */
	if (strncasecmp(line, "AUTH ", 5) == 0 || strncasecmp(line, "/auth ", 6) == 0) {
		if (caps != NULL && caps->valid && caps->auth_names[0] != '\0') {
			const char *p = caps->auth_names;
			while (*p != '\0') {
				size_t n = strcspn(p, " ");
				if (n > 0 && n >= tlen && strncasecmp(p, text, tlen) == 0 &&
				    seen++ == state) {
					char *d = malloc(n + 1);
					if (d != NULL) {
						memcpy(d, p, n);
						d[n] = '\0';
					}
					return d;
				}
				p += n;
				while (*p == ' ')
					p++;
			}
			return NULL;
		}
		for (int m = 0; m < SASL_MECH_COUNT; m++)
			if (strncasecmp(sasl_mech_name((enum sasl_mech)m), text, tlen) == 0 &&
			    seen++ == state)
				return cmd_dup(sasl_mech_name((enum sasl_mech)m));
	}
	return NULL;
}
