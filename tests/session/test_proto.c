/*
 * test_proto.c: unit tests of session/proto.c, driven with buffers as a scripted server
 * would send them: greeting and EHLO, pipelining, the STARTTLS injection case, AUTH with
 * secrets masked, 421, a close with commands pending, state and command names,
 * classification and command validation.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "transcript.h"

#define TP_EVENTS_MAX 16

struct tp_events {
	size_t n;
	struct proto_event ev[TP_EVENTS_MAX];
	int last; /* what the last proto_feed call returned */
};

/* Feed all of s the way a transport loop would, collecting the events. */
static void
tp_feed(struct proto *p, const char *s, size_t len, struct tp_events *out)
{
	size_t off = 0;

	out->n = 0;
	out->last = 0;
	do {
		size_t used = 0;
		int r = proto_feed(p, s + off, len - off, &used, &out->ev[out->n]);

		out->last = r;
		cr_assert_leq(used, len - off);
		off += used;
		if (r != 1)
			break;
		cr_assert_lt(out->n + 1, (size_t)TP_EVENTS_MAX);
		out->n++;
	} while (off < len);
}

/* Feed a whole C string. */
static void
tp_feeds(struct proto *p, const char *s, struct tp_events *out)
{
	tp_feed(p, s, strlen(s), out);
}

/* Free the events collected. */
static void
tp_free(struct tp_events *evs)
{
	for (size_t i = 0; i < evs->n; i++)
		proto_event_free(&evs->ev[i]);
	evs->n = 0;
}

/* Feed a string that must give exactly one reply event; checks its code and command. */
static void
tp_expect(struct proto *p, const char *s, int code, enum proto_cmd answers, enum proto_state after)
{
	struct tp_events evs;

	tp_feed(p, s, strlen(s), &evs);
	cr_assert_eq(evs.n, 1, "events for \"%s\": %zu", s, evs.n);
	cr_assert_eq(evs.ev[0].kind, PROTO_EV_REPLY, "%s", evs.ev[0].error);
	cr_assert_eq(evs.ev[0].reply.code, code);
	cr_assert_eq(evs.ev[0].answers, answers, "answers %s", proto_cmd_name(evs.ev[0].answers));
	cr_assert_eq(evs.ev[0].after, after, "after %s", proto_state_name(evs.ev[0].after));
	cr_assert_eq(proto_state(p), after);
	tp_free(&evs);
}

/* Queue a command that must be accepted. */
static void
tp_cmd(struct proto *p, const char *line)
{
	char err[128] = "";

	cr_assert_eq(proto_command(p, line, strlen(line), 0, err, sizeof(err)), 0, "%s: %s", line,
		     err);
}

/* True when the output holds exactly want. */
static bool
tp_output_is(struct proto *p, const char *want)
{
	size_t len;
	const char *out = proto_output(p, &len);

	return len == strlen(want) && memcmp(out, want, len) == 0;
}

/* True when some transcript event's text contains needle. */
static bool
tp_transcript_has(struct transcript *t, const char *needle)
{
	for (size_t i = 0; i < transcript_count(t); i++) {
		const struct transcript_event *e = transcript_get(t, i);

		if (e->text != NULL && strstr(e->text, needle) != NULL)
			return true;
	}
	return false;
}

/* A session greeted and past EHLO, with the given capabilities lines. */
static struct proto *
tp_ready(struct transcript *t)
{
	struct proto *p = proto_new();

	cr_assert_not_null(p);
	proto_set_transcript(p, t);
	tp_expect(p, "220 mx.example.com ESMTP\r\n", 220, PROTO_CMD_GREETING, PROTO_CONNECTED);
	tp_cmd(p, "EHLO client.example.org");
	tp_expect(p,
		  "250-mx.example.com\r\n250-PIPELINING\r\n250-STARTTLS\r\n"
		  "250-AUTH PLAIN LOGIN\r\n250 SIZE 1000\r\n",
		  250, PROTO_CMD_EHLO, PROTO_READY);
	proto_output_consumed(p, 1 << 20);
	return p;
}

Test(proto, state_names_complete)
{
	for (int s = 0; s < PROTO_STATE_COUNT; s++) {
		const char *name = proto_state_name((enum proto_state)s);

		cr_assert_not_null(name);
		cr_assert_str_neq(name, "?", "state %d has no name", s);
		for (int k = 0; k < s; k++)
			cr_assert_str_neq(name, proto_state_name((enum proto_state)k));
	}
	cr_assert_str_eq(proto_state_name(PROTO_READY), "READY");
	cr_assert_str_eq(proto_state_name(PROTO_STATE_COUNT), "?");
	for (int c = 0; c < PROTO_CMD_COUNT; c++) {
		cr_assert_str_neq(proto_cmd_name((enum proto_cmd)c), "?", "command %d has no name",
				  c);
		for (int k = 0; k < c; k++)
			cr_assert_str_neq(proto_cmd_name((enum proto_cmd)c),
					  proto_cmd_name((enum proto_cmd)k));
	}
	cr_assert_str_eq(proto_cmd_name(PROTO_CMD_DATA_END), "end of data");
	cr_assert_str_eq(proto_cmd_name(PROTO_CMD_COUNT), "?");
}

Test(proto, classify)
{
	static const struct {
		const char *line;
		enum proto_cmd cmd;
	} cases[] = {
		{"HELO x", PROTO_CMD_HELO},
		{"ehlo client.example.org", PROTO_CMD_EHLO},
		{"MAIL FROM:<a@example.org>", PROTO_CMD_MAIL},
		{"mail from:<>", PROTO_CMD_MAIL},
		{"MAIL", PROTO_CMD_MAIL},
		{"Rcpt To:<b@example.org> NOTIFY=NEVER", PROTO_CMD_RCPT},
		{"DATA", PROTO_CMD_DATA},
		{"data", PROTO_CMD_DATA},
		{"BDAT 100 LAST", PROTO_CMD_BDAT},
		{"rset", PROTO_CMD_RSET},
		{"VRFY postmaster", PROTO_CMD_VRFY},
		{"expn list", PROTO_CMD_EXPN},
		{"HELP", PROTO_CMD_HELP},
		{"NoOp", PROTO_CMD_NOOP},
		{"QUIT", PROTO_CMD_QUIT},
		{"starttls", PROTO_CMD_STARTTLS},
		{"AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm", PROTO_CMD_AUTH},
		{"auth login", PROTO_CMD_AUTH},
		{"MAILFROM:<a@example.org>", PROTO_CMD_UNKNOWN},
		{"DATAX", PROTO_CMD_UNKNOWN},
		{"STARTTLSX", PROTO_CMD_UNKNOWN},
		{"XCLIENT NAME=x", PROTO_CMD_UNKNOWN},
		{" MAIL FROM:<a>", PROTO_CMD_UNKNOWN},
		{"", PROTO_CMD_UNKNOWN},
		{".", PROTO_CMD_UNKNOWN},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(proto_cmd_classify(cases[i].line, strlen(cases[i].line)), cases[i].cmd,
			     "\"%s\"", cases[i].line);
	/* Only len bytes count. */
	cr_assert_eq(proto_cmd_classify("QUITTER", 4), PROTO_CMD_QUIT);
	cr_assert_eq(proto_cmd_classify(NULL, 0), PROTO_CMD_UNKNOWN);
}

Test(proto, greeting_ehlo_and_transcript)
{
	struct transcript *t = transcript_new();
	struct proto *p;
	const struct caps *c;

	cr_assert_not_null(t);
	p = proto_new();
	cr_assert_eq(proto_state(p), PROTO_BANNER);
	cr_assert_eq(proto_pending(p), 1); /* the greeting */
	proto_set_transcript(p, t);
	tp_expect(p, "220 mx.example.com ESMTP\r\n", 220, PROTO_CMD_GREETING, PROTO_CONNECTED);
	cr_assert_eq(proto_pending(p), 0);
	cr_assert_not(proto_caps(p)->valid);
	tp_cmd(p, "EHLO client.example.org");
	cr_assert(tp_output_is(p, "EHLO client.example.org\r\n"));
	cr_assert_eq(proto_pending(p), 1);
	tp_expect(p, "250-mx.example.com Hello\r\n250-PIPELINING\r\n250 AUTH=LOGIN\r\n", 250,
		  PROTO_CMD_EHLO, PROTO_READY);
	c = proto_caps(p);
	cr_assert(c->valid);
	cr_assert(c->pipelining);
	cr_assert(caps_has_mech(c, SASL_LOGIN));
	cr_assert_str_eq(c->domain, "mx.example.com");

	cr_assert(tp_transcript_has(t, "state change from BANNER to CONNECTED"));
	cr_assert(tp_transcript_has(t, "state change from CONNECTED to READY"));
	/* Each reply line is a server event, each command a client event. */
	{
		size_t server = 0, client = 0;

		for (size_t i = 0; i < transcript_count(t); i++) {
			const struct transcript_event *e = transcript_get(t, i);

			server += e->dir == TRANSCRIPT_SERVER;
			client += e->dir == TRANSCRIPT_CLIENT;
		}
		cr_assert_eq(server, 4);
		cr_assert_eq(client, 1);
	}
	cr_assert(tp_transcript_has(t, "250-PIPELINING"));
	cr_assert(tp_transcript_has(t, "EHLO client.example.org"));
	proto_free(p);
	transcript_free(t);
}

Test(proto, pipelining_replies_matched)
{
	struct proto *p = tp_ready(NULL);
	struct tp_events evs;
	const char *replies =
		"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <c@example.org>: unknown\r\n"
		"354 End data with <CR><LF>.<CR><LF>\r\n";

	tp_cmd(p, "MAIL FROM:<a@example.org>");
	tp_cmd(p, "RCPT TO:<b@example.org>");
	tp_cmd(p, "RCPT TO:<c@example.org>");
	tp_cmd(p, "DATA");
	cr_assert_eq(proto_pending(p), 4);
	cr_assert(tp_output_is(p, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n"
				  "RCPT TO:<c@example.org>\r\nDATA\r\n"));
	tp_feed(p, replies, strlen(replies), &evs);
	cr_assert_eq(evs.n, 4);
	cr_assert_eq(evs.ev[0].answers, PROTO_CMD_MAIL);
	cr_assert_str_eq(evs.ev[0].command, "MAIL FROM:<a@example.org>");
	cr_assert_eq(evs.ev[0].before, PROTO_READY);
	cr_assert_eq(evs.ev[0].after, PROTO_MAIL);
	cr_assert_str_eq(evs.ev[0].reply.lines[0].enhanced, "2.1.0");
	cr_assert_eq(evs.ev[1].answers, PROTO_CMD_RCPT);
	cr_assert_str_eq(evs.ev[1].command, "RCPT TO:<b@example.org>");
	cr_assert_eq(evs.ev[1].after, PROTO_RCPT);
	cr_assert_eq(evs.ev[2].answers, PROTO_CMD_RCPT);
	cr_assert_str_eq(evs.ev[2].command, "RCPT TO:<c@example.org>");
	cr_assert_eq(evs.ev[2].reply.code, 550);
	cr_assert_eq(evs.ev[2].after, PROTO_RCPT); /* one recipient is still accepted */
	cr_assert_eq(evs.ev[3].answers, PROTO_CMD_DATA);
	cr_assert_eq(evs.ev[3].reply.code, 354);
	cr_assert_eq(evs.ev[3].after, PROTO_DATA);
	for (size_t i = 0; i < evs.n; i++)
		cr_assert_not(evs.ev[i].unsolicited);
	tp_free(&evs);
	cr_assert_eq(proto_pending(p), 0);

	/* In DATA, lines are message text: commands wait for the final dot. */
	cr_assert_eq(proto_command(p, "QUIT", 4, 0, NULL, 0), -1);
	cr_assert_eq(proto_data_sent(p, 1234, NULL, 0), 0);
	cr_assert_eq(proto_data_sent(p, 1, NULL, 0), -1); /* only once */
	tp_cmd(p, "QUIT");				  /* pipelined after the dot */
	tp_expect(p, "250 2.0.0 Ok: queued as 4Bx\r\n", 250, PROTO_CMD_DATA_END, PROTO_READY);
	tp_expect(p, "221 2.0.0 Bye\r\n", 221, PROTO_CMD_QUIT, PROTO_QUIT);
	proto_free(p);
}

Test(proto, pipelined_replies_byte_at_a_time)
{
	struct proto *p = tp_ready(NULL);
	const char *replies = "250 ok\r\n250 ok\r\n354 go\r\n";
	enum proto_cmd got[4];
	size_t n = 0;

	tp_cmd(p, "MAIL FROM:<a@example.org>");
	tp_cmd(p, "RCPT TO:<b@example.org>");
	tp_cmd(p, "DATA");
	for (size_t i = 0; i < strlen(replies); i++) {
		struct proto_event ev;
		size_t used = 0;
		int r = proto_feed(p, replies + i, 1, &used, &ev);

		cr_assert_eq(used, 1);
		if (r == 1) {
			cr_assert_lt(n, 4);
			got[n++] = ev.answers;
			proto_event_free(&ev);
		}
	}
	cr_assert_eq(n, 3);
	cr_assert_eq(got[0], PROTO_CMD_MAIL);
	cr_assert_eq(got[1], PROTO_CMD_RCPT);
	cr_assert_eq(got[2], PROTO_CMD_DATA);
	cr_assert_eq(proto_state(p), PROTO_DATA);
	proto_free(p);
}

Test(proto, starttls_injection_same_buffer)
{
	struct transcript *t = transcript_new();
	struct proto *p = tp_ready(t);
	struct tp_events evs;
	const char *s = "220 2.0.0 Ready to start TLS\r\n250 injected\r\n";

	tp_cmd(p, "STARTTLS");
	tp_feed(p, s, strlen(s), &evs);
	cr_assert_eq(evs.n, 2);
	cr_assert_eq(evs.ev[0].kind, PROTO_EV_REPLY);
	cr_assert_eq(evs.ev[0].answers, PROTO_CMD_STARTTLS);
	cr_assert_eq(evs.ev[0].after, PROTO_TLS_WAIT);
	cr_assert_eq(evs.ev[1].kind, PROTO_EV_ERROR);
	cr_assert_eq(evs.ev[1].error_class, PROTO_ERR_INJECTION);
	cr_assert(strstr(evs.ev[1].error, "the server sent data before TLS started") != NULL);
	cr_assert(strstr(evs.ev[1].error, "250 injected\\r\\n") != NULL, "%s", evs.ev[1].error);
	/* Fed again by the caller, the bytes behind the 220 are counted once. */
	cr_assert(strstr(evs.ev[1].error, "(14 bytes)") != NULL, "%s", evs.ev[1].error);
	cr_assert_eq(evs.ev[1].after, PROTO_ERROR);
	tp_free(&evs);
	cr_assert_eq(proto_state(p), PROTO_ERROR);
	/* The injected line never became a reply, and nothing more is taken. */
	for (size_t i = 0; i < transcript_count(t); i++) {
		const struct transcript_event *e = transcript_get(t, i);

		if (e->dir == TRANSCRIPT_SERVER)
			cr_assert(strstr(e->text, "injected") == NULL, "%s", e->text);
	}
	cr_assert(tp_transcript_has(t, "the server sent data before TLS started"));
	tp_feeds(p, "250 more\r\n", &evs);
	cr_assert_eq(evs.n, 0);
	cr_assert_eq(evs.last, -1);
	proto_tls_started(p);
	cr_assert_not(proto_tls_active(p));
	cr_assert_eq(proto_command(p, "EHLO x", 6, 0, NULL, 0), -1);
	proto_free(p);
	transcript_free(t);
}

Test(proto, starttls_injection_later_feed)
{
	struct proto *p = tp_ready(NULL);
	struct tp_events evs;
	char err[128];

	tp_cmd(p, "STARTTLS");
	tp_expect(p, "220 Ready\r\n", 220, PROTO_CMD_STARTTLS, PROTO_TLS_WAIT);
	/* Nothing more yet: fine. Commands must wait for the handshake. */
	tp_feeds(p, "", &evs);
	cr_assert_eq(evs.n, 0);
	cr_assert_eq(evs.last, 0);
	cr_assert_eq(proto_command(p, "EHLO x", 6, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "TLS handshake") != NULL);
	tp_feeds(p, "250 injected\r\n", &evs);
	cr_assert_eq(evs.n, 1);
	cr_assert_eq(evs.ev[0].kind, PROTO_EV_ERROR);
	cr_assert_eq(evs.ev[0].error_class, PROTO_ERR_INJECTION);
	cr_assert(strstr(evs.ev[0].error, "(14 bytes)") != NULL, "%s", evs.ev[0].error);
	tp_free(&evs);
	cr_assert_eq(proto_state(p), PROTO_ERROR);
	proto_free(p);
}

Test(proto, starttls_injection_caller_skips_rest)
{
	/* The caller starts TLS right after the 220 event, leaving the rest unfed. */
	struct proto *p = tp_ready(NULL);
	struct proto_event ev;
	size_t used = 0;
	const char *s = "220 Ready\r\n250-evil\r\n";

	tp_cmd(p, "STARTTLS");
	cr_assert_eq(proto_feed(p, s, strlen(s), &used, &ev), 1);
	cr_assert_eq(used, 11);
	cr_assert_eq(ev.after, PROTO_TLS_WAIT);
	proto_event_free(&ev);
	proto_tls_started(p);
	cr_assert_neq(proto_state(p), PROTO_CONNECTED);
	cr_assert_not(proto_tls_active(p));
	cr_assert_eq(proto_feed(p, NULL, 0, &used, &ev), 1);
	cr_assert_eq(ev.error_class, PROTO_ERR_INJECTION);
	cr_assert(strstr(ev.error, "250-evil") != NULL, "%s", ev.error);
	proto_event_free(&ev);
	cr_assert_eq(proto_state(p), PROTO_ERROR);
	proto_free(p);
}

Test(proto, starttls_clean_upgrade)
{
	struct transcript *t = transcript_new();
	struct proto *p = tp_ready(t);
	size_t before;

	cr_assert(proto_caps(p)->starttls);
	tp_cmd(p, "STARTTLS");
	tp_expect(p, "220 Ready\r\n", 220, PROTO_CMD_STARTTLS, PROTO_TLS_WAIT);
	proto_tls_started(p);
	cr_assert(proto_tls_active(p));
	cr_assert_eq(proto_state(p), PROTO_CONNECTED);
	cr_assert_not(proto_caps(p)->valid);
	cr_assert_not(proto_caps(p)->starttls);
	cr_assert_eq(proto_pending(p), 0);
	before = transcript_count(t);
	tp_cmd(p, "EHLO client.example.org");
	tp_expect(p, "250-mx.example.com\r\n250 AUTH PLAIN\r\n", 250, PROTO_CMD_EHLO, PROTO_READY);
	cr_assert(proto_caps(p)->auth);
	cr_assert_not(proto_caps(p)->starttls);
	/* Lines after the handshake are marked as going over TLS. */
	for (size_t i = before; i < transcript_count(t); i++) {
		const struct transcript_event *e = transcript_get(t, i);

		if (e->dir == TRANSCRIPT_CLIENT || e->dir == TRANSCRIPT_SERVER)
			cr_assert(e->flags & TRANSCRIPT_TLS, "%s", e->text);
	}
	proto_free(p);
	transcript_free(t);
}

Test(proto, auth_login_secrets_masked)
{
	struct transcript *t = transcript_new();
	struct proto *p = tp_ready(t);
	struct tp_events evs;
	size_t len;
	const char *out;

	tp_cmd(p, "AUTH LOGIN");
	tp_feeds(p, "334 VXNlcm5hbWU6\r\n", &evs);
	cr_assert_eq(evs.n, 1);
	cr_assert_eq(evs.ev[0].answers, PROTO_CMD_AUTH);
	cr_assert_str_eq(evs.ev[0].command, "AUTH LOGIN");
	cr_assert_str_eq(evs.ev[0].auth_mech, "LOGIN");
	cr_assert_eq(evs.ev[0].auth_step, 0);
	cr_assert_eq(evs.ev[0].after, PROTO_AUTH);
	tp_free(&evs);

	/* The user name, not flagged: inside AUTH it is secret anyway. */
	tp_cmd(p, "dXNlckBleGFtcGxlLm9yZw==");
	tp_feeds(p, "334 UGFzc3dvcmQ6\r\n", &evs);
	cr_assert_eq(evs.n, 1);
	cr_assert_eq(evs.ev[0].answers, PROTO_CMD_AUTH_DATA);
	cr_assert_str_eq(evs.ev[0].command, "****");
	cr_assert_str_eq(evs.ev[0].auth_mech, "LOGIN");
	cr_assert_eq(evs.ev[0].auth_step, 1);
	tp_free(&evs);

	cr_assert_eq(proto_command(p, "czNjcjN0cGFzcw==", 16, PROTO_SECRET, NULL, 0), 0);
	tp_feeds(p, "235 2.7.0 Authentication successful\r\n", &evs);
	cr_assert_eq(evs.n, 1);
	cr_assert_eq(evs.ev[0].answers, PROTO_CMD_AUTH_DATA);
	cr_assert_str_eq(evs.ev[0].command, "****");
	cr_assert_eq(evs.ev[0].auth_step, 2);
	cr_assert_eq(evs.ev[0].after, PROTO_READY);
	tp_free(&evs);
	cr_assert(proto_authenticated(p));

	/* The wire has them; the transcript does not. */
	out = proto_output(p, &len);
	cr_assert_eq(len, strlen("AUTH LOGIN\r\ndXNlckBleGFtcGxlLm9yZw==\r\nczNjcjN0cGFzcw==\r\n"));
	cr_assert_eq(
		memcmp(out, "AUTH LOGIN\r\ndXNlckBleGFtcGxlLm9yZw==\r\nczNjcjN0cGFzcw==\r\n", len),
		0);
	cr_assert_not(tp_transcript_has(t, "dXNlckBleGFtcGxlLm9yZw=="));
	cr_assert_not(tp_transcript_has(t, "czNjcjN0cGFzcw=="));
	cr_assert(tp_transcript_has(t, "AUTH LOGIN"));
	for (size_t i = 0; i < transcript_count(t); i++) {
		const struct transcript_event *e = transcript_get(t, i);

		if (e->dir == TRANSCRIPT_CLIENT && strcmp(e->text, "AUTH LOGIN") != 0 &&
		    strncmp(e->text, "EHLO", 4) != 0)
			cr_assert(e->flags & TRANSCRIPT_SECRET, "%s", e->text);
	}
	/* The next line is a command again. */
	tp_cmd(p, "MAIL FROM:<a@example.org>");
	tp_expect(p, "250 ok\r\n", 250, PROTO_CMD_MAIL, PROTO_MAIL);
	proto_free(p);
	transcript_free(t);
}

Test(proto, auth_plain_initial_response_and_failure)
{
	struct transcript *t = transcript_new();
	struct proto *p = tp_ready(t);
	struct tp_events evs;
	const char *line = "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm";

	cr_assert_eq(proto_command(p, line, strlen(line), 0, NULL, 0), 0);
	tp_feeds(p, "535 5.7.8 Authentication credentials invalid\r\n", &evs);
	cr_assert_eq(evs.n, 1);
	cr_assert_str_eq(evs.ev[0].command, "AUTH PLAIN ****");
	cr_assert_str_eq(evs.ev[0].auth_mech, "PLAIN");
	cr_assert_eq(evs.ev[0].after, PROTO_READY);
	tp_free(&evs);
	cr_assert_not(proto_authenticated(p));
	cr_assert_not(tp_transcript_has(t, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"));
	cr_assert(tp_transcript_has(t, "AUTH PLAIN"));

	/* 334 then a failure: the exchange ends, the next line is a command. */
	tp_cmd(p, "AUTH LOGIN");
	tp_expect(p, "334 VXNlcm5hbWU6\r\n", 334, PROTO_CMD_AUTH, PROTO_AUTH);
	tp_cmd(p, "*");
	tp_expect(p, "501 5.7.0 cancelled\r\n", 501, PROTO_CMD_AUTH_DATA, PROTO_READY);
	tp_cmd(p, "NOOP");
	tp_expect(p, "250 ok\r\n", 250, PROTO_CMD_NOOP, PROTO_READY);

	/* A long AUTH line is allowed, other long lines are not. */
	{
		static char big[PROTO_CMD_RFC_MAX + 100];
		char err[128];

		memset(big, 'A', sizeof(big) - 1);
		memcpy(big, "AUTH PLAIN ", 11);
		cr_assert_eq(proto_command(p, big, strlen(big), 0, err, sizeof(err)), 0, "%s", err);
		memcpy(big, "MAIL FROM:<", 11);
		cr_assert_eq(proto_command(p, big, strlen(big), 0, err, sizeof(err)), -1);
		cr_assert(strstr(err, "longer than 510") != NULL, "%s", err);
	}
	proto_free(p);
	transcript_free(t);
}

Test(proto, reply_421_unsolicited_and_other_unsolicited)
{
	struct proto *p = tp_ready(NULL);
	struct tp_events evs;

	tp_feeds(p, "250 surprise\r\n", &evs);
	cr_assert_eq(evs.n, 1);
	cr_assert(evs.ev[0].unsolicited);
	cr_assert_eq(evs.ev[0].error_class, PROTO_ERR_SEQUENCE);
	cr_assert_eq(evs.ev[0].after, PROTO_READY);
	tp_free(&evs);

	tp_feeds(p, "421 4.3.2 Service shutting down\r\n", &evs);
	cr_assert_eq(evs.n, 1);
	cr_assert_eq(evs.ev[0].kind, PROTO_EV_REPLY);
	cr_assert(evs.ev[0].unsolicited);
	cr_assert_eq(evs.ev[0].error_class, PROTO_ERR_NONE);
	cr_assert_eq(evs.ev[0].before, PROTO_READY);
	cr_assert_eq(evs.ev[0].after, PROTO_QUIT);
	tp_free(&evs);
	cr_assert_eq(proto_state(p), PROTO_QUIT);
	/* The server leaving after 421 is no error. */
	{
		struct proto_event ev;

		cr_assert_eq(proto_closed(p, &ev), 0);
		cr_assert_eq(proto_state(p), PROTO_CLOSED);
	}
	proto_free(p);
}

Test(proto, reply_421_to_a_command)
{
	struct proto *p = tp_ready(NULL);
	struct tp_events evs;

	tp_cmd(p, "MAIL FROM:<a@example.org>");
	tp_feeds(p, "421 4.7.0 too many errors\r\n", &evs);
	cr_assert_eq(evs.n, 1);
	cr_assert_not(evs.ev[0].unsolicited);
	cr_assert_eq(evs.ev[0].answers, PROTO_CMD_MAIL);
	cr_assert_eq(evs.ev[0].after, PROTO_QUIT);
	tp_free(&evs);
	proto_free(p);
}

Test(proto, closed_with_pending_commands)
{
	struct transcript *t = transcript_new();
	struct proto *p = tp_ready(t);
	struct proto_event ev;
	size_t used;

	tp_cmd(p, "MAIL FROM:<a@example.org>");
	tp_cmd(p, "RCPT TO:<b@example.org>");
	cr_assert_eq(proto_closed(p, &ev), 1);
	cr_assert_eq(ev.kind, PROTO_EV_ERROR);
	cr_assert_eq(ev.error_class, PROTO_ERR_CLOSED);
	cr_assert_eq(ev.answers, PROTO_CMD_MAIL);
	cr_assert(strstr(ev.error, "MAIL FROM:<a@example.org>") != NULL, "%s", ev.error);
	cr_assert(strstr(ev.error, "and 1 more") != NULL, "%s", ev.error);
	cr_assert_eq(ev.after, PROTO_CLOSED);
	proto_event_free(&ev);
	cr_assert_eq(proto_state(p), PROTO_CLOSED);
	cr_assert(tp_transcript_has(t, "closed the connection with no reply to MAIL"));
	cr_assert_eq(proto_closed(p, &ev), 0);
	cr_assert_eq(proto_feed(p, "250 ok\r\n", 8, &used, &ev), -1);
	cr_assert_eq(proto_command(p, "QUIT", 4, 0, NULL, 0), -1);
	proto_free(p);
	transcript_free(t);
}

Test(proto, closed_before_greeting_and_mid_reply)
{
	struct proto *p = proto_new();
	struct proto_event ev;
	struct tp_events evs;

	cr_assert_eq(proto_closed(p, &ev), 1);
	cr_assert_eq(ev.answers, PROTO_CMD_GREETING);
	cr_assert(strstr(ev.error, "before its greeting") != NULL, "%s", ev.error);
	proto_event_free(&ev);
	proto_free(p);

	p = tp_ready(NULL);
	tp_cmd(p, "NOOP");
	tp_feeds(p, "250-part", &evs);
	cr_assert_eq(evs.n, 0);
	cr_assert_eq(proto_closed(p, &ev), 1);
	cr_assert(strstr(ev.error, "NOOP") != NULL, "%s", ev.error);
	proto_event_free(&ev);
	proto_free(p);

	/* QUIT answered, then closed: no error. */
	p = tp_ready(NULL);
	tp_cmd(p, "QUIT");
	tp_expect(p, "221 Bye\r\n", 221, PROTO_CMD_QUIT, PROTO_QUIT);
	cr_assert_eq(proto_closed(p, &ev), 0);
	proto_free(p);
}

Test(proto, greeting_refused)
{
	struct proto *p = proto_new();

	tp_expect(p, "554 no SMTP service here\r\n", 554, PROTO_CMD_GREETING, PROTO_QUIT);
	/* QUIT can still be sent. */
	tp_cmd(p, "QUIT");
	tp_expect(p, "221 bye\r\n", 221, PROTO_CMD_QUIT, PROTO_QUIT);
	proto_free(p);

	p = proto_new();
	tp_expect(p, "521 does not accept mail\r\n", 521, PROTO_CMD_GREETING, PROTO_QUIT);
	proto_free(p);
}

Test(proto, syntax_error_ends_session)
{
	struct transcript *t = transcript_new();
	struct proto *p = proto_new();
	struct tp_events evs;

	proto_set_transcript(p, t);
	tp_feeds(p, "220-a\r\n221 b\r\n", &evs);
	cr_assert_eq(evs.n, 1);
	cr_assert_eq(evs.ev[0].kind, PROTO_EV_ERROR);
	cr_assert_eq(evs.ev[0].error_class, PROTO_ERR_SYNTAX);
	cr_assert_eq(evs.ev[0].answers, PROTO_CMD_GREETING);
	cr_assert_str_eq(evs.ev[0].error, "codes differ within one reply: 220 then 221");
	cr_assert_eq(evs.ev[0].after, PROTO_ERROR);
	tp_free(&evs);
	cr_assert(tp_transcript_has(t, "codes differ within one reply"));
	tp_feeds(p, "220 ok\r\n", &evs);
	cr_assert_eq(evs.last, -1);
	/* Closing after the error adds nothing. */
	{
		struct proto_event ev;

		cr_assert_eq(proto_closed(p, &ev), 0);
	}
	proto_free(p);
	transcript_free(t);
}

Test(proto, command_validation)
{
	struct proto *p = tp_ready(NULL);
	char err[128];
	static char huge[PROTO_CMD_CAP + 2];

	cr_assert_eq(proto_command(p, "NOOP\r\nRSET", 10, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "CR") != NULL, "%s", err);
	cr_assert_eq(proto_command(p, "NOOP\nRSET", 9, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "LF") != NULL, "%s", err);
	cr_assert_eq(proto_command(p, "NOOP\0x", 6, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "NUL") != NULL, "%s", err);
	memset(huge, 'A', sizeof(huge) - 1);
	memcpy(huge, "AUTH X ", 7);
	cr_assert_eq(proto_command(p, huge, PROTO_CMD_CAP + 1, 0, err, sizeof(err)), -1);
	/* Nothing was queued by the refused lines. */
	cr_assert_eq(proto_pending(p), 0);
	cr_assert(tp_output_is(p, ""));
	/* A 510-byte command is fine. */
	memset(huge, 'x', PROTO_CMD_RFC_MAX);
	memcpy(huge, "VRFY ", 5);
	cr_assert_eq(proto_command(p, huge, PROTO_CMD_RFC_MAX, 0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(proto_pending(p), 1);
	/* A secret line of any other kind is masked. */
	cr_assert_eq(proto_command(p, "XSECRET hunter2", 15, PROTO_SECRET, NULL, 0), 0);
	proto_output_consumed(p, 5);
	{
		size_t len;
		const char *out = proto_output(p, &len);

		cr_assert_eq(len, PROTO_CMD_RFC_MAX + 2 - 5 + 17);
		cr_assert_eq(memcmp(out + len - 17, "XSECRET hunter2\r\n", 17), 0);
	}
	{
		struct tp_events evs;

		tp_feeds(p, "252 ok\r\n500 what\r\n", &evs);
		cr_assert_eq(evs.n, 2);
		cr_assert_eq(evs.ev[0].answers, PROTO_CMD_VRFY);
		cr_assert_eq(strlen(evs.ev[0].command), PROTO_CMD_RFC_MAX);
		cr_assert_eq(evs.ev[1].answers, PROTO_CMD_UNKNOWN);
		cr_assert_str_eq(evs.ev[1].command, "****");
		tp_free(&evs);
	}
	proto_free(p);
}

Test(proto, fifo_is_capped)
{
	struct proto *p = tp_ready(NULL);
	char err[128];
	int i;

	for (i = 0; i < PROTO_FIFO_CAP; i++)
		if (proto_command(p, "NOOP", 4, 0, err, sizeof(err)) != 0)
			break;
	cr_assert_eq(i, PROTO_FIFO_CAP);
	cr_assert_eq(proto_command(p, "NOOP", 4, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "too many commands") != NULL, "%s", err);
	cr_assert_eq(proto_pending(p), PROTO_FIFO_CAP);
	proto_free(p);
}

Test(proto, helo_rset_ehlo_and_bdat)
{
	struct proto *p = proto_new();
	char err[128];

	tp_expect(p, "220 hi\r\n", 220, PROTO_CMD_GREETING, PROTO_CONNECTED);
	tp_cmd(p, "EHLO x");
	tp_expect(p, "502 5.5.2 not implemented\r\n", 502, PROTO_CMD_EHLO, PROTO_CONNECTED);
	tp_cmd(p, "HELO x");
	tp_expect(p, "250 hello\r\n", 250, PROTO_CMD_HELO, PROTO_READY);
	cr_assert_not(proto_caps(p)->valid);
	tp_cmd(p, "MAIL FROM:<>");
	tp_expect(p, "250 ok\r\n", 250, PROTO_CMD_MAIL, PROTO_MAIL);
	tp_cmd(p, "RCPT TO:<b@example.org>");
	tp_expect(p, "251 will forward\r\n", 251, PROTO_CMD_RCPT, PROTO_RCPT);
	tp_cmd(p, "RSET");
	tp_expect(p, "250 reset\r\n", 250, PROTO_CMD_RSET, PROTO_READY);
	tp_cmd(p, "MAIL FROM:<>");
	tp_expect(p, "250 ok\r\n", 250, PROTO_CMD_MAIL, PROTO_MAIL);
	/* EHLO in a transaction ends it. */
	tp_cmd(p, "EHLO x");
	tp_expect(p, "250-x\r\n250 CHUNKING\r\n", 250, PROTO_CMD_EHLO, PROTO_READY);
	cr_assert(proto_caps(p)->chunking);
	proto_output_consumed(p, 1 << 20);

	tp_cmd(p, "MAIL FROM:<>");
	tp_cmd(p, "RCPT TO:<b@example.org>");
	cr_assert_eq(proto_bdat(p, "hello", 5, false, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(proto_bdat(p, "!\r\n", 3, true, err, sizeof(err)), 0, "%s", err);
	cr_assert(tp_output_is(p, "MAIL FROM:<>\r\nRCPT TO:<b@example.org>\r\nBDAT 5\r\nhello"
				  "BDAT 3 LAST\r\n!\r\n"));
	tp_expect(p, "250 ok\r\n", 250, PROTO_CMD_MAIL, PROTO_MAIL);
	tp_expect(p, "250 ok\r\n", 250, PROTO_CMD_RCPT, PROTO_RCPT);
	tp_expect(p, "250 5 octets\r\n", 250, PROTO_CMD_BDAT, PROTO_RCPT);
	tp_expect(p, "250 queued\r\n", 250, PROTO_CMD_BDAT, PROTO_READY);
	cr_assert_eq(proto_data_sent(p, 0, err, sizeof(err)), -1);
	proto_free(p);
}

Test(proto, implicit_tls_before_greeting)
{
	struct transcript *t = transcript_new();
	struct proto *p = proto_new();

	proto_set_transcript(p, t);
	proto_tls_started(p);
	cr_assert(proto_tls_active(p));
	cr_assert_eq(proto_state(p), PROTO_BANNER);
	tp_expect(p, "220 smtps ready\r\n", 220, PROTO_CMD_GREETING, PROTO_CONNECTED);
	cr_assert(transcript_get(t, transcript_count(t) - 2)->flags & TRANSCRIPT_TLS);
	proto_free(p);
	transcript_free(t);
}
