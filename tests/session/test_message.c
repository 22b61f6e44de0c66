/*
 * test_message.c: unit tests of session/message.c: the streaming encoder (SMTP-FACTS
 * dot-stuffing vectors, line-end normalization, NUL, chunking independence, smuggling
 * sequences, a 10 MB stream), the lint with its line numbers, and message_build.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "message.h"
#include "sasl.h"

/* Encode in[0..len) in one chunk; *outlen gets the length; the caller frees. */
static char *
encode_whole(const char *in, size_t len, size_t *outlen, struct msgenc *stats)
{
	struct msgenc e;
	char *out = malloc(MSGENC_BOUND(len) + MSGENC_FINISH_MAX);
	size_t n;

	cr_assert_not_null(out);
	msgenc_init(&e);
	n = msgenc_feed(&e, in, len, out);
	cr_assert_leq(n, MSGENC_BOUND(len));
	n += msgenc_finish(&e, out + n);
	cr_assert_eq(e.out_bytes, n);
	cr_assert_eq(e.in_bytes, len);
	*outlen = n;
	if (stats != NULL)
		*stats = e;
	return out;
}

/* Encode with chunk boundaries at the given cut points (sorted, in 0..len). */
static char *
encode_cuts(const char *in, size_t len, const size_t *cuts, size_t ncuts, size_t *outlen)
{
	struct msgenc e;
	char *out = malloc(MSGENC_BOUND(len) + 8 * (ncuts + 1) + MSGENC_FINISH_MAX);
	size_t n = 0, prev = 0;

	cr_assert_not_null(out);
	msgenc_init(&e);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t at = i < ncuts ? cuts[i] : len;
		size_t w = msgenc_feed(&e, in + prev, at - prev, out + n);

		cr_assert_leq(w, MSGENC_BOUND(at - prev));
		n += w;
		prev = at;
	}
	n += msgenc_finish(&e, out + n);
	*outlen = n;
	return out;
}

/* A plain byte-at-a-time model of the rules in message.h, to check the fast encoder against. */
static char *
encode_model(const char *in, size_t len, size_t *outlen)
{
	char *out = malloc(2 * len + 8);
	size_t o = 0;
	int st = 0; /* 0 start of line, 1 inside, 2 after CR */

	cr_assert_not_null(out);
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '\0')
			continue;
		if (st == 2 && c == '\n') {
			st = 0;
			continue;
		}
		if (st == 2)
			st = 0;
		if (c == '\r' || c == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			st = c == '\r' ? 2 : 0;
			continue;
		}
		if (st == 0 && c == '.')
			out[o++] = '.';
		out[o++] = c;
		st = 1;
	}
	if (st == 1) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	*outlen = o + 3;
	return out;
}

/* Assert the encoded stream is clean SMTP DATA: CRLF only, no NUL, stuffed, one terminator. */
static void
assert_clean(const char *out, size_t n)
{
	cr_assert_geq(n, 3);
	cr_assert(memcmp(out + n - 3, ".\r\n", 3) == 0, "no terminator");
	cr_assert(n == 3 || (n >= 5 && memcmp(out + n - 5, "\r\n.\r\n", 5) == 0));
	for (size_t i = 0; i < n; i++) {
		cr_assert_neq(out[i], '\0', "NUL at %zu", i);
		if (out[i] == '\r')
			cr_assert(i + 1 < n && out[i + 1] == '\n', "bare CR at %zu", i);
		if (out[i] == '\n')
			cr_assert(i > 0 && out[i - 1] == '\r', "bare LF at %zu", i);
		/* Every line that starts with "." before the terminator is stuffed. */
		if ((i == 0 || out[i - 1] == '\n') && out[i] == '.' && i != n - 3)
			cr_assert(i + 1 < n && out[i + 1] == '.', "unstuffed dot at %zu", i);
	}
}

/* Expect in -> want (want without the terminator, which is checked too). */
static void
expect_enc(const char *in, size_t len, const char *want)
{
	size_t n, wl = strlen(want);
	char *out = encode_whole(in, len, &n, NULL);

	cr_assert_eq(n, wl + 3, "length %zu, want %zu", n, wl + 3);
	cr_assert(memcmp(out, want, wl) == 0, "got \"%.*s\"", (int)n, out);
	cr_assert(memcmp(out + wl, ".\r\n", 3) == 0);
	assert_clean(out, n);
	free(out);
}

Test(msgenc, smtp_facts_dot_stuffing)
{
	expect_enc(".hello", 6, "..hello\r\n");
	expect_enc(".", 1, "..\r\n");
	expect_enc("..", 2, "...\r\n");
	expect_enc("x\n.y", 4, "x\r\n..y\r\n");
}

Test(msgenc, lone_dot_in_the_middle)
{
	struct msgenc st;
	size_t n;
	char *out;

	expect_enc("a\r\n.\r\nb\r\n", 9, "a\r\n..\r\nb\r\n");
	out = encode_whole("a\r\n.\r\n.\r\n", 9, &n, &st);
	cr_assert_eq(st.stuffed, 2);
	cr_assert_eq(st.lines, 3);
	free(out);
}

Test(msgenc, dots_inside_lines_untouched)
{
	expect_enc("a.b\r\n x.\r\n", 10, "a.b\r\n x.\r\n");
}

Test(msgenc, line_ends)
{
	struct msgenc st;
	size_t n;
	char *out;

	expect_enc("a\r\nb\r\n", 6, "a\r\nb\r\n");
	expect_enc("a\rb", 3, "a\r\nb\r\n");
	expect_enc("a\nb\n", 4, "a\r\nb\r\n");
	/* Every CR not followed by LF is a line end: "\r\r\n" is two line ends. */
	expect_enc("a\r\r\nb", 5, "a\r\n\r\nb\r\n");
	expect_enc("\n\r", 2, "\r\n\r\n");
	expect_enc("\r\n\n\r\r", 5, "\r\n\r\n\r\n\r\n");
	out = encode_whole("a\rb\nc\r\nd\r", 9, &n, &st);
	cr_assert_eq(st.fixed_cr, 2);
	cr_assert_eq(st.fixed_lf, 1);
	cr_assert_eq(st.lines, 4);
	free(out);
}

Test(msgenc, nul_dropped_and_counted)
{
	struct msgenc st;
	size_t n;
	char *out;

	expect_enc("a\0b", 3, "ab\r\n");
	/* A NUL does not hide a dot at the start of a line, nor part CR from LF. */
	expect_enc("\0.x", 3, "..x\r\n");
	expect_enc("a\r\0\nb", 5, "a\r\nb\r\n");
	out = encode_whole("\0\0a\0", 4, &n, &st);
	cr_assert_eq(st.dropped_nul, 3);
	free(out);
}

Test(msgenc, empty_body)
{
	size_t n;
	char *out = encode_whole("", 0, &n, NULL);

	cr_assert_eq(n, 3);
	cr_assert(memcmp(out, ".\r\n", 3) == 0);
	free(out);
	/* Only NULs: nothing is sent but the terminator. */
	out = encode_whole("\0\0", 2, &n, NULL);
	cr_assert_eq(n, 3);
	free(out);
}

Test(msgenc, no_trailing_newline)
{
	struct msgenc st;
	size_t n;
	char *out;

	expect_enc("abc", 3, "abc\r\n");
	out = encode_whole("abc", 3, &n, &st);
	cr_assert_eq(st.lines, 1);
	free(out);
	expect_enc("abc\r", 4, "abc\r\n");
}

/* Inputs that hold every corner: NULs inside, so each carries its length. */
struct tricky_input {
	const char *s;
	size_t len;
};
#define TRICKY(lit)                                                                                \
	{                                                                                          \
		lit, sizeof(lit) - 1                                                               \
	}

static const struct tricky_input tricky_inputs[] = {
	TRICKY("."),
	TRICKY(".."),
	TRICKY(".\r\n"),
	TRICKY("\r\n.\r\n"),
	TRICKY("a\r\n.\r\nb"),
	TRICKY("\r\r\n"),
	TRICKY("\r\r\r"),
	TRICKY("\n\n\n"),
	TRICKY("\r\n\r\n"),
	TRICKY("x\n.y"),
	TRICKY("a\r.b\n.c\r\n.d"),
	TRICKY("\0.\r\0\n.\0"),
	TRICKY(".\r.\n.\r\n."),
	TRICKY("\r\n\0.\r\n"),
	TRICKY("\r\n.\0\r\n"),
	TRICKY("\n.\n"),
	TRICKY("\r.\r"),
	TRICKY("\r.\n"),
	TRICKY("\n.\r"),
	TRICKY("\n.\r\n"),
	TRICKY("\r\n.\n"),
	TRICKY("\r.\r\n"),
	TRICKY("\r\n.\r"),
	TRICKY("line one\r\n.line two\rline three\n\n..\r\n."),
	TRICKY("\xc3\xa9.\r\n\xff."),
	TRICKY("abc"),
	TRICKY(""),
	TRICKY("\0"),
	TRICKY("\r\0"),
	TRICKY("Subject: x\r\n\r\n.\r\n\0\0\r\r\n\n\r.."),
};
#define NTRICKY (sizeof(tricky_inputs) / sizeof(tricky_inputs[0]))

Test(msgenc, matches_model)
{
	for (size_t i = 0; i < NTRICKY; i++) {
		size_t len = tricky_inputs[i].len, n, m;
		char *a = encode_whole(tricky_inputs[i].s, len, &n, NULL);
		char *b = encode_model(tricky_inputs[i].s, len, &m);

		cr_assert_eq(n, m, "input %zu", i);
		cr_assert(memcmp(a, b, n) == 0, "input %zu", i);
		assert_clean(a, n);
		free(a);
		free(b);
	}
}

Test(msgenc, chunking_independence)
{
	for (size_t i = 0; i < NTRICKY; i++) {
		size_t len = tricky_inputs[i].len, n, m;
		char *whole = encode_whole(tricky_inputs[i].s, len, &n, NULL);
		size_t bytes[64];
		char *out;

		/* Every single split point, and every pair of split points. */
		for (size_t a = 0; a <= len; a++) {
			for (size_t b = a; b <= len; b++) {
				size_t cuts[2] = {a, b};

				out = encode_cuts(tricky_inputs[i].s, len, cuts, 2, &m);
				cr_assert_eq(m, n, "input %zu cut %zu,%zu", i, a, b);
				cr_assert(memcmp(out, whole, n) == 0, "input %zu cut %zu,%zu", i, a,
					  b);
				free(out);
			}
			out = encode_cuts(tricky_inputs[i].s, len, &a, 1, &m);
			cr_assert_eq(m, n);
			cr_assert(memcmp(out, whole, n) == 0, "input %zu cut %zu", i, a);
			free(out);
		}
		/* Byte by byte. */
		cr_assert_lt(len, sizeof(bytes) / sizeof(bytes[0]));
		for (size_t k = 0; k < len; k++)
			bytes[k] = k + 1;
		out = encode_cuts(tricky_inputs[i].s, len, bytes, len > 0 ? len - 1 : 0, &m);
		cr_assert_eq(m, n);
		cr_assert(memcmp(out, whole, n) == 0, "input %zu byte by byte", i);
		free(out);
		free(whole);
	}
}

Test(msgenc, smuggling_sequences_never_survive)
{
	static const char *const seq[] = {
		"\n.\n",   "\r.\r",   "\r.\n",	 "\n.\r",	"\n.\r\n",
		"\r\n.\n", "\r.\r\n", "\r\n.\r", "\r\n\0.\r\n", "\r\n.\0\r\n",
	};
	static const size_t seqlen[] = {3, 3, 3, 3, 4, 4, 4, 4, 6, 6};

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		char in[128];
		size_t len = 0, n;
		char *out;
		const char *tail =
			"MAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.com>\r\n";

		memcpy(in, "Subject: hi\r\n\r\nbody", 19);
		len = 19;
		memcpy(in + len, seq[i], seqlen[i]);
		len += seqlen[i];
		memcpy(in + len, tail, strlen(tail));
		len += strlen(tail);
		out = encode_whole(in, len, &n, NULL);
		assert_clean(out, n);
		/* The only <CRLF>.<CRLF> is the one msgenc_finish wrote. */
		for (size_t k = 0; k + 5 <= n; k++)
			if (memcmp(out + k, "\r\n.\r\n", 5) == 0)
				cr_assert_eq(k, n - 5, "sequence %zu ends the data early at %zu", i,
					     k);
		free(out);
	}
}

Test(msgenc, ten_megabytes_in_constant_memory)
{
	enum { CHUNK = 65536 };
	static char in[CHUNK];
	static char out[MSGENC_BOUND(CHUNK) + MSGENC_FINISH_MAX];
	unsigned long long total = 0, expect_out = 0;
	struct msgenc e;
	int last = '\n';

	/* The whole encoder state is the caller's fixed-size struct: nothing else is kept. */
	cr_assert_leq(sizeof(struct msgenc), 128);
	for (size_t i = 0; i < CHUNK; i++)
		in[i] = (i % 77 == 76) ? '\n' : (i % 77 == 0) ? '.' : (char)('a' + i % 26);
	msgenc_init(&e);
	while (total < 10ULL * 1024 * 1024) {
		size_t n = msgenc_feed(&e, in, CHUNK, out);

		cr_assert_leq(n, sizeof(out));
		for (size_t k = 0; k < n; k++) {
			if (out[k] == '\n')
				cr_assert_eq(k > 0 ? out[k - 1] : last, '\r');
		}
		last = out[n - 1];
		total += CHUNK;
	}
	msgenc_finish(&e, out);
	/* Count what must come out: 2 for a line end or a stuffed dot, 1 for any other byte. */
	{
		char prev = '\n';

		for (unsigned long long i = 0; i < total; i++) {
			char c = in[i % CHUNK];

			expect_out += (c == '\n' || (c == '.' && prev == '\n')) ? 2 : 1;
			prev = c;
		}
		if (prev != '\n')
			expect_out += 2;
	}
	cr_assert_eq(e.out_bytes, expect_out + 3);
	cr_assert_eq(e.in_bytes, total);
	cr_assert_eq(e.fixed_lf, e.lines - (in[CHUNK - 1] != '\n' ? 1 : 0));
}

/* Lint text in one go with options. */
static void
lint_text(struct lint *l, const char *s, size_t len, const struct lint_options *o)
{
	lint_init(l, o);
	lint_feed(l, s, len);
	lint_finish(l);
}

/* True when the lint holds kind at line. */
static bool
has_issue(const struct lint *l, enum lint_kind k, unsigned long long line)
{
	for (size_t i = 0; i < l->nissues; i++)
		if (l->issues[i].kind == k && l->issues[i].line == line)
			return true;
	return false;
}

Test(lint, issues_with_line_numbers)
{
	const char body[] = "Subject: x\r\n"  /* 1 */
			    "\r\n"	      /* 2 */
			    "hello\r\n"	      /* 3 */
			    ".\r\n"	      /* 4 */
			    ".hidden\r\n"     /* 5 */
			    "bare lf\n"	      /* 6 */
			    "bare cr\r"	      /* 7 */
			    "nul\0here\r\n"   /* 8 */
			    "caf\xc3\xa9\r\n" /* 9 */
			    "end";	      /* 10 */
	struct lint l;

	lint_text(&l, body, sizeof(body) - 1, NULL);
	cr_assert(has_issue(&l, LINT_LONE_DOT, 4));
	cr_assert(has_issue(&l, LINT_LEADING_DOT, 5));
	cr_assert(has_issue(&l, LINT_BARE_LF, 6));
	cr_assert(has_issue(&l, LINT_BARE_CR, 7));
	cr_assert(has_issue(&l, LINT_NUL, 8));
	cr_assert(has_issue(&l, LINT_8BIT, 9));
	cr_assert_eq(l.nissues, 6, "issues: %zu", l.nissues);
	cr_assert_eq(l.counts[LINT_LEADING_DOT], 1);
	cr_assert_eq(l.counts[LINT_LONE_DOT], 1);
	cr_assert_eq(l.line, 11, "ten lines seen");
}

Test(lint, eightbit_options)
{
	const char msg[] = "Subject: caf\xc3\xa9\r\n\r\ncaf\xc3\xa9\r\n";
	struct lint_options o = {0};
	struct lint l;

	lint_text(&l, msg, sizeof(msg) - 1, &o);
	cr_assert(has_issue(&l, LINT_UTF8_HEADER, 1));
	cr_assert(has_issue(&l, LINT_8BIT, 3));
	cr_assert_eq(l.nissues, 2);
	o.eightbitmime = true;
	lint_text(&l, msg, sizeof(msg) - 1, &o);
	cr_assert(has_issue(&l, LINT_UTF8_HEADER, 1));
	cr_assert_eq(l.nissues, 1);
	o.smtputf8 = true;
	lint_text(&l, msg, sizeof(msg) - 1, &o);
	cr_assert_eq(l.nissues, 0);
}

Test(lint, long_lines)
{
	static char buf[3000];
	struct lint l;

	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "\r\n", 2);	       /* line 1 empty: the rest is body */
	buf[2 + 998] = '\n';	       /* line 2: 998 octets, fine */
	buf[2 + 998 + 1 + 999] = '\n'; /* line 3: 999 octets, too long */
	lint_text(&l, buf, 2 + 998 + 1 + 999 + 1, NULL);
	cr_assert(has_issue(&l, LINT_LONG_LINE, 3));
	cr_assert_not(has_issue(&l, LINT_LONG_LINE, 2));
	cr_assert_eq(l.counts[LINT_LONG_LINE], 1);
	/* A stuffed dot does not count toward the limit. */
	buf[2 + 998 + 1] = '.';
	memset(buf + 2 + 998 + 2, 'y', 997);
	buf[2 + 998 + 1 + 998] = '\n';
	lint_text(&l, buf, 2 + 998 + 1 + 998 + 1, NULL);
	cr_assert_eq(l.counts[LINT_LONG_LINE], 0);
	cr_assert_eq(l.counts[LINT_LEADING_DOT], 1);
}

Test(lint, size_matches_encoder_and_over_size)
{
	for (size_t i = 0; i < NTRICKY; i++) {
		size_t len = tricky_inputs[i].len, n;
		struct lint_options o = {.size_limit = 0};
		struct lint l;
		char *out = encode_whole(tricky_inputs[i].s, len, &n, NULL);

		lint_text(&l, tricky_inputs[i].s, len, &o);
		cr_assert_eq(l.size, n - 3, "input %zu: lint %llu, wire %zu", i, l.size, n - 3);
		cr_assert_eq(l.counts[LINT_OVER_SIZE], 0);
		o.size_limit = l.size;
		lint_text(&l, tricky_inputs[i].s, len, &o);
		cr_assert_eq(l.counts[LINT_OVER_SIZE], 0, "exactly SIZE is allowed");
		if (l.size > 1) {
			o.size_limit = l.size - 1;
			lint_text(&l, tricky_inputs[i].s, len, &o);
			cr_assert_eq(l.counts[LINT_OVER_SIZE], 1);
		}
		free(out);
	}
}

Test(lint, chunking_independence)
{
	for (size_t i = 0; i < NTRICKY; i++) {
		size_t len = tricky_inputs[i].len;
		struct lint whole, split;

		lint_text(&whole, tricky_inputs[i].s, len, NULL);
		for (size_t a = 0; a <= len; a++) {
			lint_init(&split, NULL);
			lint_feed(&split, tricky_inputs[i].s, a);
			lint_feed(&split, tricky_inputs[i].s + a, len - a);
			lint_finish(&split);
			cr_assert_eq(split.nissues, whole.nissues, "input %zu cut %zu", i, a);
			cr_assert(memcmp(split.issues, whole.issues,
					 whole.nissues * sizeof(whole.issues[0])) == 0);
			cr_assert(memcmp(split.counts, whole.counts, sizeof(whole.counts)) == 0);
			cr_assert_eq(split.size, whole.size);
		}
	}
}

Test(lint, only_first_issues_kept_counts_complete)
{
	static char buf[150 * 3];
	struct lint l;

	for (size_t i = 0; i < 150; i++)
		memcpy(buf + 3 * i, ".x\n", 3);
	lint_text(&l, buf, sizeof(buf), NULL);
	cr_assert_eq(l.counts[LINT_LEADING_DOT], 150);
	cr_assert_eq(l.counts[LINT_BARE_LF], 150);
	cr_assert_eq(l.nissues, LINT_ISSUES_MAX);
	cr_assert_eq(l.issues[0].line, 1);
	cr_assert_eq(l.issues[LINT_ISSUES_MAX - 1].line, 50);
}

Test(lint, kind_names_and_texts)
{
	for (int i = 0; i < LINT_KIND_COUNT; i++) {
		const char *n = lint_kind_name((enum lint_kind)i);

		cr_assert_not_null(n);
		cr_assert_gt(strlen(lint_kind_text((enum lint_kind)i)), 10);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(n, lint_kind_name((enum lint_kind)j));
	}
	cr_assert_str_eq(lint_kind_name(LINT_LONE_DOT), "lone-dot");
	cr_assert_str_eq(lint_kind_name(LINT_BARE_LF), "bare-lf");
}

Test(message, date_rfc5322)
{
	char buf[64];

	setenv("TZ", "UTC", 1);
	tzset();
	message_date(1700000000LL, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Tue, 14 Nov 2023 22:13:20 +0000");
	setenv("TZ", "EST5", 1);
	tzset();
	message_date(1700000000LL, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Tue, 14 Nov 2023 17:13:20 -0500");
}

/* The value of header name in msg (up to CRLF), or NULL. */
static char *
header_value(const char *msg, const char *name)
{
	size_t nl = strlen(name);
	const char *p = msg;

	while (*p != '\0' && !(p[0] == '\r' && p[1] == '\n')) {
		const char *eol = strstr(p, "\r\n");

		cr_assert_not_null(eol);
		if (strncmp(p, name, nl) == 0 && p[nl] == ':' && p[nl + 1] == ' ') {
			size_t vl = (size_t)(eol - p) - nl - 2;
			char *v = malloc(vl + 1);

			memcpy(v, p + nl + 2, vl);
			v[vl] = '\0';
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

Test(message, build_fields)
{
	struct message_fields f = {
		.from = "Alice <alice@example.com>",
		.to = {"bob@example.net", "carol@example.org"},
		.nto = 2,
		.subject = "Hello",
		.headers = {"X-Test: 1"},
		.nheaders = 1,
		.body = "line one\nline two",
		.hostname = "client.example",
	};
	char *msg = NULL, err[128], *v;
	size_t len = 0;

	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(strlen(msg), len);
	v = header_value(msg, "From");
	cr_assert_str_eq(v, "Alice <alice@example.com>");
	free(v);
	cr_assert(strstr(msg, "\r\nTo: bob@example.net,\r\n carol@example.org\r\n") != NULL, "%s",
		  msg);
	v = header_value(msg, "Subject");
	cr_assert_str_eq(v, "Hello");
	free(v);
	v = header_value(msg, "MIME-Version");
	cr_assert_str_eq(v, "1.0");
	free(v);
	v = header_value(msg, "Content-Type");
	cr_assert_str_eq(v, "text/plain; charset=us-ascii");
	free(v);
	v = header_value(msg, "Content-Transfer-Encoding");
	cr_assert_str_eq(v, "7bit");
	free(v);
	v = header_value(msg, "X-Test");
	cr_assert_str_eq(v, "1");
	free(v);
	v = header_value(msg, "Message-ID");
	cr_assert_not_null(v);
	{
		char hex[64], host[64];
		long long t = 0;
		char close = 0;

		cr_assert_eq(sscanf(v, "<%63[0-9a-f].%lld@%63[^>]%c", hex, &t, host, &close), 4,
			     "%s", v);
		cr_assert_geq(strlen(hex), 16);
		cr_assert_str_eq(host, "client.example");
		cr_assert_eq(close, '>');
		cr_assert_lt(llabs(t - (long long)time(NULL)), 100);
	}
	free(v);
	v = header_value(msg, "Date");
	cr_assert_not_null(v);
	cr_assert_eq(strlen(v), 31, "%s", v);
	free(v);
	cr_assert(strstr(msg, "\r\n\r\nline one\r\nline two\r\n") != NULL);
	cr_assert(len >= 2 && memcmp(msg + len - 2, "\r\n", 2) == 0);
	for (size_t i = 0; i < len; i++)
		if (msg[i] == '\n')
			cr_assert_eq(msg[i - 1], '\r');
	free(msg);
}

Test(message, build_defaults_and_utf8)
{
	struct message_fields f = {
		.from = "a@example.com",
		.to = {"b@example.com"},
		.nto = 1,
		.subject = "Caf\xc3\xa9 \xe2\x82\xac 1234567890 1234567890 1234567890 1234567890",
		.body = "Gr\xc3\xbc\xc3\x9f"
			"e\r\n",
		.date = "Tue, 14 Nov 2023 22:13:20 +0000",
		.message_id = "<fixed@example>",
	};
	char *msg = NULL, err[128], *v, *p, decoded[256];
	size_t len, dl = 0;

	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), 0, "%s", err);
	v = header_value(msg, "Date");
	cr_assert_str_eq(v, "Tue, 14 Nov 2023 22:13:20 +0000");
	free(v);
	v = header_value(msg, "Message-ID");
	cr_assert_str_eq(v, "<fixed@example>");
	free(v);
	v = header_value(msg, "Content-Type");
	cr_assert_str_eq(v, "text/plain; charset=utf-8");
	free(v);
	v = header_value(msg, "Content-Transfer-Encoding");
	cr_assert_str_eq(v, "8bit");
	free(v);
	/* The subject: folded encoded-words, each at most 75 characters, decoding to the text. */
	p = strstr(msg, "Subject: ");
	cr_assert_not_null(p);
	p += 9;
	for (;;) {
		char *end = strstr(p, "?=");
		size_t n;
		unsigned char *d;

		cr_assert(strncmp(p, "=?UTF-8?B?", 10) == 0, "%s", p);
		cr_assert_not_null(end);
		cr_assert_leq((size_t)(end + 2 - p), 75);
		d = b64_decode(p + 10, (size_t)(end - p - 10), &n);
		cr_assert_not_null(d);
		memcpy(decoded + dl, d, n);
		dl += n;
		free(d);
		p = end + 2;
		if (strncmp(p, "\r\n ", 3) != 0)
			break;
		p += 3;
	}
	cr_assert(strncmp(p, "\r\n", 2) == 0);
	decoded[dl] = '\0';
	cr_assert_str_eq(decoded, f.subject);
	free(msg);

	/* Everything left out: default subject and body, no To. */
	memset(&f, 0, sizeof(f));
	f.from = "a@example.com";
	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), 0, "%s", err);
	v = header_value(msg, "Subject");
	cr_assert_str_eq(v, "ehlo test");
	free(v);
	cr_assert_null(header_value(msg, "To"));
	v = header_value(msg, "Message-ID");
	cr_assert(strstr(v, "@ehlo.invalid>") != NULL, "%s", v);
	free(v);
	free(msg);
}

Test(message, header_override)
{
	struct message_fields f = {
		.from = "a@example.com",
		.headers = {"Content-Type: text/html; charset=utf-8", "subject: mine"},
		.nheaders = 2,
	};
	char *msg = NULL, err[128], *v;
	size_t len;

	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), 0, "%s", err);
	v = header_value(msg, "Content-Type");
	cr_assert_str_eq(v, "text/html; charset=utf-8");
	free(v);
	cr_assert_null(header_value(msg, "Subject"), "the generated Subject is replaced");
	cr_assert(strstr(msg, "\r\nsubject: mine\r\n") != NULL);
	free(msg);
}

Test(message, injection_refused)
{
	struct message_fields base = {
		.from = "a@example.com",
		.to = {"b@example.com"},
		.nto = 1,
	};
	struct message_fields f;
	char *msg = (char *)1, err[128];
	size_t len;

	f = base;
	f.subject = "hi\r\nBcc: victim@example.com";
	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), -1);
	cr_assert_null(msg);
	cr_assert(strstr(err, "Subject") != NULL, "%s", err);
	f = base;
	f.from = "a@example.com\nX-Evil: 1";
	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), -1);
	f = base;
	f.to[0] = "b@example.com\rRCPT TO:<c@example.com>";
	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), -1);
	f = base;
	f.headers[0] = "X-A: 1\r\n\r\nbody";
	f.nheaders = 1;
	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), -1);
	f = base;
	f.headers[0] = "no colon here";
	f.nheaders = 1;
	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), -1);
	cr_assert(strstr(err, "Name: value") != NULL, "%s", err);
	f = base;
	f.headers[0] = "Bad Name: x";
	f.nheaders = 1;
	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), -1);
	f = base;
	f.headers[0] = ": empty name";
	f.nheaders = 1;
	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), -1);
	f = base;
	f.from = NULL;
	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), -1);
	f = base;
	f.hostname = "evil>\r\nX: y";
	cr_assert_eq(message_build(&f, &msg, &len, err, sizeof(err)), -1);
}
