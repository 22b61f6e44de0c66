/*
 * fuzz_compose.c: libFuzzer target for the composer's model (tui/composer.h), with no
 * curses. The input is a program: each op byte picks an editing operation (insert a chunk
 * of the input, which may hold CR, LF, NUL and broken UTF-8; move; backspace; delete; set
 * the whole text; a new template; toggle manual mode; one insert too long for a line)
 * and the bytes after it are its arguments. After every op the cursor must be inside the
 * text; at the end the lines must hold no CR, LF or NUL and respect the caps, the byte count
 * must be right, the text must round-trip through composer_set_text, the lint must agree
 * with a lint of the text, the encoded text must be clean SMTP DATA, and the wire view must
 * be exactly what msgenc sends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "composer.h"
#include "message.h"

/* Stop the run: libFuzzer reports the crash and saves the input. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

/* The longest line the checks accept. */
#define FUZZ_LINE_CAP COMPOSER_LINE_MAX

/* The rest of the program: the input not yet read. */
struct fuzz_prog {
	const uint8_t *p;
	size_t left;
};

/* The next byte of the program, 0 when it has run out. */
static uint8_t
fuzz_byte(struct fuzz_prog *g)
{
	if (g->left == 0)
		return 0;
	g->left--;
	return *g->p++;
}

/* The next chunk: a length byte, then up to that many bytes. */
static const char *
fuzz_chunk(struct fuzz_prog *g, size_t *len)
{
	size_t n = fuzz_byte(g);
	const char *s = (const char *)g->p;

	if (n > g->left)
		n = g->left;
	g->p += n;
	g->left -= n;
	*len = n;
	return s;
}

/* A chunk as a NUL-terminated string in buf (cap bytes). */
static const char *
fuzz_string(struct fuzz_prog *g, char *buf, size_t cap)
{
	size_t n;
	const char *s = fuzz_chunk(g, &n);

	if (n >= cap)
		n = cap - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* The cursor is inside the text and the cursor's line is clean. */
static void
fuzz_check_cursor(const struct composer *c)
{
	FUZZ_CHECK(c->nlines >= 1 && c->nlines <= c->linecap);
	FUZZ_CHECK(c->nlines <= COMPOSER_LINES_MAX);
	FUZZ_CHECK(c->cy < c->nlines);
	FUZZ_CHECK(c->cx <= c->lines[c->cy].len);
	FUZZ_CHECK(c->lines[c->cy].len <= c->lines[c->cy].cap);
	FUZZ_CHECK(c->bytes <= COMPOSER_BYTES_MAX);
}

/* Every line is clean, within the caps, and bytes counts them. */
static void
fuzz_check_lines(const struct composer *c)
{
	size_t total = 0;

	fuzz_check_cursor(c);
	for (size_t i = 0; i < c->nlines; i++) {
		const struct composer_line *l = &c->lines[i];
		FUZZ_CHECK(l->len <= l->cap && l->len <= FUZZ_LINE_CAP);
		FUZZ_CHECK(l->len == 0 || l->text != NULL);
		for (size_t j = 0; j < l->len; j++)
			FUZZ_CHECK(l->text[j] != '\r' && l->text[j] != '\n' && l->text[j] != '\0');
		total += l->len;
	}
	FUZZ_CHECK(total == c->bytes);
}

/* The message encoded as ehlo sends it, in a malloc'd buffer (NULL when out of memory). */
static char *
fuzz_encode(const char *text, size_t len, size_t *outlen)
{
	struct msgenc e;
	char *out = malloc(MSGENC_BOUND(len) + MSGENC_FINISH_MAX);
	size_t n;

	if (out == NULL)
		return NULL;
	msgenc_init(&e);
	n = msgenc_feed(&e, text, len, out);
	n += msgenc_finish(&e, out + n);
	*outlen = n;
	return out;
}

/* Clean SMTP DATA: CRLF line ends only, no NUL, dot-led lines stuffed, one end at the end. */
static void
fuzz_check_clean(const char *out, size_t n)
{
	FUZZ_CHECK(n == 3 || (n >= 5 && memcmp(out + n - 5, "\r\n.\r\n", 5) == 0));
	FUZZ_CHECK(memcmp(out + n - 3, ".\r\n", 3) == 0);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(out[i] != '\0');
		if (out[i] == '\r')
			FUZZ_CHECK(i + 1 < n && out[i + 1] == '\n');
		if (out[i] == '\n')
			FUZZ_CHECK(i > 0 && out[i - 1] == '\r');
		if ((i == 0 || out[i - 1] == '\n') && out[i] == '.' && i != n - 3)
			FUZZ_CHECK(out[i + 1] == '.');
	}
}

/*
 * The wire view joined (CRLF where flagged, nothing for NONE and AFTER lines) must be the
 * encoder's output: the whole of it normally; in manual mode, the encoding of the text up to
 * the user's lone "." line (which then stands for the end of data), or without such a line
 * the encoding of all of it minus the ".\r\n" ehlo would have added.
 */
static void
fuzz_check_wire(const struct composer *c, const char *enc, size_t enclen, char *line,
		size_t linecap)
{
	size_t lone = c->manual ? composer_lone_dot(c) : 0;
	size_t want = enclen, pos = 0;
	char *prefix = NULL;
	const char *ref = enc;

	FUZZ_CHECK(composer_wire_count(c) == c->nlines + 1);
	/*
	 * In manual mode every wire line looks for the lone "." from the top, so the whole
	 * view of a message at the line cap costs nlines squared: the screen asks for one
	 * page at a time, the check skips such a message.
	 */
	if (c->manual && c->nlines > 4096)
		return;
	if (c->manual && lone == 0) {
		want = enclen - 3;
	} else if (lone != 0) {
		/* The lines before the "." line, each with its line end, encoded. */
		size_t plen = 0;
		for (size_t i = 0; i + 1 < lone; i++)
			plen += c->lines[i].len + 2;
		char *text = malloc(plen + 1);
		FUZZ_CHECK(text != NULL);
		plen = 0;
		for (size_t i = 0; i + 1 < lone; i++) {
			if (c->lines[i].len > 0)
				memcpy(text + plen, c->lines[i].text, c->lines[i].len);
			plen += c->lines[i].len;
			if (!c->lines[i].bare_lf)
				text[plen++] = '\r';
			text[plen++] = '\n';
		}
		prefix = fuzz_encode(text, plen, &want);
		free(text);
		FUZZ_CHECK(prefix != NULL);
		ref = prefix;
	}
	for (size_t i = 0; i < composer_wire_count(c); i++) {
		unsigned flags = 0;
		size_t n = composer_wire_line(c, i, line, linecap, &flags);

		FUZZ_CHECK(n < linecap && line[n] == '\0');
		FUZZ_CHECK(memchr(line, '\r', n) == NULL && memchr(line, '\n', n) == NULL);
		if (flags & (COMPOSER_WIRE_NONE | COMPOSER_WIRE_AFTER)) {
			FUZZ_CHECK(n == 0 && !(flags & COMPOSER_WIRE_CRLF));
			continue;
		}
		FUZZ_CHECK(pos + n <= want && memcmp(ref + pos, line, n) == 0);
		pos += n;
		if (flags & COMPOSER_WIRE_CRLF) {
			FUZZ_CHECK(pos + 2 <= want && memcmp(ref + pos, "\r\n", 2) == 0);
			pos += 2;
		}
		if (flags & COMPOSER_WIRE_STUFFED)
			FUZZ_CHECK(n >= 2 && line[0] == '.' && line[1] == '.');
		if (flags & COMPOSER_WIRE_BARE_LF)
			FUZZ_CHECK(i < c->nlines && c->lines[i].bare_lf);
	}
	FUZZ_CHECK(pos == want);
	free(prefix);
}

/* text, set again, gives the same lines (line ends of every kind are one end each). */
static void
fuzz_check_roundtrip(const struct composer *c, const char *text, size_t len)
{
	struct composer d;

	composer_init(&d);
	FUZZ_CHECK(composer_set_text(&d, text, len) == 0);
	fuzz_check_lines(&d);
	FUZZ_CHECK(d.nlines == c->nlines && d.bytes == c->bytes);
	for (size_t i = 0; i < c->nlines; i++) {
		FUZZ_CHECK(d.lines[i].len == c->lines[i].len);
		if (c->lines[i].len > 0)
			FUZZ_CHECK(memcmp(d.lines[i].text, c->lines[i].text, c->lines[i].len) == 0);
		FUZZ_CHECK(!d.lines[i].bare_lf);
	}
	FUZZ_CHECK(d.cy == composer_body_line(&d) || d.cy == d.nlines - 1);
	composer_free(&d);
}

/* The lint of the model is the lint of its text; every finding has words. */
static void
fuzz_check_lint(const struct composer *c, const char *text, size_t len,
		const struct lint_options *opts)
{
	struct lint *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	char words[512];

	FUZZ_CHECK(a != NULL && b != NULL);
	composer_lint(c, opts, a);
	lint_init(b, opts);
	lint_feed(b, text, len);
	lint_finish(b);
	FUZZ_CHECK(a->nissues <= LINT_ISSUES_MAX && a->nissues == b->nissues);
	FUZZ_CHECK(a->size == b->size);
	FUZZ_CHECK(memcmp(a->counts, b->counts, sizeof(a->counts)) == 0);
	FUZZ_CHECK(memcmp(a->issues, b->issues, a->nissues * sizeof(a->issues[0])) == 0);
	for (size_t i = 0; i < a->nissues; i++) {
		words[0] = '\0';
		composer_issue_text(&a->issues[i], a, c->manual, words, sizeof(words));
		FUZZ_CHECK(words[0] != '\0' && memchr(words, '\0', sizeof(words)) != NULL);
	}
	free(a);
	free(b);
}

/* The header and MIME helpers stay inside their buffers. */
static void
fuzz_check_helpers(const struct composer *c)
{
	char buf[64];
	size_t body = composer_body_line(c);
	size_t lone = composer_lone_dot(c);

	FUZZ_CHECK(body <= c->nlines);
	FUZZ_CHECK(lone <= c->nlines);
	if (lone > 0)
		FUZZ_CHECK(c->lines[lone - 1].len == 1 && c->lines[lone - 1].text[0] == '.');
	if (composer_header(c, "Subject", buf, sizeof(buf)))
		FUZZ_CHECK(memchr(buf, '\0', sizeof(buf)) != NULL);
	size_t mm = composer_mime_mismatch(c, buf, sizeof(buf));
	FUZZ_CHECK(mm < body || mm == 0);
}

/*
 * One large insert that reaches the line cap. (The line-count cap is not fuzzed: 200000
 * lines take a third of a second under ASan, and libFuzzer would keep nothing else.)
 */
static void
fuzz_big(struct composer *c, uint8_t how)
{
	size_t n = COMPOSER_LINE_MAX + 1;
	char *buf = malloc(n);

	FUZZ_CHECK(buf != NULL);
	memset(buf, (how & 1) ? '.' : 'x', n);
	FUZZ_CHECK(composer_insert(c, buf, n) == -1);
	FUZZ_CHECK(c->capped);
	free(buf);
}

/* Run one op of the program on c. */
static void
fuzz_op(struct composer *c, struct fuzz_prog *g, bool *big_done)
{
	uint8_t op = fuzz_byte(g);
	const char *s;
	size_t n;

	switch (op % 12) {
	case 0:
	case 1:
	case 2:
		s = fuzz_chunk(g, &n);
		composer_insert(c, s, n);
		break;
	case 3: /* one byte, as typed */
		s = (const char *)g->p;
		n = g->left > 0 ? 1 : 0;
		(void)fuzz_byte(g);
		composer_insert(c, s, n);
		break;
	case 4:
		composer_move(c, (enum composer_move)(fuzz_byte(g) % (COMPOSER_BOTTOM + 1)),
			      fuzz_byte(g));
		break;
	case 5:
		for (unsigned k = fuzz_byte(g) % 8 + 1; k > 0; k--)
			composer_backspace(c);
		break;
	case 6:
		for (unsigned k = fuzz_byte(g) % 8 + 1; k > 0; k--)
			composer_delete(c);
		break;
	case 7:
		s = fuzz_chunk(g, &n);
		composer_set_text(c, s, n);
		break;
	case 8:
		c->manual = !c->manual;
		break;
	case 9: {
		char from[64], to0[64], to1[64], subject[128], err[256];
		const char *to[2];
		size_t nto = fuzz_byte(g) % 3;
		fuzz_string(g, from, sizeof(from));
		to[0] = fuzz_string(g, to0, sizeof(to0));
		to[1] = fuzz_string(g, to1, sizeof(to1));
		fuzz_string(g, subject, sizeof(subject));
		err[0] = '\0';
		if (composer_template(c, from, nto > 0 ? to : NULL, nto, subject, err,
				      sizeof(err)) != 0)
			FUZZ_CHECK(err[0] != '\0');
		break;
	}
	case 10:
		if (!*big_done) {
			*big_done = true;
			fuzz_big(c, fuzz_byte(g));
		}
		break;
	default: /* paste: a chunk repeated, to cross line and buffer boundaries */
		s = fuzz_chunk(g, &n);
		for (unsigned k = fuzz_byte(g) % 16 + 1; k > 0; k--)
			composer_insert(c, s, n);
		break;
	}
}

/* Entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_prog g = {data, size};
	struct composer c;
	bool big_done = false;
	uint8_t optbyte = fuzz_byte(&g);
	struct lint_options opts = {
		.eightbitmime = optbyte & 1,
		.smtputf8 = optbyte & 2,
		.size_limit = (optbyte >> 2) * 37ULL,
	};

	composer_init(&c);
	while (g.left > 0) {
		fuzz_op(&c, &g, &big_done);
		if (c.nlines > 0)
			fuzz_check_cursor(&c);
	}
	/* An empty program still has a message: one empty line. */
	composer_move(&c, COMPOSER_HOME, 0);
	fuzz_check_lines(&c);

	size_t len, lflen, enclen;
	char *text = composer_text(&c, false, &len);
	char *lftext = composer_text(&c, true, &lflen);
	FUZZ_CHECK(text != NULL && lftext != NULL);
	FUZZ_CHECK(text[len] == '\0' && lftext[lflen] == '\0');
	FUZZ_CHECK(lflen == c.bytes + c.nlines - 1);
	FUZZ_CHECK(memchr(lftext, '\r', lflen) == NULL);

	char *enc = fuzz_encode(text, len, &enclen);
	FUZZ_CHECK(enc != NULL);
	fuzz_check_clean(enc, enclen);

	size_t longest = 0;
	for (size_t i = 0; i < c.nlines; i++)
		if (c.lines[i].len > longest)
			longest = c.lines[i].len;
	char *line = malloc(longest + 16);
	FUZZ_CHECK(line != NULL);
	fuzz_check_wire(&c, enc, enclen, line, longest + 16);
	fuzz_check_roundtrip(&c, text, len);
	fuzz_check_roundtrip(&c, lftext, lflen);
	fuzz_check_lint(&c, text, len, &opts);
	fuzz_check_helpers(&c);

	free(line);
	free(enc);
	free(text);
	free(lftext);
	composer_free(&c);
	return 0;
}
