/*
 * help-int.h: what the files of libehlo-help share and nobody else sees: the table rows and
 * the gettext markers. Tables hold English msgids; help_tr() translates at lookup time.
 */
#ifndef EHLO_HELP_INT_H
#define EHLO_HELP_INT_H

#include "help.h"

/* Mark a string for xgettext without translating it here. */
#define N_(s) (s)
/* Translate now. */
#define _(s) help_tr(s)

#define HELP_DOMAIN "ehlo"

/* A basic reply code. */
struct help_basic {
	int code;
	const char *title;
	const char *meaning;
	const char *fix;
	const char *refs; /* "RFC 5321 4.2.2; RFC 3207" (not translated) */
};

/* What a code means after one command, possibly only in some state. */
struct help_ctxrow {
	int code;
	enum help_cmd cmd;
	enum help_tri tls;	/* HELP_UNKNOWN: any */
	enum help_tri starttls; /* STARTTLS offered: HELP_UNKNOWN: any */
	const char *when;
	const char *next;   /* NULL: the code's general fix applies */
	enum help_tri auth; /* authenticated: HELP_UNKNOWN: any */
};

/* A registered enhanced status code (X.subject.detail). */
struct help_enhrow {
	int subject;
	int detail;
	const char *title;
	const char *meaning;
	const char *basic; /* associated basic codes, as IANA lists them */
	const char *refs;
};

/* A provider's range of unregistered enhanced details. */
struct help_enhrange {
	int cls; /* 0: 4 or 5 */
	int subject;
	int lo, hi;
	const char *provider;
	const char *meaning;
};

/* A text pattern of a real server. */
struct help_pattern {
	const char *id;
	const char *provider; /* NULL: any server */
	const char *hint;     /* lower-case literals, '|' between: one must be in the text before
				 the regex runs (NULL: always run it) */
	const char *regex;    /* POSIX extended, case-insensitive */
	int cls;	      /* 0 any, else the reply class it applies to */
	const char *enh;      /* NULL, or the enhanced code the reply must carry ("5.4.1") */
	const char *title;
	const char *meaning;
	const char *action;
};

/* A command or keyword row. */
struct help_itemrow {
	const char *name;
	const char *syntax;
	const char *title;
	const char *text;
	const char *rfc;
};

extern const struct help_basic help_basic_table[];
extern const size_t help_basic_table_len;
extern const struct help_ctxrow help_ctx_table[];
extern const size_t help_ctx_table_len;
extern const struct help_enhrow help_enh_table[];
extern const size_t help_enh_table_len;
extern const struct help_enhrange help_enhrange_table[];
extern const size_t help_enhrange_table_len;
extern const struct help_pattern help_pattern_table[];
extern const size_t help_pattern_table_len;
extern const struct help_itemrow help_command_table[];
extern const size_t help_command_table_len;
extern const struct help_itemrow help_keyword_table[];
extern const size_t help_keyword_table_len;

/* The basic row for code, or NULL. */
const struct help_basic *help_basic_find(int code);

/* The registered enhanced row for subject.detail, or NULL. */
const struct help_enhrow *help_enh_find(int subject, int detail);

/* Fill out->matches with the patterns the text matches (out->cls and out->enhanced set). */
void help_patterns_match(const char *text, size_t len, struct help_explanation *out);

#endif
