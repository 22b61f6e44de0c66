/*
 * test_help_transcript.c: help's annotator reads what ehlo itself writes. A session is
 * recorded with libehlo-session's transcript (text and JSON Lines sinks, a masked AUTH
 * secret, TLS flags), and both files are walked with help_annotate: same replies, same
 * commands, same context, and no secret anywhere.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "help.h"
#include "transcript.h"

/* What the walk saw. */
struct seen {
	size_t n;
	int code[16];
	enum help_cmd after[16];
	enum help_tri tls[16];
	enum help_tri auth[16];
	char command[16][64];
};

/* help_annotate callback. */
static int
seen_add(const struct help_annotation *a, void *arg)
{
	struct seen *s = arg;
	if (s->n < 16) {
		s->code[s->n] = a->reply.code;
		s->after[s->n] = a->ctx.after;
		s->tls[s->n] = a->ctx.tls;
		s->auth[s->n] = a->ctx.auth;
		snprintf(s->command[s->n], sizeof s->command[0], "%s", a->command);
	}
	s->n++;
	return 0;
}

/* Read a whole stream. */
static char *
slurp(FILE *f, size_t *len)
{
	fflush(f);
	long n = ftell(f);
	cr_assert(n > 0);
	rewind(f);
	char *buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* Record one session into both sinks. */
static void
record(FILE *text, FILE *json)
{
	struct transcript *t = transcript_new();
	cr_assert_not_null(t);
	transcript_set_text_sink(t, text);
	transcript_set_json_sink(t, json);
	const struct {
		enum transcript_dir dir;
		unsigned flags;
		const char *s;
	} ev[] = {
		{TRANSCRIPT_INFO, 0, "connected to 127.0.0.1:2525"},
		{TRANSCRIPT_SERVER, 0, "220 mx.example.org ESMTP"},
		{TRANSCRIPT_CLIENT, 0, "EHLO me.example.org"},
		{TRANSCRIPT_SERVER, 0, "250-mx.example.org"},
		{TRANSCRIPT_SERVER, 0, "250 STARTTLS"},
		{TRANSCRIPT_CLIENT, 0, "STARTTLS"},
		{TRANSCRIPT_SERVER, 0, "220 2.0.0 Ready to start TLS"},
		{TRANSCRIPT_INFO, 0, "TLS 1.3 established"},
		{TRANSCRIPT_CLIENT, TRANSCRIPT_TLS, "EHLO me.example.org"},
		{TRANSCRIPT_SERVER, TRANSCRIPT_TLS, "250-mx.example.org"},
		{TRANSCRIPT_SERVER, TRANSCRIPT_TLS, "250 AUTH PLAIN"},
		{TRANSCRIPT_CLIENT, TRANSCRIPT_TLS | TRANSCRIPT_SECRET,
		 "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm"},
		{TRANSCRIPT_SERVER, TRANSCRIPT_TLS, "235 2.7.0 Authentication successful"},
		{TRANSCRIPT_CLIENT, TRANSCRIPT_TLS, "MAIL FROM:<tim@example.org>"},
		{TRANSCRIPT_SERVER, TRANSCRIPT_TLS, "250 2.1.0 Ok"},
		{TRANSCRIPT_CLIENT, TRANSCRIPT_TLS, "RCPT TO:<nobody@example.org>"},
		{TRANSCRIPT_SERVER, TRANSCRIPT_TLS,
		 "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown"},
		{TRANSCRIPT_CLIENT, TRANSCRIPT_TLS, "QUIT"},
		{TRANSCRIPT_SERVER, TRANSCRIPT_TLS, "221 2.0.0 Bye"},
	};
	for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
		transcript_add(t, ev[i].dir, ev[i].flags, ev[i].s, strlen(ev[i].s));
	transcript_free(t);
}

/* Check one walk against the session recorded. */
static void
check_walk(const char *buf, size_t len, const char *what)
{
	static const int codes[] = {220, 250, 220, 250, 235, 250, 550, 221};
	static const enum help_cmd after[] = {HELP_CMD_GREETING, HELP_CMD_EHLO, HELP_CMD_STARTTLS,
					      HELP_CMD_EHLO,	 HELP_CMD_AUTH, HELP_CMD_MAIL,
					      HELP_CMD_RCPT,	 HELP_CMD_QUIT};
	struct seen s;
	memset(&s, 0, sizeof s);
	cr_assert_eq(help_annotate(buf, len, seen_add, &s), 8, "%s: %zu replies", what, s.n);
	for (size_t i = 0; i < 8; i++) {
		cr_assert_eq(s.code[i], codes[i], "%s reply %zu", what, i);
		cr_assert_eq(s.after[i], after[i], "%s reply %zu after", what, i);
	}
	cr_assert_eq(s.tls[2], HELP_NO, "%s", what);
	cr_assert_eq(s.tls[3], HELP_YES, "%s", what);
	cr_assert_eq(s.auth[5], HELP_YES, "%s", what);
	cr_assert_str_eq(s.command[4], "AUTH PLAIN", "%s: %s", what, s.command[4]);
	cr_assert_str_eq(s.command[6], "RCPT TO:<nobody@example.org>", "%s", what);
	cr_assert(strstr(buf, "AHRpbQ") == NULL, "%s holds the secret", what);
}

/* ehlo's text transcript (swaks style) and its JSON Lines both annotate the same. */
Test(transcript, ehlo_writes_help_reads)
{
	cr_assert_eq(help_locale_init("en"), 0);
	FILE *text = tmpfile();
	FILE *json = tmpfile();
	cr_assert(text != NULL && json != NULL);
	record(text, json);
	size_t tl, jl;
	char *tb = slurp(text, &tl);
	char *jb = slurp(json, &jl);
	check_walk(tb, tl, "text");
	check_walk(jb, jl, "json");
	free(tb);
	free(jb);
	fclose(text);
	fclose(json);
}
