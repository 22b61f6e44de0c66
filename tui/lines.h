/*
 * lines.h: the session pane's model, with no curses: every line shown, already sanitized,
 * with its direction, flags and time; server lines grouped into replies, each reply with
 * the context the explanation needs; the scroll position, the selected reply and search.
 * Held in a ring: the oldest lines go first when the cap is reached.
 */
#ifndef EHLO_LINES_H
#define EHLO_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "drive.h"

#define LINES_CAP_DEFAULT 250000
#define LINES_REPLY_TEXT_MAX 2048 /* the reply's text kept for the explainer */

/* A reply and its moment, copied out of the driver's callback. */
struct lines_reply {
	int code;
	char enhanced[16];
	char *line;	/* "CODE ENH text text..." (raw, joined), for help_reply_parse */
	char *keywords; /* after EHLO: lines 2.. joined by '\n' (raw), else NULL */
	char *command;	/* the line it answers (sanitized) */
	enum proto_cmd answers;
	bool unsolicited;
	bool tls;
	bool authenticated;
	bool starttls_offered;
	char auth_mech[32];
	char *decoded;		   /* a 334's challenge decoded and sanitized, or NULL */
	unsigned long long number; /* 1 for the first reply of the session */
};

/* One row of the model (it may wrap on screen). */
struct lines_entry {
	unsigned long long usec; /* since the model started */
	enum drive_kind kind;
	unsigned flags; /* DRIVE_F_* */
	char *text;	/* sanitized: safe for a terminal */
	size_t len;
	struct lines_reply *reply; /* the reply this server line belongs to, or NULL */
	bool owner;		   /* this entry frees reply */
};

struct lines;

/* A new model keeping at most cap lines (0: LINES_CAP_DEFAULT). */
struct lines *lines_new(size_t cap);

/* Free it. */
void lines_free(struct lines *l);

/* Add a line; text is raw and is sanitized here. Returns 0, or -1 when memory runs out. */
int lines_add(struct lines *l, enum drive_kind kind, unsigned flags, const char *text, size_t len);

/*
 * A reply arrived: gather the server lines added since the last reply into it. Returns the
 * stored reply (owned by the model), or NULL when memory runs out.
 */
struct lines_reply *lines_add_reply(struct lines *l, const struct drive_reply *r);

/* Lines kept, and the i-th, oldest first. */
size_t lines_count(const struct lines *l);
const struct lines_entry *lines_get(const struct lines *l, size_t i);

/* Forget every line (the replies go too). */
void lines_clear(struct lines *l);

/* The reply whose explanation is shown: the selected one, else the newest; NULL if none. */
const struct lines_reply *lines_current(const struct lines *l);

/* True while the user walks back through replies (not following the newest). */
bool lines_selecting(const struct lines *l);

/* Index of the first line of the selected reply (only while selecting). */
size_t lines_selected_index(const struct lines *l);

/* Move the selection to the previous (dir < 0) or next (dir > 0) reply; false if none. */
bool lines_select(struct lines *l, int dir);

/* Go back to following the newest reply (and the bottom of the pane). */
void lines_follow(struct lines *l);

/*
 * Scroll: the index of the line at the bottom of the pane when not following the end.
 * lines_bottom gives it (count-1 when following); lines_scroll moves it by delta lines.
 */
size_t lines_bottom(const struct lines *l);
void lines_scroll(struct lines *l, long delta);
bool lines_at_end(const struct lines *l);

/*
 * Search case-insensitively for needle in lines older than the bottom line (or from the end
 * when again is false); moves the bottom there and selects that line's reply if any.
 * Returns true when found.
 */
bool lines_find(struct lines *l, const char *needle, bool again);

/* Replies received since the model started (whether still kept or not). */
unsigned long long lines_reply_total(const struct lines *l);

#endif
