/*
 * fuzz_reply.c: libFuzzer target for the reply parser and the protocol core.
 *
 * The input is parsed twice, whole and in chunks of pseudo-random sizes (1..97 bytes,
 * from a generator seeded by the input itself); both runs are serialized (every field of
 * every reply, then the error and the busy flag) and must be identical. Each reply is
 * checked against the caps and passed through the sanitizer. Then the same bytes are fed
 * to a proto that has pipelined a few commands, chunked again, answering 334 and 354 the
 * way a client would, and closed at the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "reply.h"
#include "sanitize.h"
#include "transcript.h"

struct fuzz_log {
	unsigned char *buf;
	size_t len, cap;
};

/* Append bytes to a log, growing it; aborts when memory runs out. */
static void
fuzz_log_put(struct fuzz_log *l, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (l->len + n > l->cap) {
		size_t ncap = l->cap ? l->cap : 4096;

		while (ncap < l->len + n)
			ncap *= 2;
		l->buf = realloc(l->buf, ncap);
		if (l->buf == NULL)
			abort();
		l->cap = ncap;
	}
	memcpy(l->buf + l->len, p, n);
	l->len += n;
}

/* Check one reply against the contract and serialize it. */
static void
fuzz_reply_check(struct fuzz_log *l, const struct reply *r)
{
	static char clean[SANITIZE_BOUND(REPLY_LINE_CAP)];
	size_t lines = 0;

	if (r->code < 200 || r->code > 559 || r->nlines < 1 || r->nlines > REPLY_LINES_CAP ||
	    r->rawlen > REPLY_RAW_CAP || r->raw == NULL || r->raw[r->rawlen] != '\0')
		abort();
	for (size_t i = 0; i < r->rawlen; i++)
		lines += r->raw[i] == '\n';
	if (lines != r->nlines || r->raw[r->rawlen - 1] != '\n')
		abort();
	fuzz_log_put(l, "R", 1);
	fuzz_log_put(l, &r->code, sizeof(r->code));
	fuzz_log_put(l, &r->nlines, sizeof(r->nlines));
	fuzz_log_put(l, &r->anomalies, sizeof(r->anomalies));
	fuzz_log_put(l, &r->rawlen, sizeof(r->rawlen));
	fuzz_log_put(l, r->raw, r->rawlen);
	for (size_t i = 0; i < r->nlines; i++) {
		const struct reply_line *ln = &r->lines[i];
		size_t elen = strlen(ln->enhanced), n;

		if (ln->len > REPLY_LINE_CAP || ln->text[ln->len] != '\0')
			abort();
		if (elen > 0 && (!reply_enhanced_valid(ln->enhanced, elen) ||
				 ln->enhanced[0] - '0' != r->code / 100))
			abort();
		fuzz_log_put(l, &ln->len, sizeof(ln->len));
		fuzz_log_put(l, ln->text, ln->len);
		fuzz_log_put(l, ln->enhanced, elen + 1);
		n = sanitize(ln->text, ln->len, clean, sizeof(clean));
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)clean[k] < 0x20 || clean[k] == 0x7f)
				abort();
	}
}

/* A small generator for chunk sizes, seeded from the input. */
static uint32_t
fuzz_next(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Seed the generator from the data (FNV-1a). */
static uint32_t
fuzz_seed(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h ? h : 1;
}

/* Parse data in chunks (step 0: whole, else random sizes) and serialize what comes out. */
static void
fuzz_parse(const uint8_t *data, size_t size, int chunked, struct fuzz_log *l)
{
	struct reply_parser rp;
	uint32_t rng = fuzz_seed(data, size);
	size_t off = 0;
	int failed = 0;

	reply_parser_init(&rp);
	while (off < size && !failed) {
		size_t chunk = chunked ? 1 + fuzz_next(&rng) % 97 : size - off;
		size_t pos = 0;

		if (chunk > size - off)
			chunk = size - off;
		while (pos < chunk) {
			struct reply r;
			size_t used = 0;
			enum reply_result res = reply_parser_feed(
				&rp, (const char *)data + off + pos, chunk - pos, &used, &r);

			if (used > chunk - pos)
				abort();
			if (res == REPLY_DONE) {
				if (used == 0)
					abort();
				fuzz_reply_check(l, &r);
				reply_free(&r);
				pos += used;
				continue;
			}
			if (res == REPLY_ERROR) {
				const char *e = reply_parser_error(&rp);

				if (e[0] == '\0' || strlen(e) >= REPLY_ERROR_MAX)
					abort();
				fuzz_log_put(l, "E", 1);
				fuzz_log_put(l, e, strlen(e) + 1);
				failed = 1;
				break;
			}
			if (used != chunk - pos)
				abort();
			pos = chunk;
		}
		off += chunk;
	}
	fuzz_log_put(l, reply_parser_busy(&rp) && !failed ? "B" : "-", 1);
	reply_parser_free(&rp);
}

/* Check the wire bytes a proto queued: every line ends in CRLF, no bare CR, LF or NUL. */
static void
fuzz_check_output(struct proto *p)
{
	size_t len;
	const char *out = proto_output(p, &len);

	for (size_t i = 0; i < len; i++) {
		if (out[i] == '\0')
			abort();
		if (out[i] == '\r' && (i + 1 >= len || out[i + 1] != '\n'))
			abort();
		if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r'))
			abort();
	}
	proto_output_consumed(p, len);
}

/* Drive a proto with the data as the server's side of a pipelined session. */
static void
fuzz_proto(const uint8_t *data, size_t size)
{
	static const char *const script[] = {
		"EHLO fuzz.example",
		"MAIL FROM:<a@example.org>",
		"RCPT TO:<b@example.org>",
		"DATA",
	};
	struct transcript *t = transcript_new();
	struct proto *p = proto_new();
	uint32_t rng = fuzz_seed(data, size) ^ 0x9e3779b9u;
	size_t off = 0;
	struct proto_event ev;
	int stop = 0;

	if (p == NULL || t == NULL)
		abort();
	proto_set_transcript(p, t);
	/* The first byte picks the opening: a plain pipeline, STARTTLS, or AUTH LOGIN. */
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++)
		proto_command(p, script[i], strlen(script[i]), 0, NULL, 0);
	if (size > 0 && data[0] % 3 == 1)
		proto_command(p, "STARTTLS", 8, 0, NULL, 0);
	else if (size > 0 && data[0] % 3 == 2)
		proto_command(p, "AUTH LOGIN", 10, 0, NULL, 0);
	while (off < size && !stop) {
		size_t chunk = 1 + fuzz_next(&rng) % 61, used = 0;
		int r;

		if (chunk > size - off)
			chunk = size - off;
		r = proto_feed(p, (const char *)data + off, chunk, &used, &ev);
		if (r < 0)
			break;
		if (used > chunk)
			abort();
		off += used;
		if (r == 0) {
			if (used != chunk)
				abort();
			continue;
		}
		if (ev.before >= PROTO_STATE_COUNT || ev.after >= PROTO_STATE_COUNT ||
		    ev.after != proto_state(p))
			abort();
		if (ev.kind == PROTO_EV_ERROR) {
			if (ev.error[0] == '\0' || proto_state(p) != PROTO_ERROR)
				abort();
			stop = 1;
		} else if (ev.answers == PROTO_CMD_DATA && ev.reply.code == 354) {
			proto_data_sent(p, 0, NULL, 0);
		} else if (proto_state(p) == PROTO_AUTH) {
			proto_command(p, "c2VjcmV0", 8, 0, NULL, 0);
		} else if (proto_state(p) == PROTO_TLS_WAIT && off == size) {
			proto_tls_started(p);
			proto_command(p, "EHLO again", 10, 0, NULL, 0);
		}
		proto_event_free(&ev);
		fuzz_check_output(p);
	}
	if (proto_closed(p, &ev) == 1)
		proto_event_free(&ev);
	for (size_t i = 0; i < transcript_count(t); i++) {
		const struct transcript_event *e = transcript_get(t, i);

		/* The server may echo anything; what we sent must stay masked. */
		if (e->dir == TRANSCRIPT_CLIENT && e->text != NULL &&
		    strstr(e->text, "c2VjcmV0") != NULL)
			abort();
	}
	proto_free(p);
	transcript_free(t);
}

/* No header declares the entry point; -Wmissing-prototypes wants one. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: parse whole and chunked, compare, then drive a proto. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_log whole = {0}, chunks = {0};

	fuzz_parse(data, size, 0, &whole);
	fuzz_parse(data, size, 1, &chunks);
	if (whole.len != chunks.len || memcmp(whole.buf, chunks.buf, whole.len) != 0)
		abort();
	free(whole.buf);
	free(chunks.buf);
	fuzz_proto(data, size);
	return 0;
}
