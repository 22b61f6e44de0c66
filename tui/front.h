/*
 * front.h: what a typed line means, shared by the full-screen explorer and --plain, with no
 * curses. A struct front routes each line: to a question ehlo asked (a user name, a hidden
 * password, a certificate y/N, the addresses /compose asks for), to a slash command, or
 * to the server through the driver. It also says which prompt to show, whether the input
 * must be hidden and whether a line may be kept in history.
 */
#ifndef EHLO_FRONT_H
#define EHLO_FRONT_H

#include <stdbool.h>
#include <stddef.h>

#include "drive.h"

/* What ehlo itself is asking. */
enum front_mode {
	FRONT_SMTP,	 /* lines go to the server */
	FRONT_USER,	 /* /auth: the user name */
	FRONT_PASSWORD,	 /* /auth: the password (hidden) */
	FRONT_MAIL_FROM, /* /compose: the sender */
	FRONT_RCPT_TO,	 /* /compose: recipients, an empty line ends them */
};

/* What the front end must do after a line. */
enum front_action {
	FRONT_OK,
	FRONT_QUIT,
	FRONT_CLEAR,
	FRONT_HELP,
	FRONT_EXPLAIN, /* show the explanation of arg */
	FRONT_FIND,    /* search the session for arg */
	FRONT_SAVED,   /* the transcript was saved (message shown already) */
};

struct front {
	struct drive *d;
	struct drive_view view; /* where messages go (the same view the driver uses) */
	enum front_mode mode;
	char mech[32];
	char user[256];
	unsigned rcpts;
	char arg[1024]; /* the argument of FRONT_EXPLAIN / FRONT_FIND */
	bool composer;	/* the full-screen composer opens on 354 (not --plain) */
	/* /compose: the saved draft's sender and first recipient, taken on an empty line */
	char draft_from[256], draft_to[256];
	char prompt[320];
};

/*
 * Set up a front over a driver; view receives ehlo's own messages (DRIVE_INFO/ERROR).
 * Set f->composer afterwards when a composer opens on 354 (the full screen).
 */
void front_init(struct front *f, struct drive *d, const struct drive_view *view);

/* Wipe what it holds (a user name typed for /auth). */
void front_clear(struct front *f);

/* The prompt to show now. */
const char *front_prompt(const struct front *f);

/* True when the next line must be hidden (a password, an answer to a 334). */
bool front_hidden(const struct front *f);

/* True when line may go into history (never secrets, never answers to ehlo's questions). */
bool front_historic(const struct front *f, const char *line);

/* Act on a typed line (without line end). */
enum front_action front_enter(struct front *f, const char *line);

#endif
