/*
 * message.h: the message a client sends after 354.
 *
 * msgenc: one streaming pass that turns bare CR and bare LF into CRLF, dot-stuffs, drops
 * NUL and ends with <CRLF>.<CRLF> (adding the CRLF when the body lacks one). Constant
 * memory; the output does not depend on how the input is split into chunks. A line ends at
 * CRLF, at a bare LF and at every CR not followed by LF ("\r\r\n" is two line ends). A
 * dropped NUL is as if absent: "\r\0\n" is one CRLF, "\0." at a line start is stuffed.
 * An empty body is sent as ".\r\n" alone.
 *
 * lint: what would go wrong with a body, with line numbers: lines of only ".", lines
 * starting with ".", bare CR, bare LF, NUL, lines over 998 octets, 8-bit bytes without
 * 8BITMIME, a size over the advertised SIZE. Lines are counted as msgenc breaks them. At
 * most one issue of a kind per line (bare CR and bare LF: the line they end); the
 * LINT_OVER_SIZE issue has line 0 (it is about the whole message).
 *
 * message_build: an RFC 5322 message from an envelope, a subject and a body.
 */
#ifndef EHLO_MESSAGE_H
#define EHLO_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

/* Output bytes msgenc_feed may write for len input bytes. */
#define MSGENC_BOUND(len) (2 * (len) + 8)
/* Output bytes msgenc_finish may write. */
#define MSGENC_FINISH_MAX 8

struct msgenc {
	int state;                    /* where in a line the encoder stands */
	unsigned long long in_bytes;
	unsigned long long out_bytes;
	unsigned long long lines;
	unsigned long long stuffed;   /* dots added */
	unsigned long long fixed_cr;  /* bare CR turned into CRLF */
	unsigned long long fixed_lf;  /* bare LF turned into CRLF */
	unsigned long long dropped_nul;
};

/* Start a new body. */
void msgenc_init(struct msgenc *e);

/* Encode in[0..len) into out (room for MSGENC_BOUND(len)); returns bytes written. */
size_t msgenc_feed(struct msgenc *e, const char *in, size_t len, char *out);

/* Write the end: a CRLF if the last line lacks one, then ".\r\n". Returns bytes written. */
size_t msgenc_finish(struct msgenc *e, char *out);

enum lint_kind {
	LINT_LONE_DOT,      /* a line of only "." would end the data early (sent as "..") */
	LINT_LEADING_DOT,   /* a line starting with "." is stuffed */
	LINT_BARE_CR,
	LINT_BARE_LF,
	LINT_NUL,
	LINT_LONG_LINE,     /* over 998 octets without CRLF (RFC 5322 2.1.1) */
	LINT_8BIT,          /* bytes over 0x7f and no 8BITMIME */
	LINT_UTF8_HEADER,   /* 8-bit bytes in the header section and no SMTPUTF8 */
	LINT_OVER_SIZE,     /* bigger than the SIZE the server advertised */
	LINT_KIND_COUNT
};

#define LINT_ISSUES_MAX 100

struct lint_issue {
	enum lint_kind kind;
	unsigned long long line;  /* 1-based line of the body as given */
};

struct lint_options {
	bool eightbitmime;              /* the server advertised 8BITMIME */
	bool smtputf8;                  /* the server advertised SMTPUTF8 */
	unsigned long long size_limit;  /* advertised SIZE, 0 for none */
};

struct lint {
	struct lint_options opts;
	int state;
	bool in_headers;
	unsigned long long line;
	unsigned long long linelen;
	unsigned long long size;        /* bytes as they will go on the wire, before the terminator */
	unsigned long long counts[LINT_KIND_COUNT];
	size_t nissues;
	struct lint_issue issues[LINT_ISSUES_MAX];  /* the first ones; counts[] has them all */
};

/* Start linting a body (headers first, up to the first empty line). opts may be NULL. */
void lint_init(struct lint *l, const struct lint_options *opts);

/* Look at the next bytes. */
void lint_feed(struct lint *l, const char *in, size_t len);

/* End of body: the last line's checks and the size check. */
void lint_finish(struct lint *l);

/* A short stable name ("lone-dot") and a sentence in English for a kind. */
const char *lint_kind_name(enum lint_kind k);
const char *lint_kind_text(enum lint_kind k);

#define MESSAGE_TO_MAX 64

/* What message_build puts together. */
struct message_fields {
	const char *from;
	const char *to[MESSAGE_TO_MAX];
	size_t nto;
	const char *subject;            /* NULL: "ehlo test" */
	const char *headers[32];        /* extra "Name: value" lines */
	size_t nheaders;
	const char *body;               /* NULL: a short default text */
	const char *date;               /* NULL: now, RFC 5322 form */
	const char *message_id;         /* NULL: a fresh one */
	const char *hostname;           /* for the Message-ID; NULL: "ehlo.invalid" */
};

/*
 * Build the message (CRLF line ends, not yet dot-stuffed) into a malloc'd buffer.
 * -1 with err filled when a field holds CR, LF or NUL (header injection) or a header
 * line is not "Name: value". Order: Date, From, To (folded, one address a line), Subject
 * (RFC 2047 B words when not ASCII), Message-ID, MIME-Version, Content-Type,
 * Content-Transfer-Encoding, then the extra headers; an extra header with the name of a
 * generated one replaces it. No To header when nto is 0.
 */
int message_build(const struct message_fields *f, char **out, size_t *outlen, char *err, size_t errlen);

/* The date in RFC 5322 form for t (0 for now) into buf (at least 40 bytes). */
void message_date(long long t, char *buf, size_t len);

#endif
