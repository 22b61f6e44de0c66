/*
 * reply.c: the incremental SMTP reply parser.
 *
 * The parser is a byte-at-a-time state machine over one line buffer (allocated once,
 * REPLY_LINE_CAP plus room for a CR) and the reply being built (its lines and raw bytes,
 * both capped). Because every byte goes through the same step whatever the chunking,
 * feeding one byte at a time gives the same replies and errors as a whole buffer. A line
 * is checked only when its LF arrives, so an error can show the whole line; the caps
 * (NUL, line length, raw total) are checked on every byte, so memory stays bounded.
 */
#include "reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The line buffer holds the text and, until LF comes, a CR that may end it. */
#define REPLY_LINEBUF (REPLY_LINE_CAP + 1)

/* How much of an offending line an error message shows. */
#define REPLY_SHOW_MAX 64

/* Escape bytes C-style; *taken says how many input bytes fitted. */
static size_t
reply_escape_n(const char *in, size_t len, char *out, size_t outcap, size_t *taken)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	*taken = 0;
	if (outcap == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		char tmp[4];
		size_t n = 0;

		if (c == '"' || c == '\\') {
			tmp[n++] = '\\';
			tmp[n++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			tmp[n++] = (char)c;
		} else if (c == '\r' || c == '\n' || c == '\t') {
			tmp[n++] = '\\';
			tmp[n++] = c == '\r' ? 'r' : c == '\n' ? 'n' : 't';
		} else {
			tmp[n++] = '\\';
			tmp[n++] = 'x';
			tmp[n++] = hex[c >> 4];
			tmp[n++] = hex[c & 0xf];
		}
		if (o + n >= outcap)
			break;
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
	*taken = i;
	return o;
}

/* Escape bytes C-style: printable ASCII as is, the rest as \r, \n, \t or \xNN. */
size_t
reply_escape(const char *in, size_t len, char *out, size_t outcap)
{
	size_t taken;

	return reply_escape_n(in, len, out, outcap, &taken);
}

/* Fill the error with a message and the first bytes of what was seen, quoted. */
static void
reply_set_error(struct reply_parser *rp, const char *what, const char *seen, size_t seenlen)
{
	size_t cap = sizeof(rp->error), n, taken;
	size_t take = seenlen > REPLY_SHOW_MAX ? REPLY_SHOW_MAX : seenlen;

	rp->in_error = true;
	n = (size_t)snprintf(rp->error, cap, "%s", what);
	if (seen == NULL || n + 8 > cap)
		return;
	n += (size_t)snprintf(rp->error + n, cap - n, ": \"");
	/* Leave room for the closing quote, "..." and the NUL. */
	n += reply_escape_n(seen, take, rp->error + n, cap - n - 4, &taken);
	snprintf(rp->error + n, cap - n, "\"%s", taken < seenlen ? "..." : "");
}

/* Set up an empty parser. */
void
reply_parser_init(struct reply_parser *rp)
{
	memset(rp, 0, sizeof(*rp));
}

/* Drop the lines and raw bytes of the reply being built. */
static void
reply_parser_drop_cur(struct reply_parser *rp)
{
	reply_free(&rp->cur);
	memset(&rp->cur, 0, sizeof(rp->cur));
	rp->rawcap = 0;
	rp->code = 0;
}

/* Release what the parser holds. */
void
reply_parser_free(struct reply_parser *rp)
{
	reply_parser_drop_cur(rp);
	free(rp->line);
	rp->line = NULL;
	rp->linelen = 0;
}

/* Forget any partial reply and any error (used after STARTTLS). */
void
reply_parser_reset(struct reply_parser *rp)
{
	reply_parser_drop_cur(rp);
	rp->linelen = 0;
	rp->overflow = false;
	rp->in_error = false;
	rp->error[0] = '\0';
}

/* True while a reply has been started but not finished (bytes are buffered). */
bool
reply_parser_busy(const struct reply_parser *rp)
{
	return rp->linelen > 0 || rp->cur.rawlen > 0 || rp->cur.nlines > 0;
}

/* The last error, in words, with the offending bytes shown escaped. */
const char *
reply_parser_error(const struct reply_parser *rp)
{
	return rp->error;
}

/* Free a reply's lines and raw bytes; the struct itself is the caller's. */
void
reply_free(struct reply *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nlines; i++)
		free(r->lines[i].text);
	free(r->lines);
	free(r->raw);
	r->lines = NULL;
	r->nlines = 0;
	r->raw = NULL;
	r->rawlen = 0;
}

/* True when s[0..len) is 1 to 3 digits. */
static bool
reply_digits_ok(const char *s, size_t len)
{
	if (len < 1 || len > 3)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Check "X.Y.Z" (class 2/4/5, 1-3 digit subject and detail); true when valid. */
bool
reply_enhanced_valid(const char *s, size_t len)
{
	const char *dot1, *dot2;

	if (s == NULL || len < 5 || len > 9)
		return false;
	if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return false;
	dot1 = s + 1;
	dot2 = memchr(dot1 + 1, '.', len - 2);
	if (dot2 == NULL)
		return false;
	if (!reply_digits_ok(dot1 + 1, (size_t)(dot2 - dot1 - 1)))
		return false;
	return reply_digits_ok(dot2 + 1, (size_t)(s + len - dot2 - 1));
}

/* Append one byte to the raw copy of the reply, growing it up to REPLY_RAW_CAP. */
static bool
reply_raw_add(struct reply_parser *rp, char c)
{
	if (rp->cur.rawlen >= REPLY_RAW_CAP) {
		char what[64];

		snprintf(what, sizeof(what), "reply longer than %d bytes", REPLY_RAW_CAP);
		reply_set_error(rp, what, rp->cur.raw, rp->cur.rawlen);
		return false;
	}
	if (rp->cur.rawlen + 1 >= rp->rawcap) {
		size_t ncap = rp->rawcap ? rp->rawcap * 2 : 256;
		char *n;

		if (ncap > REPLY_RAW_CAP + 1)
			ncap = REPLY_RAW_CAP + 1;
		n = realloc(rp->cur.raw, ncap);
		if (n == NULL) {
			reply_set_error(rp, "out of memory", NULL, 0);
			return false;
		}
		rp->cur.raw = n;
		rp->rawcap = ncap;
	}
	rp->cur.raw[rp->cur.rawlen++] = c;
	rp->cur.raw[rp->cur.rawlen] = '\0';
	return true;
}

/* The anomalies a finished line's text shows. */
static unsigned
reply_line_anomalies(const char *s, size_t len)
{
	unsigned a = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r')
			a |= REPLY_ANOM_BARE_CR;
		else if (c > 0x7f)
			a |= REPLY_ANOM_8BIT;
	}
	return a;
}

/* Find the enhanced status code at the start of a line's text, if it is one. */
static void
reply_line_enhanced(int code, const char *text, size_t len, char *out)
{
	const char *sp = memchr(text, ' ', len);
	size_t toklen = sp ? (size_t)(sp - text) : len;

	out[0] = '\0';
	if (code / 100 == 3)
		return;
	if (!reply_enhanced_valid(text, toklen) || text[0] - '0' != code / 100)
		return;
	memcpy(out, text, toklen);
	out[toklen] = '\0';
}

/*
 * A whole line (without its line end) has arrived: check it and add it to the reply.
 * Returns -1 on error, 1 when it was the last line of the reply, 0 otherwise.
 */
static int
reply_line_done(struct reply_parser *rp, const char *s, size_t len, bool lf_only)
{
	struct reply_line *ln;
	bool last;
	int code;

	if (len < 3 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] < '0' ||
	    s[2] > '9') {
		reply_set_error(rp, "reply line does not start with a 3-digit code", s, len);
		return -1;
	}
	if (s[0] < '2' || s[0] > '5' || s[1] > '5') {
		reply_set_error(rp, "reply code out of range (first digit 2-5, second 0-5)", s,
				len);
		return -1;
	}
	if (len > 3 && s[3] != ' ' && s[3] != '-') {
		reply_set_error(rp, "reply code not followed by a space or a hyphen", s, len);
		return -1;
	}
	code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (rp->code != 0 && code != rp->code) {
		snprintf(rp->error, sizeof(rp->error), "codes differ within one reply: %d then %d",
			 rp->code, code);
		rp->in_error = true;
		return -1;
	}
	if (rp->cur.nlines >= REPLY_LINES_CAP) {
		snprintf(rp->error, sizeof(rp->error), "reply has more than %d lines",
			 REPLY_LINES_CAP);
		rp->in_error = true;
		return -1;
	}
	if (rp->cur.nlines % 8 == 0) {
		struct reply_line *n =
			realloc(rp->cur.lines, (rp->cur.nlines + 8) * sizeof(*rp->cur.lines));

		if (n == NULL) {
			reply_set_error(rp, "out of memory", NULL, 0);
			return -1;
		}
		rp->cur.lines = n;
	}
	ln = &rp->cur.lines[rp->cur.nlines];
	ln->len = len > 4 ? len - 4 : 0;
	ln->text = malloc(ln->len + 1);
	if (ln->text == NULL) {
		reply_set_error(rp, "out of memory", NULL, 0);
		return -1;
	}
	if (ln->len > 0)
		memcpy(ln->text, s + 4, ln->len);
	ln->text[ln->len] = '\0';
	reply_line_enhanced(code, ln->text, ln->len, ln->enhanced);
	rp->cur.nlines++;
	rp->code = code;
	rp->cur.code = code;
	rp->cur.anomalies |= reply_line_anomalies(ln->text, ln->len);
	/* The RFC limit counts the code and the CRLF. */
	if (len + 2 > REPLY_LINE_RFC_MAX)
		rp->cur.anomalies |= REPLY_ANOM_LONG_LINE;
	if (lf_only)
		rp->cur.anomalies |= REPLY_ANOM_LF_ONLY;
	last = len == 3 || s[3] == ' ';
	return last ? 1 : 0;
}

/* Take one byte. Returns -1 on error, 1 when a reply was finished, 0 otherwise. */
static int
reply_parser_byte(struct reply_parser *rp, char c)
{
	size_t len;
	bool lf_only;
	int r;

	if (c == '\0') {
		reply_set_error(rp, "NUL byte in reply", rp->line, rp->linelen);
		return -1;
	}
	if (!reply_raw_add(rp, c))
		return -1;
	if (c != '\n') {
		if (rp->linelen >= REPLY_LINEBUF) {
			char what[64];

			rp->overflow = true;
			snprintf(what, sizeof(what), "reply line longer than %d bytes",
				 REPLY_LINE_CAP);
			reply_set_error(rp, what, rp->line, rp->linelen);
			return -1;
		}
		rp->line[rp->linelen++] = c;
		return 0;
	}
	len = rp->linelen;
	lf_only = len == 0 || rp->line[len - 1] != '\r';
	if (!lf_only)
		len--;
	if (len > REPLY_LINE_CAP) {
		char what[64];

		rp->overflow = true;
		snprintf(what, sizeof(what), "reply line longer than %d bytes", REPLY_LINE_CAP);
		reply_set_error(rp, what, rp->line, len);
		return -1;
	}
	r = reply_line_done(rp, rp->line, len, lf_only);
	rp->linelen = 0;
	return r;
}

/*
 * Feed len bytes. Stops at the end of the first complete reply or at the first error;
 * *used is how many bytes were consumed.
 */
enum reply_result
reply_parser_feed(struct reply_parser *rp, const char *buf, size_t len, size_t *used,
		  struct reply *out)
{
	size_t dummy;

	if (used == NULL)
		used = &dummy;
	*used = 0;
	if (rp->in_error)
		return REPLY_ERROR;
	if (len == 0)
		return REPLY_NEED_MORE;
	if (rp->line == NULL) {
		rp->line = malloc(REPLY_LINEBUF);
		if (rp->line == NULL) {
			reply_set_error(rp, "out of memory", NULL, 0);
			return REPLY_ERROR;
		}
	}
	for (size_t i = 0; i < len; i++) {
		int r = reply_parser_byte(rp, buf[i]);

		if (r < 0) {
			*used = i + 1;
			return REPLY_ERROR;
		}
		if (r > 0) {
			*used = i + 1;
			*out = rp->cur;
			memset(&rp->cur, 0, sizeof(rp->cur));
			rp->rawcap = 0;
			rp->code = 0;
			return REPLY_DONE;
		}
	}
	*used = len;
	return REPLY_NEED_MORE;
}
