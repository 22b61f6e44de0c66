/*
 * wrap.c: widths and breaks of sanitized UTF-8 text (see wrap.h). Decoding is done here by
 * hand, so the result does not depend on the process locale; wide East Asian characters
 * and emoji count two columns, combining marks none.
 */
#include "wrap.h"

#include <stdbool.h>

/* Decode one UTF-8 character at s; returns its byte length (1 for a stray byte). */
static size_t
wrap_decode(const unsigned char *s, size_t len, unsigned long *cp)
{
	unsigned char c = s[0];
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		n = 2;
	else if ((c & 0xf0) == 0xe0)
		n = 3;
	else if ((c & 0xf8) == 0xf0)
		n = 4;
	else {
		*cp = 0xfffd;
		return 1;
	}
	if (n > len) {
		*cp = 0xfffd;
		return 1;
	}
	unsigned long v = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return n;
}

/* Columns one code point takes: 0 for combining marks, 2 for wide ones, else 1. */
static int
wrap_cp_width(unsigned long cp)
{
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x20d0 && cp <= 0x20ff))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

/* Columns the text takes. */
int
wrap_width(const char *s, size_t len)
{
	int w = 0;
	size_t i = 0;

	while (s != NULL && i < len) {
		unsigned long cp;
		i += wrap_decode((const unsigned char *)s + i, len - i, &cp);
		w += wrap_cp_width(cp);
	}
	return w;
}

/* Bytes that fit in cols columns. */
size_t
wrap_fit(const char *s, size_t len, int cols, int *used)
{
	int w = 0;
	size_t i = 0;

	while (i < len) {
		unsigned long cp;
		size_t n = wrap_decode((const unsigned char *)s + i, len - i, &cp);
		int cw = wrap_cp_width(cp);
		if (w + cw > cols)
			break;
		w += cw;
		i += n;
	}
	if (used != NULL)
		*used = w;
	return i;
}

/* Bytes for one row, word-wrapped. */
size_t
wrap_row(const char *s, size_t len, int cols, size_t *skip)
{
	size_t fit = wrap_fit(s, len, cols, NULL);

	*skip = 0;
	if (cols <= 0 || len == 0)
		return 0;
	if (fit == 0) {
		/* A character wider than the row: take it anyway so the caller moves on. */
		unsigned long cp;
		return wrap_decode((const unsigned char *)s, len, &cp);
	}
	if (fit < len) {
		/* Break after the last space, if it leaves the row at least a third full. */
		size_t brk = fit;
		if (s[fit] != ' ') {
			while (brk > 0 && s[brk - 1] != ' ')
				brk--;
			if (brk == 0 || wrap_width(s, brk) < cols / 3)
				brk = fit;
		}
		size_t k = brk;
		while (k < len && s[k] == ' ')
			k++;
		*skip = k - brk;
		return brk;
	}
	return fit;
}

/* Rows s takes when wrapped at cols. */
int
wrap_rows(const char *s, size_t len, int cols)
{
	int rows = 0;
	size_t i = 0;

	if (cols <= 0)
		return 1;
	while (i < len) {
		size_t skip;
		size_t n = wrap_row(s + i, len - i, cols, &skip);
		i += n + skip;
		rows++;
	}
	return rows > 0 ? rows : 1;
}
