/*
 * test_reply.c: unit tests of session/reply.c: the SMTP-FACTS vectors, every malformed
 * class with its message, anomalies, enhanced status codes, caps (a 1 MB line stays
 * bounded), and chunking: one byte at a time gives what the whole buffer gives.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

#define TR_LOG_MAX 65536

/* Append a printable summary of a reply to log (lines, enhanced codes, anomalies, raw). */
static void
tr_log_reply(char *log, size_t cap, const struct reply *r)
{
	size_t n = strlen(log);
	char esc[8192];

	n += (size_t)snprintf(log + n, cap - n, "[%d n=%zu a=%u", r->code, r->nlines, r->anomalies);
	for (size_t i = 0; i < r->nlines && n < cap; i++) {
		reply_escape(r->lines[i].text, r->lines[i].len, esc, sizeof(esc));
		n += (size_t)snprintf(log + n, cap - n, " {%s|%s}", esc, r->lines[i].enhanced);
	}
	reply_escape(r->raw, r->rawlen, esc, sizeof(esc));
	if (n < cap)
		snprintf(log + n, cap - n, " raw=%s]", esc);
}

/* Feed buf in chunks of at most step bytes (0: whole) and log every reply and error. */
static void
tr_run(const char *buf, size_t len, size_t step, char *log, size_t cap)
{
	struct reply_parser rp;
	size_t off = 0;

	log[0] = '\0';
	reply_parser_init(&rp);
	while (off < len) {
		size_t chunk = step == 0 || len - off < step ? len - off : step;
		size_t pos = 0;

		while (pos < chunk) {
			struct reply r;
			size_t used = 0;
			enum reply_result res =
				reply_parser_feed(&rp, buf + off + pos, chunk - pos, &used, &r);

			if (res == REPLY_DONE) {
				tr_log_reply(log, cap, &r);
				reply_free(&r);
				pos += used;
			} else if (res == REPLY_ERROR) {
				size_t n = strlen(log);

				snprintf(log + n, cap - n, "ERROR(%s)", reply_parser_error(&rp));
				reply_parser_free(&rp);
				return;
			} else {
				cr_assert_eq(used, chunk - pos);
				pos = chunk;
			}
		}
		off += chunk;
	}
	if (reply_parser_busy(&rp)) {
		size_t n = strlen(log);

		snprintf(log + n, cap - n, "BUSY");
	}
	reply_parser_free(&rp);
}

/* Parse exactly one reply from s; fail the test otherwise. */
static void
tr_one(const char *s, struct reply *r)
{
	struct reply_parser rp;
	size_t used = 0;
	enum reply_result res;

	reply_parser_init(&rp);
	res = reply_parser_feed(&rp, s, strlen(s), &used, r);
	cr_assert_eq(res, REPLY_DONE, "no reply from \"%s\": %s", s, reply_parser_error(&rp));
	cr_assert_eq(used, strlen(s), "used %zu of %zu", used, strlen(s));
	cr_assert_not(reply_parser_busy(&rp));
	reply_parser_free(&rp);
}

/* The error feeding s gives (whole buffer), or "" when there is none. */
static const char *
tr_error(const char *s, size_t len)
{
	static char err[REPLY_ERROR_MAX];
	struct reply_parser rp;
	size_t off = 0;

	err[0] = '\0';
	reply_parser_init(&rp);
	while (off < len) {
		struct reply r;
		size_t used = 0;
		enum reply_result res = reply_parser_feed(&rp, s + off, len - off, &used, &r);

		off += used;
		if (res == REPLY_DONE) {
			reply_free(&r);
			continue;
		}
		if (res == REPLY_ERROR) {
			snprintf(err, sizeof(err), "%s", reply_parser_error(&rp));
			/* Stays in error until reset. */
			cr_assert_eq(reply_parser_feed(&rp, "250 ok\r\n", 8, &used, &r),
				     REPLY_ERROR);
			cr_assert_eq(used, 0);
		}
		break;
	}
	reply_parser_free(&rp);
	return err;
}

Test(reply, multiline_vector)
{
	struct reply r;

	tr_one("250-First line\r\n250-Second line\r\n250-234 Text beginning with numbers\r\n"
	       "250 The last line\r\n",
	       &r);
	cr_assert_eq(r.code, 250);
	cr_assert_eq(r.nlines, 4);
	cr_assert_str_eq(r.lines[0].text, "First line");
	cr_assert_str_eq(r.lines[1].text, "Second line");
	cr_assert_str_eq(r.lines[2].text, "234 Text beginning with numbers");
	cr_assert_str_eq(r.lines[3].text, "The last line");
	cr_assert_eq(r.lines[3].len, 13);
	cr_assert_str_eq(r.lines[2].enhanced, "");
	cr_assert_eq(r.anomalies, 0);
	cr_assert_eq(r.rawlen, 89);
	cr_assert_eq(memcmp(r.raw, "250-First line\r\n", 16), 0);
	reply_free(&r);
}

Test(reply, bare_code_is_valid)
{
	struct reply r;

	tr_one("250\r\n", &r);
	cr_assert_eq(r.code, 250);
	cr_assert_eq(r.nlines, 1);
	cr_assert_str_eq(r.lines[0].text, "");
	cr_assert_eq(r.lines[0].len, 0);
	reply_free(&r);

	tr_one("221 \r\n", &r);
	cr_assert_eq(r.code, 221);
	cr_assert_str_eq(r.lines[0].text, "");
	reply_free(&r);
}

Test(reply, codes_differ)
{
	cr_assert_str_eq(tr_error("250-a\r\n251 b\r\n", 14),
			 "codes differ within one reply: 250 then 251");
}

Test(reply, malformed_codes_from_facts)
{
	cr_assert_str_eq(tr_error("199 x\r\n", 7),
			 "reply code out of range (first digit 2-5, second 0-5): \"199 x\"");
	cr_assert_str_eq(tr_error("600 x\r\n", 7),
			 "reply code out of range (first digit 2-5, second 0-5): \"600 x\"");
	cr_assert_str_eq(tr_error("260 x\r\n", 7),
			 "reply code out of range (first digit 2-5, second 0-5): \"260 x\"");
	cr_assert_str_eq(tr_error("2500\r\n", 6),
			 "reply code not followed by a space or a hyphen: \"2500\"");
	cr_assert_str_eq(tr_error("25\r\n", 4),
			 "reply line does not start with a 3-digit code: \"25\"");
	cr_assert_str_eq(tr_error("abc\r\n", 5),
			 "reply line does not start with a 3-digit code: \"abc\"");
	cr_assert_str_eq(tr_error("\r\n", 2),
			 "reply line does not start with a 3-digit code: \"\"");
	cr_assert_str_eq(tr_error("2a0 x\r\n", 7),
			 "reply line does not start with a 3-digit code: \"2a0 x\"");
	cr_assert_str_eq(tr_error("250_x\r\n", 7),
			 "reply code not followed by a space or a hyphen: \"250_x\"");
	/* The edges of the range are fine. */
	cr_assert_str_eq(tr_error("200 a\r\n559 b\r\n", 14), "");
}

Test(reply, error_shows_bytes_escaped)
{
	cr_assert_str_eq(tr_error("\x1b[2J\"q\\\r\n", 10),
			 "reply line does not start with a 3-digit code: \"\\x1b[2J\\\"q\\\\\"");
	cr_assert_str_eq(tr_error("250 a\x00z\r\n", 9), "NUL byte in reply: \"250 a\"");
	cr_assert_str_eq(tr_error("\x00", 1), "NUL byte in reply: \"\"");
}

Test(reply, error_mid_reply_and_after_good_reply)
{
	/* The first reply is delivered, then the second one errs. */
	char log[TR_LOG_MAX];

	tr_run("220 hi\r\n250-x\r\nxyz\r\n", 21, 0, log, sizeof(log));
	cr_assert(strstr(log, "[220 n=1") == log, "%s", log);
	cr_assert(strstr(log, "ERROR(reply line does not start with a 3-digit code: \"xyz\")") !=
			  NULL,
		  "%s", log);
}

Test(reply, lf_only_anomaly)
{
	struct reply r;

	tr_one("250-a\n250 b\n", &r);
	cr_assert_eq(r.nlines, 2);
	cr_assert_str_eq(r.lines[0].text, "a");
	cr_assert_str_eq(r.lines[1].text, "b");
	cr_assert(r.anomalies & REPLY_ANOM_LF_ONLY);
	cr_assert_eq(r.rawlen, 12);
	reply_free(&r);

	tr_one("250-a\r\n250 b\r\n", &r);
	cr_assert_not(r.anomalies & REPLY_ANOM_LF_ONLY);
	reply_free(&r);
}

Test(reply, bare_cr_and_8bit_anomalies)
{
	struct reply r;

	tr_one("250 a\rb\r\n", &r);
	cr_assert(r.anomalies & REPLY_ANOM_BARE_CR);
	cr_assert_str_eq(r.lines[0].text, "a\rb");
	reply_free(&r);

	tr_one("250 caf\xc3\xa9\r\n", &r);
	cr_assert(r.anomalies & REPLY_ANOM_8BIT);
	cr_assert_not(r.anomalies & REPLY_ANOM_BARE_CR);
	reply_free(&r);
}

Test(reply, long_line_anomaly_and_cap)
{
	char buf[REPLY_LINE_CAP + 16];
	struct reply r;
	size_t n;

	/* 510 octets of text + CRLF = 512: fine. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "250 ", 4);
	memcpy(buf + 510, "\r\n", 3);
	tr_one(buf, &r);
	cr_assert_eq(r.anomalies, 0);
	reply_free(&r);

	/* 513 octets: over the RFC, under the cap. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "250 ", 4);
	memcpy(buf + 511, "\r\n", 3);
	tr_one(buf, &r);
	cr_assert(r.anomalies & REPLY_ANOM_LONG_LINE);
	cr_assert_eq(r.lines[0].len, 507);
	reply_free(&r);

	/* Exactly the cap is accepted, one more byte is an error (with or without CR). */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "250 ", 4);
	memcpy(buf + REPLY_LINE_CAP, "\r\n", 3);
	tr_one(buf, &r);
	cr_assert_eq(r.lines[0].len, REPLY_LINE_CAP - 4);
	reply_free(&r);

	memcpy(buf + REPLY_LINE_CAP, "a\r\n", 4);
	n = REPLY_LINE_CAP + 3;
	cr_assert(strncmp(tr_error(buf, n), "reply line longer than 4096 bytes", 33) == 0, "%s",
		  tr_error(buf, n));
	memcpy(buf + REPLY_LINE_CAP, "a\n", 3);
	n = REPLY_LINE_CAP + 2;
	cr_assert(strncmp(tr_error(buf, n), "reply line longer than 4096 bytes", 33) == 0);
}

Test(reply, one_megabyte_line_stays_bounded)
{
	size_t len = 1024 * 1024;
	char *buf = malloc(len);
	struct reply_parser rp;
	struct reply r;
	size_t used = 0, off = 0;
	enum reply_result res = REPLY_NEED_MORE;

	cr_assert_not_null(buf);
	memset(buf, 'x', len);
	memcpy(buf, "250 ", 4);
	reply_parser_init(&rp);
	/* In 1000-byte chunks, like a socket would deliver it. */
	while (off < len) {
		size_t chunk = len - off < 1000 ? len - off : 1000;

		res = reply_parser_feed(&rp, buf + off, chunk, &used, &r);
		if (res != REPLY_NEED_MORE)
			break;
		off += chunk;
	}
	cr_assert_eq(res, REPLY_ERROR);
	/* It stopped at the cap, not at the end of the data. */
	cr_assert_lt(off + used, (size_t)REPLY_LINE_CAP + 1000);
	cr_assert_lt(rp.rawcap, (size_t)REPLY_LINE_CAP * 4);
	cr_assert(strstr(reply_parser_error(&rp), "reply line longer than 4096 bytes") != NULL);
	cr_assert(strstr(reply_parser_error(&rp), "\"250 xxxx") != NULL);
	cr_assert(strlen(reply_parser_error(&rp)) < REPLY_ERROR_MAX);
	/* The rest is refused. */
	cr_assert_eq(reply_parser_feed(&rp, buf, len, &used, &r), REPLY_ERROR);
	cr_assert_eq(used, 0);
	reply_parser_free(&rp);
	free(buf);
}

Test(reply, too_many_lines)
{
	size_t cap = (REPLY_LINES_CAP + 2) * 8;
	char *buf = malloc(cap);
	size_t n = 0;
	struct reply r;

	cr_assert_not_null(buf);
	for (int i = 0; i < REPLY_LINES_CAP - 1; i++)
		n += (size_t)snprintf(buf + n, cap - n, "250-x\r\n");
	n += (size_t)snprintf(buf + n, cap - n, "250 x\r\n");
	tr_one(buf, &r);
	cr_assert_eq(r.nlines, REPLY_LINES_CAP);
	reply_free(&r);

	n -= 7;
	n += (size_t)snprintf(buf + n, cap - n, "250-x\r\n250 x\r\n");
	cr_assert_str_eq(tr_error(buf, n), "reply has more than 256 lines");
	free(buf);
}

Test(reply, raw_total_is_capped)
{
	/* Lines of 4000 bytes: the raw total cap comes before the line count cap. */
	size_t cap = REPLY_RAW_CAP + 8192;
	char *buf = malloc(cap);
	size_t n = 0;
	char want[64];

	cr_assert_not_null(buf);
	while (n < REPLY_RAW_CAP + 4096) {
		memcpy(buf + n, "250-", 4);
		memset(buf + n + 4, 'y', 3994);
		memcpy(buf + n + 3998, "\r\n", 2);
		n += 4000;
	}
	snprintf(want, sizeof(want), "reply longer than %d bytes", REPLY_RAW_CAP);
	cr_assert(strncmp(tr_error(buf, n), want, strlen(want)) == 0, "%s", tr_error(buf, n));
	free(buf);
}

Test(reply, enhanced_codes_per_line)
{
	struct reply r;

	tr_one("550-5.1.1 first\r\n550-no code here\r\n550 5.7.26 last\r\n", &r);
	cr_assert_str_eq(r.lines[0].enhanced, "5.1.1");
	cr_assert_str_eq(r.lines[0].text, "5.1.1 first");
	cr_assert_str_eq(r.lines[1].enhanced, "");
	cr_assert_str_eq(r.lines[2].enhanced, "5.7.26");
	reply_free(&r);

	tr_one("250 2.1.0\r\n", &r); /* followed by end of line */
	cr_assert_str_eq(r.lines[0].enhanced, "2.1.0");
	reply_free(&r);

	tr_one("451 4.123.456 x\r\n", &r);
	cr_assert_str_eq(r.lines[0].enhanced, "4.123.456");
	reply_free(&r);

	/* The class must match the reply's first digit. */
	tr_one("250 5.1.1 x\r\n", &r);
	cr_assert_str_eq(r.lines[0].enhanced, "");
	reply_free(&r);

	/* None for 3xx. */
	tr_one("354 3.0.0 go\r\n", &r);
	cr_assert_str_eq(r.lines[0].enhanced, "");
	reply_free(&r);

	/* Not followed by SP, too many digits, missing part. */
	tr_one("250 2.1.0x\r\n", &r);
	cr_assert_str_eq(r.lines[0].enhanced, "");
	reply_free(&r);
	tr_one("250 2.1234.0 x\r\n", &r);
	cr_assert_str_eq(r.lines[0].enhanced, "");
	reply_free(&r);
	tr_one("250 2.1 x\r\n", &r);
	cr_assert_str_eq(r.lines[0].enhanced, "");
	reply_free(&r);
}

Test(reply, enhanced_valid)
{
	cr_assert(reply_enhanced_valid("2.0.0", 5));
	cr_assert(reply_enhanced_valid("4.7.1", 5));
	cr_assert(reply_enhanced_valid("5.7.26", 6));
	cr_assert(reply_enhanced_valid("5.123.999", 9));
	cr_assert(reply_enhanced_valid("5.7.26 and more", 6));
	cr_assert_not(reply_enhanced_valid("3.0.0", 5));
	cr_assert_not(reply_enhanced_valid("1.0.0", 5));
	cr_assert_not(reply_enhanced_valid("6.0.0", 5));
	cr_assert_not(reply_enhanced_valid("5.1234.1", 8));
	cr_assert_not(reply_enhanced_valid("5.1.1234", 8));
	cr_assert_not(reply_enhanced_valid("5..1", 4));
	cr_assert_not(reply_enhanced_valid("5.1.", 4));
	cr_assert_not(reply_enhanced_valid("5.1.1.1", 7));
	cr_assert_not(reply_enhanced_valid("5.a.1", 5));
	cr_assert_not(reply_enhanced_valid("55.1.1", 6));
	cr_assert_not(reply_enhanced_valid("5.7.26 ", 7));
	cr_assert_not(reply_enhanced_valid("", 0));
	cr_assert_not(reply_enhanced_valid(NULL, 5));
}

Test(reply, leftover_bytes_not_consumed)
{
	struct reply_parser rp;
	struct reply r;
	size_t used = 0;
	const char *s = "250 a\r\n251 b\r\n25";

	reply_parser_init(&rp);
	cr_assert_eq(reply_parser_feed(&rp, s, strlen(s), &used, &r), REPLY_DONE);
	cr_assert_eq(used, 7);
	cr_assert_eq(r.code, 250);
	reply_free(&r);
	cr_assert_not(reply_parser_busy(&rp));
	cr_assert_eq(reply_parser_feed(&rp, s + 7, strlen(s) - 7, &used, &r), REPLY_DONE);
	cr_assert_eq(used, 7);
	cr_assert_eq(r.code, 251);
	reply_free(&r);
	cr_assert_eq(reply_parser_feed(&rp, s + 14, 2, &used, &r), REPLY_NEED_MORE);
	cr_assert_eq(used, 2);
	cr_assert(reply_parser_busy(&rp));
	reply_parser_free(&rp);
}

Test(reply, reset_forgets_partial_and_error)
{
	struct reply_parser rp;
	struct reply r;
	size_t used = 0;

	reply_parser_init(&rp);
	cr_assert_eq(reply_parser_feed(&rp, "250-part\r\n25", 12, &used, &r), REPLY_NEED_MORE);
	cr_assert(reply_parser_busy(&rp));
	reply_parser_reset(&rp);
	cr_assert_not(reply_parser_busy(&rp));
	cr_assert_eq(reply_parser_feed(&rp, "220 tls\r\n", 9, &used, &r), REPLY_DONE);
	cr_assert_eq(r.code, 220);
	cr_assert_eq(r.nlines, 1);
	reply_free(&r);

	cr_assert_eq(reply_parser_feed(&rp, "xx\r\n", 4, &used, &r), REPLY_ERROR);
	cr_assert_neq(reply_parser_error(&rp)[0], '\0');
	reply_parser_reset(&rp);
	cr_assert_str_eq(reply_parser_error(&rp), "");
	cr_assert_eq(reply_parser_feed(&rp, "250 ok\r\n", 8, &used, &r), REPLY_DONE);
	reply_free(&r);
	reply_parser_free(&rp);
}

/* Inputs for the chunking test: valid, anomalous, erroneous, several replies per buffer. */
static const char *const tr_chunk_inputs[] = {
	"220 mx.example.com ESMTP\r\n",
	("250-First line\r\n250-Second line\r\n250-234 Text beginning with numbers\r\n"
	 "250 The last line\r\n"),
	"250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n250 2.0.0 queued\r\n",
	"250-a\n250 b\n221 bye\r\n",
	"250 a\rb\r\n250\r\n",
	"250-a\r\n251 b\r\n",
	"199 x\r\n",
	"2500\r\n",
	"25\r\n",
	"abc\r\n",
	"250 ok\r\n250 x\x00y\r\n",
	"250 ok\r\n250-",
	"550-5.1.1 first\r\n550 5.1.1 second\r\n421 4.7.0 bye\r\n",
	"\r\n",
	"250 caf\xc3\xa9\r\n\xff\r\n",
};

Test(reply, byte_at_a_time_equals_whole)
{
	static char whole[TR_LOG_MAX], bytes[TR_LOG_MAX], threes[TR_LOG_MAX];
	size_t n = sizeof(tr_chunk_inputs) / sizeof(tr_chunk_inputs[0]);

	for (size_t i = 0; i < n; i++) {
		const char *s = tr_chunk_inputs[i];
		size_t len = strlen(s);

		if (i == 10)
			len = 17; /* the one with a NUL in it */
		tr_run(s, len, 0, whole, sizeof(whole));
		tr_run(s, len, 1, bytes, sizeof(bytes));
		tr_run(s, len, 3, threes, sizeof(threes));
		cr_assert_str_eq(bytes, whole, "input %zu", i);
		cr_assert_str_eq(threes, whole, "input %zu", i);
		cr_assert_neq(whole[0], '\0', "input %zu gave nothing", i);
	}
	/* Spot-check that the logs say what they should. */
	tr_run(tr_chunk_inputs[2], strlen(tr_chunk_inputs[2]), 1, bytes, sizeof(bytes));
	cr_assert(strstr(bytes, "[250 n=1 a=0 {2.1.0 ok|2.1.0}") == bytes, "%s", bytes);
	cr_assert(strstr(bytes, "[354 n=1 a=0 {go ahead|}") != NULL, "%s", bytes);
	tr_run(tr_chunk_inputs[10], 17, 1, bytes, sizeof(bytes));
	cr_assert(strstr(bytes, "ERROR(NUL byte in reply: \"250 x\")") != NULL, "%s", bytes);
	tr_run(tr_chunk_inputs[11], strlen(tr_chunk_inputs[11]), 1, bytes, sizeof(bytes));
	cr_assert(strstr(bytes, "BUSY") != NULL, "%s", bytes);
}

Test(reply, escape)
{
	char out[64];

	cr_assert_eq(reply_escape("a\r\n\t\x01\x7f\xff\"\\", 9, out, sizeof(out)), 23);
	cr_assert_str_eq(out, "a\\r\\n\\t\\x01\\x7f\\xff\\\"\\\\");
	/* Never cuts an escape in half. */
	reply_escape("ab\x01", 3, out, 5);
	cr_assert_str_eq(out, "ab");
}
