/*
 * test_model.c: unit tests of the explorer's non-curses model: the sanitizer-to-screen path
 * (server bytes with escape sequences go into the line model and come out printable),
 * reply grouping, selection, scrolling, search, the ring cap, and wrapping widths.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "lines.h"
#include "note.h"
#include "wrap.h"

/* A reply struct for lines_add_reply, with one line of text. */
static void
tm_reply(struct reply *r, struct reply_line *ln, int code, const char *text)
{
	memset(r, 0, sizeof(*r));
	memset(ln, 0, sizeof(*ln));
	ln->text = (char *)text;
	ln->len = strlen(text);
	r->code = code;
	r->nlines = 1;
	r->lines = ln;
}

/* Add one server line and its reply, as the driver reports them. */
static const struct lines_reply *
tm_add(struct lines *l, int code, const char *text, enum proto_cmd answers)
{
	struct reply r;
	struct reply_line ln;
	struct drive_reply dr;
	char raw[512];

	snprintf(raw, sizeof(raw), "%d %s", code, text);
	cr_assert_eq(lines_add(l, DRIVE_SERVER, 0, raw, strlen(raw)), 0);
	tm_reply(&r, &ln, code, text);
	memset(&dr, 0, sizeof(dr));
	dr.reply = &r;
	dr.answers = answers;
	dr.command = "NOOP";
	return lines_add_reply(l, &dr);
}

/* No control byte may survive into a line meant for the screen. */
static void
tm_assert_printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		cr_assert(*p >= 0x20 && *p != 0x7f, "byte 0x%02x reached the screen model", *p);
}

Test(model, escape_sequences_become_visible_marks)
{
	struct lines *l = lines_new(0);
	const char evil[] = "220 \x1b]0;PWNED\x07\x1b[2J\x1b[H\x1b[31mred\r\x9b"
			    "6n\xc2\x9b"
			    "1m \xe2\x80\xae"
			    "bidi";

	cr_assert_eq(lines_add(l, DRIVE_SERVER, 0, evil, sizeof(evil) - 1), 0);
	const struct lines_entry *e = lines_get(l, 0);
	tm_assert_printable(e->text);
	cr_assert(strstr(e->text, "^[]0;PWNED^G") != NULL, "got %s", e->text);
	cr_assert(strstr(e->text, "^[[2J") != NULL);
	cr_assert(strstr(e->text, "\xe2\x80\xae") == NULL, "a bidi override passed");
	lines_free(l);
}

Test(model, notes_and_commands_are_sanitized_too)
{
	struct lines *l = lines_new(0);

	cr_assert_eq(lines_add(l, DRIVE_NOTE, 0, "decoded: \x1b[2Jx", 14), 0);
	cr_assert_eq(lines_add(l, DRIVE_CLIENT, 0, "EHLO \x07x", 7), 0);
	tm_assert_printable(lines_get(l, 0)->text);
	tm_assert_printable(lines_get(l, 1)->text);
	lines_free(l);
}

Test(model, multiline_reply_is_one_group_owned_once)
{
	struct lines *l = lines_new(0);
	struct reply r;
	struct reply_line ln[3];
	struct drive_reply dr;

	lines_add(l, DRIVE_CLIENT, 0, "EHLO x", 6);
	lines_add(l, DRIVE_SERVER, 0, "250-a", 5);
	lines_add(l, DRIVE_SERVER, 0, "250-PIPELINING", 14);
	lines_add(l, DRIVE_SERVER, 0, "250 SIZE 100", 12);
	memset(&r, 0, sizeof(r));
	memset(ln, 0, sizeof(ln));
	ln[0].text = "a";
	ln[0].len = 1;
	ln[1].text = "PIPELINING";
	ln[1].len = 10;
	ln[2].text = "SIZE 100";
	ln[2].len = 8;
	r.code = 250;
	r.nlines = 3;
	r.lines = ln;
	memset(&dr, 0, sizeof(dr));
	dr.reply = &r;
	dr.answers = PROTO_CMD_EHLO;
	const struct lines_reply *lr = lines_add_reply(l, &dr);
	cr_assert_not_null(lr);
	cr_assert_null(lines_get(l, 0)->reply);
	for (size_t i = 1; i < 4; i++)
		cr_assert_eq(lines_get(l, i)->reply, lr);
	cr_assert(lines_get(l, 1)->owner);
	cr_assert(!lines_get(l, 2)->owner && !lines_get(l, 3)->owner);
	cr_assert_str_eq(lr->keywords, "PIPELINING\nSIZE 100\n");
	cr_assert_eq(lines_current(l), lr);
	lines_free(l);
}

Test(model, selection_walks_back_and_forward)
{
	struct lines *l = lines_new(0);
	const struct lines_reply *a = tm_add(l, 220, "hello", PROTO_CMD_GREETING);
	lines_add(l, DRIVE_CLIENT, 0, "MAIL FROM:<>", 12);
	const struct lines_reply *b = tm_add(l, 250, "ok", PROTO_CMD_MAIL);
	lines_add(l, DRIVE_CLIENT, 0, "RCPT TO:<x>", 11);
	const struct lines_reply *c = tm_add(l, 550, "no", PROTO_CMD_RCPT);

	cr_assert_eq(lines_current(l), c);
	cr_assert(!lines_selecting(l));
	cr_assert(lines_select(l, -1));
	cr_assert_eq(lines_current(l), c);
	cr_assert(lines_select(l, -1));
	cr_assert_eq(lines_current(l), b);
	cr_assert(lines_select(l, -1));
	cr_assert_eq(lines_current(l), a);
	cr_assert(!lines_select(l, -1), "there is nothing before the first reply");
	cr_assert_eq(lines_current(l), a);
	cr_assert(lines_select(l, 1));
	cr_assert_eq(lines_current(l), b);
	lines_follow(l);
	cr_assert(!lines_selecting(l));
	cr_assert_eq(lines_current(l), c);
	lines_free(l);
}

Test(model, scroll_and_find)
{
	struct lines *l = lines_new(0);
	char buf[32];

	for (int i = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "line %d", i);
		lines_add(l, DRIVE_INFO, 0, buf, strlen(buf));
	}
	cr_assert_eq(lines_bottom(l), 99u);
	cr_assert(lines_at_end(l));
	lines_scroll(l, -10);
	cr_assert_eq(lines_bottom(l), 89u);
	cr_assert(!lines_at_end(l));
	lines_scroll(l, -1000);
	cr_assert_eq(lines_bottom(l), 0u);
	lines_scroll(l, 1000);
	cr_assert(lines_at_end(l));
	cr_assert(lines_find(l, "LINE 42", false));
	cr_assert_eq(lines_bottom(l), 42u);
	cr_assert(lines_find(l, "line 4", true));
	cr_assert_eq(lines_bottom(l), 41u);
	cr_assert(!lines_find(l, "nowhere", false));
	lines_free(l);
}

Test(model, ring_drops_oldest_and_keeps_replies_consistent)
{
	struct lines *l = lines_new(10);

	for (int i = 0; i < 25; i++)
		tm_add(l, 250, "ok", PROTO_CMD_NOOP);
	cr_assert_eq(lines_count(l), 10u);
	cr_assert_eq(lines_reply_total(l), 25u);
	cr_assert_eq(lines_current(l)->number, 25u);
	/* Selecting walks only over what is kept. */
	int n = 0;
	while (lines_select(l, -1))
		n++;
	cr_assert_eq(n, 10);
	cr_assert_eq(lines_current(l)->number, 16u);
	lines_clear(l);
	cr_assert_eq(lines_count(l), 0u);
	cr_assert_null(lines_current(l));
	lines_free(l);
}

Test(wrap, widths_and_rows)
{
	cr_assert_eq(wrap_width("abc", 3), 3);
	cr_assert_eq(wrap_width("\xc3\xa9t\xc3\xa9", 5), 3);	    /* été */
	cr_assert_eq(wrap_width("\xe6\x97\xa5\xe6\x9c\xac", 6), 4); /* 日本: wide */
	int used;
	cr_assert_eq(wrap_fit("\xe6\x97\xa5\xe6\x9c\xac", 6, 3, &used), 3u);
	cr_assert_eq(used, 2);
	cr_assert_eq(wrap_fit("\xc3\xa9\xc3\xa9", 4, 1, &used), 2u, "never split a character");
	cr_assert_eq(wrap_rows("hello world foo", 15, 5), 3);
	cr_assert_eq(wrap_rows("", 0, 10), 1);
	size_t skip;
	size_t n = wrap_row("hello world", 11, 8, &skip);
	cr_assert_eq(n, 6u, "break after the space");
	cr_assert_eq(skip, 0u);
	n = wrap_row("abcdefghijkl", 12, 5, &skip);
	cr_assert_eq(n, 5u, "no space: cut at the width");
}

/* True when some paragraph of the note contains s. */
static bool
tm_note_has(const struct note *n, const char *s)
{
	for (size_t i = 0; i < n->n; i++)
		if (strstr(n->items[i].text, s) != NULL)
			return true;
	return false;
}

Test(note, ehlo_reply_lists_the_keywords_explained)
{
	struct lines *l = lines_new(0);
	struct reply r;
	struct reply_line ln[3];
	struct drive_reply dr;
	static struct note n;

	lines_add(l, DRIVE_SERVER, 0, "250-mx", 6);
	lines_add(l, DRIVE_SERVER, 0, "250-STARTTLS", 12);
	lines_add(l, DRIVE_SERVER, 0, "250 X-\x1b[2JODD", 13);
	memset(&r, 0, sizeof(r));
	memset(ln, 0, sizeof(ln));
	ln[0].text = "mx";
	ln[0].len = 2;
	ln[1].text = "STARTTLS";
	ln[1].len = 8;
	ln[2].text = "X-\x1b[2JODD";
	ln[2].len = 9;
	r.code = 250;
	r.nlines = 3;
	r.lines = ln;
	memset(&dr, 0, sizeof(dr));
	dr.reply = &r;
	dr.answers = PROTO_CMD_EHLO;
	dr.command = "EHLO me.example";
	note_for_reply(lines_add_reply(l, &dr), &n);
	cr_assert(tm_note_has(&n, "answers EHLO me.example"));
	cr_assert(tm_note_has(&n, "STARTTLS: "), "the keyword is explained");
	cr_assert(tm_note_has(&n, "X-^[[2JODD"), "an unknown keyword is shown, sanitized");
	for (size_t i = 0; i < n.n; i++)
		tm_assert_printable(n.items[i].text);
	lines_free(l);
}

Test(note, challenge_and_codes)
{
	struct lines *l = lines_new(0);
	struct reply r;
	struct reply_line ln;
	struct drive_reply dr;
	static struct note n;

	lines_add(l, DRIVE_SERVER, 0, "334 VXNlcm5hbWU6", 16);
	tm_reply(&r, &ln, 334, "VXNlcm5hbWU6");
	memset(&dr, 0, sizeof(dr));
	dr.reply = &r;
	dr.answers = PROTO_CMD_AUTH;
	dr.command = "AUTH LOGIN";
	dr.challenge = "User\x1bname:";
	dr.challenge_len = 10;
	note_for_reply(lines_add_reply(l, &dr), &n);
	cr_assert(tm_note_has(&n, "\"User^[name:\""), "the decoded challenge, sanitized");
	note_for_reply(NULL, &n);
	cr_assert(tm_note_has(&n, "No reply yet"));
	cr_assert_eq(note_for_arg("5.7.26", &n), 0);
	cr_assert(n.n > 0);
	cr_assert_eq(note_for_arg("550", &n), 0);
	cr_assert(tm_note_has(&n, "550  "));
	cr_assert_eq(note_for_arg("hello", &n), -1);
	lines_free(l);
}
