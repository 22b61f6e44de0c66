/*
 * test_transcript.c: unit tests of session/transcript.c: secrets masked before they are
 * stored (memory, text sink, JSON sink, saved files), JSON Lines that a strict parser
 * accepts, the caps on events and text, the 0600 mode, swaks-style prefixes and the
 * sanitizing of server bytes in the text form.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "transcript.h"

/* A memory FILE and its buffer. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

/* Open a capture. */
static void
capture_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	cr_assert_not_null(c->f);
}

/* Close a capture; its buffer stays for reading (the caller frees c->buf). */
static void
capture_close(struct capture *c)
{
	cr_assert_eq(fclose(c->f), 0);
	c->f = NULL;
}

/* True when needle occurs in hay[0..len). */
static bool
contains(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

/* Read a whole file into a malloc'd buffer. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	cr_assert_not_null(f, "cannot open %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	cr_assert_geq(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* A temporary path in the test's working directory. */
static void
temp_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "transcript-test-%ld-%s", (long)getpid(), tag);
	unlink(buf);
}

/* Secrets of an AUTH PLAIN and an AUTH LOGIN exchange (RFC 4616 user tim). */
static const char *const secrets[] = {
	"AHRpbQB0YW5zdGFhZnRhbnN0YWFm", /* PLAIN initial response */
	"dGFuc3RhYWZ0YW5zdGFhZg==",	/* LOGIN password line */
	"tanstaaf",			/* the password itself */
	"dGlt",				/* LOGIN user line */
};

/* Feed the secret exchanges. */
static void
add_auth_exchange(struct transcript *t)
{
	const char *plain = "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n";

	transcript_add(t, TRANSCRIPT_CLIENT, TRANSCRIPT_SECRET, plain, strlen(plain));
	transcript_add(t, TRANSCRIPT_SERVER, 0, "235 2.7.0 ok", 12);
	transcript_add(t, TRANSCRIPT_CLIENT, TRANSCRIPT_SECRET | TRANSCRIPT_TLS, "AUTH LOGIN", 10);
	transcript_add(t, TRANSCRIPT_SERVER, TRANSCRIPT_TLS, "334 VXNlcm5hbWU6", 16);
	transcript_add(t, TRANSCRIPT_CLIENT, TRANSCRIPT_SECRET | TRANSCRIPT_TLS, "dGlt\r\n", 6);
	transcript_add(t, TRANSCRIPT_SERVER, TRANSCRIPT_TLS, "334 UGFzc3dvcmQ6", 16);
	transcript_add(t, TRANSCRIPT_CLIENT, TRANSCRIPT_SECRET | TRANSCRIPT_TLS,
		       "dGFuc3RhYWZ0YW5zdGFhZg==", 24);
	transcript_add(t, TRANSCRIPT_CLIENT, TRANSCRIPT_SECRET, "tanstaaftanstaaf", 16);
	transcript_add(t, TRANSCRIPT_CLIENT, TRANSCRIPT_SECRET, "auth plain =", 12);
}

/* Assert no secret occurs in buf. */
static void
assert_no_secret(const char *buf, size_t len, const char *where)
{
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		cr_assert_not(contains(buf, len, secrets[i]), "%s leaks \"%s\"", where, secrets[i]);
}

Test(transcript, secrets_masked_everywhere)
{
	struct transcript *t = transcript_new();
	struct capture text, json;
	char tpath[128], jpath[128];
	size_t n;
	char *file;

	cr_assert_not_null(t);
	capture_open(&text);
	capture_open(&json);
	transcript_set_text_sink(t, text.f);
	transcript_set_json_sink(t, json.f);
	add_auth_exchange(t);
	capture_close(&text);
	capture_close(&json);
	transcript_set_text_sink(t, NULL);
	transcript_set_json_sink(t, NULL);

	cr_assert_eq(transcript_count(t), 9);
	cr_assert_str_eq(transcript_get(t, 0)->text, "AUTH PLAIN ****");
	cr_assert_str_eq(transcript_get(t, 2)->text, "AUTH LOGIN");
	cr_assert_str_eq(transcript_get(t, 4)->text, "<secret>");
	cr_assert_str_eq(transcript_get(t, 6)->text, "<secret>");
	cr_assert_str_eq(transcript_get(t, 7)->text, "<secret>");
	cr_assert_str_eq(transcript_get(t, 8)->text, "auth plain ****");
	for (size_t i = 0; i < transcript_count(t); i++) {
		const struct transcript_event *ev = transcript_get(t, i);

		cr_assert_eq(strlen(ev->text), ev->len);
		assert_no_secret(ev->text, ev->len, "an event in memory");
	}
	assert_no_secret(text.buf, text.len, "the text sink");
	assert_no_secret(json.buf, json.len, "the JSON sink");
	cr_assert(contains(text.buf, text.len, " -> AUTH PLAIN ****\n"), "%s", text.buf);
	cr_assert(contains(json.buf, json.len, "\"secret\":true"));

	temp_path(tpath, sizeof(tpath), "secret.txt");
	temp_path(jpath, sizeof(jpath), "secret.jsonl");
	cr_assert_eq(transcript_save(t, tpath, false), 0);
	cr_assert_eq(transcript_save(t, jpath, true), 0);
	file = slurp(tpath, &n);
	assert_no_secret(file, n, "the saved text file");
	cr_assert(contains(file, n, " ~> <secret>\n"));
	free(file);
	file = slurp(jpath, &n);
	assert_no_secret(file, n, "the saved JSON file");
	free(file);
	unlink(tpath);
	unlink(jpath);
	free(text.buf);
	free(json.buf);
	transcript_free(t);
}

Test(transcript, text_prefixes)
{
	struct transcript *t = transcript_new();
	struct capture c;

	capture_open(&c);
	transcript_set_text_sink(t, c.f);
	transcript_add(t, TRANSCRIPT_CLIENT, 0, "EHLO me\r\n", 9);
	transcript_add(t, TRANSCRIPT_SERVER, 0, "250 hi", 6);
	transcript_add(t, TRANSCRIPT_CLIENT, TRANSCRIPT_TLS, "MAIL FROM:<a@b>", 15);
	transcript_add(t, TRANSCRIPT_SERVER, TRANSCRIPT_TLS, "250 ok", 6);
	transcript_addf(t, TRANSCRIPT_INFO, "connected to %s port %d", "127.0.0.1", 2525);
	transcript_addf(t, TRANSCRIPT_ERROR, "timeout after %d s", 30);
	capture_close(&c);
	cr_assert_str_eq(c.buf, " -> EHLO me\n"
				"<-  250 hi\n"
				" ~> MAIL FROM:<a@b>\n"
				"<~  250 ok\n"
				"=== connected to 127.0.0.1 port 2525\n"
				"*** timeout after 30 s\n");
	free(c.buf);
	transcript_free(t);
}

Test(transcript, text_sink_sanitizes_server_bytes)
{
	struct transcript *t = transcript_new();
	const char evil[] = "250 \x1b]0;owned\x07\x1b[2Jhello\x9b\r\n";
	struct capture c;

	capture_open(&c);
	transcript_set_text_sink(t, c.f);
	transcript_add(t, TRANSCRIPT_SERVER, 0, evil, sizeof(evil) - 1);
	capture_close(&c);
	for (size_t i = 0; i + 1 < c.len; i++) {
		unsigned char ch = (unsigned char)c.buf[i];

		cr_assert(ch >= 0x20 && ch != 0x7f && ch != 0x9b, "raw byte 0x%02x at %zu", ch, i);
	}
	cr_assert_eq(c.buf[c.len - 1], '\n');
	cr_assert(contains(c.buf, c.len, "^["), "%s", c.buf);
	cr_assert(contains(c.buf, c.len, "hello"));
	/* Memory keeps the raw bytes (the explorer sanitizes when it draws). */
	cr_assert_eq(transcript_get(t, 0)->len, sizeof(evil) - 3);
	free(c.buf);
	transcript_free(t);
}

/* A strict parser for the flat JSON objects the transcript writes. */
struct jp {
	const unsigned char *p;
	const unsigned char *end;
};

/* Skip a JSON string, checking escapes and UTF-8; false when malformed. */
static bool
jp_string(struct jp *j, char *out, size_t cap)
{
	size_t o = 0;

	if (j->p >= j->end || *j->p != '"')
		return false;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned c = *j->p;

		if (c < 0x20)
			return false;
		if (c == '\\') {
			j->p++;
			if (j->p >= j->end)
				return false;
			if (*j->p == 'u') {
				for (int k = 1; k <= 4; k++)
					if (j->p + k >= j->end ||
					    !strchr("0123456789abcdefABCDEF", j->p[k]) ||
					    j->p[k] == '\0')
						return false;
				j->p += 5;
				if (o + 1 < cap)
					out[o++] = '?';
				continue;
			}
			if (!strchr("\"\\/bfnrt", *j->p) || *j->p == '\0')
				return false;
			if (o + 1 < cap)
				out[o++] = (char)*j->p;
			j->p++;
			continue;
		}
		if (c >= 0x80) {
			size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;

			if (n == 0 || c > 0xf4 || j->p + n > j->end)
				return false;
			for (size_t k = 1; k < n; k++)
				if ((j->p[k] & 0xc0) != 0x80)
					return false;
			for (size_t k = 0; k < n; k++)
				if (o + 1 < cap)
					out[o++] = (char)j->p[k];
			j->p += n;
			continue;
		}
		if (o + 1 < cap)
			out[o++] = (char)c;
		j->p++;
	}
	if (j->p >= j->end)
		return false;
	j->p++;
	if (cap > 0)
		out[o] = '\0';
	return true;
}

/* Check one line is {"t":N.NNNNNN,"dir":...,"tls":B,"secret":B,["truncated":true,]"text":S}. */
static bool
jp_line(const char *line, size_t len, char *text, size_t cap)
{
	struct jp j = {(const unsigned char *)line, (const unsigned char *)line + len};
	static const char *const keys[] = {"t", "dir", "tls", "secret"};
	char key[32], val[32];

	if (len < 2 || line[0] != '{' || line[len - 1] != '}')
		return false;
	j.p++;
	for (size_t k = 0; k < 4; k++) {
		if (!jp_string(&j, key, sizeof(key)) || strcmp(key, keys[k]) != 0 || *j.p++ != ':')
			return false;
		if (k == 0) {
			int d = 0;

			while (*j.p >= '0' && *j.p <= '9')
				j.p++;
			if (*j.p++ != '.')
				return false;
			while (*j.p >= '0' && *j.p <= '9') {
				j.p++;
				d++;
			}
			if (d != 6)
				return false;
		} else if (k == 1) {
			if (!jp_string(&j, val, sizeof(val)) ||
			    (strcmp(val, "client") && strcmp(val, "server") &&
			     strcmp(val, "info") && strcmp(val, "error")))
				return false;
		} else if (strncmp((const char *)j.p, "true", 4) == 0) {
			j.p += 4;
		} else if (strncmp((const char *)j.p, "false", 5) == 0) {
			j.p += 5;
		} else {
			return false;
		}
		if (*j.p++ != ',')
			return false;
	}
	if (strncmp((const char *)j.p, "\"truncated\":true,", 17) == 0)
		j.p += 17;
	if (!jp_string(&j, key, sizeof(key)) || strcmp(key, "text") != 0 || *j.p++ != ':')
		return false;
	if (!jp_string(&j, text, cap))
		return false;
	return j.p == j.end - 1;
}

Test(transcript, json_lines_valid)
{
	struct transcript *t = transcript_new();
	const char nasty[] = "q\"b\\s/\x01\x1b[31m\ttab\x7f caf\xc3\xa9 bad\xff\xfe \xc0\xaf "
			     "\xed\xa0\x80 cut\xe2\x82";
	char text[512];
	struct capture c;
	size_t start = 0, lines = 0;

	capture_open(&c);
	transcript_set_json_sink(t, c.f);
	transcript_add(t, TRANSCRIPT_SERVER, TRANSCRIPT_TLS, nasty, sizeof(nasty) - 1);
	transcript_add(t, TRANSCRIPT_CLIENT, 0, "QUIT", 4);
	transcript_addf(t, TRANSCRIPT_INFO, "closed");
	transcript_addf(t, TRANSCRIPT_ERROR, "oops");
	capture_close(&c);
	for (size_t i = 0; i < c.len; i++) {
		if (c.buf[i] != '\n')
			continue;
		cr_assert(jp_line(c.buf + start, i - start, text, sizeof(text)),
			  "bad JSON line: %.*s", (int)(i - start), c.buf + start);
		if (lines == 0) {
			cr_assert(contains(c.buf + start, i - start,
					   "\"dir\":\"server\",\"tls\":true"));
			cr_assert(contains(c.buf + start, i - start,
					   "q\\\"b\\\\s/\\u0001\\u001b[31m\\u0009"));
			cr_assert(contains(c.buf + start, i - start,
					   "\\u007f caf\xc3\xa9 bad\xef\xbf\xbd\xef\xbf\xbd "));
			cr_assert(contains(c.buf + start, i - start,
					   "cut\xef\xbf\xbd\xef\xbf\xbd\"}"));
		}
		start = i + 1;
		lines++;
	}
	cr_assert_eq(lines, 4);
	cr_assert_eq(start, c.len, "output ends with a newline");
	free(c.buf);
	transcript_free(t);
}

Test(transcript, timestamps_monotonic)
{
	struct transcript *t = transcript_new();
	unsigned long long prev = 0;

	for (int i = 0; i < 1000; i++) {
		transcript_add(t, TRANSCRIPT_INFO, 0, "x", 1);
		cr_assert_geq(transcript_get(t, (size_t)i)->usec, prev);
		prev = transcript_get(t, (size_t)i)->usec;
	}
	nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 20000000}, NULL);
	transcript_add(t, TRANSCRIPT_INFO, 0, "y", 1);
	cr_assert_geq(transcript_get(t, 1000)->usec, prev + 20000);
	transcript_free(t);
}

Test(transcript, ring_cap)
{
	struct transcript *t = transcript_new();
	char buf[32];

	for (size_t i = 0; i < TRANSCRIPT_EVENTS_CAP + 10; i++) {
		int n = snprintf(buf, sizeof(buf), "%zu", i);

		transcript_add(t, TRANSCRIPT_INFO, 0, buf, (size_t)n);
	}
	cr_assert_eq(transcript_count(t), TRANSCRIPT_EVENTS_CAP);
	cr_assert_str_eq(transcript_get(t, 0)->text, "10");
	snprintf(buf, sizeof(buf), "%d", TRANSCRIPT_EVENTS_CAP + 9);
	cr_assert_str_eq(transcript_get(t, TRANSCRIPT_EVENTS_CAP - 1)->text, buf);
	cr_assert_null(transcript_get(t, TRANSCRIPT_EVENTS_CAP));
	transcript_free(t);
}

Test(transcript, text_cap_marks_truncation)
{
	struct transcript *t = transcript_new();
	static char big[TRANSCRIPT_TEXT_CAP * 2 + 1];
	struct capture c;

	memset(big, 'a', sizeof(big) - 1);
	capture_open(&c);
	transcript_set_text_sink(t, c.f);
	transcript_add(t, TRANSCRIPT_SERVER, 0, big, sizeof(big) - 1);
	transcript_add(t, TRANSCRIPT_SERVER, 0, big, TRANSCRIPT_TEXT_CAP);
	transcript_addf(t, TRANSCRIPT_INFO, "%s", big);
	capture_close(&c);
	cr_assert_eq(transcript_get(t, 0)->len, TRANSCRIPT_TEXT_CAP);
	cr_assert(transcript_get(t, 0)->flags & TRANSCRIPT_TRUNCATED);
	cr_assert_eq(transcript_get(t, 1)->len, TRANSCRIPT_TEXT_CAP);
	cr_assert_not(transcript_get(t, 1)->flags & TRANSCRIPT_TRUNCATED);
	cr_assert_eq(transcript_get(t, 2)->len, TRANSCRIPT_TEXT_CAP);
	cr_assert(transcript_get(t, 2)->flags & TRANSCRIPT_TRUNCATED);
	cr_assert(contains(c.buf, c.len, "aaaa [truncated]\n"));
	free(c.buf);
	transcript_free(t);
}

Test(transcript, save_mode_0600)
{
	struct transcript *t = transcript_new();
	char path[128];
	struct stat st;
	size_t n;
	char *file;
	int fd;

	temp_path(path, sizeof(path), "mode.txt");
	/* An older file, readable by all and longer than what is saved now. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fchmod(fd, 0644), 0);
	cr_assert_eq(write(fd, "old old old old old old old old\n", 32), 32);
	close(fd);
	transcript_add(t, TRANSCRIPT_CLIENT, 0, "NOOP", 4);
	cr_assert_eq(transcript_save(t, path, false), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", (unsigned)(st.st_mode & 0777));
	file = slurp(path, &n);
	cr_assert_str_eq(file, " -> NOOP\n");
	free(file);
	unlink(path);
	cr_assert_eq(transcript_save(t, path, true), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	unlink(path);
	cr_assert_eq(transcript_save(t, "/nonexistent-dir/x/y", false), -1);
	transcript_free(t);
}
