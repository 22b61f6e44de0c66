/*
 * message.c: the DATA body. Three pieces that share one idea of a line: CRLF ends a line, and
 * so does every bare LF and every CR not followed by LF ("\r\r\n" is two line ends, the
 * first bare). NUL is dropped and does not split a CR from its LF.
 *
 * msgenc is a three-state machine (start of line, inside a line, just after a CR) that copies
 * runs between special bytes with memcpy; its whole state is struct msgenc, so the output
 * never depends on where the input was split. lint walks the same states byte by byte and
 * keeps per-line flags in the high bits of its state. message_build writes a small RFC 5322
 * message.
 */
#include "message.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/rand.h>

#include "sasl.h"

enum {
	MSG_BOL,      /* nothing of the current line written yet */
	MSG_MID,      /* inside a line */
	MSG_AFTER_CR, /* a CR ended the last line; an LF now belongs to it */
};

#define MSG_POS_MASK 0x03
#define LINT_F_DOT 0x10	   /* the line (as sent) starts with "." */
#define LINT_F_NUL 0x20	   /* the line holds a NUL */
#define LINT_F_8BIT 0x40   /* the line holds a byte over 0x7f */
#define LINT_F_BARELF 0x80 /* the line ended in a bare LF */
#define LINT_LINE_MAX 998  /* octets before CRLF (RFC 5322 2.1.1) */

/* Start a new body. */
void
msgenc_init(struct msgenc *e)
{
	memset(e, 0, sizeof(*e));
	e->state = MSG_BOL;
}

/* The next position of c in [p, end), or end; cached so each byte is scanned once per call. */
static inline const char *
msgenc_next(const char **cache, const char *p, const char *end, int c)
{
	if (*cache == NULL || *cache < p) {
		const char *r = memchr(p, c, (size_t)(end - p));

		*cache = r != NULL ? r : end;
	}
	return *cache;
}

/* Encode in[0..len) into out; the hot path copies whole runs between CR, LF and NUL. */
size_t
msgenc_feed(struct msgenc *e, const char *in, size_t len, char *out)
{
	const char *p = in, *end = in + len;
	const char *next_lf = NULL, *next_cr = NULL, *next_nul = NULL;
	char *o = out;
	int state = e->state;

	while (p < end) {
		const char *q;

		if (state == MSG_AFTER_CR) {
			if (*p == '\n') {
				p++;
				state = MSG_BOL;
				continue;
			}
			if (*p == '\0') {
				e->dropped_nul++;
				p++;
				continue;
			}
			e->fixed_cr++;
			state = MSG_BOL;
		}
		if (state == MSG_BOL) {
			if (*p == '.') {
				*o++ = '.';
				*o++ = '.';
				e->stuffed++;
				p++;
				state = MSG_MID;
				continue;
			}
			if (*p == '\0') {
				e->dropped_nul++;
				p++;
				continue;
			}
			state = MSG_MID;
		}
		/* MSG_MID: copy up to the next special byte. */
		q = msgenc_next(&next_lf, p, end, '\n');
		if (msgenc_next(&next_cr, p, q, '\r') < q)
			q = next_cr;
		if (msgenc_next(&next_nul, p, q, '\0') < q)
			q = next_nul;
		if (q > p) {
			memcpy(o, p, (size_t)(q - p));
			o += q - p;
			p = q;
		}
		if (p == end)
			break;
		switch (*p) {
		case '\n':
			e->fixed_lf++;
			state = MSG_BOL;
			break;
		case '\r':
			if (p + 1 < end && p[1] == '\n') {
				p++; /* the common CRLF, without a trip through MSG_AFTER_CR */
				state = MSG_BOL;
			} else {
				state = MSG_AFTER_CR;
			}
			break;
		default:
			e->dropped_nul++;
			p++;
			continue;
		}
		*o++ = '\r';
		*o++ = '\n';
		e->lines++;
		p++;
	}
	e->state = state;
	e->in_bytes += len;
	e->out_bytes += (unsigned long long)(o - out);
	return (size_t)(o - out);
}

/* Write the end: a CRLF if the last line lacks one, then ".\r\n". */
size_t
msgenc_finish(struct msgenc *e, char *out)
{
	char *o = out;

	if (e->state == MSG_MID) {
		*o++ = '\r';
		*o++ = '\n';
		e->lines++;
	} else if (e->state == MSG_AFTER_CR) {
		e->fixed_cr++;
	}
	*o++ = '.';
	*o++ = '\r';
	*o++ = '\n';
	e->state = MSG_BOL;
	e->out_bytes += (unsigned long long)(o - out);
	return (size_t)(o - out);
}

/* Start linting a body. */
void
lint_init(struct lint *l, const struct lint_options *opts)
{
	memset(l, 0, sizeof(*l));
	if (opts != NULL)
		l->opts = *opts;
	l->state = MSG_BOL;
	l->in_headers = true;
	l->line = 1;
}

/* Count an issue and keep it while there is room. */
static void
lint_issue(struct lint *l, enum lint_kind kind, unsigned long long line)
{
	l->counts[kind]++;
	if (l->nissues < LINT_ISSUES_MAX) {
		l->issues[l->nissues].kind = kind;
		l->issues[l->nissues].line = line;
		l->nissues++;
	}
}

/* The checks of a line that just ended (or the last line at the end of the body). */
static void
lint_end_line(struct lint *l, int flags)
{
	unsigned long long line = l->line;

	if ((flags & LINT_F_DOT) && l->linelen == 1)
		lint_issue(l, LINT_LONE_DOT, line);
	else if (flags & LINT_F_DOT)
		lint_issue(l, LINT_LEADING_DOT, line);
	if (flags & LINT_F_NUL)
		lint_issue(l, LINT_NUL, line);
	if (l->linelen > LINT_LINE_MAX)
		lint_issue(l, LINT_LONG_LINE, line);
	if (flags & LINT_F_8BIT) {
		if (l->in_headers && !l->opts.smtputf8)
			lint_issue(l, LINT_UTF8_HEADER, line);
		else if (!l->in_headers && !l->opts.eightbitmime)
			lint_issue(l, LINT_8BIT, line);
	}
	if (flags & LINT_F_BARELF)
		lint_issue(l, LINT_BARE_LF, line);
	if (l->in_headers && l->linelen == 0)
		l->in_headers = false;
	l->size += 2;
	l->linelen = 0;
	l->line++;
}

/* Look at the next bytes. */
void
lint_feed(struct lint *l, const char *in, size_t len)
{
	int pos = l->state & MSG_POS_MASK;
	int flags = l->state & ~MSG_POS_MASK;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (pos == MSG_AFTER_CR) {
			if (c == '\n') {
				pos = MSG_BOL;
				continue;
			}
			if (c == '\0') {
				/* Dropped, and does not part the CR from an LF: charged to the next
				 * line. */
				flags |= LINT_F_NUL;
				continue;
			}
			lint_issue(l, LINT_BARE_CR, l->line - 1);
			pos = MSG_BOL;
		}
		if (pos == MSG_MID && c != '\n' && c != '\r' && c != '\0') {
			/* Hot path: the run of ordinary bytes up to the next CR, LF or NUL. */
			size_t j = i;
			unsigned acc = 0;

			while (j < len && in[j] != '\n' && in[j] != '\r' && in[j] != '\0')
				acc |= (unsigned char)in[j++];
			if (acc & 0x80)
				flags |= LINT_F_8BIT;
			l->linelen += j - i;
			l->size += j - i;
			i = j - 1;
			continue;
		}
		if (c == '\n' || c == '\r') {
			if (c == '\n')
				flags |= LINT_F_BARELF;
			lint_end_line(l, flags);
			flags = 0;
			pos = c == '\r' ? MSG_AFTER_CR : MSG_BOL;
			continue;
		}
		if (c == '\0') {
			flags |= LINT_F_NUL;
			continue;
		}
		if (pos == MSG_BOL && c == '.') {
			flags |= LINT_F_DOT;
			l->size++; /* the stuffed dot */
		}
		if (c >= 0x80)
			flags |= LINT_F_8BIT;
		pos = MSG_MID;
		l->linelen++;
		l->size++;
	}
	l->state = pos | flags;
}

/* End of body: the last line's checks and the size check. */
void
lint_finish(struct lint *l)
{
	int pos = l->state & MSG_POS_MASK;
	int flags = l->state & ~MSG_POS_MASK;

	if (pos == MSG_AFTER_CR) {
		lint_issue(l, LINT_BARE_CR, l->line - 1);
		if (flags & LINT_F_NUL)
			lint_issue(l, LINT_NUL, l->line);
	} else if (pos == MSG_MID) {
		lint_end_line(l, flags); /* the encoder adds the missing CRLF */
	} else if (flags & LINT_F_NUL) {
		lint_issue(l, LINT_NUL, l->line);
	}
	l->state = MSG_BOL;
	if (l->opts.size_limit > 0 && l->size > l->opts.size_limit)
		lint_issue(l, LINT_OVER_SIZE, 0);
}

static const char *const lint_names[LINT_KIND_COUNT] = {
	[LINT_LONE_DOT] = "lone-dot",
	[LINT_LEADING_DOT] = "leading-dot",
	[LINT_BARE_CR] = "bare-cr",
	[LINT_BARE_LF] = "bare-lf",
	[LINT_NUL] = "nul",
	[LINT_LONG_LINE] = "long-line",
	[LINT_8BIT] = "8bit",
	[LINT_UTF8_HEADER] = "utf8-header",
	[LINT_OVER_SIZE] = "over-size",
};

static const char *const lint_texts[LINT_KIND_COUNT] = {
	[LINT_LONE_DOT] = "a line of only \".\" would end the data here; it is sent as \"..\"",
	[LINT_LEADING_DOT] =
		"the line starts with \".\"; one more dot is added, the server removes it",
	[LINT_BARE_CR] = "a CR without LF; it is sent as a line end (CRLF)",
	[LINT_BARE_LF] = "an LF without CR; it is sent as a line end (CRLF)",
	[LINT_NUL] = "a NUL byte; SMTP never carries NUL, it is dropped",
	[LINT_LONG_LINE] = "the line is longer than 998 octets; servers may refuse or break it",
	[LINT_8BIT] = "8-bit bytes in the body and the server did not advertise 8BITMIME",
	[LINT_UTF8_HEADER] = "8-bit bytes in a header and the server did not advertise SMTPUTF8",
	[LINT_OVER_SIZE] = "the message is bigger than the SIZE the server advertised",
};

/* A short stable name for a kind. */
const char *
lint_kind_name(enum lint_kind k)
{
	return (unsigned)k < LINT_KIND_COUNT ? lint_names[k] : "unknown";
}

/* A sentence in English for a kind. */
const char *
lint_kind_text(enum lint_kind k)
{
	return (unsigned)k < LINT_KIND_COUNT ? lint_texts[k] : "unknown issue";
}

/* The date in RFC 5322 form, in local time with a numeric zone; names never localized. */
void
message_date(long long t, char *buf, size_t len)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = t == 0 ? time(NULL) : (time_t)t;
	struct tm tm;
	char zone[16];

	if (len == 0)
		return;
	if (localtime_r(&tt, &tm) == NULL || strftime(zone, sizeof(zone), "%z", &tm) == 0 ||
	    tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 || tm.tm_mon > 11) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d %s", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
}

/* A growing output buffer for message_build. */
struct message_buf {
	char *data;
	size_t len;
	size_t cap;
	bool oom;
};

/* Append n bytes. */
static void
message_put(struct message_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap == 0 ? 1024 : b->cap;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		d = realloc(b->data, cap);
		if (d == NULL) {
			b->oom = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Append a string. */
static void
message_puts(struct message_buf *b, const char *s)
{
	message_put(b, s, strlen(s));
}

/* True when s holds a byte over 0x7f. */
static bool
message_is_8bit(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* True when s is safe on a header line (no CR or LF that would start a new line). */
static bool
message_field_ok(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") == NULL;
}

/* The length of the header name in "Name: value", or 0 when the line is not of that form. */
static size_t
message_header_name(const char *h)
{
	size_t n = 0;

	while (h[n] != '\0' && h[n] != ':') {
		unsigned char c = (unsigned char)h[n];

		if (c < 33 || c > 126)
			return 0;
		n++;
	}
	return h[n] == ':' ? n : 0;
}

/* True when an extra header replaces the generated one called name. */
static bool
message_overridden(const struct message_fields *f, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < f->nheaders; i++)
		if (message_header_name(f->headers[i]) == n &&
		    strncasecmp(f->headers[i], name, n) == 0)
			return true;
	return false;
}

/*
 * "Subject: " and the subject, as RFC 2047 B encoded-words when it is not ASCII. Each word
 * carries whole UTF-8 characters and stays within 75 characters; words are folded.
 */
static void
message_put_subject(struct message_buf *b, const char *subject)
{
	const unsigned char *s = (const unsigned char *)subject;
	size_t len = strlen(subject), i = 0;
	bool first = true;

	message_puts(b, "Subject: ");
	if (!message_is_8bit(subject)) {
		message_puts(b, subject);
		message_puts(b, "\r\n");
		return;
	}
	while (i < len) {
		size_t n = 0;
		char *w;

		/* 45 input bytes make 60 base64 characters: 12 + 60 = 72 <= 75. */
		while (i + n < len) {
			size_t cl = 1;

			while (i + n + cl < len && (s[i + n + cl] & 0xc0) == 0x80)
				cl++;
			if (n + cl > 45 && n > 0)
				break;
			n += cl;
		}
		w = b64_encode(s + i, n);
		if (w == NULL) {
			b->oom = true;
			return;
		}
		message_puts(b, first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
		message_puts(b, w);
		message_puts(b, "?=");
		free(w);
		first = false;
		i += n;
	}
	message_puts(b, "\r\n");
}

/* Append the body with every line end made CRLF and a CRLF at the end. */
static void
message_put_body(struct message_buf *b, const char *body)
{
	const char *p = body;

	while (*p != '\0') {
		size_t n = strcspn(p, "\r\n");

		message_put(b, p, n);
		p += n;
		if (*p == '\0') {
			message_puts(b, "\r\n");
			break;
		}
		message_puts(b, "\r\n");
		if (p[0] == '\r' && p[1] == '\n')
			p += 2;
		else
			p++;
	}
}

/* A fresh Message-ID: <hex-random.unix-time@hostname>. */
static int
message_make_id(char *buf, size_t len, const char *hostname)
{
	unsigned char r[12];
	char hex[sizeof(r) * 2 + 1];

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	snprintf(buf, len, "<%s.%lld@%s>", hex, (long long)time(NULL), hostname);
	return 0;
}

/* Fill err. */
static int
message_fail(char *err, size_t errlen, const char *msg, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s%s", msg, what != NULL ? what : "");
	return -1;
}

/* Build the message (CRLF line ends, not yet dot-stuffed). */
int
message_build(const struct message_fields *f, char **out, size_t *outlen, char *err, size_t errlen)
{
	static const char default_body[] = "This is a test message sent by ehlo.\r\n";
	const char *subject, *body, *host;
	struct message_buf b = {0};
	char date[64], msgid[320];
	bool body8;

	*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (f == NULL || f->from == NULL)
		return message_fail(err, errlen, "no From address", NULL);
	if (f->nto > MESSAGE_TO_MAX || f->nheaders > sizeof(f->headers) / sizeof(f->headers[0]))
		return message_fail(err, errlen, "too many recipients or headers", NULL);
	subject = f->subject != NULL ? f->subject : "ehlo test";
	body = f->body != NULL ? f->body : default_body;
	host = f->hostname != NULL ? f->hostname : "ehlo.invalid";
	if (!message_field_ok(f->from))
		return message_fail(err, errlen, "line break in From (header injection): refused",
				    NULL);
	if (!message_field_ok(subject))
		return message_fail(err, errlen,
				    "line break in Subject (header injection): refused", NULL);
	if (!message_field_ok(f->date) || !message_field_ok(f->message_id) ||
	    !message_field_ok(host) || strpbrk(host, " <>@") != NULL)
		return message_fail(err, errlen, "bad Date, Message-ID or hostname", NULL);
	for (size_t i = 0; i < f->nto; i++)
		if (f->to[i] == NULL || !message_field_ok(f->to[i]))
			return message_fail(err, errlen,
					    "line break in To (header injection): refused", NULL);
	for (size_t i = 0; i < f->nheaders; i++) {
		if (f->headers[i] == NULL || !message_field_ok(f->headers[i]))
			return message_fail(
				err, errlen,
				"line break in an extra header (header injection): refused", NULL);
		if (message_header_name(f->headers[i]) == 0)
			return message_fail(err, errlen,
					    "not a \"Name: value\" header: ", f->headers[i]);
	}

	if (f->date != NULL)
		snprintf(date, sizeof(date), "%s", f->date);
	else
		message_date(0, date, sizeof(date));
	if (f->message_id != NULL)
		snprintf(msgid, sizeof(msgid), "%s", f->message_id);
	else if (message_make_id(msgid, sizeof(msgid), host) != 0)
		return message_fail(err, errlen, "no random bytes for the Message-ID", NULL);
	body8 = message_is_8bit(body);

	if (!message_overridden(f, "Date")) {
		message_puts(&b, "Date: ");
		message_puts(&b, date);
		message_puts(&b, "\r\n");
	}
	if (!message_overridden(f, "From")) {
		message_puts(&b, "From: ");
		message_puts(&b, f->from);
		message_puts(&b, "\r\n");
	}
	if (f->nto > 0 && !message_overridden(f, "To")) {
		message_puts(&b, "To: ");
		for (size_t i = 0; i < f->nto; i++) {
			if (i > 0)
				message_puts(&b, ",\r\n ");
			message_puts(&b, f->to[i]);
		}
		message_puts(&b, "\r\n");
	}
	if (!message_overridden(f, "Subject"))
		message_put_subject(&b, subject);
	if (!message_overridden(f, "Message-ID")) {
		message_puts(&b, "Message-ID: ");
		message_puts(&b, msgid);
		message_puts(&b, "\r\n");
	}
	if (!message_overridden(f, "MIME-Version"))
		message_puts(&b, "MIME-Version: 1.0\r\n");
	if (!message_overridden(f, "Content-Type"))
		message_puts(&b, body8 ? "Content-Type: text/plain; charset=utf-8\r\n"
				       : "Content-Type: text/plain; charset=us-ascii\r\n");
	if (!message_overridden(f, "Content-Transfer-Encoding"))
		message_puts(&b, body8 ? "Content-Transfer-Encoding: 8bit\r\n"
				       : "Content-Transfer-Encoding: 7bit\r\n");
	for (size_t i = 0; i < f->nheaders; i++) {
		message_puts(&b, f->headers[i]);
		message_puts(&b, "\r\n");
	}
	message_puts(&b, "\r\n");
	message_put_body(&b, body);
	if (b.oom) {
		free(b.data);
		return message_fail(err, errlen, "out of memory", NULL);
	}
	*out = b.data;
	if (outlen != NULL)
		*outlen = b.len;
	return 0;
}
