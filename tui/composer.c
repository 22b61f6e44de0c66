/*
 * composer.c: the composer's model (see composer.h): a gap-free array of lines with a
 * cursor, the editing operations, the lint findings in words and the wire view through
 * the session library's message encoder.
 */
#include "composer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tr.h"

/* An empty message. */
void
composer_init(struct composer *c)
{
	memset(c, 0, sizeof(*c));
}

/* Free the lines. */
void
composer_free(struct composer *c)
{
	for (size_t i = 0; i < c->nlines; i++)
		free(c->lines[i].text);
	free(c->lines);
	memset(c, 0, sizeof(*c));
}

/* Room for one more line in the array. */
static int
composer_grow_lines(struct composer *c, size_t want)
{
	if (want <= c->linecap)
		return 0;
	size_t n = c->linecap == 0 ? 64 : c->linecap;
	while (n < want)
		n *= 2;
	struct composer_line *p = realloc(c->lines, n * sizeof(*p));
	if (p == NULL)
		return -1;
	c->lines = p;
	c->linecap = n;
	return 0;
}

/* Room for want bytes in a line. */
static int
composer_grow_text(struct composer_line *l, size_t want)
{
	if (want <= l->cap)
		return 0;
	size_t n = l->cap == 0 ? 32 : l->cap;
	while (n < want)
		n *= 2;
	char *p = realloc(l->text, n);
	if (p == NULL)
		return -1;
	l->text = p;
	l->cap = n;
	return 0;
}

/* Make sure there is at least one line. */
static int
composer_ensure(struct composer *c)
{
	if (c->nlines > 0)
		return 0;
	if (composer_grow_lines(c, 1) != 0)
		return -1;
	memset(&c->lines[0], 0, sizeof(c->lines[0]));
	c->nlines = 1;
	c->cy = c->cx = 0;
	return 0;
}

/* The index of the first body line. */
size_t
composer_body_line(const struct composer *c)
{
	for (size_t i = 0; i < c->nlines; i++)
		if (c->lines[i].len == 0)
			return i + 1;
	return c->nlines;
}

/* Replace the text. */
int
composer_set_text(struct composer *c, const char *text, size_t len)
{
	bool manual = c->manual;
	unsigned long long gen = c->generation;
	int r;

	composer_free(c);
	c->manual = manual;
	c->generation = gen + 1;
	if (composer_ensure(c) != 0)
		return -1;
	/* CR LF pairs count once; lone CRs and LFs each end a line, as if typed. */
	r = composer_insert(c, text, len);
	for (size_t i = 0; i < c->nlines; i++)
		c->lines[i].bare_lf = false;
	size_t body = composer_body_line(c);
	c->cy = body < c->nlines ? body : c->nlines - 1;
	c->cx = 0;
	c->top = 0;
	c->prev_cr = false;
	return r;
}

/* A new message from the envelope. */
int
composer_template(struct composer *c, const char *from, const char *const *to, size_t nto,
		  const char *subject, char *err, size_t errlen)
{
	struct message_fields f;
	char *msg = NULL;
	size_t len = 0;

	memset(&f, 0, sizeof(f));
	f.from = from != NULL && from[0] != '\0' ? from : "you@example.org";
	for (size_t i = 0; i < nto && i < MESSAGE_TO_MAX; i++)
		f.to[f.nto++] = to[i];
	f.subject = subject;
	f.body = "";
	if (message_build(&f, &msg, &len, err, errlen) != 0)
		return -1;
	/* message_build ends the headers with an empty line; the body starts empty. */
	int r = composer_set_text(c, msg, len);
	free(msg);
	if (r != 0) {
		snprintf(err, errlen, _("the message is too large"));
		return -1;
	}
	if (c->nlines == 0 || c->lines[c->nlines - 1].len != 0 ||
	    composer_body_line(c) >= c->nlines)
		composer_insert(c, "\r", 1);
	c->cy = composer_body_line(c) < c->nlines ? composer_body_line(c) : c->nlines - 1;
	c->cx = 0;
	return 0;
}

/* A line being built by composer_insert. */
struct composer_build {
	struct composer_line *lines;
	size_t n, cap;
};

/* Start one more new line in b. */
static int
composer_build_add(struct composer_build *b)
{
	if (b->n == b->cap) {
		size_t n = b->cap == 0 ? 16 : b->cap * 2;
		struct composer_line *p = realloc(b->lines, n * sizeof(*p));
		if (p == NULL)
			return -1;
		b->lines = p;
		b->cap = n;
	}
	memset(&b->lines[b->n], 0, sizeof(b->lines[0]));
	b->n++;
	return 0;
}

/* Typed or pasted bytes at the cursor. */
int
composer_insert(struct composer *c, const char *bytes, size_t len)
{
	struct composer_build b = {NULL, 0, 0};
	int result = 0;

	if (composer_ensure(c) != 0)
		return -1;
	struct composer_line *cur = &c->lines[c->cy];
	/* The rest of the cursor's line moves to the end of what is inserted. */
	size_t taillen = cur->len - c->cx;
	char *tail = NULL;
	if (taillen > 0) {
		tail = malloc(taillen);
		if (tail == NULL)
			return -1;
		memcpy(tail, cur->text + c->cx, taillen);
	}
	bool cur_bare = cur->bare_lf;
	cur->len = c->cx;
	/* target: the line bytes go to now (the cursor's line, then new ones in b). */
	struct composer_line *target = cur;
	size_t added_bytes = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)bytes[i];
		if (ch == '\n' && c->prev_cr) {
			c->prev_cr = false;
			continue;
		}
		c->prev_cr = false;
		if (ch == '\r' || ch == '\n') {
			if (c->nlines + b.n + 1 > COMPOSER_LINES_MAX) {
				result = -1;
				continue;
			}
			target->bare_lf = ch == '\n';
			c->prev_cr = ch == '\r';
			if (composer_build_add(&b) != 0) {
				result = -1;
				break;
			}
			target = &b.lines[b.n - 1];
			continue;
		}
		if (ch < 0x20 && ch != '\t')
			continue;
		if (ch == 0x7f)
			continue;
		/* c->bytes already counts the tail: it only moves. */
		if (target->len + 1 > COMPOSER_LINE_MAX ||
		    c->bytes + added_bytes + 1 > COMPOSER_BYTES_MAX ||
		    composer_grow_text(target, target->len + 1) != 0) {
			result = -1;
			continue;
		}
		target->text[target->len++] = (char)ch;
		added_bytes++;
	}
	if (target->len + taillen > COMPOSER_LINE_MAX) {
		/*
		 * The tail would push the last line over the cap: give up the end of what was
		 * inserted there (never the user's own text), cut at a character boundary.
		 * The tail came from a line within the cap, so the inserted part covers it.
		 */
		size_t start = target == cur ? c->cx : 0;
		size_t keep = COMPOSER_LINE_MAX - taillen;

		while (keep > start && ((unsigned char)target->text[keep] & 0xC0) == 0x80)
			keep--;
		added_bytes -= target->len - keep;
		target->len = keep;
		result = -1;
	}
	size_t cx = target->len;
	target->bare_lf = cur_bare;
	if (taillen > 0) {
		if (composer_grow_text(target, target->len + taillen) == 0) {
			memcpy(target->text + target->len, tail, taillen);
			target->len += taillen;
		} else {
			taillen = 0; /* out of memory: the tail is lost, say so */
			result = -1;
		}
	}
	free(tail);
	if (b.n > 0) {
		if (composer_grow_lines(c, c->nlines + b.n) != 0) {
			for (size_t i = 0; i < b.n; i++)
				free(b.lines[i].text);
			free(b.lines);
			c->capped = true;
			return -1;
		}
		memmove(&c->lines[c->cy + 1 + b.n], &c->lines[c->cy + 1],
			(c->nlines - c->cy - 1) * sizeof(c->lines[0]));
		memcpy(&c->lines[c->cy + 1], b.lines, b.n * sizeof(b.lines[0]));
		c->nlines += b.n;
		c->cy += b.n;
	}
	free(b.lines);
	c->cx = cx;
	c->bytes += added_bytes;
	c->generation++;
	if (result != 0)
		c->capped = true;
	return result;
}

/* Join line i+1 onto line i. */
static void
composer_join(struct composer *c, size_t i)
{
	struct composer_line *a = &c->lines[i], *b = &c->lines[i + 1];

	if (a->len + b->len > COMPOSER_LINE_MAX || composer_grow_text(a, a->len + b->len) != 0) {
		c->capped = true;
		return;
	}
	if (b->len > 0)
		memcpy(a->text + a->len, b->text, b->len);
	a->len += b->len;
	a->bare_lf = b->bare_lf;
	free(b->text);
	memmove(&c->lines[i + 1], &c->lines[i + 2], (c->nlines - i - 2) * sizeof(c->lines[0]));
	c->nlines--;
	c->generation++;
}

/* Bytes of the UTF-8 character ending before offset x of l. */
static size_t
composer_prev_char(const struct composer_line *l, size_t x)
{
	size_t n = 0;

	while (x > 0) {
		x--;
		n++;
		if (((unsigned char)l->text[x] & 0xc0) != 0x80)
			break;
	}
	return n;
}

/* Bytes of the UTF-8 character starting at offset x of l. */
static size_t
composer_next_char(const struct composer_line *l, size_t x)
{
	size_t n = 0;

	if (x >= l->len)
		return 0;
	do {
		n++;
	} while (x + n < l->len && ((unsigned char)l->text[x + n] & 0xc0) == 0x80);
	return n;
}

/* Backspace. */
void
composer_backspace(struct composer *c)
{
	if (composer_ensure(c) != 0)
		return;
	c->prev_cr = false;
	struct composer_line *l = &c->lines[c->cy];
	if (c->cx == 0) {
		if (c->cy == 0)
			return;
		c->cy--;
		c->cx = c->lines[c->cy].len;
		composer_join(c, c->cy);
		return;
	}
	size_t n = composer_prev_char(l, c->cx);
	memmove(l->text + c->cx - n, l->text + c->cx, l->len - c->cx);
	l->len -= n;
	c->cx -= n;
	c->bytes -= n;
	c->generation++;
}

/* Delete. */
void
composer_delete(struct composer *c)
{
	if (composer_ensure(c) != 0)
		return;
	c->prev_cr = false;
	struct composer_line *l = &c->lines[c->cy];
	if (c->cx >= l->len) {
		if (c->cy + 1 < c->nlines)
			composer_join(c, c->cy);
		return;
	}
	size_t n = composer_next_char(l, c->cx);
	memmove(l->text + c->cx, l->text + c->cx + n, l->len - c->cx - n);
	l->len -= n;
	c->bytes -= n;
	c->generation++;
}

/* Put cx on a character boundary not past the line's end. */
static void
composer_clamp(struct composer *c)
{
	const struct composer_line *l = &c->lines[c->cy];

	if (c->cx > l->len)
		c->cx = l->len;
	while (c->cx > 0 && c->cx < l->len && ((unsigned char)l->text[c->cx] & 0xc0) == 0x80)
		c->cx--;
}

/* Move the cursor. */
void
composer_move(struct composer *c, enum composer_move m, size_t rows)
{
	if (composer_ensure(c) != 0)
		return;
	c->prev_cr = false;
	if (rows == 0)
		rows = 1;
	switch (m) {
	case COMPOSER_LEFT:
		if (c->cx > 0)
			c->cx -= composer_prev_char(&c->lines[c->cy], c->cx);
		else if (c->cy > 0) {
			c->cy--;
			c->cx = c->lines[c->cy].len;
		}
		return;
	case COMPOSER_RIGHT:
		if (c->cx < c->lines[c->cy].len)
			c->cx += composer_next_char(&c->lines[c->cy], c->cx);
		else if (c->cy + 1 < c->nlines) {
			c->cy++;
			c->cx = 0;
		}
		return;
	case COMPOSER_UP:
		if (c->cy > 0)
			c->cy--;
		break;
	case COMPOSER_DOWN:
		if (c->cy + 1 < c->nlines)
			c->cy++;
		break;
	case COMPOSER_HOME:
		c->cx = 0;
		return;
	case COMPOSER_END:
		c->cx = c->lines[c->cy].len;
		return;
	case COMPOSER_PAGE_UP:
		c->cy = c->cy > rows ? c->cy - rows : 0;
		break;
	case COMPOSER_PAGE_DOWN:
		c->cy = c->cy + rows < c->nlines ? c->cy + rows : c->nlines - 1;
		break;
	case COMPOSER_TOP:
		c->cy = 0;
		c->cx = 0;
		return;
	case COMPOSER_BOTTOM:
		c->cy = c->nlines - 1;
		c->cx = c->lines[c->cy].len;
		return;
	}
	composer_clamp(c);
}

/* The message as the encoder gets it. */
char *
composer_text(const struct composer *c, bool lf_only, size_t *len)
{
	size_t cap = c->bytes + 2 * c->nlines + 1;
	char *out = malloc(cap);
	size_t n = 0;

	*len = 0;
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < c->nlines; i++) {
		const struct composer_line *l = &c->lines[i];
		if (l->len > 0)
			memcpy(out + n, l->text, l->len);
		n += l->len;
		if (i + 1 == c->nlines)
			break;
		if (!lf_only && !l->bare_lf)
			out[n++] = '\r';
		out[n++] = '\n';
	}
	out[n] = '\0';
	*len = n;
	return out;
}

/* Lint the message. */
void
composer_lint(const struct composer *c, const struct lint_options *opts, struct lint *l)
{
	static const char crlf[] = "\r\n";

	lint_init(l, opts);
	for (size_t i = 0; i < c->nlines; i++) {
		const struct composer_line *ln = &c->lines[i];
		if (ln->len > 0)
			lint_feed(l, ln->text, ln->len);
		if (i + 1 == c->nlines)
			break;
		if (ln->bare_lf)
			lint_feed(l, crlf + 1, 1);
		else
			lint_feed(l, crlf, 2);
	}
	lint_finish(l);
}

/* One finding in words. */
void
composer_issue_text(const struct lint_issue *issue, const struct lint *l, bool manual, char *buf,
		    size_t cap)
{
	unsigned long long n = issue->line;

	switch (issue->kind) {
	case LINT_LONE_DOT:
		if (manual)
			snprintf(buf, cap,
				 _("line %llu: a line of only \".\" ends the message here (manual "
				   "mode): the server stops reading the text, and the lines after "
				   "it are not sent"),
				 n);
		else
			snprintf(buf, cap,
				 _("line %llu: a line of only \".\" would end the message right "
				   "here; ehlo will send it as \"..\" so it survives (the server "
				   "takes the extra dot away)"),
				 n);
		return;
	case LINT_LEADING_DOT:
		snprintf(buf, cap,
			 _("line %llu: starts with \".\": ehlo sends it with a second dot "
			   "(\"..\") and the server removes one, so it arrives as written"),
			 n);
		return;
	case LINT_BARE_CR:
		snprintf(buf, cap,
			 _("line %llu: a bare CR (carriage return without line feed): servers may "
			   "reject it or split the line elsewhere; ehlo sends CRLF"),
			 n);
		return;
	case LINT_BARE_LF:
		snprintf(buf, cap,
			 _("line %llu: ends with a bare LF (pasted text): SMTP lines end with "
			   "CRLF, and bare LFs get mail rejected (or smuggled); ehlo sends CRLF"),
			 n);
		return;
	case LINT_NUL:
		snprintf(buf, cap, _("line %llu: a NUL byte is not allowed in mail; ehlo drops it"),
			 n);
		return;
	case LINT_LONG_LINE:
		snprintf(buf, cap,
			 _("line %llu: longer than 998 bytes: RFC 5322 forbids it, servers may "
			   "break the line or refuse the message"),
			 n);
		return;
	case LINT_8BIT:
		snprintf(buf, cap,
			 _("line %llu: non-ASCII (8-bit) bytes, and the server did not advertise "
			   "8BITMIME (send EHLO first?): they may be mangled or refused"),
			 n);
		return;
	case LINT_UTF8_HEADER:
		snprintf(buf, cap,
			 _("line %llu: non-ASCII in a header, and the server did not advertise "
			   "SMTPUTF8: encode it (RFC 2047) or expect a refusal"),
			 n);
		return;
	case LINT_OVER_SIZE:
		snprintf(buf, cap,
			 _("the message is %llu bytes, over the SIZE %llu the server advertised: "
			   "it will be refused"),
			 l->size, l->opts.size_limit);
		return;
	case LINT_KIND_COUNT:
		break;
	}
	snprintf(buf, cap, _("line %llu: %s"), n, lint_kind_text(issue->kind));
}

/* The first line that is only ".", 1-based. */
size_t
composer_lone_dot(const struct composer *c)
{
	for (size_t i = 0; i < c->nlines; i++)
		if (c->lines[i].len == 1 && c->lines[i].text[0] == '.')
			return i + 1;
	return 0;
}

/* The number of wire view lines. */
size_t
composer_wire_count(const struct composer *c)
{
	return c->nlines + 1;
}

/* The wire bytes of view line i. */
size_t
composer_wire_line(const struct composer *c, size_t i, char *buf, size_t cap, unsigned *flags)
{
	size_t lone = c->manual ? composer_lone_dot(c) : 0;
	size_t n = 0;

	*flags = 0;
	if (cap > 0)
		buf[0] = '\0';
	if (i >= c->nlines) {
		/* The end of data: ehlo's own, or (manual) the user's "." line. */
		if (c->manual) {
			*flags = COMPOSER_WIRE_NONE;
			return 0;
		}
		*flags = COMPOSER_WIRE_ADDED | COMPOSER_WIRE_CRLF;
		if (cap > 1) {
			buf[0] = '.';
			buf[1] = '\0';
			return 1;
		}
		return 0;
	}
	if (lone != 0 && i + 1 > lone) {
		*flags = COMPOSER_WIRE_AFTER;
		return 0;
	}
	const struct composer_line *l = &c->lines[i];
	if (i + 1 == c->nlines && l->len == 0) {
		/* The text ends with the line end before: nothing more goes out. */
		*flags = COMPOSER_WIRE_NONE;
		return 0;
	}
	if (lone != 0 && i + 1 == lone) {
		*flags = COMPOSER_WIRE_CRLF;
		if (cap > 1) {
			buf[0] = '.';
			buf[1] = '\0';
			return 1;
		}
		return 0;
	}
	/* Through the encoder itself, so the view shows what it really sends. */
	struct msgenc e;
	char out[MSGENC_BOUND(1024)];
	msgenc_init(&e);
	for (size_t off = 0; off < l->len;) {
		size_t k = l->len - off > 1024 ? 1024 : l->len - off;
		size_t w = msgenc_feed(&e, l->text + off, k, out);
		for (size_t j = 0; j < w && n + 1 < cap; j++)
			buf[n++] = out[j];
		off += k;
	}
	size_t w = msgenc_feed(&e, "\r\n", 2, out);
	/* The CRLF is flagged, not written. */
	if (w >= 2)
		w -= 2;
	for (size_t j = 0; j < w && n + 1 < cap; j++)
		buf[n++] = out[j];
	if (cap > 0)
		buf[n < cap ? n : cap - 1] = '\0';
	if (e.stuffed > 0)
		*flags |= COMPOSER_WIRE_STUFFED;
	if (l->bare_lf)
		*flags |= COMPOSER_WIRE_BARE_LF;
	*flags |= COMPOSER_WIRE_CRLF;
	return n;
}

/* The value of a header. */
bool
composer_header(const struct composer *c, const char *name, char *buf, size_t cap)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i < c->nlines && c->lines[i].len > 0; i++) {
		const struct composer_line *l = &c->lines[i];
		if (l->len > nl && l->text[nl] == ':' && strncasecmp(l->text, name, nl) == 0) {
			size_t off = nl + 1;
			while (off < l->len && (l->text[off] == ' ' || l->text[off] == '\t'))
				off++;
			size_t k = l->len - off;
			if (cap == 0)
				return true;
			if (k >= cap)
				k = cap - 1;
			memcpy(buf, l->text + off, k);
			buf[k] = '\0';
			return true;
		}
	}
	return false;
}

/* True when the header line l is "name: ..." holding word (case-insensitive). */
static bool
composer_header_has(const struct composer_line *l, const char *name, const char *word)
{
	size_t nl = strlen(name), wl = strlen(word);

	if (l->len <= nl || l->text[nl] != ':' || strncasecmp(l->text, name, nl) != 0)
		return false;
	for (size_t i = nl + 1; i + wl <= l->len; i++)
		if (strncasecmp(l->text + i, word, wl) == 0)
			return true;
	return false;
}

/* A header that contradicts a non-ASCII body. */
size_t
composer_mime_mismatch(const struct composer *c, char *buf, size_t cap)
{
	size_t body = composer_body_line(c);
	bool eight = false;

	if (cap > 0)
		buf[0] = '\0';
	for (size_t i = body; i < c->nlines && !eight; i++)
		for (size_t j = 0; j < c->lines[i].len; j++)
			if ((unsigned char)c->lines[i].text[j] > 0x7f) {
				eight = true;
				break;
			}
	if (!eight)
		return 0;
	for (size_t i = 0; i + 1 < body && i < c->nlines; i++) {
		const struct composer_line *l = &c->lines[i];
		if (composer_header_has(l, "Content-Type", "us-ascii")) {
			snprintf(buf, cap,
				 _("line %zu: the body has non-ASCII text but Content-Type says "
				   "charset=us-ascii: write charset=utf-8"),
				 i + 1);
			return i + 1;
		}
		if (composer_header_has(l, "Content-Transfer-Encoding", "7bit")) {
			snprintf(buf, cap,
				 _("line %zu: the body has non-ASCII text but the encoding says "
				   "7bit: write 8bit (and BODY=8BITMIME after MAIL FROM:<...>)"),
				 i + 1);
			return i + 1;
		}
	}
	return 0;
}
