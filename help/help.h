/*
 * help.h: the knowledge base and the explainer (libehlo-help).
 *
 * Tables of basic reply codes, IANA enhanced status codes, EHLO keywords, commands and
 * provider text patterns, with gettext markers, and the functions that turn a reply (code,
 * enhanced code, text) plus its context (the command it answers, TLS and AUTH state) into a
 * structured explanation. No terminal, no sockets, nothing of ours: every parser takes a
 * buffer. Text that came from a server is never copied into an explanation except the
 * decoded 334 challenge (help_explanation.decoded), which the caller must sanitize.
 *
 * Strings in the results point to static, translated text (or to buffers inside the result
 * struct): they stay valid until the language changes.
 *
 * For each reply that arrives, the explorer does:
 *	struct help_reply r;
 *	help_reply_parse(first_line, len, &r);   code and enhanced code
 *	r.text = joined; r.text_len = n;         all lines' texts, for the patterns
 *	struct help_context ctx = {.after = HELP_CMD_RCPT, .tls = HELP_YES};
 *	static struct help_explanation e;        about 3 KB: keep it off small stacks
 *	help_explain(&r, &ctx, &e);
 * or lets help_annotator_line() pair replies with commands from transcript lines. The
 * regexes compile on first use and the language is process-wide: use one thread.
 */
#ifndef EHLO_HELP_H
#define EHLO_HELP_H

#include <stddef.h>

/* Languages with a translation. */
enum help_lang {
	HELP_LANG_EN,
	HELP_LANG_ES,
};

/*
 * Set up translations for the whole process: setlocale(LC_ALL, ""), then the language
 * named by lang ("en", "es", or NULL for the environment: LANGUAGE, LC_ALL, LC_MESSAGES,
 * LANG). Spanish works even when no es_* locale is generated. The catalogue comes from
 * $EHLO_LOCALEDIR, else the build tree when the program runs from it, else the installed
 * locale directory. Returns 0, or -1 when lang names no language we have.
 */
int help_locale_init(const char *lang);

/*
 * The hook main() calls first: removes "--lang X" / "--lang=X" from argv (up to a "--"),
 * updating *argc, and calls help_locale_init with it. Prints an error to stderr and
 * returns -1 when the value is missing or unknown.
 */
int help_locale_args(int *argc, char **argv);

/* The language in use. */
enum help_lang help_lang(void);

/* The language as a tag: "en" or "es". */
const char *help_lang_tag(void);

/* Translate one of our msgids (identity in English). */
const char *help_tr(const char *msgid);

/* Commands a reply can answer; HELP_CMD_UNKNOWN when nobody knows. */
enum help_cmd {
	HELP_CMD_UNKNOWN,
	HELP_CMD_GREETING, /* the server's first reply, to the connection */
	HELP_CMD_HELO,
	HELP_CMD_EHLO,
	HELP_CMD_MAIL,
	HELP_CMD_RCPT,
	HELP_CMD_DATA,
	HELP_CMD_DATA_END, /* the final <CRLF>.<CRLF> (or BDAT LAST) */
	HELP_CMD_BDAT,
	HELP_CMD_RSET,
	HELP_CMD_VRFY,
	HELP_CMD_EXPN,
	HELP_CMD_HELP,
	HELP_CMD_NOOP,
	HELP_CMD_QUIT,
	HELP_CMD_STARTTLS,
	HELP_CMD_AUTH,
	HELP_CMD_COUNT
};

/* The command named by word (case-insensitive; "greeting", "end", "dot" and "." too). */
enum help_cmd help_cmd_parse(const char *word, size_t len);

/* The command's name as shown ("RCPT", "greeting", "end of data"), translated. */
const char *help_cmd_name(enum help_cmd cmd);

/* Something known to be true, false, or not known (0, so a zeroed context knows nothing). */
enum help_tri {
	HELP_UNKNOWN = 0,
	HELP_NO,
	HELP_YES,
};

/* What was going on when the reply came. Zero it, then fill what you know. */
struct help_context {
	enum help_cmd after;		/* the command the reply answers */
	enum help_tri tls;		/* TLS is active */
	enum help_tri auth;		/* the session has authenticated */
	enum help_tri starttls_offered; /* the EHLO reply listed STARTTLS */
	char sasl_mech[32];		/* mechanism of the AUTH in progress, for 334 */
};

#define HELP_ENHANCED_MAX 16

/* A reply as help sees it: one line (or the joined text of a multi-line reply). */
struct help_reply {
	int code;	  /* 200..599 as parsed, 0 when only an enhanced code is given */
	int more;	  /* the line was "NNN-": more lines follow */
	int enh_class;	  /* 2, 4 or 5; 0 when no enhanced code */
	int enh_subject;  /* 0..999 */
	int enh_detail;	  /* 0..999 */
	const char *text; /* the text after the code(s); points into the parsed buffer */
	size_t text_len;
};

/* Results of the parsers. */
enum help_parse {
	HELP_PARSE_OK = 0,
	HELP_PARSE_EMPTY = -1,	      /* nothing there */
	HELP_PARSE_NOT_CODE = -2,     /* does not start with a code */
	HELP_PARSE_BAD_CODE = -3,     /* three digits, but the first is not 2..5 (600, 199) */
	HELP_PARSE_BAD_ENHANCED = -4, /* looks like an enhanced code but is not one (6.1.1) */
};

/*
 * Parse a reply line: "550-5.7.26 text", "250 OK", "250". A trailing CR/LF is ignored.
 * The code must be 3 digits with the first 2..5; a second digit over 5 is outside RFC 5321's
 * grammar but is read by its first digit, as the RFC says unknown codes are. The enhanced
 * code is taken only when its class matches the reply's first digit.
 */
enum help_parse help_reply_parse(const char *line, size_t len, struct help_reply *out);

/*
 * Parse what a user typed: a code ("235"), an enhanced code ("5.7.26"), or a whole reply
 * line. Errors as above; "2500" and "abc" are HELP_PARSE_NOT_CODE.
 */
enum help_parse help_arg_parse(const char *arg, size_t len, struct help_reply *out);

/* A message for a parse error, translated. */
const char *help_parse_error(enum help_parse err);

/* The class of a basic code (its first digit). */
enum help_class {
	HELP_CLASS_NONE = 0,
	HELP_CLASS_POSITIVE = 2,     /* 2xx positive completion */
	HELP_CLASS_INTERMEDIATE = 3, /* 3xx positive intermediate */
	HELP_CLASS_TRANSIENT = 4,    /* 4xx transient negative */
	HELP_CLASS_PERMANENT = 5,    /* 5xx permanent negative */
};

#define HELP_MAX_WHEN 12
#define HELP_MAX_PATTERNS 4
#define HELP_MAX_REFS 6
#define HELP_TEXT_MAX 512

/* One "when you see it" item: after which command, and what it means there. */
struct help_when {
	enum help_cmd cmd;
	const char *after; /* help_cmd_name(cmd) */
	const char *text;
};

/* A provider or well-known text pattern that matched the reply text. */
struct help_match {
	const char *id;	      /* stable name, e.g. "gmail-unauthenticated" */
	const char *provider; /* "Gmail", "Microsoft 365", ... or a translated "Any server" */
	const char *title;
	const char *meaning;
	const char *action;
};

/* The explanation of one reply. Every const char * is non-NULL (maybe ""). */
struct help_explanation {
	int code;  /* the basic code, 0 when only an enhanced code was given */
	int known; /* 1: the basic code is in our table; 0: explained by its digits */
	enum help_class cls;
	const char *class_name; /* "Positive completion (2xx)" */
	const char *class_meaning;
	const char *title;
	const char *meaning; /* what it means */
	size_t n_when;	     /* when you see it: one item in context, all without */
	struct help_when when[HELP_MAX_WHEN];
	const char *context; /* what it means after this command / in this state, or "" */
	const char *fix;     /* how to fix it, what to do next */
	char enhanced[HELP_ENHANCED_MAX]; /* "5.7.26", or "" */
	int enhanced_known; /* 1: in the IANA registry; 0: explained by class and subject */
	const char *enhanced_title;
	const char *enhanced_meaning;
	const char *enhanced_subject;  /* what the subject digit covers */
	const char *enhanced_provider; /* known provider range (Microsoft 365), or "" */
	const char *enhanced_basic;    /* basic codes IANA associates with it ("451, 550"), or "" */
	size_t n_matches;
	struct help_match matches[HELP_MAX_PATTERNS];
	size_t n_refs;
	const char *refs[HELP_MAX_REFS]; /* "RFC 5321 4.2.2" */
	char decoded[HELP_TEXT_MAX];	 /* 334: the challenge decoded; raw bytes, sanitize them */
	int decoded_ok;			 /* 1 when decoded holds a decoded challenge */
	size_t decoded_len;		 /* its length: a challenge may hold NUL bytes */
	/* Storage for text built from digits; the pointers above may point here. */
	char buf_title[HELP_TEXT_MAX];
	char buf_meaning[HELP_TEXT_MAX];
	char buf_enhanced[HELP_TEXT_MAX];
	char buf_context[HELP_TEXT_MAX];
};

/*
 * Explain a reply in its context (ctx may be NULL). The text, when given, is matched
 * against the provider patterns and, for 334, decoded. Returns 0, or -1 when the reply
 * has neither a valid code nor an enhanced code.
 */
int help_explain(const struct help_reply *reply, const struct help_context *ctx,
		 struct help_explanation *out);

#define HELP_MAX_DIFFS 8

/* Two codes side by side. */
struct help_comparison {
	size_t n_diffs;
	const char *diffs[HELP_MAX_DIFFS]; /* key differences, most important first */
	char buf[HELP_MAX_DIFFS][HELP_TEXT_MAX];
	const char *meet_a; /* when you meet the first */
	const char *meet_b; /* when you meet the second */
	char buf_meet_a[HELP_TEXT_MAX * 4];
	char buf_meet_b[HELP_TEXT_MAX * 4];
};

/* Compare two explained replies. Returns 0. */
int help_compare(const struct help_explanation *a, const struct help_explanation *b,
		 struct help_comparison *out);

/* A command or an EHLO keyword, translated. */
struct help_item {
	const char *name;   /* "MAIL", "SIZE" */
	const char *syntax; /* "MAIL FROM:<address> [parameters]", "SIZE [max-bytes]" */
	const char *title;
	const char *text;
	const char *rfc; /* "RFC 1870" */
};

/* Look up a command (as typed: the first word counts) or an EHLO keyword. 0, or -1. */
int help_command(const char *name, size_t len, struct help_item *out);
int help_keyword(const char *name, size_t len, struct help_item *out);

/* Every entry of the tables, for the explorer's help screen and the tests. */
size_t help_command_count(void);
void help_command_at(size_t i, struct help_item *out);
size_t help_keyword_count(void);
void help_keyword_at(size_t i, struct help_item *out);
size_t help_basic_count(void);
int help_basic_code(size_t i);
size_t help_enhanced_count(void);
void help_enhanced_at(size_t i, int *subject, int *detail);
size_t help_pattern_count(void);
const char *help_pattern_id(size_t i);

/* Kinds of transcript line. */
enum help_line_dir {
	HELP_LINE_OTHER,
	HELP_LINE_CLIENT,
	HELP_LINE_SERVER,
};

/* Transcript formats the annotator understands (it guesses per line). */
enum help_format {
	HELP_FORMAT_UNKNOWN,
	HELP_FORMAT_SWAKS, /* "<-  " / " -> " / "<~  " / " ~> " */
	HELP_FORMAT_PLAIN, /* "S: " / "C: " */
	HELP_FORMAT_JSON,  /* ehlo's JSON Lines: {"dir":"server","text":"..."} */
};

#define HELP_REPLY_TEXT_MAX 2048
#define HELP_CMD_TEXT_MAX 128
#define HELP_PIPE_MAX 64

/* The annotator's state: feed it lines; it says when a whole reply has come. */
struct help_annotator {
	size_t line_no;		 /* lines seen */
	size_t first_line;	 /* line where the reply being built began */
	enum help_format format; /* of the last line understood */
	int code;		 /* code of the reply being built, 0 when none */
	int in_data;		 /* between 354 and the final dot: client lines are message */
	int in_auth;		 /* after 334: client lines are SASL responses */
	int saw_reply;		 /* a server reply has been seen (so the next is no greeting) */
	int saw_starttls;	 /* the reply being built has a STARTTLS line */
	enum help_cmd pending[HELP_PIPE_MAX]; /* commands sent, not yet answered (PIPELINING) */
	size_t npending;
	char pending_text[HELP_PIPE_MAX][HELP_CMD_TEXT_MAX];
	char cur_cmd[HELP_CMD_TEXT_MAX]; /* the command the last reply answered */
	struct help_context ctx;
	char first[HELP_REPLY_TEXT_MAX]; /* first line of the reply (code and enhanced code) */
	size_t first_len;
	char text[HELP_REPLY_TEXT_MAX]; /* the reply's text, lines joined by spaces */
	size_t text_len;
	char done[HELP_REPLY_TEXT_MAX];	   /* the text of the reply last completed */
	char linebuf[HELP_REPLY_TEXT_MAX]; /* a JSON line's text, unescaped */
};

/* One complete reply found in a transcript. */
struct help_annotation {
	size_t first_line; /* 1-based lines of the buffer the reply spans */
	size_t last_line;
	enum help_format format;
	struct help_reply reply; /* reply.text points to the joined text */
	struct help_context ctx; /* the context it came in */
	const char *command;	 /* the command line it answers, as sent ("" when unknown);
				    AUTH arguments are cut */
};

/* Start an annotator. */
void help_annotator_init(struct help_annotator *an);

/*
 * Feed one transcript line (no line end needed). Returns 1 and fills *out when the line
 * completes a reply (out points into an: valid until the next call), else 0.
 */
int help_annotator_line(struct help_annotator *an, const char *line, size_t len,
			struct help_annotation *out);

/*
 * Walk a whole transcript buffer, calling fn for each reply found (non-zero from fn stops
 * the walk); returns the number of replies found.
 */
size_t help_annotate(const char *buf, size_t len,
		     int (*fn)(const struct help_annotation *a, void *arg), void *arg);

/* Decode base64 (RFC 4648); returns bytes written, or -1 on bad input or no room. */
long help_base64_decode(const char *in, size_t len, unsigned char *out, size_t outcap);

#endif
