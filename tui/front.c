/*
 * front.c: the line router shared by both front ends (see front.h).
 */
#include "front.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "cmd.h"
#include "composer.h"
#include "draft.h"
#include "tr.h"

/* Show one of ehlo's own messages. */
static void __attribute__((format(printf, 3, 4)))
front_say(struct front *f, enum drive_kind kind, const char *fmt, ...)
{
	char buf[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (f->view.line != NULL)
		f->view.line(f->view.arg, kind, 0, buf, strlen(buf));
}

/* Set up a front over a driver. */
void
front_init(struct front *f, struct drive *d, const struct drive_view *view)
{
	memset(f, 0, sizeof(*f));
	f->d = d;
	if (view != NULL)
		f->view = *view;
}

/* Wipe what it holds. */
void
front_clear(struct front *f)
{
	OPENSSL_cleanse(f->user, sizeof(f->user));
	f->mode = FRONT_SMTP;
}

/* The prompt to show now. */
const char *
front_prompt(const struct front *f)
{
	if (drive_phase(f->d) == DRIVE_ASKING)
		return _("go on without verification? [y/N] ");
	switch (f->mode) {
	case FRONT_USER:
		return _("user: ");
	case FRONT_PASSWORD:
		return _("password: ");
	case FRONT_MAIL_FROM:
		if (f->draft_from[0] != '\0')
			return f->prompt;
		return "MAIL FROM: ";
	case FRONT_RCPT_TO:
		if (f->rcpts == 0 && f->draft_to[0] != '\0')
			return f->prompt;
		return f->rcpts == 0 ? "RCPT TO: " : _("RCPT TO (empty line: done): ");
	case FRONT_SMTP:
		break;
	}
	if (drive_in_data(f->d))
		return "data> ";
	if (drive_wants_secret(f->d))
		return _("auth (hidden)> ");
	return "smtp> ";
}

/* True when the next line must be hidden. */
bool
front_hidden(const struct front *f)
{
	return f->mode == FRONT_PASSWORD ||
	       (f->mode == FRONT_SMTP && drive_phase(f->d) != DRIVE_ASKING &&
		drive_wants_secret(f->d));
}

/* True when line may go into history. */
bool
front_historic(const struct front *f, const char *line)
{
	if (f->mode != FRONT_SMTP || drive_phase(f->d) == DRIVE_ASKING || drive_in_data(f->d))
		return false;
	if (line[0] == '\0' || front_hidden(f))
		return false;
	return !drive_line_is_secret(f->d, line, strlen(line));
}

/* An address as the user typed it, in angle brackets. */
static void
front_angle(const char *in, char *out, size_t cap)
{
	while (*in == ' ')
		in++;
	if (in[0] == '<')
		snprintf(out, cap, "%s", in);
	else
		snprintf(out, cap, "<%s>", in);
}

/* Send a line ehlo built for the user; errors are shown. */
static void
front_send(struct front *f, const char *line)
{
	char err[DRIVE_ERROR_MAX];

	if (drive_input(f->d, line, strlen(line), err, sizeof(err)) != 0)
		front_say(f, DRIVE_ERROR, "%s", err);
}

/* The address in a header value ("Alice <a@b>", "a@b,"), into out. */
static void
front_header_addr(const char *value, char *out, size_t cap)
{
	const char *lt = strchr(value, '<');
	size_t n;

	if (lt != NULL) {
		value = lt + 1;
		n = strcspn(value, ">");
	} else {
		while (*value == ' ')
			value++;
		n = strcspn(value, " ,");
	}
	if (n >= cap)
		n = cap - 1;
	memcpy(out, value, n);
	out[n] = '\0';
}

/* /compose with a saved draft: say so, and take its sender and recipient as defaults. */
static void
front_compose_draft(struct front *f)
{
	char path[1024], value[256];
	struct composer c;
	char *text = NULL;
	size_t len = 0;

	f->draft_from[0] = f->draft_to[0] = '\0';
	if (!f->composer || draft_path(path, sizeof(path)) != 0 ||
	    draft_load(path, &text, &len) != 0)
		return;
	composer_init(&c);
	composer_set_text(&c, text, len);
	free(text);
	if (composer_header(&c, "From", value, sizeof(value)))
		front_header_addr(value, f->draft_from, sizeof(f->draft_from));
	if (composer_header(&c, "To", value, sizeof(value)))
		front_header_addr(value, f->draft_to, sizeof(f->draft_to));
	if (!composer_header(&c, "Subject", value, sizeof(value)))
		snprintf(value, sizeof(value), _("(none)"));
	front_say(f, DRIVE_INFO,
		  _("your saved draft (Subject: %.120s, %zu lines) opens in the composer after "
		    "354; F5 there starts a new message instead"),
		  value, c.nlines);
	composer_free(&c);
}

/* /auth [MECH]: check it can start, then ask for the user. */
static void
front_auth_start(struct front *f, const char *arg)
{
	const char *mech = arg[0] != '\0' ? arg : drive_auth_pick(f->d);

	if (!drive_connected(f->d)) {
		front_say(f, DRIVE_ERROR, _("not connected (/reconnect connects again)"));
		return;
	}
	if (mech == NULL) {
		front_say(f, DRIVE_ERROR,
			  _("the server advertised no AUTH mechanism ehlo knows "
			    "(send EHLO first, or name one: /auth PLAIN)"));
		return;
	}
	if (!drive_tls(f->d))
		front_say(f, DRIVE_NOTE,
			  _("no TLS: the password would cross the network readable "
			    "by anyone on the path (STARTTLS first, unless this is "
			    "a practice server on this machine)"));
	snprintf(f->mech, sizeof(f->mech), "%s", mech);
	f->mode = FRONT_USER;
	front_say(f, DRIVE_INFO, _("AUTH %s: type the user name, then the password (hidden)"),
		  f->mech);
}

/* Act on a slash command. */
static enum front_action
front_slash(struct front *f, const char *line)
{
	const char *arg;
	enum cmd_kind k = cmd_parse(line, &arg);

	switch (k) {
	case CMD_AUTH:
		front_auth_start(f, arg);
		return FRONT_OK;
	case CMD_STARTTLS:
		if (drive_tls(f->d))
			front_say(f, DRIVE_ERROR, _("TLS is already active"));
		else
			front_send(f, "STARTTLS");
		return FRONT_OK;
	case CMD_COMPOSE:
		if (!drive_connected(f->d)) {
			front_say(f, DRIVE_ERROR, _("not connected (/reconnect connects again)"));
			return FRONT_OK;
		}
		if (drive_in_data(f->d)) {
			front_say(f, DRIVE_ERROR,
				  _("the server waits for the message already (354)%s"),
				  f->composer ? _(": F7 opens the composer") : "");
			return FRONT_OK;
		}
		if (drive_state(f->d) == PROTO_CONNECTED || drive_state(f->d) == PROTO_BANNER) {
			front_say(f, DRIVE_ERROR,
				  _("greet the server first: type EHLO and a name for your "
				    "machine (EHLO me.example), then /compose"));
			return FRONT_OK;
		}
		if (drive_state(f->d) == PROTO_MAIL || drive_state(f->d) == PROTO_RCPT) {
			front_say(f, DRIVE_INFO,
				  _("a transaction is open already: RSET ends it, so the "
				    "new one starts clean"));
			front_send(f, "RSET");
		}
		front_say(f, DRIVE_INFO,
			  _("/compose: the sender (MAIL FROM), the recipients (RCPT TO, an empty "
			    "line ends them), then DATA; each reply is explained as it comes.%s"),
			  f->composer ? _(" After 354 the composer opens.")
				      : _(" After 354 type the message; a line of only \".\" "
					  "ends it."));
		front_compose_draft(f);
		if (f->draft_from[0] != '\0')
			snprintf(f->prompt, sizeof(f->prompt), _("MAIL FROM (empty: %.200s): "),
				 f->draft_from);
		f->mode = FRONT_MAIL_FROM;
		f->rcpts = 0;
		return FRONT_OK;
	case CMD_SAVE: {
		if (arg[0] == '\0') {
			front_say(f, DRIVE_ERROR,
				  _("/save needs a file name (.json or .jsonl: JSON Lines)"));
			return FRONT_OK;
		}
		size_t n = strlen(arg);
		bool json = (n > 5 && strcmp(arg + n - 5, ".json") == 0) ||
			    (n > 6 && strcmp(arg + n - 6, ".jsonl") == 0);
		if (transcript_save(drive_transcript(f->d), arg, json) != 0)
			front_say(f, DRIVE_ERROR, _("could not save %s"), arg);
		else
			front_say(f, DRIVE_INFO,
				  _("transcript saved to %s (%s, secrets masked, mode 0600)"), arg,
				  json ? "JSON Lines" : _("text"));
		return FRONT_SAVED;
	}
	case CMD_EXPLAIN:
	case CMD_FIND:
		if (arg[0] == '\0') {
			front_say(f, DRIVE_ERROR,
				  k == CMD_FIND ? _("/find needs a text to look for")
						: _("/explain needs a code: /explain 550, "
						    "/explain 5.7.26"));
			return FRONT_OK;
		}
		snprintf(f->arg, sizeof(f->arg), "%s", arg);
		return k == CMD_FIND ? FRONT_FIND : FRONT_EXPLAIN;
	case CMD_CLEAR:
		return FRONT_CLEAR;
	case CMD_RECONNECT:
		drive_reconnect(f->d);
		return FRONT_OK;
	case CMD_HELP:
		return FRONT_HELP;
	case CMD_QUIT:
		return FRONT_QUIT;
	case CMD_UNKNOWN:
		front_say(f, DRIVE_ERROR,
			  _("unknown command %s (/help lists them; a line for the server "
			    "does not start with /)"),
			  line);
		return FRONT_OK;
	case CMD_NONE:
		break;
	}
	return FRONT_OK;
}

/* Act on a typed line. */
enum front_action
front_enter(struct front *f, const char *line)
{
	char buf[DRIVE_LINE_MAX + 16];
	char err[DRIVE_ERROR_MAX];
	char dflt[256];

	if (drive_phase(f->d) == DRIVE_ASKING) {
		/* The question shows [s/N] in Spanish ("sí"); "y" is understood in every language.
		 */
		bool yes = line[0] == 'y' || line[0] == 'Y' ||
			   (help_lang() == HELP_LANG_ES && (line[0] == 's' || line[0] == 'S'));
		drive_answer(f->d, yes);
		return FRONT_OK;
	}
	switch (f->mode) {
	case FRONT_USER:
		snprintf(f->user, sizeof(f->user), "%s", line);
		f->mode = FRONT_PASSWORD;
		return FRONT_OK;
	case FRONT_PASSWORD:
		f->mode = FRONT_SMTP;
		if (drive_auth(f->d, f->mech, f->user, line, err, sizeof(err)) != 0)
			front_say(f, DRIVE_ERROR, _("/auth: %s"), err);
		OPENSSL_cleanse(f->user, sizeof(f->user));
		return FRONT_OK;
	case FRONT_MAIL_FROM:
		if (line[0] == '\0' && f->draft_from[0] != '\0') {
			snprintf(dflt, sizeof(dflt), "%s", f->draft_from);
			line = dflt;
		}
		f->draft_from[0] = '\0';
		if (f->draft_to[0] != '\0')
			snprintf(f->prompt, sizeof(f->prompt), _("RCPT TO (empty: %.200s): "),
				 f->draft_to);
		front_angle(line, buf, sizeof(buf) - 16);
		{
			char cmd[sizeof(buf) + 16];
			snprintf(cmd, sizeof(cmd), "MAIL FROM:%s", buf);
			front_send(f, cmd);
		}
		f->mode = FRONT_RCPT_TO;
		return FRONT_OK;
	case FRONT_RCPT_TO:
		if (line[0] == '\0' && f->rcpts == 0 && f->draft_to[0] != '\0') {
			snprintf(dflt, sizeof(dflt), "%s", f->draft_to);
			line = dflt;
		}
		f->draft_to[0] = '\0';
		if (line[0] == '\0') {
			f->mode = FRONT_SMTP;
			if (f->rcpts == 0) {
				front_say(f, DRIVE_INFO, _("/compose stopped: no recipient"));
				return FRONT_OK;
			}
			front_send(f, "DATA");
			return FRONT_OK;
		}
		front_angle(line, buf, sizeof(buf) - 16);
		{
			char cmd[sizeof(buf) + 16];
			snprintf(cmd, sizeof(cmd), "RCPT TO:%s", buf);
			front_send(f, cmd);
		}
		f->rcpts++;
		return FRONT_OK;
	case FRONT_SMTP:
		break;
	}
	/* After 354 every line is message text, even one starting with "/". */
	if (line[0] == '/' && !drive_in_data(f->d))
		return front_slash(f, line);
	if (drive_input(f->d, line, strlen(line), err, sizeof(err)) != 0)
		front_say(f, DRIVE_ERROR, "%s", err);
	return FRONT_OK;
}
