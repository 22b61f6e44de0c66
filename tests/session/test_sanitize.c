/*
 * test_sanitize.c: unit tests of session/sanitize.c: terminal escapes, C0/C1/DEL, bidi
 * controls, strict UTF-8, truncation at character boundaries and SANITIZE_BOUND.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

/* Sanitize len bytes of s into a static buffer. */
static const char *
ts_run(const char *s, size_t len)
{
	static char out[1024];
	size_t n = sanitize(s, len, out, sizeof(out));

	cr_assert_eq(n, strlen(out));
	return out;
}

/* True when out holds no byte a terminal would act on, and only valid, safe UTF-8. */
static bool
ts_safe(const char *out)
{
	const unsigned char *s = (const unsigned char *)out;

	for (size_t i = 0; s[i] != '\0';) {
		uint32_t cp;
		size_t n;

		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = s[i] & 0x07;
		} else {
			return false;
		}
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < 0xa0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		if (cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			return false;
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
			return false;
		i += n;
	}
	return true;
}

Test(sanitize, printable_ascii_passes)
{
	cr_assert_str_eq(ts_run("250 mx.example.com ESMTP ready", 30),
			 "250 mx.example.com ESMTP ready");
	cr_assert_str_eq(ts_run("", 0), "");
}

Test(sanitize, escape_sequences)
{
	/* Clear screen, cursor home, colour. */
	cr_assert_str_eq(ts_run("\x1b[2J\x1b[H\x1b[31mred", 15), "^[[2J^[[H^[[31mred");
	/* OSC window title, ended by BEL and by ST. */
	cr_assert_str_eq(ts_run("\x1b]0;pwned\x07", 10), "^[]0;pwned^G");
	cr_assert_str_eq(ts_run("\x1b]2;t\x1b\\", 7), "^[]2;t^[\\");
}

Test(sanitize, c0_del_tab)
{
	cr_assert_str_eq(ts_run("a\tb", 3), "a b");
	cr_assert_str_eq(ts_run("a\r\nb", 4), "a^M^Jb");
	cr_assert_str_eq(ts_run("\x00\x01\x1f\x7f", 4), "^@^A^_^?");
	cr_assert_str_eq(ts_run("\b\b\bX", 4), "^H^H^HX");
}

Test(sanitize, c1_controls)
{
	/* U+009B (CSI) and U+0085 (NEL) encoded in UTF-8. */
	cr_assert_str_eq(ts_run("\302\23331m", 5), "<U+009B>31m");
	cr_assert_str_eq(ts_run("a\302\205b", 4), "a<U+0085>b");
	cr_assert_str_eq(ts_run("\xc2\x80\xc2\x9f", 4), "<U+0080><U+009F>");
	/* The first character past C1 passes. */
	cr_assert_str_eq(ts_run("\xc2\xa0", 2), "\xc2\xa0");
	/* A lone 8-bit C1 byte is not UTF-8. */
	cr_assert_str_eq(ts_run("\2332J", 3), "\\x9b2J");
}

Test(sanitize, bidi_controls)
{
	cr_assert_str_eq(ts_run("abc\342\200\256fdp.exe", 13), "abc<U+202E>fdp.exe");
	cr_assert_str_eq(ts_run("\xe2\x80\x8e\xe2\x80\x8f", 6), "<U+200E><U+200F>");
	cr_assert_str_eq(ts_run("\xe2\x80\xaa\xe2\x80\xac", 6), "<U+202A><U+202C>");
	cr_assert_str_eq(ts_run("\xe2\x81\xa6\xe2\x81\xa9", 6), "<U+2066><U+2069>");
	/* Neighbours are ordinary characters. */
	cr_assert_str_eq(ts_run("\xe2\x80\x90\xe2\x81\xaa", 6), "\xe2\x80\x90\xe2\x81\xaa");
}

Test(sanitize, valid_utf8_passes)
{
	const char *s = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbd";

	cr_assert_str_eq(ts_run(s, strlen(s)), s);
}

Test(sanitize, invalid_utf8)
{
	/* Overlongs. */
	cr_assert_str_eq(ts_run("\xc0\xaf", 2), "\\xc0\\xaf");
	cr_assert_str_eq(ts_run("\xc1\xbf", 2), "\\xc1\\xbf");
	cr_assert_str_eq(ts_run("\xe0\x80\xaf", 3), "\\xe0\\x80\\xaf");
	cr_assert_str_eq(ts_run("\xf0\x80\x80\xaf", 4), "\\xf0\\x80\\x80\\xaf");
	/* Surrogates. */
	cr_assert_str_eq(ts_run("\xed\xa0\x80", 3), "\\xed\\xa0\\x80");
	cr_assert_str_eq(ts_run("\xed\xbf\xbf", 3), "\\xed\\xbf\\xbf");
	/* Over U+10FFFF, and bytes never valid. */
	cr_assert_str_eq(ts_run("\xf4\x90\x80\x80", 4), "\\xf4\\x90\\x80\\x80");
	cr_assert_str_eq(ts_run("\xf5\xfe\xff", 3), "\\xf5\\xfe\\xff");
	/* Truncated sequences, and a stray continuation byte. */
	cr_assert_str_eq(ts_run("\xe2\x82", 2), "\\xe2\\x82");
	cr_assert_str_eq(ts_run("\342\202A", 3), "\\xe2\\x82A");
	cr_assert_str_eq(ts_run("\x80", 1), "\\x80");
	/* A valid character right after an invalid byte survives. */
	cr_assert_str_eq(ts_run("\xc3\xc3\xa9", 3), "\\xc3\xc3\xa9");
}

Test(sanitize, truncation_at_character_boundary)
{
	char out[16];

	/* "ab€": the euro sign needs 3 bytes plus the NUL. */
	cr_assert_eq(sanitize("ab\xe2\x82\xac", 5, out, 5), 2);
	cr_assert_str_eq(out, "ab");
	cr_assert_eq(sanitize("ab\xe2\x82\xac", 5, out, 6), 5);
	cr_assert_str_eq(out, "ab\xe2\x82\xac");
	/* A mark is never cut in half. */
	cr_assert_eq(sanitize("a\x1b", 2, out, 3), 1);
	cr_assert_str_eq(out, "a");
	cr_assert_eq(sanitize("a\xff", 2, out, 5), 1);
	cr_assert_str_eq(out, "a");
	cr_assert_eq(sanitize("a\xc2\x85", 3, out, 9), 1);
	cr_assert_str_eq(out, "a");
	cr_assert_eq(sanitize("a\xc2\x85", 3, out, 10), 9);
	/* outcap 1: only the NUL; outcap 0: nothing written at all. */
	out[0] = 'z';
	cr_assert_eq(sanitize("abc", 3, out, 1), 0);
	cr_assert_str_eq(out, "");
	out[0] = 'z';
	cr_assert_eq(sanitize("abc", 3, out, 0), 0);
	cr_assert_eq(out[0], 'z');
}

Test(sanitize, bound_holds)
{
	static char in[4096], out[SANITIZE_BOUND(4096)];
	unsigned seed = 12345;

	/* The worst cases: every byte invalid, every pair a C1, every triple a bidi mark. */
	memset(in, '\xff', sizeof(in));
	cr_assert_eq(sanitize(in, sizeof(in), out, sizeof(out)), 4 * sizeof(in));
	for (size_t i = 0; i + 1 < sizeof(in); i += 2)
		memcpy(in + i, "\xc2\x9b", 2);
	cr_assert_eq(sanitize(in, sizeof(in), out, sizeof(out)), 4 * sizeof(in));
	for (size_t i = 0; i + 2 < sizeof(in); i += 3)
		memcpy(in + i, "\xe2\x80\xae", 3);
	cr_assert_leq(sanitize(in, sizeof(in), out, sizeof(out)), 4 * sizeof(in));
	/* Random bytes: never truncated at the bound, always safe to print. */
	for (int round = 0; round < 200; round++) {
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(in));
		size_t n;

		for (size_t i = 0; i < len; i++)
			in[i] = (char)(rand_r(&seed) & 0xff);
		n = sanitize(in, len, out, SANITIZE_BOUND(len));
		cr_assert_lt(n, SANITIZE_BOUND(len));
		cr_assert(ts_safe(out), "round %d", round);
		/* With the bound, nothing is dropped: a second pass over more room agrees. */
		cr_assert_eq(sanitize(in, len, out, sizeof(out)), n);
	}
}

Test(sanitize, dup)
{
	char *s = sanitize_dup("x\x1b[0m\xc2\x9b", 7);

	cr_assert_not_null(s);
	cr_assert_str_eq(s, "x^[[0m<U+009B>");
	free(s);
	s = sanitize_dup("", 0);
	cr_assert_not_null(s);
	cr_assert_str_eq(s, "");
	free(s);
}
