/*
 * test_smtpd.c: the server-side session as a state machine, driven with buffers: replies
 * in order for pipelined input, exact delivery, the smuggling defence, STARTTLS discarding
 * and resetting, AUTH (PLAIN, LOGIN, CRAM-MD5, attempt limit), every scenario, limits.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sasl.h"
#include "smtpd.h"

static const struct smtpd_account accounts[] = {
	{"tim", "tanstaaftanstaaf"},
	{"student", "practice"},
};
static const char *const domains[] = {"example.com", "localhost"};
static const char *const boxes[] = {"carol"};

/* What the deliver hook saw. */
static struct {
	char body[1 << 16];
	size_t len;
	int count;
	char from[300];
	char rcpt[300];
	size_t nrcpts;
	bool bdat;
} got;

static long grey_answer = -1;
static int grey_calls;

/* The deliver hook: keep a copy. */
static int
hook_deliver(void *ctx, const struct smtpd_envelope *env, const char *body, size_t len, char *id,
	     size_t idcap)
{
	(void)ctx;
	cr_assert_lt(len, sizeof got.body);
	memcpy(got.body, body, len);
	got.len = len;
	got.count++;
	snprintf(got.from, sizeof got.from, "%s", env->from);
	snprintf(got.rcpt, sizeof got.rcpt, "%s", env->nrcpts ? env->rcpts[0] : "");
	got.nrcpts = env->nrcpts;
	got.bdat = env->bdat;
	snprintf(id, idcap, "TESTID%d", got.count);
	return 0;
}

/* The greylist hook: answer what the test set. */
static long
hook_grey(void *ctx, const char *key, size_t len)
{
	(void)ctx;
	(void)key;
	cr_assert_gt(len, 0);
	grey_calls++;
	return grey_answer;
}

static const struct smtpd_hooks hooks = {
	.deliver = hook_deliver,
	.greylist = hook_grey,
};

static struct smtpd_config cfg;

/* A config like the server's defaults, for one scenario. */
static void
setup_cfg(enum scenario_id sc)
{
	memset(&cfg, 0, sizeof cfg);
	cfg.scenario = sc;
	cfg.hostname = "test.example";
	cfg.accounts = accounts;
	cfg.naccounts = 2;
	cfg.local_domains = domains;
	cfg.nlocal_domains = 2;
	cfg.mailboxes = boxes;
	cfg.nmailboxes = 1;
	cfg.size_limit = scenario_size_limit(sc);
	cfg.delay_ms = scenario_delay_ms(sc);
	cfg.tls_available = true;
	cfg.log_lines = false;
	cfg.seed = 42;
	memset(&got, 0, sizeof got);
	grey_answer = -1;
	grey_calls = 0;
}

static char outbuf[1 << 17];

/* Take all output as a string. */
static const char *
take(struct smtpd *s)
{
	size_t n;
	const char *o = smtpd_output(s, &n);
	cr_assert_lt(n, sizeof outbuf);
	memcpy(outbuf, o, n);
	outbuf[n] = '\0';
	smtpd_output_consume(s, n);
	return outbuf;
}

/* Feed a string. */
static size_t
feed(struct smtpd *s, const char *str)
{
	return smtpd_feed(s, str, strlen(str));
}

/* A session past the greeting, in the given scenario. */
static struct smtpd *
start(enum scenario_id sc)
{
	setup_cfg(sc);
	struct smtpd *s = smtpd_new(&cfg, &hooks, 7, "127.0.0.1");
	cr_assert_not_null(s);
	smtpd_greet(s);
	cr_assert_str_eq(take(s), "220 test.example ESMTP ehlo practice server\r\n");
	return s;
}

/* Feed and expect exactly this output. */
static void
expect(struct smtpd *s, const char *in, const char *out)
{
	size_t used = feed(s, in);
	cr_assert_eq(used, strlen(in), "input not all taken for %s", in);
	cr_assert_str_eq(take(s), out);
}

/* base64 of a buffer. */
static void
b64(const void *in, size_t len, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

Test(session, ehlo_lists_the_extensions)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	expect(s, "EHLO client.example\r\n",
	       "250-test.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
	       "250-AUTH PLAIN LOGIN CRAM-MD5 "
	       "SCRAM-SHA-256\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
	       "250-SMTPUTF8\r\n250 CHUNKING\r\n");
	expect(s, "HELO client.example\r\n", "250 test.example\r\n");
	expect(s, "EHLO\r\n", "501 5.5.4 Syntax: EHLO hostname\r\n");
	smtpd_free(s);
}

Test(session, pipelined_transaction_replies_in_order_and_delivers_exactly)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	expect(s,
	       "EHLO c\r\nMAIL FROM:<a@b.example> BODY=8BITMIME\r\nRCPT TO:<x@example.com>\r\n"
	       "RCPT TO:<y@example.com>\r\nDATA\r\n",
	       "250-test.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
	       "250-AUTH PLAIN LOGIN CRAM-MD5 "
	       "SCRAM-SHA-256\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
	       "250-SMTPUTF8\r\n250 CHUNKING\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
	       "354 End data with <CR><LF>.<CR><LF>\r\n");
	cr_assert_eq(smtpd_state(s), SMTPD_STATE_DATA);
	expect(s, "Subject: t\r\n\r\n..\r\n...\r\n....x\r\n..y\r\nend\r\n.\r\nNOOP\r\n",
	       "250 2.0.0 Ok: queued as TESTID1\r\n250 2.0.0 Ok\r\n");
	const char want[] = "Subject: t\r\n\r\n.\r\n..\r\n...x\r\n.y\r\nend\r\n";
	cr_assert_eq(got.len, sizeof want - 1);
	cr_assert(memcmp(got.body, want, got.len) == 0);
	cr_assert_str_eq(got.from, "a@b.example");
	cr_assert_eq(got.nrcpts, 2);
	cr_assert_eq(smtpd_messages(s), 1);
	smtpd_free(s);
}

Test(session, message_split_across_many_feeds)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	feed(s, "EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\n");
	cr_assert(strstr(take(s), "250 2.1.5 Ok\r\n354 ") != NULL);
	const char msg[] = "a\r\n.b\r\n\r\n.\r\n";
	for (size_t i = 0; i < sizeof msg - 1; i++)
		cr_assert_eq(smtpd_feed(s, msg + i, 1), 1);
	cr_assert_str_eq(take(s), "250 2.0.0 Ok: queued as TESTID1\r\n");
	cr_assert_eq(got.len, 8);
	cr_assert(memcmp(got.body, "a\r\nb\r\n\r\n", 8) == 0);
	smtpd_free(s);
}

Test(session, sequence_errors)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	expect(s, "MAIL FROM:<a@b.c>\r\n", "503 5.5.1 Error: send HELO/EHLO first\r\n");
	feed(s, "EHLO c\r\n");
	take(s);
	expect(s, "RCPT TO:<a@b.c>\r\n", "503 5.5.1 Error: need MAIL command\r\n");
	expect(s, "DATA\r\n", "503 5.5.1 Error: need MAIL command\r\n");
	expect(s, "MAIL FROM:<a@b.c>\r\n", "250 2.1.0 Ok\r\n");
	expect(s, "MAIL FROM:<a@b.c>\r\n", "503 5.5.1 Error: nested MAIL command\r\n");
	expect(s, "DATA\r\n", "503 5.5.1 Error: need RCPT command\r\n");
	expect(s, "RCPT TO:<>\r\n", "501 5.1.3 Bad recipient address syntax\r\n");
	expect(s, "RCPT TO:bob\r\n", "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
	expect(s, "RCPT TO:<b@c.d> NOTIFY=NEVER\r\n", "555 5.5.4 Unsupported option: NOTIFY\r\n");
	expect(s, "RSET\r\n", "250 2.0.0 Ok\r\n");
	expect(s, "MAIL FROM:<a@b.c> SIZE=abc\r\n", "501 5.5.4 Bad message size syntax\r\n");
	expect(s, "MAIL FROM:<a@b.c> RET=HDRS\r\n", "555 5.5.4 Unsupported option: RET\r\n");
	expect(s, "MAIL FROM:<j\xc3\xb6@b.c>\r\n",
	       "553 5.6.7 Non-ASCII sender address needs the SMTPUTF8 parameter\r\n");
	expect(s, "MAIL FROM:<j\xc3\xb6@b.c> SMTPUTF8\r\n", "250 2.1.0 Ok\r\n");
	expect(s, "VRFY bob\r\n",
	       "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n");
	expect(s, "EXPN list\r\n", "502 5.5.1 EXPN command is disabled\r\n");
	cr_assert_eq(feed(s, "QUIT\r\nNOOP\r\n"), 6, "nothing is read after QUIT");
	cr_assert_str_eq(take(s), "221 2.0.0 Bye\r\n");
	cr_assert(smtpd_closing(s));
	smtpd_free(s);
}

Test(session, garbage_and_long_lines_get_replies_and_the_session_goes_on)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	expect(s, "\x01\x02\xff\xfe junk\r\n", "502 5.5.2 Error: command not recognized\r\n");
	expect(s, "\r\n", "500 5.5.2 Error: bad syntax\r\n");
	char line[700];
	memset(line, 'A', 600);
	strcpy(line + 600, "\r\n");
	expect(s, line, "500 5.5.6 Error: line too long (512 octets with CRLF at most)\r\n");
	/* A very long line in small pieces: one reply, at its LF. */
	for (int i = 0; i < 100; i++)
		cr_assert_eq(smtpd_feed(s, line, 100), 100);
	cr_assert_str_eq(take(s), "");
	expect(s, "\r\n", "500 5.5.6 Error: line too long (512 octets with CRLF at most)\r\n");
	expect(s, "NOOP\r\n", "250 2.0.0 Ok\r\n");
	smtpd_free(s);
}

Test(session, too_many_errors_close_with_421)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	for (int i = 0; i < SMTPD_ERRORS_MAX - 1; i++)
		feed(s, "BOGUS\r\n");
	take(s);
	cr_assert_not(smtpd_closing(s));
	feed(s, "BOGUS\r\n");
	cr_assert_str_eq(take(s), "502 5.5.2 Error: command not recognized\r\n"
				  "421 4.7.0 test.example Error: too many errors\r\n");
	cr_assert(smtpd_closing(s));
	cr_assert_eq(feed(s, "NOOP\r\n"), 0);
	smtpd_free(s);
}

/* Run one smuggling sequence through a real transaction. */
static void
smuggle_one(const char *seq, size_t seqlen)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	feed(s, "EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n");
	take(s);
	char in[256];
	size_t n = 0;
	memcpy(in, "Subject: s\r\n\r\nhi", 17);
	n = 17;
	memcpy(in + n, seq, seqlen);
	n += seqlen;
	const char *tail =
		"MAIL FROM:<evil@x.y>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nforged\r\n"
		".\r\nNOOP\r\n";
	memcpy(in + n, tail, strlen(tail));
	n += strlen(tail);
	cr_assert_eq(smtpd_feed(s, in, n), n);
	cr_assert_eq(got.count, 0, "a message was accepted");
	const char *out = take(s);
	cr_assert(strncmp(out, "550 5.5.2 Error: bare <", 23) == 0 ||
			  strncmp(out, "550 5.5.2 Error: NUL", 20) == 0,
		  "got %s", out);
	cr_assert_not_null(strstr(out, "(SMTP smuggling defence)\r\n250 2.0.0 Ok\r\n"), "got %s",
			   out);
	cr_assert_eq(strstr(out, "2.1.0"), NULL, "the smuggled MAIL ran: %s", out);
	smtpd_free(s);
}

Test(session, smuggling_sequences_are_refused_whole)
{
	smuggle_one("\n.\n", 3);
	smuggle_one("\r.\r", 3);
	smuggle_one("\r.\n", 3);
	smuggle_one("\n.\r", 3);
	smuggle_one("\n.\r\n", 4);
	smuggle_one("\r\n.\n", 4);
	smuggle_one("\r.\r\n", 4);
	smuggle_one("\r\n.\r", 4);
	smuggle_one("\r\n\0.\r\n", 6);
	smuggle_one("\r\n.\0\r\n", 6);
}

Test(session, starttls_stops_input_and_starts_over)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	feed(s, "EHLO c\r\n");
	take(s);
	const char in[] = "STARTTLS\r\nMAIL FROM:<injected@x.y>\r\n";
	size_t used = smtpd_feed(s, in, sizeof in - 1);
	cr_assert_eq(used, 10, "input after STARTTLS must be left for the caller to discard");
	cr_assert(smtpd_want_tls(s));
	cr_assert_str_eq(take(s), "220 2.0.0 Ready to start TLS\r\n");
	cr_assert_eq(feed(s, "NOOP\r\n"), 0);
	smtpd_tls_started(s);
	cr_assert_not(smtpd_want_tls(s));
	cr_assert_eq(smtpd_state(s), SMTPD_STATE_CONNECTED);
	expect(s, "MAIL FROM:<a@b.c>\r\n", "503 5.5.1 Error: send HELO/EHLO first\r\n");
	feed(s, "EHLO c\r\n");
	cr_assert_null(strstr(take(s), "STARTTLS"));
	expect(s, "STARTTLS\r\n", "554 5.5.1 Error: TLS already active\r\n");
	smtpd_free(s);
}

Test(session, auth_plain_and_login)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	feed(s, "EHLO c\r\n");
	take(s);
	char line[256], enc[128];
	b64("\0student\0practice", 17, enc);
	snprintf(line, sizeof line, "AUTH PLAIN %s\r\n", enc);
	expect(s, line, "235 2.7.0 Authentication successful\r\n");
	expect(s, "AUTH PLAIN\r\n", "503 5.5.1 Error: already authenticated\r\n");
	smtpd_free(s);

	s = start(SCENARIO_DEFAULT);
	feed(s, "EHLO c\r\n");
	take(s);
	expect(s, "AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n");
	b64("tim", 3, enc);
	snprintf(line, sizeof line, "%s\r\n", enc);
	expect(s, line, "334 UGFzc3dvcmQ6\r\n");
	b64("tanstaaftanstaaf", 16, enc);
	snprintf(line, sizeof line, "%s\r\n", enc);
	expect(s, line, "235 2.7.0 Authentication successful\r\n");
	smtpd_free(s);

	s = start(SCENARIO_DEFAULT);
	feed(s, "EHLO c\r\n");
	take(s);
	expect(s, "AUTH PLAIN\r\n", "334 \r\n");
	expect(s, "*\r\n", "501 5.7.0 Authentication aborted\r\n");
	expect(s, "AUTH PLAIN !!!!\r\n", "501 5.5.2 Cannot decode response\r\n");
	expect(s, "AUTH FOO\r\n", "504 5.5.4 Unrecognized authentication type\r\n");
	smtpd_free(s);
}

Test(session, auth_cram_md5)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	feed(s, "EHLO c\r\n");
	take(s);
	feed(s, "AUTH CRAM-MD5\r\n");
	const char *out = take(s);
	cr_assert(strncmp(out, "334 ", 4) == 0);
	char chal64[256];
	snprintf(chal64, sizeof chal64, "%.*s", (int)(strlen(out) - 6), out + 4);
	unsigned char chal[256];
	int n = EVP_DecodeBlock(chal, (unsigned char *)chal64, (int)strlen(chal64));
	cr_assert_gt(n, 0);
	while (n > 0 && chal[n - 1] == '\0')
		n--;
	cr_assert_eq(chal[0], '<');
	unsigned char mac[16];
	unsigned int maclen;
	HMAC(EVP_md5(), "tanstaaftanstaaf", 16, chal, (size_t)n, mac, &maclen);
	char resp[64];
	int k = snprintf(resp, sizeof resp, "tim ");
	for (int i = 0; i < 16; i++)
		k += snprintf(resp + k, sizeof resp - (size_t)k, "%02x", mac[i]);
	char enc[128], line[160];
	b64(resp, strlen(resp), enc);
	snprintf(line, sizeof line, "%s\r\n", enc);
	expect(s, line, "235 2.7.0 Authentication successful\r\n");
	smtpd_free(s);
}

Test(session, auth_attempts_are_capped)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	feed(s, "EHLO c\r\n");
	take(s);
	char line[256], enc[128];
	b64("\0student\0wrong", 14, enc);
	snprintf(line, sizeof line, "AUTH PLAIN %s\r\n", enc);
	for (int i = 0; i < SMTPD_AUTH_TRIES; i++)
		expect(s, line,
		       "535 5.7.8 Error: authentication failed: authentication failure\r\n");
	expect(s, line,
	       "421 4.7.0 test.example Error: too many failed authentication attempts\r\n");
	cr_assert(smtpd_closing(s));
	smtpd_free(s);
}

Test(scenario, submission_wants_tls_then_auth)
{
	struct smtpd *s = start(SCENARIO_SUBMISSION);
	feed(s, "EHLO c\r\n");
	const char *ehlo = take(s);
	cr_assert_not_null(strstr(ehlo, "250-STARTTLS"));
	cr_assert_null(strstr(ehlo, "AUTH"), "AUTH must not be offered before TLS");
	expect(s, "AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U=\r\n",
	       "530 5.7.0 Must issue a STARTTLS command first\r\n");
	expect(s, "MAIL FROM:<a@b.c>\r\n", "530 5.7.0 Must issue a STARTTLS command first\r\n");
	feed(s, "STARTTLS\r\n");
	take(s);
	smtpd_tls_started(s);
	feed(s, "EHLO c\r\n");
	cr_assert_not_null(strstr(take(s), "250-AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256"));
	expect(s, "MAIL FROM:<a@b.c>\r\n", "530 5.7.0 Authentication required\r\n");
	expect(s, "AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U=\r\n",
	       "235 2.7.0 Authentication successful\r\n");
	expect(s, "MAIL FROM:<a@b.c>\r\n", "250 2.1.0 Ok\r\n");
	smtpd_free(s);
}

Test(scenario, unknown_user_relay_denied_mailbox_full)
{
	struct smtpd *s = start(SCENARIO_UNKNOWN_USER);
	feed(s, "EHLO c\r\nMAIL FROM:<a@b.c>\r\n");
	take(s);
	expect(s, "RCPT TO:<nobody@example.com>\r\n",
	       "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local "
	       "recipient table\r\n");
	expect(s,
	       "RCPT TO:<carol@example.com>\r\nRCPT TO:<Student@x.y>\r\nRCPT TO:<postmaster>\r\n",
	       "250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n");
	smtpd_free(s);

	s = start(SCENARIO_RELAY_DENIED);
	feed(s, "EHLO c\r\nMAIL FROM:<a@b.c>\r\n");
	take(s);
	expect(s, "RCPT TO:<x@elsewhere.org>\r\n",
	       "554 5.7.1 <x@elsewhere.org>: Relay access denied\r\n");
	expect(s, "RCPT TO:<x@EXAMPLE.com>\r\n", "250 2.1.5 Ok\r\n");
	smtpd_free(s);

	s = start(SCENARIO_MAILBOX_FULL);
	feed(s, "EHLO c\r\nMAIL FROM:<a@b.c>\r\n");
	take(s);
	expect(s, "RCPT TO:<x@example.com>\r\n",
	       "452 4.2.2 <x@example.com>: Recipient address rejected: Mailbox full\r\n");
	expect(s, "DATA\r\n", "554 5.5.1 Error: no valid recipients\r\n");
	smtpd_free(s);
}

Test(scenario, greylist_asks_the_hook)
{
	struct smtpd *s = start(SCENARIO_GREYLIST);
	feed(s, "EHLO c\r\nMAIL FROM:<a@b.c>\r\n");
	take(s);
	grey_answer = 60;
	expect(s, "RCPT TO:<x@example.com>\r\n",
	       "451 4.7.1 <x@example.com>: Recipient address rejected: Greylisted, please try "
	       "again "
	       "in 60 seconds\r\n");
	grey_answer = -1;
	expect(s, "RCPT TO:<x@example.com>\r\n", "250 2.1.5 Ok\r\n");
	cr_assert_eq(grey_calls, 2);
	smtpd_free(s);
}

Test(scenario, size_limit_with_and_without_size)
{
	struct smtpd *s = start(SCENARIO_SIZE_LIMIT);
	feed(s, "EHLO c\r\n");
	cr_assert_not_null(strstr(take(s), "250-SIZE 10240\r\n"));
	expect(s, "MAIL FROM:<a@b.c> SIZE=20000\r\n",
	       "552 5.3.4 Message size exceeds fixed limit\r\n");
	feed(s, "MAIL FROM:<a@b.c>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n");
	take(s);
	char line[102];
	memset(line, 'x', 100);
	line[100] = '\r';
	line[101] = '\n';
	for (int i = 0; i < 200; i++)
		cr_assert_eq(smtpd_feed(s, line, sizeof line), sizeof line);
	expect(s, ".\r\n", "552 5.3.4 Message size exceeds fixed limit\r\n");
	cr_assert_eq(got.count, 0);
	expect(s, "NOOP\r\n", "250 2.0.0 Ok\r\n");
	smtpd_free(s);
}

Test(scenario, tempfail_after_the_dot)
{
	struct smtpd *s = start(SCENARIO_TEMPFAIL);
	feed(s, "EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n");
	take(s);
	expect(s, "hi\r\n.\r\n", "451 4.3.0 Error: queue file write error\r\n");
	cr_assert_eq(got.count, 0);
	smtpd_free(s);
}

Test(scenario, shutdown_greets_with_421)
{
	setup_cfg(SCENARIO_SHUTDOWN);
	struct smtpd *s = smtpd_new(&cfg, &hooks, 1, "127.0.0.1");
	smtpd_greet(s);
	cr_assert_str_eq(take(s), "421 4.3.2 test.example Service not available, closing "
				  "transmission channel\r\n");
	cr_assert(smtpd_closing(s));
	smtpd_free(s);
}

/* Run a flaky session of many NOOPs; returns how many were answered 250. */
static int
flaky_run(unsigned long long seed, unsigned long id, char *trace, size_t cap)
{
	setup_cfg(SCENARIO_FLAKY);
	cfg.seed = seed;
	struct smtpd *s = smtpd_new(&cfg, &hooks, id, "127.0.0.1");
	smtpd_greet(s);
	take(s);
	int ok = 0;
	for (int i = 0; i < 200 && !smtpd_closing(s); i++) {
		feed(s, "NOOP\r\n");
		if (strcmp(take(s), "250 2.0.0 Ok\r\n") == 0)
			ok++;
	}
	snprintf(trace, cap, "%d %d %d", ok, smtpd_dropped(s), smtpd_closing(s));
	smtpd_free(s);
	return ok;
}

Test(scenario, flaky_is_random_but_repeats_with_the_seed)
{
	char a[64], b[64], c[64];
	int total = 0;
	for (unsigned long id = 1; id <= 20; id++) {
		int n = flaky_run(1234, id, a, sizeof a);
		flaky_run(1234, id, b, sizeof b);
		cr_assert_str_eq(a, b, "same seed, same connection number: same story");
		cr_assert_lt(n, 200, "connection %lu was never interrupted", id);
		total += n;
	}
	/* About one command in eight fails: 20 sessions last about 8 commands each. */
	cr_assert_lt(total, 20 * 60);
	int differ = 0;
	for (unsigned long id = 1; id <= 20; id++) {
		flaky_run(1234, id, a, sizeof a);
		flaky_run(99, id, c, sizeof c);
		differ += strcmp(a, c) != 0;
	}
	cr_assert_gt(differ, 0, "another seed changes the story");
}

Test(scenario, slow_holds_each_reply)
{
	struct smtpd *s;
	setup_cfg(SCENARIO_SLOW);
	cr_assert_eq(cfg.delay_ms, 1500);
	s = smtpd_new(&cfg, &hooks, 1, "127.0.0.1");
	smtpd_greet(s);
	cr_assert(smtpd_paused(s));
	cr_assert_eq(feed(s, "NOOP\r\nNOOP\r\n"), 0, "no input is taken while a reply is held");
	smtpd_resume(s);
	cr_assert_eq(feed(s, "NOOP\r\nNOOP\r\n"), 6, "one command per delay");
	cr_assert(smtpd_paused(s));
	cr_assert_str_eq(take(s),
			 "220 test.example ESMTP ehlo practice server\r\n250 2.0.0 Ok\r\n");
	smtpd_free(s);
}

Test(session, bdat_chunks_are_taken_raw)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	feed(s, "EHLO c\r\n");
	take(s);
	expect(s, "BDAT 3\r\nabc", "503 5.5.1 Error: need MAIL command\r\n");
	expect(s, "MAIL FROM:<a@b.c>\r\nRCPT TO:<x@example.com>\r\nBDAT 7\r\nhi\r\n.\r\n",
	       "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: 7 octets received\r\n");
	expect(s, "BDAT 4 LAST\r\nQUIT", "250 2.0.0 Ok: queued as TESTID1\r\n");
	cr_assert(got.bdat);
	cr_assert_eq(got.len, 11);
	cr_assert(memcmp(got.body, "hi\r\n.\r\nQUIT", 11) == 0);
	expect(s, "MAIL FROM:<a@b.c>\r\nRCPT TO:<x@example.com>\r\nBDAT 0 LAST\r\n",
	       "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as TESTID2\r\n");
	expect(s, "BDAT x\r\n", "501 5.5.4 Syntax: BDAT count [LAST]\r\n");
	smtpd_free(s);
}

Test(session, help_hints_follow_the_state)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	feed(s, "HELP\r\n");
	cr_assert_not_null(strstr(take(s), "214-2.0.0 Next: introduce yourself with EHLO"));
	feed(s, "EHLO c\r\n");
	take(s);
	feed(s, "HELP\r\n");
	cr_assert_not_null(strstr(take(s), "Next: MAIL FROM:"));
	feed(s, "MAIL FROM:<a@b.c>\r\nHELP\r\n");
	cr_assert_not_null(strstr(take(s), "Next: RCPT TO:"));
	feed(s, "RCPT TO:<b@example.com>\r\nHELP\r\n");
	cr_assert_not_null(strstr(take(s), "or DATA to send"));
	expect(s, "HELP mail\r\n",
	       "214 2.0.0 MAIL FROM:<you@example.com> [SIZE=n] [BODY=8BITMIME] [SMTPUTF8]\r\n");
	smtpd_free(s);
}

Test(session, output_backpressure_stops_input)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	static char many[6 * 10000 + 1];
	for (int i = 0; i < 10000; i++)
		memcpy(many + 6 * i, "NOOP\r\n", 6);
	size_t used = smtpd_feed(s, many, 6 * 10000);
	cr_assert_lt(used, 6 * 10000, "a client that never reads must not grow the output");
	size_t out;
	smtpd_output(s, &out);
	cr_assert_leq(out, SMTPD_OUT_HIGH + 64);
	take(s);
	cr_assert_gt(smtpd_feed(s, many + used, 6 * 10000 - used), 0);
	smtpd_free(s);
}

Test(session, timeout_says_421)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	smtpd_timeout(s);
	cr_assert_str_eq(take(s), "421 4.4.2 test.example Error: timeout exceeded\r\n");
	cr_assert(smtpd_closing(s));
	cr_assert_str_eq(smtpd_state_name(smtpd_state(s)), "closed");
	smtpd_free(s);
}

Test(scenario, flaky_can_fail_at_the_final_dot_and_keeps_nothing)
{
	int lost_at_dot = 0;
	for (unsigned long id = 1; id <= 300; id++) {
		setup_cfg(SCENARIO_FLAKY);
		struct smtpd *s = smtpd_new(&cfg, &hooks, id, "127.0.0.1");
		smtpd_greet(s);
		take(s);
		feed(s, "EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n");
		const char *out = take(s);
		if (smtpd_closing(s) || strstr(out, "354 ") == NULL) {
			smtpd_free(s);
			continue;
		}
		feed(s, "hello\r\n.\r\n");
		out = take(s);
		if (smtpd_closing(s)) {
			lost_at_dot++;
			cr_assert_eq(got.count, 0, "a message was kept although the dot failed");
			cr_assert(out[0] == '\0' || strncmp(out, "421 4.4.2 ", 10) == 0, "%s", out);
		} else {
			cr_assert_eq(got.count, 1);
		}
		smtpd_free(s);
	}
	cr_assert_gt(lost_at_dot, 0);
}

/* Run a SCRAM-SHA-256 exchange with the session library's client; the final reply. */
static const char *
scram_exchange(struct smtpd *s, const char *user, const char *password, bool *server_verified)
{
	struct sasl *c = sasl_new(SASL_SCRAM_SHA_256, user, password, NULL);
	cr_assert_not_null(c);
	char *ir = NULL;
	cr_assert_eq(sasl_initial(c, &ir), 0);
	cr_assert_not_null(ir);
	char line[2048];
	snprintf(line, sizeof line, "AUTH SCRAM-SHA-256 %s\r\n", ir);
	free(ir);
	feed(s, line);
	const char *out = take(s);
	while (strncmp(out, "334 ", 4) == 0) {
		char chal[1024];
		snprintf(chal, sizeof chal, "%.*s", (int)(strlen(out) - 6), out + 4);
		char *resp = NULL, err[SASL_ERROR_MAX];
		if (sasl_step(c, chal, strlen(chal), &resp, err, sizeof err) < 0) {
			feed(s, "*\r\n");
			out = take(s);
			break;
		}
		snprintf(line, sizeof line, "%s\r\n", resp);
		free(resp);
		feed(s, line);
		out = take(s);
	}
	*server_verified = sasl_server_verified(c);
	sasl_free(c);
	return out;
}

Test(session, auth_scram_sha_256_against_the_session_client)
{
	struct smtpd *s = start(SCENARIO_DEFAULT);
	feed(s, "EHLO c\r\n");
	take(s);
	bool verified = false;
	cr_assert_str_eq(scram_exchange(s, "tim", "tanstaaftanstaaf", &verified),
			 "235 2.7.0 Authentication successful\r\n");
	cr_assert(verified, "the client did not verify the server signature");
	smtpd_free(s);

	s = start(SCENARIO_DEFAULT);
	feed(s, "EHLO c\r\n");
	take(s);
	cr_assert_str_eq(scram_exchange(s, "tim", "wrong", &verified),
			 "535 5.7.8 Error: authentication failed: authentication failure\r\n");
	cr_assert_not(verified);
	expect(s, "AUTH SCRAM-SHA-256\r\n", "334 \r\n");
	/* Channel binding (p=) is not offered: refused. */
	expect(s, "cD10bHMtdW5pcXVlLCxuPXRpbSxyPWFiYw==\r\n",
	       "535 5.7.8 Error: authentication failed: authentication failure\r\n");
	smtpd_free(s);
}
