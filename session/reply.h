/*
 * reply.h: the incremental SMTP reply parser (RFC 5321 4.2, RFC 3463).
 *
 * A reply_parser takes server bytes in any chunking and yields whole replies: the
 * three-digit code, every line's text, the enhanced status code of each line, the
 * raw bytes as received (for display through the sanitizer) and the anomalies that
 * still leave the reply usable (LF-only line ends, lines over 512 octets). Malformed
 * input is a protocol error that says what was seen. Every buffer has a cap.
 */
#ifndef EHLO_REPLY_H
#define EHLO_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#define REPLY_LINE_RFC_MAX 512   /* octets with CRLF, RFC 5321 4.5.3.1.5 */
#define REPLY_LINE_CAP 4096      /* longer lines are a protocol error */
#define REPLY_LINES_CAP 256      /* lines in one reply */
#define REPLY_RAW_CAP (REPLY_LINES_CAP * REPLY_LINE_RFC_MAX)  /* raw bytes of one reply */
#define REPLY_ENHANCED_MAX 16    /* "5.7.123" and its NUL, with room */
#define REPLY_ERROR_MAX 256

/* Anomalies: the reply is usable but the server bent the rules. */
#define REPLY_ANOM_LF_ONLY 0x01     /* a line ended in LF without CR */
#define REPLY_ANOM_LONG_LINE 0x02   /* a line longer than 512 octets (under the cap) */
#define REPLY_ANOM_BARE_CR 0x04     /* a CR inside a line */
#define REPLY_ANOM_8BIT 0x08        /* bytes over 0x7f in the text */

/* One line of a reply: the text after "NNN-" or "NNN " (may be empty). */
struct reply_line {
	char *text;                         /* NUL-terminated copy; raw bytes, never printed unsanitized */
	size_t len;
	char enhanced[REPLY_ENHANCED_MAX];  /* "2.1.0" when the line carries one, else "" */
};

/* A whole reply. */
struct reply {
	int code;                  /* 200..599 */
	size_t nlines;
	struct reply_line *lines;  /* nlines entries */
	unsigned anomalies;        /* REPLY_ANOM_* */
	char *raw;                 /* every byte of the reply as received, line ends included */
	size_t rawlen;
};

enum reply_result {
	REPLY_NEED_MORE,  /* all input consumed, no complete reply yet */
	REPLY_DONE,       /* *out holds a reply; bytes after *used are not consumed */
	REPLY_ERROR,      /* protocol error; reply_parser_error() says what was seen */
};

/* Parser state. Treat as opaque; it lives on the stack or inside another struct. */
struct reply_parser {
	char *line;               /* current line, capped at REPLY_LINE_CAP */
	size_t linelen;
	bool overflow;
	bool in_error;
	int code;                 /* code of the first line of the reply being built, or 0 */
	struct reply cur;         /* lines gathered so far */
	size_t rawcap;
	char error[REPLY_ERROR_MAX];
};

/* Set up an empty parser. */
void reply_parser_init(struct reply_parser *rp);

/* Release what the parser holds. */
void reply_parser_free(struct reply_parser *rp);

/* Forget any partial reply and any error (used after STARTTLS). */
void reply_parser_reset(struct reply_parser *rp);

/*
 * Feed len bytes. Stops at the end of the first complete reply (REPLY_DONE, the reply
 * moved into *out, which the caller frees with reply_free) or at the first error.
 * *used is how many bytes were consumed. Feeding one byte at a time gives the same
 * replies and errors as feeding the whole buffer.
 */
enum reply_result reply_parser_feed(struct reply_parser *rp, const char *buf, size_t len,
                                    size_t *used, struct reply *out);

/* True while a reply has been started but not finished (bytes are buffered). */
bool reply_parser_busy(const struct reply_parser *rp);

/* The last error, in words, with the offending bytes shown escaped. */
const char *reply_parser_error(const struct reply_parser *rp);

/* Free a reply's lines and raw bytes; the struct itself is the caller's. */
void reply_free(struct reply *r);

/* Check "X.Y.Z" (class 2/4/5, 1-3 digit subject and detail); true when valid. */
bool reply_enhanced_valid(const char *s, size_t len);

/*
 * Escape bytes for an error message: printable ASCII as is, '"' and '\\' with a
 * backslash, CR LF TAB as \r \n \t, any other byte as \xNN. Stops before an escape that
 * would not fit; out is always NUL-terminated when outcap > 0. Returns bytes written.
 */
size_t reply_escape(const char *in, size_t len, char *out, size_t outcap);

#endif
