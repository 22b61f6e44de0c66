/*
 * composer.h: the guided composer's model, with no curses: the message as an array of
 * lines (headers, an empty line, the body) with a cursor, the editing operations the
 * screen maps keys to, the lint findings in words with line numbers, and the wire view
 * (the exact bytes msgenc will send for each line, stuffed dots and the final
 * <CRLF>.<CRLF> marked). Lines never hold CR, LF or NUL: typed Enter (CR from the terminal)
 * ends a line; a bare LF from a paste ends one too but is remembered, so the lint can say
 * so (msgenc sends CRLF either way).
 */
#ifndef EHLO_COMPOSER_H
#define EHLO_COMPOSER_H

#include <stdbool.h>
#include <stddef.h>

#include "message.h"

#define COMPOSER_LINES_MAX 200000	      /* lines a message may have */
#define COMPOSER_LINE_MAX 65536		      /* bytes in one line */
#define COMPOSER_BYTES_MAX (8u * 1024 * 1024) /* bytes in the whole message */

/* One line of the message. */
struct composer_line {
	char *text; /* not NUL-terminated; may be NULL when empty */
	size_t len, cap;
	bool bare_lf; /* ended by a bare LF in pasted text (not by Enter) */
};

struct composer {
	struct composer_line *lines;
	size_t nlines, linecap;
	size_t cy, cx; /* cursor: line, byte offset in it */
	size_t top;    /* first line shown (kept by the screen) */
	size_t bytes;  /* text bytes, line ends not counted */
	bool manual;   /* the user ends the data with a "." line of their own */
	bool prev_cr;  /* the last byte inserted was a CR: an LF after it is the same line end */
	bool capped;   /* input was refused because a cap was reached */
	unsigned long long generation; /* bumps on every change of the text */
};

/* Movements of the cursor. */
enum composer_move {
	COMPOSER_LEFT,
	COMPOSER_RIGHT,
	COMPOSER_UP,
	COMPOSER_DOWN,
	COMPOSER_HOME,
	COMPOSER_END,
	COMPOSER_PAGE_UP,
	COMPOSER_PAGE_DOWN,
	COMPOSER_TOP,
	COMPOSER_BOTTOM,
};

/* An empty message (one empty line). */
void composer_init(struct composer *c);

/* Free the lines. */
void composer_free(struct composer *c);

/*
 * Replace the text: lines end at LF, CRLF or CR (all as if typed), NUL bytes are dropped.
 * The cursor goes to the body (the line after the first empty one). 0, or -1 when a cap was
 * reached (what fitted is kept, capped is set).
 */
int composer_set_text(struct composer *c, const char *text, size_t len);

/*
 * A new message from the envelope: Date, From, To, Subject, Message-ID and the MIME
 * headers (message_build's), an empty line, an empty body line with the cursor on it.
 * to may be NULL with nto 0. 0, or -1 with err filled (an address holding CR or LF).
 */
int composer_template(struct composer *c, const char *from, const char *const *to, size_t nto,
		      const char *subject, char *err, size_t errlen);

/*
 * Typed or pasted bytes at the cursor: CR ends the line (Enter), LF ends it too (a bare LF
 * when no CR came just before), tab and bytes from 0x20 up (UTF-8 included) are text,
 * other control bytes are dropped. 0, or -1 when a cap refused some (capped set).
 */
int composer_insert(struct composer *c, const char *bytes, size_t len);

/* Backspace: the byte (or UTF-8 character) before the cursor, or join with the line above. */
void composer_backspace(struct composer *c);

/* Delete: the character under the cursor, or join the next line. */
void composer_delete(struct composer *c);

/* Move the cursor; rows is the page height for PgUp/PgDn. */
void composer_move(struct composer *c, enum composer_move m, size_t rows);

/* The index of the first body line (after the first empty line; nlines when none). */
size_t composer_body_line(const struct composer *c);

/*
 * The message as the encoder gets it, in a malloc'd buffer: lines joined by CRLF (by LF
 * where a bare LF was pasted). lf_only: every line end is LF (for the draft and $EDITOR).
 * NULL when memory runs out.
 */
char *composer_text(const struct composer *c, bool lf_only, size_t *len);

/* Lint the message with the server's capabilities. */
void composer_lint(const struct composer *c, const struct lint_options *opts, struct lint *l);

/*
 * One finding in words a student understands, with its line number ("line 7: ..."). manual:
 * the user ends the data themselves (a lone "." is then the end, not stuffed).
 */
void composer_issue_text(const struct lint_issue *issue, const struct lint *l, bool manual,
			 char *buf, size_t cap);

/* Flags of a wire view line. */
#define COMPOSER_WIRE_STUFFED 0x01 /* the first "." was added by ehlo */
#define COMPOSER_WIRE_BARE_LF 0x02 /* the text had a bare LF here: CRLF goes out */
#define COMPOSER_WIRE_ADDED 0x04   /* ehlo adds this line: the end of data */
#define COMPOSER_WIRE_NONE 0x08	   /* nothing goes out for this line */
#define COMPOSER_WIRE_AFTER 0x10   /* manual: after the end of data, not sent as message */
#define COMPOSER_WIRE_CRLF 0x20	   /* the bytes end with CRLF */

/*
 * The wire bytes of view line i (0..nlines: index nlines is the end of data) into buf,
 * without the CRLF (flagged instead). Returns the bytes written, flags set.
 */
size_t composer_wire_line(const struct composer *c, size_t i, char *buf, size_t cap,
			  unsigned *flags);

/* The number of wire view lines (the message's lines and the end of data). */
size_t composer_wire_count(const struct composer *c);

/* The first line that is only "." (1-based), 0 when none: in manual mode the data ends there. */
size_t composer_lone_dot(const struct composer *c);

/*
 * A header that contradicts a non-ASCII body: the 1-based line of a Content-Type with
 * charset=us-ascii or a Content-Transfer-Encoding of 7bit when a body line holds bytes
 * over 0x7f; 0 when none. The words for it go into buf.
 */
size_t composer_mime_mismatch(const struct composer *c, char *buf, size_t cap);

/* The value of header name (case-insensitive) in the header lines, into buf. false if absent. */
bool composer_header(const struct composer *c, const char *name, char *buf, size_t cap);

#endif
