/*
 * note.h: the explanation panel's content, with no curses: a reply kept by the line model
 * (or a code the user asked about) turned into titled paragraphs through help/, in the
 * context of the command it answers, plus the short form --plain prints under each reply.
 */
#ifndef EHLO_NOTE_H
#define EHLO_NOTE_H

#include <stddef.h>

#include "lines.h"

#define NOTE_ITEMS_MAX 64
#define NOTE_TEXT_MAX 1024

/* How a paragraph is drawn. */
enum note_style {
	NOTE_TITLE, /* "250: Requested action okay" */
	NOTE_HEAD,  /* a section heading */
	NOTE_TEXT,  /* plain text */
	NOTE_NEXT,  /* what to do next (stands out) */
	NOTE_DIM,   /* references, class meaning */
};

struct note_item {
	enum note_style style;
	char text[NOTE_TEXT_MAX]; /* our own words, or sanitized server text */
};

/* A whole explanation. */
struct note {
	size_t n;
	struct note_item items[NOTE_ITEMS_MAX];
};

/* Explain a stored reply in its context. */
void note_for_reply(const struct lines_reply *r, struct note *out);

/* Explain what the user typed after /explain: "235", "5.7.26", a reply line. -1 if none. */
int note_for_arg(const char *arg, struct note *out);

/* The short form for --plain: one or two sentences, and the next step (may be ""). */
void note_short(const struct lines_reply *r, char *what, size_t whatcap, char *next,
		size_t nextcap);

/* The text of the keys and slash commands (for F1 and /help), one entry per line. */
extern const char *const note_help_text[];

/* Line i of that text in the language in use; NULL past the end. */
const char *note_help_line(size_t i);

#endif
