/*
 * send-session.c: the driver of ehlo send. It owns one transport, one proto core and one
 * transcript, and walks a session through connect, greeting, EHLO, STARTTLS, AUTH, MAIL,
 * RCPT, DATA, the message and QUIT, each wait with its own deadline. Server bytes go
 * through proto_feed only; commands come out of proto_output. The message is streamed:
 * fixed-size chunks through msgenc straight to the socket, never the whole file in memory.
 *
 * struct send_session holds the state of that walk: the read buffer with what proto has
 * not consumed yet, how much of the transcript was echoed to stdout, the first failure
 * (its exit code and its sentence) and what the message pre-check found.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "exitcodes.h"
#include "message.h"
#include "proto.h"
#include "sanitize.h"
#include "sasl.h"
#include "send-session.h"
#include "transcript.h"
#include "transport.h"

#define SEND_IN_CAP (64 * 1024) /* one read from the server */
#define SEND_CHUNK (256 * 1024) /* one read of the message */
/* A --body file is scanned for 8-bit bytes first up to this size: past it, reading it twice
 * costs more than BODY=8BITMIME is worth (servers take 8-bit data without it). */
#define SEND_PRESCAN_MAX (16ULL << 20)
#define SEND_WHY_MAX 1536
#define SEND_REPLY_TEXT_MAX 600
#define SEND_LINT_LINES_SHOWN 5

struct send_session {
	struct send_options *o;
	struct transport *t;
	struct proto *p;
	struct transcript *tr;
	FILE *text_file;
	FILE *json_file;
	size_t echoed;	      /* transcript events already printed on stdout */
	char in[SEND_IN_CAP]; /* server bytes read and not yet fed to proto */
	size_t inlen;
	size_t inoff;
	bool peer_closed;
	bool can_quit; /* the session is sane enough for a polite QUIT */
	bool quitting; /* failures while quitting do not change the outcome */
	bool probing;  /* looking for a last reply: failures are not news */
	int exit_code; /* the first failure's; its sentence went to stderr at once */
	/* The message. */
	int body_fd; /* -1: the message is built in memory */
	char *built;
	size_t built_len;
	bool size_known;
	unsigned long long size;
	bool eightbit;	      /* 8-bit bytes seen in the pre-check */
	bool utf8_envelope;   /* 8-bit bytes in an address */
	size_t accepted;      /* recipients the server took */
	int rcpt_reject_code; /* the first RCPT refusal */
	char rcpt_reject[SEND_REPLY_TEXT_MAX + 300];
};

/* Milliseconds on the monotonic clock. */
static long long
send_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Print on stdout the transcript events not printed yet (unless --quiet). */
static void
send_echo(struct send_session *s)
{
	size_t n = transcript_count(s->tr);

	if (s->echoed > n)
		s->echoed = n; /* the ring dropped old events: never index past the end */
	if (s->o->quiet) {
		s->echoed = n;
		return;
	}
	for (; s->echoed < n; s->echoed++) {
		const struct transcript_event *ev = transcript_get(s->tr, s->echoed);

		/* proto's state changes are for the files; the terminal shows the dialogue. */
		if (ev->dir == TRANSCRIPT_INFO && ev->text != NULL &&
		    strncmp(ev->text, "state change from ", 18) == 0)
			continue;
		transcript_write_text(stdout, ev);
	}
	fflush(stdout);
}

/*
 * Record the first failure: its exit code and a sentence, printed at once on stderr and
 * kept in the transcript files. Returns the code so callers can return it.
 */
__attribute__((format(printf, 3, 4))) static int
send_fail(struct send_session *s, int code, const char *fmt, ...)
{
	char msg[SEND_WHY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Never 0 here: callers must see that nothing came, whatever the outcome so far. */
	if (s->probing)
		return code;
	if (s->quitting) {
		transcript_addf(s->tr, TRANSCRIPT_INFO, "after the session: %s", msg);
		send_echo(s);
		return code;
	}
	if (s->exit_code != 0)
		return s->exit_code;
	s->exit_code = code;
	if (code == EHLO_EXIT_PROTOCOL || code == EHLO_EXIT_CONNECT || code == EHLO_EXIT_INTERNAL)
		s->can_quit = false;
	send_echo(s);
	transcript_add(s->tr, TRANSCRIPT_ERROR, 0, msg, strlen(msg));
	s->echoed = transcript_count(s->tr); /* stderr gets it instead of a second copy */
	fflush(stdout);
	fprintf(stderr, "ehlo: %s\n", msg);
	fflush(stderr);
	return code;
}

/* A reply as one line of sanitized text: "550 5.1.1 no such user / second line". */
static void
send_reply_text(const struct reply *r, char *out, size_t cap)
{
	size_t used;
	int n = snprintf(out, cap, "%d", r->code);

	if (n < 0 || (size_t)n >= cap)
		return;
	used = (size_t)n;
	for (size_t i = 0; i < r->nlines && used + 4 < cap; i++) {
		if (i > 0) {
			memcpy(out + used, " /", 2);
			used += 2;
		}
		out[used++] = ' ';
		used += sanitize(r->lines[i].text, r->lines[i].len, out + used, cap - used);
	}
	out[used < cap ? used : cap - 1] = '\0';
}

/* The exit code for a refusal: 6 for 4xx, 7 for 5xx, 8 for anything else unexpected. */
static int
send_code_exit(int code)
{
	if (code >= 400 && code < 500)
		return EHLO_EXIT_TEMPFAIL;
	if (code >= 500 && code < 600)
		return EHLO_EXIT_PERMFAIL;
	return EHLO_EXIT_PROTOCOL;
}

/* Report a reply that refused what we asked. */
static int
send_refused(struct send_session *s, const char *what, const struct reply *r)
{
	char text[SEND_REPLY_TEXT_MAX];
	int code = send_code_exit(r->code);

	send_reply_text(r, text, sizeof(text));
	if (r->code == 421) {
		s->can_quit = false; /* it is hanging up; a QUIT would only meet a closed socket */
		return send_fail(s, code, "the server is closing the session at %s: %s", what,
				 text);
	}
	if (code == EHLO_EXIT_PROTOCOL)
		return send_fail(s, code, "protocol error: unexpected reply to %s: %s", what, text);
	return send_fail(s, code, "%s rejected with %s: %s", what,
			 code == EHLO_EXIT_TEMPFAIL ? "a temporary failure (4xx, try later)"
						    : "a permanent failure (5xx)",
			 text);
}

/* Describe a protocol error event in words and fail with exit 8. */
static int
send_proto_error(struct send_session *s, const struct proto_event *ev, const char *waiting_for)
{
	char err[SANITIZE_BOUND(PROTO_ERROR_MAX)];

	sanitize(ev->error, strnlen(ev->error, sizeof(ev->error)), err, sizeof(err));
	switch (ev->error_class) {
	case PROTO_ERR_INJECTION: {
		static const char prefix[] = "the server sent data before TLS started: ";
		const char *what = strncmp(err, prefix, sizeof(prefix) - 1) == 0
					   ? err + sizeof(prefix) - 1
					   : err;

		return send_fail(s, EHLO_EXIT_PROTOCOL,
				 "the server sent data before TLS started (possible STARTTLS "
				 "injection): %s; stopping before anything secret is sent",
				 what);
	}
	case PROTO_ERR_CLOSED:
		/* proto's sentence already names the command left without a reply. */
		if (strncmp(err, "the server closed", 17) == 0)
			return send_fail(s, EHLO_EXIT_PROTOCOL, "%s", err);
		return send_fail(s, EHLO_EXIT_PROTOCOL,
				 "the server closed the connection while ehlo waited for %s (%s)",
				 waiting_for, err);
	case PROTO_ERR_LIMIT:
		return send_fail(s, EHLO_EXIT_PROTOCOL,
				 "protocol error: the server's reply to %s "
				 "is over ehlo's limits: %s",
				 waiting_for, err);
	default:
		return send_fail(s, EHLO_EXIT_PROTOCOL, "protocol error in the reply to %s: %s",
				 waiting_for, err);
	}
}

/*
 * The next event out of proto, reading the server as needed, within timeout_ms. 0 with
 * *ev filled (a reply or an error event), or an exit code when nothing came (timeout,
 * connection gone, read error).
 */
static int
send_next_event(struct send_session *s, int timeout_ms, const char *waiting_for,
		struct proto_event *ev)
{
	long long deadline = send_now_ms() + timeout_ms;

	for (;;) {
		if (s->inoff < s->inlen) {
			size_t used = 0;
			int r = proto_feed(s->p, s->in + s->inoff, s->inlen - s->inoff, &used, ev);

			if (used > s->inlen - s->inoff)
				used = s->inlen - s->inoff;
			s->inoff += used;
			send_echo(s);
			if (r == 1)
				return 0;
			if (r < 0) {
				s->inoff = s->inlen = 0;
				return send_fail(
					s, EHLO_EXIT_PROTOCOL,
					"protocol error: the session cannot go on (waiting for "
					"%s)",
					waiting_for);
			}
			continue;
		}
		s->inoff = s->inlen = 0;
		if (s->peer_closed) {
			if (proto_closed(s->p, ev) == 1) {
				send_echo(s);
				return 0;
			}
			return send_fail(
				s, EHLO_EXIT_PROTOCOL,
				"the server closed the connection while ehlo waited for %s",
				waiting_for);
		}
		long long left = deadline - send_now_ms();

		if (left <= 0)
			left = 0;
		size_t got = 0;
		enum transport_status st =
			left > 0 ? transport_read_wait(s->t, s->in, sizeof(s->in), (int)left, &got)
				 : TRANSPORT_ERR_TIMEOUT;

		if (st == TRANSPORT_OK && got > 0) {
			s->inlen = got;
			continue;
		}
		if (st == TRANSPORT_WANT_READ || st == TRANSPORT_WANT_WRITE ||
		    (st == TRANSPORT_OK && got == 0))
			continue;
		if (st == TRANSPORT_ERR_CLOSED) {
			s->peer_closed = true;
			continue;
		}
		if (st == TRANSPORT_ERR_TIMEOUT) {
			s->can_quit = false;
			return send_fail(
				s, EHLO_EXIT_PROTOCOL,
				"timeout: no answer to %s within %.1f s (the server is silent)",
				waiting_for, timeout_ms / 1000.0);
		}
		s->peer_closed = true;
		return send_fail(s, EHLO_EXIT_PROTOCOL,
				 "reading from the server failed (%s) while "
				 "waiting for %s",
				 transport_status_name(st), waiting_for);
	}
}

/* Wait for the reply to what was sent; 0 with a reply in *ev, or an exit code. */
static int
send_reply(struct send_session *s, int timeout_ms, const char *waiting_for, struct proto_event *ev)
{
	int rc = send_next_event(s, timeout_ms, waiting_for, ev);

	if (rc != 0)
		return rc;
	if (ev->kind == PROTO_EV_ERROR) {
		rc = send_proto_error(s, ev, waiting_for);
		proto_event_free(ev);
		return rc;
	}
	return 0;
}

/* When a write broke: give the server's last words (a 421, a 552) if it left any. */
static int
send_write_failed(struct send_session *s, enum transport_status st, const char *what)
{
	struct proto_event ev;
	int saved_quiet_code = s->exit_code;

	s->can_quit = false;
	if (st == TRANSPORT_ERR_TIMEOUT)
		return send_fail(s, EHLO_EXIT_PROTOCOL,
				 "timeout: the server took nothing more while ehlo was sending %s "
				 "(no progress for the time allowed)",
				 what);
	/* A short look for a reply explaining why: read errors here are not the story. */
	s->probing = true;
	int rc = send_next_event(s, 2000, what, &ev);

	s->probing = false;
	s->exit_code = saved_quiet_code;
	if (rc == 0 && ev.kind == PROTO_EV_REPLY && ev.reply.code >= 400) {
		char text[SEND_REPLY_TEXT_MAX];
		int code = ev.reply.code;

		send_reply_text(&ev.reply, text, sizeof(text));
		proto_event_free(&ev);
		return send_fail(s, send_code_exit(code),
				 "the server stopped the session while ehlo was sending %s: %s",
				 what, text);
	}
	if (rc == 0)
		proto_event_free(&ev);
	if (st == TRANSPORT_ERR_CLOSED)
		return send_fail(s, EHLO_EXIT_PROTOCOL,
				 "the server closed the connection while ehlo was sending %s",
				 what);
	return send_fail(s, EHLO_EXIT_PROTOCOL,
			 "the connection broke while ehlo was sending %s (%s: %s)", what,
			 transport_status_name(st), transport_last_error(s->t));
}

/* Write whatever proto has queued. */
static int
send_flush(struct send_session *s, int timeout_ms, const char *what)
{
	size_t len;
	const char *out = proto_output(s->p, &len);

	while (len > 0) {
		enum transport_status st = transport_write_all(s->t, out, len, timeout_ms);

		if (st != TRANSPORT_OK)
			return send_write_failed(s, st, what);
		proto_output_consumed(s->p, len);
		out = proto_output(s->p, &len);
	}
	return 0;
}

/* Queue one command line (no flush). */
static int
send_queue(struct send_session *s, unsigned flags, const char *line)
{
	char err[256];

	if (proto_command(s->p, line, strlen(line), flags, err, sizeof(err)) != 0) {
		send_echo(s);
		return send_fail(s, EHLO_EXIT_INTERNAL, "cannot send that command: %s", err);
	}
	send_echo(s);
	return 0;
}

/* Send one command and wait for its reply. */
static int
send_command(struct send_session *s, unsigned flags, const char *line, int timeout_ms,
	     const char *what, struct proto_event *ev)
{
	int rc = send_queue(s, flags, line);

	if (rc == 0)
		rc = send_flush(s, timeout_ms, what);
	if (rc == 0)
		rc = send_reply(s, timeout_ms, what, ev);
	return rc;
}

/* QUIT politely and wait a little for 221; nothing here changes the outcome. */
static void
send_quit(struct send_session *s)
{
	struct proto_event ev;

	if (!s->can_quit || s->peer_closed)
		return;
	s->quitting = true;
	if (send_queue(s, 0, "QUIT") == 0 && send_flush(s, s->o->timeouts.quit, "QUIT") == 0 &&
	    send_reply(s, s->o->timeouts.quit, "QUIT", &ev) == 0)
		proto_event_free(&ev);
	s->quitting = false;
}

/* Stop where --quit-after said. */
static bool
send_stop_here(struct send_session *s, enum send_step step)
{
	if (s->o->quit_after != step)
		return false;
	transcript_addf(s->tr, TRANSCRIPT_INFO, "stopping after %s, as --quit-after asked",
			send_step_name(step));
	send_echo(s);
	return true;
}

/* Show what the TLS handshake found. */
static void
send_tls_summary(struct send_session *s, const struct transport_tls_summary *sum)
{
	transcript_addf(s->tr, TRANSCRIPT_INFO, "TLS started: %s, cipher %s", sum->protocol,
			sum->cipher);
	transcript_addf(s->tr, TRANSCRIPT_INFO,
			"certificate: subject %s; issuer %s; names %s; valid %s to %s; chain of %d",
			sum->subject, sum->issuer, sum->names[0] ? sum->names : "(none)",
			sum->not_before, sum->not_after, sum->chain_length);
	if (sum->verified)
		transcript_addf(s->tr, TRANSCRIPT_INFO, "certificate verified for %s",
				s->o->servername ? s->o->servername : s->o->host);
	else
		transcript_addf(s->tr, TRANSCRIPT_INFO,
				"certificate NOT verified: %s; going on anyway because --insecure "
				"was given (the connection is encrypted but the server is not "
				"authenticated)",
				sum->verify_words[0] ? sum->verify_words : "no reason given");
	send_echo(s);
}

/* The TLS handshake, now (STARTTLS after 220, or at once with --tls-on-connect). */
static int
send_start_tls(struct send_session *s)
{
	struct transport_tls_options opts = {
		.insecure = s->o->insecure,
		.cafile = s->o->cafile,
		.servername = s->o->servername,
	};
	struct transport_tls_summary sum;
	char err[TRANSPORT_ERROR_MAX], words[SANITIZE_BOUND(TRANSPORT_ERROR_MAX)];
	enum transport_status st;

	memset(&sum, 0, sizeof(sum));
	err[0] = '\0';
	st = transport_start_tls(s->t, &opts, s->o->timeouts.tls, &sum, err, sizeof(err));
	if (st != TRANSPORT_OK) {
		const char *why =
			st == TRANSPORT_ERR_VERIFY && sum.verify_words[0] ? sum.verify_words : err;

		sanitize(why, strlen(why), words, sizeof(words));
		s->can_quit = false;
		if (st == TRANSPORT_ERR_VERIFY)
			return send_fail(
				s, EHLO_EXIT_TLS,
				"TLS: the certificate of %s did not verify: %s. Nothing more was "
				"sent. Use --cafile FILE to trust its CA "
				"(or a self-signed certificate), or --insecure to go on anyway",
				s->o->servername ? s->o->servername : s->o->host, words);
		return send_fail(s, EHLO_EXIT_TLS, "TLS: the handshake failed (%s): %s",
				 transport_status_name(st), words[0] ? words : "no details");
	}
	send_tls_summary(s, &sum);
	return 0;
}

/* EHLO, falling back to HELO when the server does not know EHLO. */
static int
send_ehlo(struct send_session *s)
{
	char line[PROTO_CMD_RFC_MAX + 1];
	struct proto_event ev;
	int rc;

	snprintf(line, sizeof(line), "EHLO %s", s->o->ehlo_name);
	rc = send_command(s, 0, line, s->o->timeouts.ehlo, "EHLO", &ev);
	if (rc != 0)
		return rc;
	if (ev.reply.code >= 200 && ev.reply.code < 300) {
		proto_event_free(&ev);
		return 0;
	}
	if (ev.reply.code >= 500 && ev.reply.code != 554) {
		/* An old server: HELO still delivers, without any extension. */
		proto_event_free(&ev);
		transcript_addf(s->tr, TRANSCRIPT_INFO, "the server refused EHLO: trying HELO");
		snprintf(line, sizeof(line), "HELO %s", s->o->ehlo_name);
		rc = send_command(s, 0, line, s->o->timeouts.ehlo, "HELO", &ev);
		if (rc != 0)
			return rc;
		if (ev.reply.code >= 200 && ev.reply.code < 300) {
			proto_event_free(&ev);
			return 0;
		}
		rc = send_refused(s, "HELO", &ev.reply);
		proto_event_free(&ev);
		return rc;
	}
	rc = send_refused(s, "EHLO", &ev.reply);
	proto_event_free(&ev);
	return rc;
}

/* STARTTLS, the injection check, the handshake and EHLO again. */
static int
send_starttls(struct send_session *s)
{
	const struct caps *caps = proto_caps(s->p);
	struct proto_event ev;
	int rc;

	if (!caps->starttls) {
		s->can_quit = true;
		return send_fail(s, EHLO_EXIT_TLS,
				 "TLS: the server does not offer STARTTLS (not in its EHLO reply); "
				 "stopping because --tls asks for it");
	}
	rc = send_command(s, 0, "STARTTLS", s->o->timeouts.ehlo, "STARTTLS", &ev);
	if (rc != 0)
		return rc;
	if (ev.reply.code != 220) {
		char text[SEND_REPLY_TEXT_MAX];
		int code = ev.reply.code;

		send_reply_text(&ev.reply, text, sizeof(text));
		proto_event_free(&ev);
		return send_fail(s, code == 421 ? EHLO_EXIT_TEMPFAIL : EHLO_EXIT_TLS,
				 "TLS: the server refused STARTTLS: %s", text);
	}
	proto_event_free(&ev);
	/*
	 * Bytes after the 220 and before the handshake, read with the 220 or already waiting
	 * in the socket, must not be taken for replies: proto reports them as an injection.
	 */
	bool probed = false;

	if (s->inoff >= s->inlen) {
		enum transport_status st;
		size_t got = transport_read(s->t, s->in, sizeof(s->in), &st);

		s->inoff = 0;
		s->inlen = got;
		probed = true;
	}
	if (s->inoff < s->inlen) {
		s->can_quit = false;
		/*
		 * proto has already noted the bytes read with the 220 (it reports *used up to
		 * the reply only, yet counts what follows): an empty feed gets its event
		 * without counting them twice. Bytes from the probe read are new to it.
		 */
		if (!probed) {
			size_t used = 0;

			if (proto_feed(s->p, s->in + s->inoff, 0, &used, &ev) == 1) {
				send_echo(s);
				s->inoff = s->inlen = 0;
				if (ev.kind == PROTO_EV_ERROR)
					rc = send_proto_error(s, &ev, "TLS");
				proto_event_free(&ev);
				return send_fail(
					s, EHLO_EXIT_PROTOCOL,
					"the server sent data before TLS started (possible "
					"STARTTLS injection); stopping before anything secret "
					"is sent");
			}
		}
		rc = send_reply(s, s->o->timeouts.ehlo, "the TLS handshake", &ev);
		if (rc == 0) {
			proto_event_free(&ev);
			rc = send_fail(s, EHLO_EXIT_PROTOCOL,
				       "the server sent data before TLS started (possible STARTTLS "
				       "injection); stopping before anything secret is sent");
		}
		return rc;
	}
	rc = send_start_tls(s);
	if (rc != 0)
		return rc;
	proto_tls_started(s->p);
	send_echo(s);
	return send_ehlo(s);
}

/* Say why AUTH cannot go ahead. */
static int
send_auth_check(struct send_session *s)
{
	const struct caps *caps = proto_caps(s->p);
	char names[SANITIZE_BOUND(CAPS_AUTH_NAMES_MAX)];
	const char *mech = sasl_mech_name(s->o->mech);

	if (!transport_tls_active(s->t)) {
		if (transport_peer_is_loopback(s->t)) {
			transcript_addf(s->tr, TRANSCRIPT_INFO,
					"AUTH without TLS: allowed because the server is on a "
					"loopback address");
		} else if (s->o->allow_plaintext_auth) {
			transcript_addf(s->tr, TRANSCRIPT_INFO,
					"AUTH without TLS, as --allow-plaintext-auth asked: the "
					"credentials cross the network unencrypted");
		} else {
			return send_fail(
				s, EHLO_EXIT_AUTH,
				"refusing to send AUTH over an unencrypted connection to %s "
				"(not a loopback address): the password would cross the network "
				"in clear. Use --tls or --tls-on-connect, or "
				"--allow-plaintext-auth if you really mean it",
				transport_peer(s->t));
		}
		send_echo(s);
	}
	if (!caps->auth)
		return send_fail(
			s, EHLO_EXIT_AUTH, "the server did not advertise AUTH%s",
			caps->starttls && !transport_tls_active(s->t)
				? " (it offers STARTTLS: many servers offer AUTH only after "
				  "it; try --tls)"
				: "");
	if (!caps_has_mech(caps, s->o->mech)) {
		sanitize(caps->auth_names, strnlen(caps->auth_names, sizeof(caps->auth_names)),
			 names, sizeof(names));
		return send_fail(s, EHLO_EXIT_AUTH,
				 "the server does not offer AUTH %s (it offers: %s)", mech,
				 names[0] ? names : "nothing it named");
	}
	return 0;
}

/* The AUTH exchange; the password is wiped once the SASL state holds it. */
static int
send_auth(struct send_session *s)
{
	const char *mech = sasl_mech_name(s->o->mech);
	struct proto_event ev;
	char err[SASL_ERROR_MAX], what[64];
	char *ir = NULL, *line = NULL;
	struct sasl *sasl;
	int rc = send_auth_check(s);

	if (rc != 0)
		return rc;
	snprintf(what, sizeof(what), "AUTH %s", mech);
	sasl = sasl_new(s->o->mech, s->o->auth_user, s->o->password, NULL);
	OPENSSL_cleanse(s->o->password, SEND_PASSWORD_MAX);
	if (sasl == NULL)
		return send_fail(
			s, EHLO_EXIT_AUTH,
			"AUTH %s: cannot start (the user name or password holds a line break "
			"or NUL, or memory ran out)",
			mech);
	if (sasl_initial(sasl, &ir) != 0) {
		sasl_free(sasl);
		return send_fail(s, EHLO_EXIT_INTERNAL, "AUTH %s: cannot make the first message",
				 mech);
	}
	size_t irlen = ir != NULL ? strlen(ir) : 0;
	size_t cap = strlen(mech) + irlen + 16;

	line = malloc(cap);
	if (line == NULL) {
		if (ir != NULL)
			OPENSSL_cleanse(ir, irlen);
		free(ir);
		sasl_free(sasl);
		return send_fail(s, EHLO_EXIT_INTERNAL, "out of memory");
	}
	if (ir == NULL)
		snprintf(line, cap, "AUTH %s", mech);
	else
		snprintf(line, cap, "AUTH %s %s", mech, irlen > 0 ? ir : "=");
	if (ir != NULL) {
		OPENSSL_cleanse(ir, irlen);
		free(ir);
	}
	rc = send_command(s, PROTO_SECRET, line, s->o->timeouts.ehlo, what, &ev);
	OPENSSL_cleanse(line, cap);
	free(line);
	for (unsigned steps = 0; rc == 0; steps++) {
		char *resp = NULL;

		if (ev.reply.code >= 200 && ev.reply.code < 300) {
			proto_event_free(&ev);
			if (s->o->mech == SASL_SCRAM_SHA_256 && !sasl_server_verified(sasl)) {
				rc = send_fail(s, EHLO_EXIT_AUTH,
					       "AUTH %s: the server said yes but never proved it "
					       "knows the password (no server signature)",
					       mech);
			}
			break;
		}
		if (ev.reply.code != 334 || steps > 16) {
			char text[SEND_REPLY_TEXT_MAX];

			send_reply_text(&ev.reply, text, sizeof(text));
			proto_event_free(&ev);
			rc = send_fail(s, EHLO_EXIT_AUTH, "AUTH %s failed: %s", mech, text);
			break;
		}
		const char *chal = ev.reply.nlines > 0 ? ev.reply.lines[0].text : "";
		size_t chal_len = ev.reply.nlines > 0 ? ev.reply.lines[0].len : 0;

		err[0] = '\0';
		if (sasl_step(sasl, chal, chal_len, &resp, err, sizeof(err)) != 0) {
			char words[SANITIZE_BOUND(SASL_ERROR_MAX)];

			proto_event_free(&ev);
			free(resp);
			sanitize(err, strlen(err), words, sizeof(words));
			/* Cancel the exchange ("*"), then report what went wrong. */
			if (send_command(s, 0, "*", s->o->timeouts.ehlo, what, &ev) == 0)
				proto_event_free(&ev);
			rc = send_fail(s, EHLO_EXIT_AUTH, "AUTH %s: %s (exchange cancelled)", mech,
				       words);
			break;
		}
		proto_event_free(&ev);
		rc = send_command(s, PROTO_SECRET, resp, s->o->timeouts.ehlo, what, &ev);
		OPENSSL_cleanse(resp, strlen(resp));
		free(resp);
	}
	sasl_free(sasl);
	return rc;
}

/*
 * The envelope address in what the user typed: "a@b", "<a@b>" or "Name <a@b>" (the
 * part in angle brackets; the whole text still goes into the To: or From: header).
 */
static void
send_address(const char *addr, char *out, size_t cap)
{
	const char *open = strrchr(addr, '<');
	const char *close = open != NULL ? strchr(open, '>') : NULL;
	size_t n = strlen(addr);

	if (open != NULL && close != NULL) {
		addr = open + 1;
		n = (size_t)(close - addr);
	}
	if (n >= cap)
		n = cap - 1;
	memcpy(out, addr, n);
	out[n] = '\0';
}

/* The MAIL FROM line with the parameters the server allows. */
static void
send_mail_line(struct send_session *s, char *line, size_t cap)
{
	const struct caps *caps = proto_caps(s->p);
	char addr[PROTO_CMD_RFC_MAX];
	size_t used;

	send_address(s->o->from, addr, sizeof(addr));
	snprintf(line, cap, "MAIL FROM:<%s>", addr);
	used = strlen(line);
	if (caps->valid && caps->size && s->size_known)
		used += (size_t)snprintf(line + used, cap - used, " SIZE=%llu", s->size);
	if (caps->valid && caps->eightbitmime && s->eightbit && used < cap)
		used += (size_t)snprintf(line + used, cap - used, " BODY=8BITMIME");
	if (caps->valid && caps->smtputf8 && s->utf8_envelope && used < cap)
		snprintf(line + used, cap - used, " SMTPUTF8");
}

/* Read the reply to one RCPT and keep count. */
static int
send_rcpt_reply(struct send_session *s, size_t i)
{
	struct proto_event ev;
	char what[PROTO_CMD_RFC_MAX];
	int rc;

	snprintf(what, sizeof(what), "RCPT TO:<%s>", s->o->to[i]);
	rc = send_reply(s, s->o->timeouts.rcpt, what, &ev);
	if (rc != 0)
		return rc;
	if (ev.reply.code >= 200 && ev.reply.code < 300) {
		s->accepted++;
	} else {
		if (ev.reply.code == 421) {
			rc = send_refused(s, what, &ev.reply);
			proto_event_free(&ev);
			s->peer_closed = true;
			return rc;
		}
		if (s->rcpt_reject_code == 0) {
			char text[SEND_REPLY_TEXT_MAX];

			send_reply_text(&ev.reply, text, sizeof(text));
			s->rcpt_reject_code = ev.reply.code;
			snprintf(s->rcpt_reject, sizeof(s->rcpt_reject), "%s was rejected: %s",
				 s->o->to[i], text);
		}
	}
	proto_event_free(&ev);
	return 0;
}

/* Report that no recipient was accepted (or MAIL was not). */
static int
send_no_rcpt(struct send_session *s)
{
	int code = send_code_exit(s->rcpt_reject_code);

	return send_fail(s, code, "no recipient accepted (%s): %s",
			 code == EHLO_EXIT_TEMPFAIL   ? "a temporary failure, 4xx: try later"
			 : code == EHLO_EXIT_PERMFAIL ? "a permanent failure, 5xx"
						      : "an unexpected reply",
			 s->rcpt_reject);
}

/* End a DATA the server opened though nothing can be delivered: a lone dot. */
static void
send_empty_dot(struct send_session *s)
{
	struct proto_event ev;
	char err[256];

	transcript_addf(
		s->tr, TRANSCRIPT_INFO,
		"the server said 354 though nothing can be delivered: ending the data at once");
	send_echo(s);
	if (transport_write_all(s->t, ".\r\n", 3, s->o->timeouts.block) != TRANSPORT_OK) {
		s->can_quit = false;
		return;
	}
	if (proto_data_sent(s->p, 0, err, sizeof(err)) != 0)
		return;
	s->quitting = true;
	if (send_reply(s, s->o->timeouts.dot, "the end of data", &ev) == 0)
		proto_event_free(&ev);
	s->quitting = false;
}

/* Report the lint findings of a --body file on stderr. */
static void
send_lint_report(struct send_session *s, const struct lint *l)
{
	for (int k = 0; k < LINT_KIND_COUNT; k++) {
		char lines[128];
		size_t used = 0, shown = 0;

		if (l->counts[k] == 0)
			continue;
		lines[0] = '\0';
		for (size_t i = 0; i < l->nissues && shown < SEND_LINT_LINES_SHOWN; i++) {
			if ((int)l->issues[i].kind != k)
				continue;
			int n = snprintf(lines + used, sizeof(lines) - used, "%s%llu",
					 shown ? ", " : "", l->issues[i].line);

			if (n < 0 || (size_t)n >= sizeof(lines) - used)
				break;
			used += (size_t)n;
			shown++;
		}
		/* Leading dots are handled by stuffing: worth knowing, nothing to fix. */
		fprintf(stderr, "ehlo: %s: %s (%s): %llu time%s%s%s%s\n",
			k == LINT_LEADING_DOT || k == LINT_LONE_DOT ? "note" : "warning",
			lint_kind_text((enum lint_kind)k), lint_kind_name((enum lint_kind)k),
			l->counts[k], l->counts[k] == 1 ? "" : "s", shown ? ", line " : "", lines,
			l->counts[k] > shown && shown ? ", ..." : "");
	}
	(void)s;
}

/* Stream the message through msgenc to the server, then the final dot. */
static int
send_body(struct send_session *s)
{
	const struct caps *caps = proto_caps(s->p);
	struct lint_options lopts = {
		.eightbitmime = caps->valid && caps->eightbitmime,
		.smtputf8 = caps->valid && caps->smtputf8,
		.size_limit = caps->valid && caps->size ? caps->size_max : 0,
	};
	struct lint *lint = calloc(1, sizeof(*lint));
	char *in = malloc(SEND_CHUNK);
	char *out = malloc(MSGENC_BOUND(SEND_CHUNK));
	struct msgenc enc;
	size_t built_off = 0;
	int rc = 0;

	if (lint == NULL || in == NULL || out == NULL) {
		free(lint);
		free(in);
		free(out);
		s->can_quit = false;
		return send_fail(s, EHLO_EXIT_INTERNAL, "out of memory");
	}
	msgenc_init(&enc);
	lint_init(lint, &lopts);
	for (;;) {
		const char *chunk;
		size_t n;

		if (s->body_fd < 0) {
			n = s->built_len - built_off;
			if (n > SEND_CHUNK)
				n = SEND_CHUNK;
			chunk = s->built + built_off;
			built_off += n;
		} else {
			ssize_t r = read(s->body_fd, in, SEND_CHUNK);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				s->can_quit = false;
				rc = send_fail(
					s, EHLO_EXIT_INTERNAL,
					"reading the message failed after %llu bytes (%s); the "
					"connection is closed without ending the data, so "
					"nothing is delivered",
					enc.in_bytes, strerror(errno));
				break;
			}
			n = (size_t)r;
			chunk = in;
		}
		if (n == 0)
			break;
		if (s->body_fd >= 0)
			lint_feed(lint, chunk, n);
		size_t m = msgenc_feed(&enc, chunk, n, out);
		enum transport_status st = transport_write_all(s->t, out, m, s->o->timeouts.block);

		if (st != TRANSPORT_OK) {
			char what[160];

			if (s->size_known)
				snprintf(what, sizeof(what),
					 "the message (after about %llu of its %llu bytes)",
					 enc.in_bytes, s->size);
			else
				snprintf(what, sizeof(what), "the message (after about %llu bytes)",
					 enc.in_bytes);
			rc = send_write_failed(s, st, what);
			break;
		}
	}
	if (rc == 0) {
		size_t m = msgenc_finish(&enc, out);
		enum transport_status st = transport_write_all(s->t, out, m, s->o->timeouts.block);

		if (st != TRANSPORT_OK)
			rc = send_write_failed(s, st, "the end of the message");
	}
	if (rc == 0) {
		char err[256], fixed[96] = "";

		if (enc.fixed_cr + enc.fixed_lf + enc.dropped_nul > 0)
			snprintf(fixed, sizeof(fixed),
				 "; made CRLF: %llu bare CR, %llu bare LF; "
				 "dropped %llu NUL",
				 enc.fixed_cr, enc.fixed_lf, enc.dropped_nul);
		transcript_addf(s->tr, TRANSCRIPT_INFO,
				"message: %llu bytes, %llu lines, %llu dots stuffed%s",
				enc.in_bytes, enc.lines, enc.stuffed, fixed);
		if (proto_data_sent(s->p, enc.out_bytes, err, sizeof(err)) != 0)
			rc = send_fail(s, EHLO_EXIT_INTERNAL, "after the message: %s", err);
		send_echo(s);
	}
	if (s->body_fd >= 0) {
		lint_finish(lint);
		send_lint_report(s, lint);
	}
	free(lint);
	free(in);
	free(out);
	return rc;
}

/* MAIL, RCPT and DATA, one by one or in one write with --pipeline and PIPELINING. */
static int
send_envelope(struct send_session *s)
{
	const struct caps *caps = proto_caps(s->p);
	bool batch = s->o->pipeline && caps->valid && caps->pipelining;
	enum send_step stop = s->o->quit_after;
	char line[PROTO_CMD_CAP];
	struct proto_event ev;
	bool mail_ok = false;
	int rc;

	if (s->o->pipeline && !batch) {
		transcript_addf(
			s->tr, TRANSCRIPT_INFO,
			"the server does not advertise PIPELINING: sending one command at a "
			"time");
		send_echo(s);
	}
	if (s->utf8_envelope && !(caps->valid && caps->smtputf8)) {
		transcript_addf(s->tr, TRANSCRIPT_INFO,
				"the addresses are not all ASCII and the server does not advertise "
				"SMTPUTF8: it may refuse them");
		send_echo(s);
	}
	send_mail_line(s, line, sizeof(line));
	if ((rc = send_queue(s, 0, line)) != 0)
		return rc;
	if (batch && stop != SEND_STEP_MAIL) {
		for (size_t i = 0; i < s->o->nto; i++) {
			char addr[PROTO_CMD_RFC_MAX];

			send_address(s->o->to[i], addr, sizeof(addr));
			snprintf(line, sizeof(line), "RCPT TO:<%s>", addr);
			if ((rc = send_queue(s, 0, line)) != 0)
				return rc;
		}
		if (stop != SEND_STEP_RCPT && (rc = send_queue(s, 0, "DATA")) != 0)
			return rc;
	}
	if ((rc = send_flush(s, s->o->timeouts.mail, "MAIL")) != 0)
		return rc;
	if ((rc = send_reply(s, s->o->timeouts.mail, "MAIL FROM", &ev)) != 0)
		return rc;
	mail_ok = ev.reply.code >= 200 && ev.reply.code < 300;
	if (!mail_ok) {
		rc = send_refused(s, "MAIL FROM", &ev.reply);
		proto_event_free(&ev);
		if (!batch || stop == SEND_STEP_MAIL)
			return rc;
		/* Pipelined: the RCPT and DATA replies are still due; read them before QUIT. */
	} else {
		proto_event_free(&ev);
	}
	if (mail_ok && send_stop_here(s, SEND_STEP_MAIL))
		return 0;
	for (size_t i = 0; i < s->o->nto; i++) {
		if (!batch) {
			char addr[PROTO_CMD_RFC_MAX];

			send_address(s->o->to[i], addr, sizeof(addr));
			snprintf(line, sizeof(line), "RCPT TO:<%s>", addr);
			if ((rc = send_queue(s, 0, line)) != 0 ||
			    (rc = send_flush(s, s->o->timeouts.rcpt, "RCPT")) != 0)
				return rc;
		}
		if ((rc = send_rcpt_reply(s, i)) != 0)
			return rc;
	}
	if (!mail_ok && stop == SEND_STEP_RCPT)
		return s->exit_code;
	if (mail_ok && s->accepted == 0 && (!batch || stop == SEND_STEP_RCPT))
		return send_no_rcpt(s);
	if (mail_ok && send_stop_here(s, SEND_STEP_RCPT))
		return s->rcpt_reject_code ? send_fail(s, send_code_exit(s->rcpt_reject_code), "%s",
						       s->rcpt_reject)
					   : 0;
	if (!batch) {
		rc = send_command(s, 0, "DATA", s->o->timeouts.data, "DATA", &ev);
	} else {
		rc = send_reply(s, s->o->timeouts.data, "DATA", &ev);
	}
	if (rc != 0)
		return rc;
	if (ev.reply.code != 354) {
		if (mail_ok && s->accepted > 0)
			rc = send_refused(s, "DATA", &ev.reply);
		else if (mail_ok)
			rc = send_no_rcpt(s);
		else
			rc = s->exit_code;
		proto_event_free(&ev);
		return rc;
	}
	proto_event_free(&ev);
	if (!mail_ok || s->accepted == 0) {
		send_empty_dot(s);
		return mail_ok ? send_no_rcpt(s) : s->exit_code;
	}
	if (send_stop_here(s, SEND_STEP_DATA)) {
		transcript_addf(s->tr, TRANSCRIPT_INFO,
				"closing without sending the message: the server drops the "
				"unfinished transaction");
		send_echo(s);
		s->can_quit = false;
		return 0;
	}
	if ((rc = send_body(s)) != 0)
		return rc;
	if ((rc = send_reply(s, s->o->timeouts.dot, "the end of data (the final dot)", &ev)) != 0)
		return rc;
	if (ev.reply.code < 200 || ev.reply.code >= 300) {
		rc = send_refused(s, "the message", &ev.reply);
		proto_event_free(&ev);
		return rc;
	}
	proto_event_free(&ev);
	if (s->rcpt_reject_code != 0)
		return send_fail(s, send_code_exit(s->rcpt_reject_code),
				 "delivered to %zu of %zu recipients; %s", s->accepted, s->o->nto,
				 s->rcpt_reject);
	send_stop_here(s, SEND_STEP_DOT);
	return 0;
}

/* The whole session after the connection is up. */
static int
send_flow(struct send_session *s)
{
	struct proto_event ev;
	int rc;

	if (s->o->tls_on_connect) {
		if ((rc = send_start_tls(s)) != 0)
			return rc;
		proto_tls_started(s->p);
	}
	if (send_stop_here(s, SEND_STEP_CONNECT)) {
		s->can_quit = false;
		return 0;
	}
	if ((rc = send_reply(s, s->o->timeouts.greeting, "the greeting", &ev)) != 0)
		return rc;
	if (ev.reply.code < 200 || ev.reply.code >= 300) {
		/* After 421 the server hangs up; after 554 it waits for QUIT (RFC 5321 3.1). */
		s->can_quit = ev.reply.code != 421;
		rc = send_refused(s, "the connection (greeting)", &ev.reply);
		proto_event_free(&ev);
		return rc;
	}
	proto_event_free(&ev);
	s->can_quit = true;
	if (send_stop_here(s, SEND_STEP_BANNER))
		return 0;
	if ((rc = send_ehlo(s)) != 0)
		return rc;
	if (send_stop_here(s, SEND_STEP_EHLO))
		return 0;
	if (s->o->starttls && (rc = send_starttls(s)) != 0)
		return rc;
	if (send_stop_here(s, SEND_STEP_TLS))
		return 0;
	if (s->o->auth && (rc = send_auth(s)) != 0)
		return rc;
	if (send_stop_here(s, SEND_STEP_AUTH))
		return 0;
	return send_envelope(s);
}

/* Open a transcript file, mode 0600 even if it was there before. */
static FILE *
send_open_record(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fchmod(fd, 0600) != 0 || (f = fdopen(fd, "w")) == NULL) {
		int err = errno;

		close(fd);
		errno = err;
		return NULL;
	}
	return f;
}

/* True when buf holds a byte over 0x7f; eight bytes at a time, as it runs on whole files. */
static bool
send_has_8bit(const char *buf, size_t len)
{
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t acc = 0;
	size_t i = 0;

	for (; i + 32 <= len; i += 32) {
		uint64_t w[4];

		memcpy(w, buf + i, sizeof(w));
		acc |= w[0] | w[1] | w[2] | w[3];
		if (acc & high)
			return true;
	}
	for (; i < len; i++)
		if ((unsigned char)buf[i] & 0x80)
			return true;
	return false;
}

/* Scan a regular file once for 8-bit bytes, then rewind it. */
static int
send_prescan(struct send_session *s)
{
	char *buf = malloc(SEND_CHUNK);
	ssize_t n;

	if (buf == NULL)
		return -1;
	while ((n = read(s->body_fd, buf, SEND_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (send_has_8bit(buf, (size_t)n)) {
			s->eightbit = true;
			break;
		}
	}
	free(buf);
	if (lseek(s->body_fd, 0, SEEK_SET) != 0)
		return -1;
	return 0;
}

/* Open the --body file or build the message, before any connection is made. */
static int
send_prepare_message(struct send_session *s)
{
	struct send_options *o = s->o;
	char err[256];

	s->body_fd = -1;
	if (o->body_path == NULL) {
		struct message_fields f;

		memset(&f, 0, sizeof(f));
		f.from = o->header_from != NULL ? o->header_from : o->from;
		for (size_t i = 0; i < o->nto && i < MESSAGE_TO_MAX; i++)
			f.to[f.nto++] = o->to[i];
		f.subject = o->subject;
		for (size_t i = 0; i < o->nheaders && i < 32; i++)
			f.headers[f.nheaders++] = o->headers[i];
		f.hostname = o->ehlo_name;
		if (message_build(&f, &s->built, &s->built_len, err, sizeof(err)) != 0) {
			fprintf(stderr, "ehlo send: cannot build the message: %s\n", err);
			return EHLO_EXIT_USAGE;
		}
		s->size_known = true;
		s->size = s->built_len;
		s->eightbit = send_has_8bit(s->built, s->built_len);
		return 0;
	}
	if (strcmp(o->body_path, "-") == 0) {
		s->body_fd = STDIN_FILENO;
	} else {
		s->body_fd = open(o->body_path, O_RDONLY | O_CLOEXEC);
		if (s->body_fd < 0) {
			fprintf(stderr, "ehlo send: --body %s: %s\n", o->body_path,
				strerror(errno));
			return EHLO_EXIT_USAGE;
		}
	}
	struct stat st;

	if (fstat(s->body_fd, &st) == 0 && S_ISREG(st.st_mode)) {
		s->size_known = true;
		s->size = (unsigned long long)st.st_size;
		if (s->size <= SEND_PRESCAN_MAX && lseek(s->body_fd, 0, SEEK_CUR) == 0 &&
		    send_prescan(s) != 0) {
			fprintf(stderr, "ehlo send: --body %s: cannot read it twice\n",
				o->body_path);
			return EHLO_EXIT_USAGE;
		}
	} else if (fstat(s->body_fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "ehlo send: --body %s: is a directory\n", o->body_path);
		return EHLO_EXIT_USAGE;
	}
	return 0;
}

/* Set up the record: the transcript, its files, and the stdout echo. */
static int
send_prepare_record(struct send_session *s)
{
	s->tr = transcript_new();
	if (s->tr == NULL) {
		fprintf(stderr, "ehlo send: out of memory\n");
		return EHLO_EXIT_INTERNAL;
	}
	if (s->o->transcript_path != NULL) {
		s->text_file = send_open_record(s->o->transcript_path);
		if (s->text_file == NULL) {
			fprintf(stderr, "ehlo send: --transcript %s: %s\n", s->o->transcript_path,
				strerror(errno));
			return EHLO_EXIT_USAGE;
		}
		transcript_set_text_sink(s->tr, s->text_file);
	}
	if (s->o->json_path != NULL) {
		s->json_file = send_open_record(s->o->json_path);
		if (s->json_file == NULL) {
			fprintf(stderr, "ehlo send: --json %s: %s\n", s->o->json_path,
				strerror(errno));
			return EHLO_EXIT_USAGE;
		}
		transcript_set_json_sink(s->tr, s->json_file);
	}
	return 0;
}

/* Close the record files; a failure to write them is an error of ours. */
static int
send_close_record(struct send_session *s, int rc)
{
	FILE *files[2] = {s->text_file, s->json_file};
	const char *names[2] = {s->o->transcript_path, s->o->json_path};

	for (int i = 0; i < 2; i++) {
		if (files[i] == NULL)
			continue;
		if ((ferror(files[i]) | fclose(files[i])) != 0) {
			fprintf(stderr, "ehlo: could not write %s\n", names[i]);
			if (rc == 0)
				rc = EHLO_EXIT_INTERNAL;
		}
	}
	s->text_file = s->json_file = NULL;
	return rc;
}

/* Run one session as the options say. */
int
send_session_run(struct send_options *o)
{
	struct send_session *s = calloc(1, sizeof(*s));
	char err[TRANSPORT_ERROR_MAX], words[SANITIZE_BOUND(TRANSPORT_ERROR_MAX)];
	int rc;

	if (s == NULL) {
		fprintf(stderr, "ehlo send: out of memory\n");
		return EHLO_EXIT_INTERNAL;
	}
	s->o = o;
	s->body_fd = -1;
	for (size_t i = 0; i < o->nto; i++)
		s->utf8_envelope |= send_has_8bit(o->to[i], strlen(o->to[i]));
	s->utf8_envelope |= send_has_8bit(o->from, strlen(o->from));
	rc = send_prepare_message(s);
	if (rc == 0)
		rc = send_prepare_record(s);
	if (rc == 0) {
		s->t = transport_new();
		s->p = proto_new();
		if (s->t == NULL || s->p == NULL) {
			fprintf(stderr, "ehlo send: out of memory\n");
			rc = EHLO_EXIT_INTERNAL;
		}
	}
	if (rc == 0) {
		proto_set_transcript(s->p, s->tr);
		transcript_addf(s->tr, TRANSCRIPT_INFO, "connecting to %s port %s", o->host,
				o->port);
		send_echo(s);
		err[0] = '\0';
		enum transport_status st = transport_connect(s->t, o->host, o->port,
							     o->timeouts.connect, err, sizeof(err));

		if (st != TRANSPORT_OK) {
			sanitize(err, strlen(err), words, sizeof(words));
			rc = send_fail(s, EHLO_EXIT_CONNECT, "could not connect to %s port %s: %s",
				       o->host, o->port,
				       words[0] ? words : transport_status_name(st));
		} else {
			transcript_addf(s->tr, TRANSCRIPT_INFO, "connected to %s",
					transport_peer(s->t));
			send_echo(s);
			rc = send_flow(s);
			if (rc == 0 || rc == EHLO_EXIT_TEMPFAIL || rc == EHLO_EXIT_PERMFAIL ||
			    rc == EHLO_EXIT_AUTH || rc == EHLO_EXIT_TLS)
				send_quit(s);
		}
	}
	if (rc == 0 && s->exit_code != 0)
		rc = s->exit_code;
	send_echo(s);
	rc = send_close_record(s, rc);
	if (o->password != NULL)
		OPENSSL_cleanse(o->password, SEND_PASSWORD_MAX);
	if (s->body_fd > STDIN_FILENO)
		close(s->body_fd);
	free(s->built);
	proto_free(s->p);
	transport_free(s->t);
	transcript_free(s->tr);
	free(s);
	return rc;
}
