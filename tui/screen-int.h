/*
 * screen-int.h: the explorer's screen state shared by its parts (screen.c owns the flow;
 * pane-session.c, pane-explain.c, statusbar.c, cmdline.c and helpscreen.c each draw one
 * region and take the keys meant for it). Not for use outside tui/.
 */
#ifndef EHLO_SCREEN_INT_H
#define EHLO_SCREEN_INT_H

#include <curses.h>
#include <stdbool.h>

#include "composer.h"
#include "drive.h"
#include "front.h"
#include "lines.h"
#include "note.h"

#define SCREEN_SECRET_MAX 1024

/* A rectangle of the screen. */
struct screen_rect {
	int y, x, h, w;
};

/* Colour pairs (0 when colour is off). */
enum screen_pair {
	SCREEN_PAIR_CLIENT = 1,
	SCREEN_PAIR_OK,
	SCREEN_PAIR_TEMP,
	SCREEN_PAIR_FAIL,
	SCREEN_PAIR_INFO,
	SCREEN_PAIR_NEXT,
	SCREEN_PAIR_STATUS,
	SCREEN_PAIR_COUNT
};

/* Where the composer stands. */
enum compose_phase {
	COMPOSE_CLOSED,
	COMPOSE_EDITING,
	COMPOSE_SENDING, /* the body is being handed to the driver */
	COMPOSE_WAITING, /* the end of data went out: the reply is awaited */
};

#define COMPOSE_RCPT_MAX 16
#define COMPOSE_ADDR_MAX 256

/* The composer screen's state (pane-compose.c). */
struct compose {
	enum compose_phase phase;
	struct composer model;
	bool wire; /* the wire view instead of the text */
	struct lint lint;
	unsigned long long lint_gen; /* model generation the lint was made for, +1 */
	bool lint_caps_seen;	     /* the lint knew the server's capabilities */
	size_t mime_line;	     /* a header contradicting a non-ASCII body (1-based), or 0 */
	char mime_text[256];
	char draft[1024]; /* the draft file ("" when there is no place for one) */
	unsigned long long saved_gen, edit_ms;
	bool save_failed;
	char *sendbuf; /* the message being handed to the driver */
	size_t sendlen, sendoff;
	size_t send_line; /* manual mode: the next line to send */
	bool sent;	  /* a message went out: the reply to its end decides the draft */
	char status[512]; /* a message on the composer's status row */
	/* the envelope as the server accepted it, for the From and To headers */
	char from[COMPOSE_ADDR_MAX];
	char to[COMPOSE_RCPT_MAX][COMPOSE_ADDR_MAX];
	size_t nto;
};

struct screen {
	struct drive *d;
	struct front front;
	struct lines *lines;
	bool started; /* curses is up */
	bool color;
	bool quit;
	int rows, cols;
	bool side_by_side;
	struct screen_rect status, session, sep, explain, keys, cmd;

	/* what needs drawing at the end of this loop iteration */
	bool dirty_all, dirty_session, dirty_explain, dirty_status, dirty_cmd;

	/* session pane */
	bool timestamps;
	char find[1024];

	/* explanation panel */
	struct note note;
	unsigned long long note_for; /* reply number the note explains; 0: none yet */
	bool note_override;	     /* /explain put its own note there */
	int explain_scroll;

	/* help screen */
	bool help_open;
	int help_scroll;

	/* command line */
	char prompt[64];
	bool hidden; /* typing a secret: not readline */
	char secret[SCREEN_SECRET_MAX];
	size_t secretlen;
	char message[512]; /* shown in the key line until the next key */
	char histpath[1024];

	/* the guided composer (shown instead of the panes and the command line) */
	struct compose compose;

	unsigned long long last_status_sec;
	bool input_capped; /* keys left unread this round (a paste): read on soon */
};

/* Mark everything for drawing. */
void screen_touch(struct screen *s);

/* Blank a region. */
void screen_blank(const struct screen_rect *r);

/* Draw up to cols columns of sanitized text at (y, x); returns the columns used. */
int screen_text(int y, int x, const char *text, size_t len, int cols);

/* The attributes for a colour pair, or the fallback when colour is off. */
int screen_attr(const struct screen *s, enum screen_pair pair, int fallback);

/* Session pane. */
void pane_session_draw(struct screen *s);
bool pane_session_key(struct screen *s, int action);

/* Explanation panel. */
void pane_explain_draw(struct screen *s);
bool pane_explain_key(struct screen *s, int action);

/* Status bar and key help line. */
void statusbar_draw(struct screen *s);
void statusbar_keys_draw(struct screen *s);

/* Command line: readline through its callback interface, and the hidden input. */
void cmdline_init(struct screen *s);
void cmdline_fini(struct screen *s);
void cmdline_key(struct screen *s, int ch, bool is_code);
void cmdline_sync(struct screen *s);
void cmdline_draw(struct screen *s);

/* The guided composer (pane-compose.c). */
bool pane_compose_active(const struct screen *s);
void pane_compose_open(struct screen *s);
void pane_compose_draw(struct screen *s);
void pane_compose_key(struct screen *s, int ch, bool is_code, bool lone_esc);
void pane_compose_tick(struct screen *s);
int pane_compose_timeout(struct screen *s);
void pane_compose_reply(struct screen *s, const struct drive_reply *r);
void pane_compose_fini(struct screen *s);

/* Help screen (F1, /help). */
void helpscreen_draw(struct screen *s);
bool helpscreen_key(struct screen *s, int action);

#endif
