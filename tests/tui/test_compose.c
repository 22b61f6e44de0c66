/*
 * test_compose.c: unit tests of the composer's model: editing (typing, Enter, Backspace and
 * Delete across lines, UTF-8, arrows, Home/End, PgUp/PgDn), pastes with bare LF and CRLF,
 * the template from the envelope, the lint panel's findings with line numbers and in
 * words, and the wire view (stuffed dots, CRLF, the end of data) checked against the
 * message encoder on the whole text.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "composer.h"

/* The text with LF ends, for comparisons. */
static char *
tc_text(const struct composer *c)
{
	size_t len;
	char *t = composer_text(c, true, &len);
	cr_assert_not_null(t);
	return t;
}

/* Type a string (a terminal sends CR for Enter). */
static void
tc_type(struct composer *c, const char *s)
{
	cr_assert_eq(composer_insert(c, s, strlen(s)), 0);
}

Test(compose, typing_enter_backspace_delete)
{
	struct composer c;
	char *t;

	composer_init(&c);
	tc_type(&c, "hello\rworld");
	t = tc_text(&c);
	cr_assert_str_eq(t, "hello\nworld");
	free(t);
	cr_assert_eq(c.nlines, 2);
	cr_assert_eq(c.cy, 1);
	cr_assert_eq(c.cx, 5);
	composer_move(&c, COMPOSER_HOME, 0);
	composer_backspace(&c); /* joins with the line above */
	t = tc_text(&c);
	cr_assert_str_eq(t, "helloworld");
	free(t);
	cr_assert_eq(c.cx, 5);
	tc_type(&c, "\r");
	composer_move(&c, COMPOSER_UP, 0);
	composer_move(&c, COMPOSER_END, 0);
	composer_delete(&c); /* joins the next line */
	t = tc_text(&c);
	cr_assert_str_eq(t, "helloworld");
	free(t);
	composer_delete(&c);
	t = tc_text(&c);
	cr_assert_str_eq(t, "helloorld");
	free(t);
	cr_assert_eq(c.bytes, 9);
	composer_free(&c);
}

Test(compose, insert_in_the_middle_keeps_the_tail)
{
	struct composer c;
	char *t;

	composer_init(&c);
	tc_type(&c, "abcdef");
	for (int i = 0; i < 3; i++)
		composer_move(&c, COMPOSER_LEFT, 0);
	tc_type(&c, "1\r2\r3");
	t = tc_text(&c);
	cr_assert_str_eq(t, "abc1\n2\n3def");
	free(t);
	cr_assert_eq(c.cy, 2);
	cr_assert_eq(c.cx, 1);
	composer_free(&c);
}

Test(compose, utf8_characters_move_and_erase_whole)
{
	struct composer c;
	char *t;

	composer_init(&c);
	tc_type(&c, "a\xc3\xa9z"); /* aéz */
	composer_move(&c, COMPOSER_LEFT, 0);
	composer_move(&c, COMPOSER_LEFT, 0);
	cr_assert_eq(c.cx, 1);
	composer_delete(&c);
	t = tc_text(&c);
	cr_assert_str_eq(t, "az");
	free(t);
	tc_type(&c, "\xe2\x82\xac"); /* € */
	composer_backspace(&c);
	t = tc_text(&c);
	cr_assert_str_eq(t, "az");
	free(t);
	/* Up and down land on a character boundary. */
	composer_move(&c, COMPOSER_END, 0);
	tc_type(&c, "\r\xc3\xa9\xc3\xa9");
	composer_move(&c, COMPOSER_UP, 0);
	composer_move(&c, COMPOSER_HOME, 0);
	composer_move(&c, COMPOSER_RIGHT, 0);
	composer_move(&c, COMPOSER_DOWN, 0);
	cr_assert_eq(c.cx, 0, "offset 1 is inside a character: back to 0");
	composer_free(&c);
}

Test(compose, pages_and_ends)
{
	struct composer c;

	composer_init(&c);
	for (int i = 0; i < 50; i++)
		tc_type(&c, "line\r");
	cr_assert_eq(c.nlines, 51);
	composer_move(&c, COMPOSER_PAGE_UP, 20);
	cr_assert_eq(c.cy, 30);
	composer_move(&c, COMPOSER_PAGE_UP, 40);
	cr_assert_eq(c.cy, 0);
	composer_move(&c, COMPOSER_PAGE_DOWN, 20);
	cr_assert_eq(c.cy, 20);
	composer_move(&c, COMPOSER_PAGE_DOWN, 100);
	cr_assert_eq(c.cy, 50);
	composer_move(&c, COMPOSER_TOP, 0);
	cr_assert_eq(c.cy, 0);
	composer_move(&c, COMPOSER_RIGHT, 0);
	composer_move(&c, COMPOSER_END, 0);
	cr_assert_eq(c.cx, 4);
	composer_move(&c, COMPOSER_RIGHT, 0);
	cr_assert_eq(c.cy, 1, "right at the end of a line goes to the next");
	cr_assert_eq(c.cx, 0);
	composer_move(&c, COMPOSER_LEFT, 0);
	cr_assert_eq(c.cy, 0);
	cr_assert_eq(c.cx, 4);
	composer_free(&c);
}

Test(compose, paste_with_bare_lf_and_crlf_loses_no_byte)
{
	struct composer c;
	char *t;
	size_t len;

	composer_init(&c);
	/* A fast paste: CRLF pairs are one line end, bare LFs are remembered. */
	const char paste[] = "one\r\ntwo\nthree\rfour\tend";
	cr_assert_eq(composer_insert(&c, paste, sizeof(paste) - 1), 0);
	cr_assert_eq(c.nlines, 4);
	cr_assert_eq(c.lines[0].bare_lf, false);
	cr_assert_eq(c.lines[1].bare_lf, true);
	cr_assert_eq(c.lines[2].bare_lf, false);
	t = composer_text(&c, false, &len);
	cr_assert_str_eq(t, "one\r\ntwo\nthree\r\nfour\tend");
	free(t);
	/* A CR at the end of one chunk and the LF in the next are still one line end. */
	composer_free(&c);
	composer_init(&c);
	tc_type(&c, "a\r");
	tc_type(&c, "\nb");
	cr_assert_eq(c.nlines, 2);
	cr_assert_eq(c.lines[0].bare_lf, false);
	/* Escape bytes and other controls are not text. */
	tc_type(&c, "\x1b[2J\x07");
	t = tc_text(&c);
	cr_assert_str_eq(t, "a\nb[2J");
	free(t);
	composer_free(&c);
}

Test(compose, set_text_and_body_line)
{
	struct composer c;
	char *t;
	char v[64];

	composer_init(&c);
	const char msg[] = "From: a@b\r\nSubject: hi there\r\n\r\nbody\r\n";
	cr_assert_eq(composer_set_text(&c, msg, sizeof(msg) - 1), 0);
	cr_assert_eq(c.nlines, 5);
	cr_assert_eq(composer_body_line(&c), 3);
	cr_assert_eq(c.cy, 3, "the cursor starts in the body");
	cr_assert(composer_header(&c, "subject", v, sizeof(v)));
	cr_assert_str_eq(v, "hi there");
	cr_assert_not(composer_header(&c, "body", v, sizeof(v)));
	t = tc_text(&c);
	cr_assert_str_eq(t, "From: a@b\nSubject: hi there\n\nbody\n");
	free(t);
	composer_free(&c);
}

Test(compose, template_from_the_envelope)
{
	struct composer c;
	char err[128], v[256];
	const char *to[] = {"bob@example.net"};

	composer_init(&c);
	cr_assert_eq(composer_template(&c, "alice@example.org", to, 1, "Hello", err, sizeof(err)),
		     0, "%s", err);
	cr_assert(composer_header(&c, "From", v, sizeof(v)));
	cr_assert(strstr(v, "alice@example.org") != NULL);
	cr_assert(composer_header(&c, "To", v, sizeof(v)));
	cr_assert(strstr(v, "bob@example.net") != NULL);
	cr_assert(composer_header(&c, "Subject", v, sizeof(v)));
	cr_assert_str_eq(v, "Hello");
	cr_assert(composer_header(&c, "Date", v, sizeof(v)));
	cr_assert(composer_header(&c, "Message-ID", v, sizeof(v)));
	cr_assert_eq(v[0], '<');
	size_t body = composer_body_line(&c);
	cr_assert(body < c.nlines);
	cr_assert_eq(c.cy, body, "the cursor starts in the body");
	cr_assert_eq(c.lines[body - 1].len, 0);
	/* A header injection through the envelope is refused. */
	const char *bad[] = {"x@y\r\nBcc: z@w"};
	cr_assert_eq(composer_template(&c, "a@b", bad, 1, NULL, err, sizeof(err)), -1);
	composer_free(&c);
}

/* The lint findings of a text, as the panel shows them, joined by "|". */
static void
tc_lint_words(const char *text, bool manual, const struct lint_options *o, char *out, size_t cap)
{
	struct composer c;
	struct lint l;
	char line[512];

	composer_init(&c);
	c.manual = manual;
	cr_assert_eq(composer_insert(&c, text, strlen(text)), 0);
	composer_lint(&c, o, &l);
	out[0] = '\0';
	for (size_t i = 0; i < l.nissues; i++) {
		composer_issue_text(&l.issues[i], &l, manual, line, sizeof(line));
		strncat(out, line, cap - strlen(out) - 1);
		strncat(out, "|", cap - strlen(out) - 1);
	}
	composer_free(&c);
}

Test(compose, lint_panel_lone_dot_with_line_number)
{
	char w[4096];

	tc_lint_words("Subject: x\r\rfirst\r.\rlast", false, NULL, w, sizeof(w));
	cr_assert(strstr(w, "line 4: a line of only \".\" would end the message") != NULL, "%s", w);
	cr_assert(strstr(w, "ehlo will send it as \"..\"") != NULL, "%s", w);
	/* Manual mode: the same line is the end of the data, and the panel says so. */
	tc_lint_words("Subject: x\r\rfirst\r.\rlast", true, NULL, w, sizeof(w));
	cr_assert(strstr(w, "line 4: a line of only \".\" ends the message here (manual") != NULL,
		  "%s", w);
}

Test(compose, lint_panel_leading_dot_bare_lf_8bit_size)
{
	char w[4096];
	struct lint_options o = {false, false, 10};

	tc_lint_words("Subject: x\r\r.hidden\rpasted\nline\rcaf\xc3\xa9", false, &o, w, sizeof(w));
	cr_assert(strstr(w, "line 3: starts with \".\"") != NULL, "%s", w);
	cr_assert(strstr(w, "line 4: ends with a bare LF") != NULL, "%s", w);
	cr_assert(strstr(w, "line 6: non-ASCII (8-bit)") != NULL, "%s", w);
	cr_assert(strstr(w, "over the SIZE 10") != NULL, "%s", w);
	/* With 8BITMIME and no SIZE limit those two go. */
	o.eightbitmime = true;
	o.size_limit = 0;
	tc_lint_words("Subject: x\r\rcaf\xc3\xa9", false, &o, w, sizeof(w));
	cr_assert_str_eq(w, "");
	/* Non-ASCII in a header without SMTPUTF8. */
	tc_lint_words("Subject: caf\xc3\xa9\r\rbody", false, &o, w, sizeof(w));
	cr_assert(strstr(w, "line 1: non-ASCII in a header") != NULL, "%s", w);
}

/* The whole wire view joined (CRLF where flagged), and the flags of each line. */
static char *
tc_wire(const struct composer *c, unsigned *flags, size_t nflags)
{
	size_t n = composer_wire_count(c), cap = 2 * (c->bytes + 4 * n) + 64, used = 0;
	char *out = malloc(cap), buf[4096];

	cr_assert_not_null(out);
	for (size_t i = 0; i < n; i++) {
		unsigned f;
		size_t k = composer_wire_line(c, i, buf, sizeof(buf), &f);
		if (i < nflags)
			flags[i] = f;
		memcpy(out + used, buf, k);
		used += k;
		if (f & COMPOSER_WIRE_CRLF) {
			memcpy(out + used, "\r\n", 2);
			used += 2;
		}
	}
	out[used] = '\0';
	return out;
}

/* What the message encoder makes of the whole text. */
static char *
tc_encoded(const struct composer *c)
{
	size_t len;
	char *t = composer_text(c, false, &len);
	char *out = malloc(MSGENC_BOUND(len) + MSGENC_FINISH_MAX + 1);
	struct msgenc e;

	cr_assert_not_null(out);
	msgenc_init(&e);
	size_t n = msgenc_feed(&e, t, len, out);
	n += msgenc_finish(&e, out + n);
	out[n] = '\0';
	free(t);
	return out;
}

Test(compose, wire_view_lone_dot_leading_dot_bare_lf)
{
	struct composer c;
	unsigned f[8];

	composer_init(&c);
	tc_type(&c, "S: x\r\r.\r.lead\r");
	cr_assert_eq(composer_insert(&c, "pasted\nok", 9), 0);
	char *w = tc_wire(&c, f, 8);
	char *e = tc_encoded(&c);
	cr_assert_str_eq(w, e, "the wire view is what msgenc sends");
	cr_assert_str_eq(w, "S: x\r\n\r\n..\r\n..lead\r\npasted\r\nok\r\n.\r\n");
	cr_assert(f[2] & COMPOSER_WIRE_STUFFED);
	cr_assert(f[3] & COMPOSER_WIRE_STUFFED);
	cr_assert_not(f[0] & COMPOSER_WIRE_STUFFED);
	cr_assert(f[4] & COMPOSER_WIRE_BARE_LF);
	cr_assert(f[6] & COMPOSER_WIRE_ADDED);
	free(w);
	free(e);
	/* A body ending in Enter: no extra empty line goes out. */
	tc_type(&c, "\r");
	w = tc_wire(&c, f, 8);
	e = tc_encoded(&c);
	cr_assert_str_eq(w, e);
	cr_assert(f[6] & COMPOSER_WIRE_NONE);
	free(w);
	free(e);
	composer_free(&c);
}

Test(compose, wire_view_manual_mode_stops_at_the_users_dot)
{
	struct composer c;
	unsigned f[8];

	composer_init(&c);
	c.manual = true;
	tc_type(&c, "S: x\r\rbody\r.\rafter");
	cr_assert_eq(composer_lone_dot(&c), 4);
	char *w = tc_wire(&c, f, 8);
	cr_assert_str_eq(w, "S: x\r\n\r\nbody\r\n.\r\n");
	cr_assert(f[4] & COMPOSER_WIRE_AFTER);
	cr_assert(f[5] & COMPOSER_WIRE_NONE, "no end of data added in manual mode");
	free(w);
	composer_free(&c);
}

Test(compose, caps_refuse_and_say_so)
{
	struct composer c;
	size_t n = COMPOSER_LINE_MAX + 10;
	char *big = malloc(n);

	cr_assert_not_null(big);
	memset(big, 'x', n);
	composer_init(&c);
	cr_assert_eq(composer_insert(&c, big, n), -1);
	cr_assert(c.capped);
	cr_assert_eq(c.lines[0].len, COMPOSER_LINE_MAX);
	free(big);
	composer_free(&c);
}

Test(compose, insert_before_text_keeps_the_line_cap_and_the_tail)
{
	struct composer c;
	size_t n = COMPOSER_LINE_MAX;
	char *big = malloc(n);

	cr_assert_not_null(big);
	memset(big, 'x', n);
	composer_init(&c);
	cr_assert_eq(composer_set_text(&c, "tail", 4), 0);
	c.cy = 0;
	c.cx = 0;
	/* A full line typed before "tail": the inserted part gives way, "tail" stays. */
	cr_assert_eq(composer_insert(&c, big, n), -1);
	cr_assert(c.capped);
	cr_assert_eq(c.lines[0].len, COMPOSER_LINE_MAX);
	cr_assert(memcmp(c.lines[0].text + COMPOSER_LINE_MAX - 4, "tail", 4) == 0);
	cr_assert_eq(c.bytes, COMPOSER_LINE_MAX);
	/* Again: still at the cap, never over it. */
	c.cx = 0;
	cr_assert_eq(composer_insert(&c, big, n), -1);
	cr_assert_eq(c.lines[0].len, COMPOSER_LINE_MAX);
	cr_assert_eq(c.bytes, COMPOSER_LINE_MAX);
	free(big);
	composer_free(&c);
}

Test(compose, mime_headers_that_contradict_a_non_ascii_body)
{
	struct composer c;
	char w[256];
	const char msg[] = "Content-Type: text/plain; charset=us-ascii\r\n"
			   "Content-Transfer-Encoding: 7bit\r\n\r\nplain\r\n";

	composer_init(&c);
	cr_assert_eq(composer_set_text(&c, msg, sizeof(msg) - 1), 0);
	cr_assert_eq(composer_mime_mismatch(&c, w, sizeof(w)), 0, "ASCII body: nothing");
	composer_move(&c, COMPOSER_BOTTOM, 0);
	tc_type(&c, "caf\xc3\xa9");
	cr_assert_eq(composer_mime_mismatch(&c, w, sizeof(w)), 1);
	cr_assert(strstr(w, "line 1: ") != NULL && strstr(w, "charset=utf-8") != NULL, "%s", w);
	/* Fixed charset: the encoding is next. */
	composer_move(&c, COMPOSER_TOP, 0);
	for (int i = 0; i < 8; i++)
		composer_move(&c, COMPOSER_END, 0), composer_backspace(&c);
	tc_type(&c, "utf-8");
	cr_assert_eq(composer_mime_mismatch(&c, w, sizeof(w)), 2, "%s", w);
	cr_assert(strstr(w, "8bit") != NULL, "%s", w);
	composer_free(&c);
}
