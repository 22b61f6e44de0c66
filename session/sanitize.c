/*
 * sanitize.c: the visible form of untrusted bytes.
 *
 * One pass over the input decodes strict UTF-8 (no overlongs, no surrogates, nothing
 * over U+10FFFF) and maps each character to what a terminal may safely show: itself,
 * a caret mark for C0 and DEL, "<U+XXXX>" for C1 and bidi controls, "\xNN" for each byte
 * that is not part of a valid character. No mark is longer than 4 output bytes per input
 * byte, which is what SANITIZE_BOUND promises.
 */
#include "sanitize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Decode one UTF-8 character at in[0..len); its length, or 0 when invalid. */
static size_t
sanitize_utf8(const unsigned char *in, size_t len, uint32_t *cp)
{
	unsigned char c = in[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		*cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		*cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		*cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* over U+10FFFF */
	} else {
		return 0;
	}
	if (len < n || in[1] < lo || in[1] > hi)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((in[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (in[i] & 0x3f);
	}
	return n;
}

/* True for the bidi controls that can reorder what the reader sees. */
static int
sanitize_is_bidi(uint32_t cp)
{
	return cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Write the visible form of in[0..len) to out (always NUL-terminated when outcap > 0).
 * Truncates at a character boundary when out is too small. Returns bytes written.
 */
size_t
sanitize(const char *in, size_t len, char *out, size_t outcap)
{
	static const char hex[] = "0123456789abcdef", uhex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, i = 0;

	if (outcap == 0)
		return 0;
	while (i < len) {
		char mark[12];
		const char *src = mark;
		size_t n = 0, adv = 1;
		unsigned char c = s[i];
		uint32_t cp;

		if (c == '\t') {
			mark[n++] = ' ';
		} else if (c < 0x20) {
			mark[n++] = '^';
			mark[n++] = (char)(c + 0x40);
		} else if (c == 0x7f) {
			mark[n++] = '^';
			mark[n++] = '?';
		} else if (c < 0x80) {
			mark[n++] = (char)c;
		} else if ((adv = sanitize_utf8(s + i, len - i, &cp)) == 0) {
			adv = 1;
			mark[n++] = '\\';
			mark[n++] = 'x';
			mark[n++] = hex[c >> 4];
			mark[n++] = hex[c & 0xf];
		} else if ((cp >= 0x80 && cp <= 0x9f) || sanitize_is_bidi(cp)) {
			mark[n++] = '<';
			mark[n++] = 'U';
			mark[n++] = '+';
			for (int shift = 12; shift >= 0; shift -= 4)
				mark[n++] = uhex[(cp >> shift) & 0xf];
			mark[n++] = '>';
		} else {
			src = (const char *)s + i;
			n = adv;
		}
		if (o + n >= outcap)
			break;
		memcpy(out + o, src, n);
		o += n;
		i += adv;
	}
	out[o] = '\0';
	return o;
}

/* Same, into a malloc'd string the caller frees; NULL only when memory runs out. */
char *
sanitize_dup(const char *in, size_t len)
{
	char *out, *shrunk;
	size_t n;

	if (len > (SIZE_MAX - 1) / 4)
		return NULL;
	out = malloc(SANITIZE_BOUND(len));
	if (out == NULL)
		return NULL;
	n = sanitize(in, len, out, SANITIZE_BOUND(len));
	/* Giving back the slack is optional: keep the big block when realloc fails. */
	shrunk = realloc(out, n + 1);
	if (shrunk == NULL)
		return out;
	return shrunk;
}
