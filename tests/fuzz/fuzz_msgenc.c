/*
 * fuzz_msgenc.c: libFuzzer target for the DATA encoder and the lint. The input is encoded
 * whole, in chunks whose sizes come from a hash of the input, and (when short) byte by
 * byte; every output must be identical, match a byte-at-a-time model, carry no bare CR, bare
 * LF or NUL, keep every dot-led line stuffed, and hold <CRLF>.<CRLF> only at its end. The
 * lint must agree with itself when split and with the encoder on the wire size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

/* Stop the run: libFuzzer reports the crash and saves the input. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

/* Encode data in chunks of fixed size, or of sizes drawn from seed when fixed is 0. */
static size_t
fuzz_encode(const uint8_t *data, size_t size, uint64_t seed, size_t fixed, char *out)
{
	struct msgenc e;
	size_t pos = 0, n = 0;

	msgenc_init(&e);
	while (pos < size) {
		size_t chunk;

		if (fixed > 0) {
			chunk = fixed;
		} else {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			chunk = (size_t)(seed % 67); /* zero-length chunks too */
		}
		if (chunk > size - pos)
			chunk = size - pos;
		n += msgenc_feed(&e, (const char *)data + pos, chunk, out + n);
		pos += chunk;
	}
	n += msgenc_finish(&e, out + n);
	FUZZ_CHECK(e.out_bytes == n);
	FUZZ_CHECK(e.in_bytes == size);
	return n;
}

/* The rules of message.h, one byte at a time. */
static size_t
fuzz_model(const uint8_t *in, size_t len, char *out)
{
	size_t o = 0;
	int st = 0; /* 0 start of line, 1 inside, 2 after CR */

	for (size_t i = 0; i < len; i++) {
		char c = (char)in[i];

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
	return o + 3;
}

/* The output is clean SMTP DATA. */
static void
fuzz_check_clean(const char *out, size_t n)
{
	FUZZ_CHECK(n >= 3 && memcmp(out + n - 3, ".\r\n", 3) == 0);
	FUZZ_CHECK(n == 3 || (n >= 5 && memcmp(out + n - 5, "\r\n.\r\n", 5) == 0));
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

/* FNV-1a of the input, the seed for the chunk sizes. */
static uint64_t
fuzz_hash(const uint8_t *data, size_t size)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ULL;
	return h | 1;
}

/* Entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = MSGENC_BOUND(size) + MSGENC_FINISH_MAX;
	char *whole = malloc(cap), *other = malloc(cap);
	size_t n, m;
	struct lint a, b;
	size_t cut;

	if (whole == NULL || other == NULL) {
		free(whole);
		free(other);
		return 0;
	}
	n = fuzz_encode(data, size, 0, size > 0 ? size : 1, whole);
	fuzz_check_clean(whole, n);

	m = fuzz_encode(data, size, fuzz_hash(data, size), 0, other);
	FUZZ_CHECK(m == n && memcmp(whole, other, n) == 0);
	if (size <= 1024) {
		m = fuzz_encode(data, size, 0, 1, other);
		FUZZ_CHECK(m == n && memcmp(whole, other, n) == 0);
	}
	m = fuzz_model(data, size, other);
	FUZZ_CHECK(m == n && memcmp(whole, other, n) == 0);

	lint_init(&a, &(struct lint_options){.size_limit = size});
	lint_feed(&a, (const char *)data, size);
	lint_finish(&a);
	FUZZ_CHECK(a.size + 3 == n);
	FUZZ_CHECK(a.nissues <= LINT_ISSUES_MAX);
	cut = size > 0 ? (size_t)(fuzz_hash(data, size) % (size + 1)) : 0;
	lint_init(&b, &(struct lint_options){.size_limit = size});
	lint_feed(&b, (const char *)data, cut);
	lint_feed(&b, (const char *)data + cut, size - cut);
	lint_finish(&b);
	FUZZ_CHECK(a.nissues == b.nissues && a.size == b.size && a.line == b.line);
	FUZZ_CHECK(memcmp(a.counts, b.counts, sizeof(a.counts)) == 0);
	FUZZ_CHECK(memcmp(a.issues, b.issues, a.nissues * sizeof(a.issues[0])) == 0);

	free(whole);
	free(other);
	return 0;
}
