/*
 * drive.c: the session driver (see drive.h). It holds one transport, one proto core, one
 * transcript that outlives reconnects, a SASL exchange while /auth runs, the message
 * encoder while body lines are typed after 354, and a small output buffer for those body
 * bytes (commands wait in the proto core's own output).
 */
#include "drive.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "message.h"
#include "sasl.h"
#include "tr.h"

#define DRIVE_READ_CHUNK 16384
#define DRIVE_NAME_MAX 256

struct drive {
	/* options, copied */
	char host[DRIVE_NAME_MAX];
	char port[16];
	bool starttls;
	bool tls_on_connect;
	bool insecure;
	char cafile[1024];
	char servername[DRIVE_NAME_MAX];
	char ehlo_name[DRIVE_NAME_MAX];
	int timeout_ms;

	struct drive_view view;
	struct transcript *transcript;
	struct transport *tp;
	struct proto *proto;
	enum drive_phase phase;
	enum drive_ask asking;

	/* TLS */
	struct transport_tls_summary summary;
	bool have_summary;
	bool auto_tls;	     /* send EHLO, STARTTLS, EHLO by ourselves (--tls, or after "go on") */
	bool auto_ehlo_sent; /* which step of that sequence we reached */
	bool auto_tls_sent;
	bool failed_starttls; /* the verify failure happened after STARTTLS (not on connect) */

	/* AUTH */
	struct sasl *sasl;
	char auth_user[DRIVE_NAME_MAX];
	char pending_user[DRIVE_NAME_MAX];

	/* DATA typed by hand */
	bool in_data;
	struct msgenc enc;
	char *out;
	size_t outlen;

	/* A connect or handshake in progress, driven from the poll loop (drive_step). */
	bool connecting;  /* TCP connect: phase DRIVE_CONNECTING */
	bool handshaking; /* TLS handshake: on connect (DRIVE_CONNECTING) or after STARTTLS */
	bool hs_after_starttls;
	bool hs_want_write;		/* the handshake waits to write, not to read */
	unsigned long long hs_deadline; /* monotonic ms */
	int addr_index;			/* the address last announced, to say each one once */
	char connect_words[256];	/* the status bar's words while connecting */

	bool connect_failed; /* the last attempt never reached the server */
	struct timespec since;
	unsigned long long replies;
	int exit_hint; /* 0, 3 or 4: see drive_exit_hint */
};

static void drive_online(struct drive *d);

/* Milliseconds on the monotonic clock. */
static unsigned long long
drive_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (unsigned long long)ts.tv_sec * 1000ULL +
	       (unsigned long long)ts.tv_nsec / 1000000ULL;
}

/* Tell the view about a line. */
static void
drive_show(struct drive *d, enum drive_kind kind, unsigned flags, const char *text, size_t len)
{
	if (d->view.line != NULL)
		d->view.line(d->view.arg, kind, flags, text, len);
}

/* Show and record an info or error line, printf-style. */
static void __attribute__((format(printf, 3, 4)))
drive_say(struct drive *d, enum drive_kind kind, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	drive_show(d, kind, 0, buf, strlen(buf));
	transcript_add(d->transcript, kind == DRIVE_ERROR ? TRANSCRIPT_ERROR : TRANSCRIPT_INFO, 0,
		       buf, strlen(buf));
}

/* Tell the view the status changed. */
static void
drive_changed(struct drive *d)
{
	if (d->view.changed != NULL)
		d->view.changed(d->view.arg);
}

/* Copy src into a fixed buffer, "" for NULL. */
static void
drive_copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src != NULL ? src : "");
}

/* A new driver (not connected). */
struct drive *
drive_new(const struct drive_options *opts, const struct drive_view *view)
{
	struct drive *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	drive_copy(d->host, sizeof(d->host), opts->host);
	if (opts->port != NULL && opts->port[0] != '\0')
		drive_copy(d->port, sizeof(d->port), opts->port);
	else
		drive_copy(d->port, sizeof(d->port), opts->tls_on_connect ? "465" : "25");
	d->starttls = opts->starttls;
	d->tls_on_connect = opts->tls_on_connect;
	d->insecure = opts->insecure;
	drive_copy(d->cafile, sizeof(d->cafile), opts->cafile);
	drive_copy(d->servername, sizeof(d->servername), opts->servername);
	if (opts->ehlo_name != NULL && opts->ehlo_name[0] != '\0') {
		drive_copy(d->ehlo_name, sizeof(d->ehlo_name), opts->ehlo_name);
	} else if (gethostname(d->ehlo_name, sizeof(d->ehlo_name) - 1) != 0 ||
		   d->ehlo_name[0] == '\0' || strchr(d->ehlo_name, '.') == NULL) {
		/* A bare host name is no FQDN; the literal form is always acceptable. */
		drive_copy(d->ehlo_name, sizeof(d->ehlo_name), "localhost");
	}
	d->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 15000;
	if (view != NULL)
		d->view = *view;
	d->transcript = transcript_new();
	d->out = malloc(DRIVE_OUT_CAP);
	if (d->transcript == NULL || d->out == NULL) {
		drive_free(d);
		return NULL;
	}
	return d;
}

/* Drop the connection's pieces without a word. */
static void
drive_drop(struct drive *d)
{
	if (d->tp != NULL) {
		transport_free(d->tp);
		d->tp = NULL;
	}
	if (d->proto != NULL) {
		proto_free(d->proto);
		d->proto = NULL;
	}
	if (d->sasl != NULL) {
		sasl_free(d->sasl);
		d->sasl = NULL;
	}
	d->in_data = false;
	d->outlen = 0;
	d->have_summary = false;
	d->auth_user[0] = '\0';
	d->connecting = false;
	d->handshaking = false;
	if (d->phase == DRIVE_ONLINE || d->phase == DRIVE_CONNECTING)
		d->phase = DRIVE_IDLE;
}

/* Close and free. */
void
drive_free(struct drive *d)
{
	if (d == NULL)
		return;
	drive_drop(d);
	transcript_free(d->transcript);
	free(d->out);
	memset(d->pending_user, 0, sizeof(d->pending_user));
	free(d);
}

/* The transcript every event goes into. */
struct transcript *
drive_transcript(struct drive *d)
{
	return d->transcript;
}

/* The masked form of a secret line: "AUTH PLAIN ****" or "****". */
static void
drive_mask(const char *line, size_t len, char *out, size_t cap)
{
	if (len > 5 && strncasecmp(line, "AUTH ", 5) == 0) {
		size_t end = 5;
		while (end < len && line[end] != ' ')
			end++;
		snprintf(out, cap, "%.*s%s", (int)end, line, end < len ? " ****" : "");
		return;
	}
	snprintf(out, cap, "****");
}

/* Queue a command for the server and show it. 0, or -1 with err filled. */
static int
drive_send(struct drive *d, const char *line, size_t len, bool secret, char *err, size_t errlen)
{
	char shown[PROTO_CMD_RFC_MAX + 1];
	unsigned flags = transport_tls_active(d->tp) ? DRIVE_F_TLS : 0;

	if (d->handshaking || d->connecting) {
		snprintf(err, errlen, "%s",
			 d->connecting ? _("still connecting (Esc cancels)")
				       : _("wait: the TLS handshake is running"));
		return -1;
	}
	if (proto_command(d->proto, line, len, secret ? PROTO_SECRET : 0, err, errlen) != 0)
		return -1;
	if (secret) {
		drive_mask(line, len, shown, sizeof(shown));
		drive_show(d, DRIVE_CLIENT, flags | DRIVE_F_SECRET, shown, strlen(shown));
	} else {
		drive_show(d, DRIVE_CLIENT, flags, line, len);
	}
	drive_writable(d);
	return 0;
}

/* Send a line ehlo composed itself; failures are shown. */
static void
drive_send_own(struct drive *d, const char *line)
{
	char err[DRIVE_ERROR_MAX];

	if (d->proto == NULL)
		return;
	if (drive_send(d, line, strlen(line), false, err, sizeof(err)) != 0)
		drive_say(d, DRIVE_ERROR, _("could not send %s: %s"), line, err);
}

/* The TLS options as the transport wants them. */
static struct transport_tls_options
drive_tls_options(const struct drive *d)
{
	struct transport_tls_options o;

	o.insecure = d->insecure;
	o.cafile = d->cafile[0] != '\0' ? d->cafile : NULL;
	o.servername = d->servername[0] != '\0' ? d->servername : NULL;
	return o;
}

/* Show what the handshake found, line by line. */
static void
drive_show_summary(struct drive *d, const struct transport_tls_summary *s)
{
	drive_say(d, DRIVE_INFO, _("TLS: %s, cipher %s"), s->protocol, s->cipher);
	if (s->subject[0] != '\0')
		drive_say(d, DRIVE_INFO, _("certificate: %s"), s->subject);
	if (s->issuer[0] != '\0')
		drive_say(d, DRIVE_INFO, _("issued by: %s"), s->issuer);
	if (s->names[0] != '\0')
		drive_say(d, DRIVE_INFO, _("names: %s"), s->names);
	if (s->not_before[0] != '\0' || s->not_after[0] != '\0')
		drive_say(d, DRIVE_INFO, _("valid from %s until %s"), s->not_before, s->not_after);
	if (s->chain_length > 0)
		drive_say(d, DRIVE_INFO,
			  s->chain_length == 1 ? _("chain: %d certificate")
					       : _("chain: %d certificates"),
			  s->chain_length);
}

/* The handshake ended (st): show what it found; on a verification failure, stop and ask. */
static int
drive_handshake_done(struct drive *d, enum transport_status st, const char *err)
{
	bool after_starttls = d->hs_after_starttls;

	d->handshaking = false;
	if (st == TRANSPORT_OK) {
		if (d->phase == DRIVE_CONNECTING)
			drive_online(d);
		d->have_summary = true;
		drive_show_summary(d, &d->summary);
		if (d->summary.verified)
			drive_say(d, DRIVE_INFO,
				  _("certificate verified: the server is who it claims to be"));
		else
			drive_say(d, DRIVE_ERROR,
				  _("certificate NOT verified (%s); going on because you said so: "
				    "the "
				    "connection is encrypted but the server is not proven"),
				  d->summary.verify_words[0] != '\0' ? d->summary.verify_words
								     : _("unknown"));
		if (after_starttls) {
			proto_tls_started(d->proto);
			drive_say(d, DRIVE_INFO,
				  _("TLS is up. What was said in clear no longer counts: send EHLO "
				    "again"));
		}
		drive_changed(d);
		if (after_starttls && d->auto_tls) {
			char line[DRIVE_NAME_MAX + 8];
			d->auto_tls = false;
			snprintf(line, sizeof(line), "EHLO %s", d->ehlo_name);
			drive_send_own(d, line);
		}
		return 0;
	}
	if (st == TRANSPORT_ERR_VERIFY) {
		drive_say(d, DRIVE_ERROR, _("the server's certificate failed verification: %s"),
			  d->summary.verify_words[0] != '\0' ? d->summary.verify_words : err);
		if (d->summary.subject[0] != '\0' || d->summary.protocol[0] != '\0')
			drive_show_summary(d, &d->summary);
		drive_say(d, DRIVE_NOTE,
			  _("ehlo cannot prove this server is %s. Someone in between could be "
			    "listening, or the server uses a self-signed or private certificate. "
			    "Go on only if you know why; --cafile FILE trusts a private CA."),
			  d->servername[0] != '\0' ? d->servername : d->host);
		d->failed_starttls = after_starttls;
		d->exit_hint = 4;
		drive_drop(d);
		d->phase = DRIVE_ASKING;
		d->asking = DRIVE_ASK_CERT;
		drive_changed(d);
		if (d->view.ask != NULL)
			d->view.ask(d->view.arg, DRIVE_ASK_CERT);
		return -1;
	}
	drive_say(d, DRIVE_ERROR, _("TLS handshake failed (%s): %s"), transport_status_name(st),
		  err);
	d->exit_hint = 4;
	/* TLS on connect: the session never began (plain mode has always said 3 for it). */
	if (d->phase == DRIVE_CONNECTING)
		d->connect_failed = true;
	drive_drop(d);
	drive_changed(d);
	return -1;
}

/* One step of the handshake in progress; what it needs next is kept for poll. */
static void
drive_handshake_step(struct drive *d)
{
	char err[TRANSPORT_ERROR_MAX];
	enum transport_status st = transport_tls_step(d->tp, &d->summary, err, sizeof(err));

	if (st == TRANSPORT_WANT_READ || st == TRANSPORT_WANT_WRITE) {
		d->hs_want_write = st == TRANSPORT_WANT_WRITE;
		return;
	}
	(void)drive_handshake_done(d, st, err);
}

/* Start the TLS handshake; it goes on from the poll loop (drive_readable, _writable, _step). */
static int
drive_handshake(struct drive *d, bool after_starttls)
{
	struct transport_tls_options o = drive_tls_options(d);
	char err[TRANSPORT_ERROR_MAX];
	enum transport_status st;

	memset(&d->summary, 0, sizeof(d->summary));
	drive_say(d, DRIVE_INFO, _("starting the TLS handshake"));
	d->hs_after_starttls = after_starttls;
	st = transport_tls_begin(d->tp, &o, err, sizeof(err));
	if (st != TRANSPORT_WANT_WRITE && st != TRANSPORT_WANT_READ) {
		d->handshaking = true;
		return drive_handshake_done(d, st, err);
	}
	d->handshaking = true;
	d->hs_want_write = true;
	if (d->phase == DRIVE_CONNECTING)
		snprintf(d->connect_words, sizeof(d->connect_words), _("TLS handshake with %s"),
			 transport_peer(d->tp));
	d->hs_deadline = drive_now_ms() + (unsigned long long)d->timeout_ms;
	drive_changed(d);
	drive_handshake_step(d);
	return d->tp != NULL ? 0 : -1;
}

/* The TCP connection is up: the session starts (its clock from now). */
static void
drive_online(struct drive *d)
{
	clock_gettime(CLOCK_MONOTONIC, &d->since);
	d->phase = DRIVE_ONLINE;
}

/*
 * Say which address is being tried, once each, when there are several, and keep the words
 * for the status bar (one address: the "connecting to" line said it all already).
 */
static void
drive_connect_announce(struct drive *d)
{
	int index = 0, count = 0;
	const char *addr = transport_connect_address(d->tp, &index, &count);
	const char *sep = strstr(addr, " port ");

	if (index == d->addr_index || sep == NULL || count < 2)
		return;
	d->addr_index = index;
	/* transport says "ADDR port N" (transport.h): the words are ours to translate. */
	snprintf(d->connect_words, sizeof(d->connect_words),
		 _("connecting to %.*s port %s (address %d of %d)"), (int)(sep - addr), addr,
		 sep + 6, index, count);
	drive_say(d, DRIVE_INFO, "%s...", d->connect_words);
	drive_changed(d);
}

/* Show the addresses that failed since the last call (each failure once, as it happens). */
static void
drive_connect_failures(struct drive *d, size_t *shown)
{
	const char *all = transport_connect_failures(d->tp);
	size_t len = strlen(all);

	if (len <= *shown)
		return;
	const char *p = all + *shown;
	if (p[0] == ';' && p[1] == ' ')
		p += 2;
	drive_say(d, DRIVE_ERROR, _("could not connect to %s"), p);
	*shown = len;
}

/* The connect moved on (st): announce, fail, or go online (and start TLS on connect). */
static int
drive_connect_progress(struct drive *d, enum transport_status st, const char *err)
{
	if (st == TRANSPORT_WANT_WRITE) {
		drive_connect_announce(d);
		return 0;
	}
	d->connecting = false;
	if (st != TRANSPORT_OK) {
		drive_say(d, DRIVE_ERROR, _("could not connect (%s): %s"),
			  transport_status_name(st), err);
		drive_drop(d);
		d->phase = DRIVE_IDLE;
		d->connect_failed = true;
		drive_changed(d);
		return -1;
	}
	d->exit_hint = 0;
	d->replies = 0;
	/* transport_peer says "ADDR port N" (transport.h): the words are ours to translate. */
	const char *peer = transport_peer(d->tp);
	const char *sep = strstr(peer, " port ");
	if (sep != NULL)
		drive_say(d, DRIVE_INFO, _("connected to %.*s port %s"), (int)(sep - peer), peer,
			  sep + 6);
	else
		drive_say(d, DRIVE_INFO, _("connected to %s"), peer);
	if (d->tls_on_connect)
		return drive_handshake(d, false);
	drive_online(d);
	drive_changed(d);
	return 0;
}

/* One step of the connect in progress (the socket is writable, or the deadline passed). */
static void
drive_connect_step(struct drive *d)
{
	char err[TRANSPORT_ERROR_MAX];
	size_t shown = strlen(transport_connect_failures(d->tp));
	enum transport_status st = transport_connect_step(d->tp, err, sizeof(err));

	/* Every address failed: the final error lists them all, no need to say the last twice. */
	if (st == TRANSPORT_WANT_WRITE || st == TRANSPORT_OK)
		drive_connect_failures(d, &shown);
	(void)drive_connect_progress(d, st, err);
}

/* Start connecting: the rest happens from the poll loop. */
int
drive_connect_start(struct drive *d)
{
	char err[TRANSPORT_ERROR_MAX];
	enum transport_status st;
	bool retry_starttls = d->failed_starttls;

	drive_drop(d);
	d->failed_starttls = false;
	d->connect_failed = false;
	d->asking = DRIVE_ASK_NONE;
	d->tp = transport_new();
	d->proto = proto_new();
	if (d->tp == NULL || d->proto == NULL) {
		drive_drop(d);
		drive_say(d, DRIVE_ERROR, _("out of memory"));
		d->connect_failed = true;
		return -1;
	}
	proto_set_transcript(d->proto, d->transcript);
	drive_say(d, DRIVE_INFO, _("connecting to %s port %s%s"), d->host, d->port,
		  d->tls_on_connect ? _(" (TLS on connect)") : "");
	d->auto_tls = d->starttls || retry_starttls;
	d->auto_ehlo_sent = false;
	d->auto_tls_sent = false;
	d->addr_index = 0;
	snprintf(d->connect_words, sizeof(d->connect_words), _("connecting to %s port %s%s"),
		 d->host, d->port, "");
	/* getaddrinfo blocks here: a slow resolver still freezes the screen for its time. */
	st = transport_connect_start(d->tp, d->host, d->port, d->timeout_ms, err, sizeof(err));
	d->connecting = true;
	d->phase = DRIVE_CONNECTING;
	clock_gettime(CLOCK_MONOTONIC, &d->since);
	drive_changed(d);
	{
		size_t shown = 0;
		if (st == TRANSPORT_WANT_WRITE || st == TRANSPORT_OK)
			drive_connect_failures(d, &shown);
	}
	return drive_connect_progress(d, st, err);
}

/* Connect and finish any TLS on connect, waiting here (for callers with no loop). */
int
drive_connect(struct drive *d)
{
	if (drive_connect_start(d) != 0)
		return -1;
	while (d->tp != NULL && (d->connecting || d->handshaking)) {
		int wait = drive_timeout_ms(d);
		struct pollfd p = {drive_fd(d), POLLIN | (drive_wants_write(d) ? POLLOUT : 0), 0};
		int r = poll(&p, 1, wait);
		if (r > 0 && (p.revents & POLLOUT))
			drive_writable(d);
		else if (r > 0)
			drive_readable(d);
		drive_step(d);
	}
	return d->tp != NULL ? 0 : -1;
}

/* Milliseconds until drive_step must run (a connect or handshake deadline), -1 for none. */
int
drive_timeout_ms(const struct drive *d)
{
	if (d->tp == NULL)
		return -1;
	if (d->connecting)
		return transport_connect_deadline_ms(d->tp);
	if (d->handshaking) {
		unsigned long long now = drive_now_ms();
		return now >= d->hs_deadline ? 0 : (int)(d->hs_deadline - now);
	}
	return -1;
}

/* Run what a passed deadline calls for (a connect moves on, a handshake gives up). */
void
drive_step(struct drive *d)
{
	char err[TRANSPORT_ERROR_MAX];

	if (d->tp == NULL || drive_timeout_ms(d) != 0)
		return;
	if (d->connecting) {
		drive_connect_step(d);
		return;
	}
	if (d->handshaking) {
		enum transport_status st =
			transport_tls_timeout(d->tp, d->timeout_ms, err, sizeof(err));
		(void)drive_handshake_done(d, st, err);
	}
}

/* True while a connect or a TLS handshake on connect is in progress. */
bool
drive_connecting(const struct drive *d)
{
	return d->phase == DRIVE_CONNECTING;
}

/* True when the last connect attempt failed before the session began (exit code 3). */
bool
drive_connect_failed(const struct drive *d)
{
	return d->connect_failed;
}

/* Close the connection (no QUIT) and say so. */
void
drive_close(struct drive *d, const char *why)
{
	if (d->tp == NULL && d->phase != DRIVE_ASKING)
		return;
	if (why != NULL)
		drive_say(d, DRIVE_INFO, "%s", why);
	drive_drop(d);
	d->phase = DRIVE_IDLE;
	d->asking = DRIVE_ASK_NONE;
	drive_changed(d);
}

/* Close and connect again. */
int
drive_reconnect(struct drive *d)
{
	drive_close(d, d->tp != NULL ? _("closing the connection to reconnect") : NULL);
	return drive_connect_start(d);
}

/* The socket to poll. */
int
drive_fd(const struct drive *d)
{
	return d->tp != NULL ? transport_fd(d->tp) : -1;
}

/* Whether bytes wait for the socket. */
bool
drive_wants_write(const struct drive *d)
{
	size_t len = 0;

	if (d->tp == NULL)
		return false;
	if (d->connecting)
		return true;
	if (d->handshaking)
		return d->hs_want_write;
	if (d->outlen > 0)
		return true;
	(void)proto_output(d->proto, &len);
	return len > 0;
}

/* The connection broke while writing or reading. */
static void
drive_broken(struct drive *d, enum transport_status st)
{
	struct proto_event ev;

	memset(&ev, 0, sizeof(ev));
	if (d->proto != NULL && proto_closed(d->proto, &ev) == 1) {
		if (ev.kind == PROTO_EV_ERROR)
			drive_say(d, DRIVE_ERROR, "%s", ev.error);
		proto_event_free(&ev);
	}
	if (st == TRANSPORT_ERR_CLOSED)
		drive_say(d, DRIVE_INFO, _("the server closed the connection"));
	else
		drive_say(d, DRIVE_ERROR, _("the connection failed (%s)"),
			  transport_status_name(st));
	drive_drop(d);
	d->phase = DRIVE_IDLE;
	drive_changed(d);
}

/* Send what waits: body bytes first (they were typed before any later command). */
void
drive_writable(struct drive *d)
{
	enum transport_status st = TRANSPORT_OK;

	if (d->tp != NULL && d->connecting) {
		drive_connect_step(d);
		return;
	}
	if (d->tp != NULL && d->handshaking) {
		drive_handshake_step(d);
		/* Done: the server may have said more already (TLS on connect: the greeting). */
		if (d->tp != NULL && !d->handshaking)
			drive_readable(d);
		return;
	}
	while (d->tp != NULL && d->outlen > 0) {
		size_t n = transport_write(d->tp, d->out, d->outlen, &st);
		if (n == 0)
			goto stalled;
		memmove(d->out, d->out + n, d->outlen - n);
		d->outlen -= n;
	}
	while (d->tp != NULL) {
		size_t len = 0;
		const char *buf = proto_output(d->proto, &len);
		if (len == 0)
			return;
		size_t n = transport_write(d->tp, buf, len, &st);
		if (n == 0)
			goto stalled;
		proto_output_consumed(d->proto, n);
	}
	return;
stalled:
	if (st == TRANSPORT_WANT_READ || st == TRANSPORT_WANT_WRITE)
		return;
	drive_broken(d, st);
}

/* Answer a 334 in a running /auth exchange. */
static void
drive_sasl_step(struct drive *d, const struct reply *r)
{
	char err[SASL_ERROR_MAX];
	char *resp = NULL;
	const char *text = r->nlines > 0 ? r->lines[0].text : "";
	size_t len = r->nlines > 0 ? r->lines[0].len : 0;

	if (sasl_step(d->sasl, text, len, &resp, err, sizeof(err)) != 0) {
		drive_say(d, DRIVE_ERROR, _("AUTH: %s; cancelling the exchange"), err);
		drive_send(d, "*", 1, false, err, sizeof(err));
		return;
	}
	if (drive_send(d, resp, strlen(resp), true, err, sizeof(err)) != 0)
		drive_say(d, DRIVE_ERROR, _("AUTH: %s"), err);
	OPENSSL_cleanse(resp, strlen(resp));
	free(resp);
}

/* What a reply means for the driver: AUTH, DATA, STARTTLS and the automatic steps. */
static void
drive_after_reply(struct drive *d, const struct proto_event *ev, bool *tls_due)
{
	int code = ev->reply.code;

	if (d->sasl != NULL &&
	    (ev->answers == PROTO_CMD_AUTH || ev->answers == PROTO_CMD_AUTH_DATA)) {
		if (code == 334) {
			drive_sasl_step(d, &ev->reply);
			return;
		}
		if (code == 235) {
			drive_copy(d->auth_user, sizeof(d->auth_user), d->pending_user);
			drive_say(d, DRIVE_INFO, _("authenticated as %s"), d->auth_user);
			if (strcasecmp(ev->auth_mech, "SCRAM-SHA-256") == 0 &&
			    !sasl_server_verified(d->sasl))
				drive_say(d, DRIVE_ERROR,
					  _("the server never proved it knows the password "
					    "(no SCRAM server signature was checked)"));
		}
		sasl_free(d->sasl);
		d->sasl = NULL;
		memset(d->pending_user, 0, sizeof(d->pending_user));
		drive_changed(d);
		return;
	}
	if (ev->answers == PROTO_CMD_DATA && code == 354) {
		d->in_data = true;
		msgenc_init(&d->enc);
		drive_say(
			d, DRIVE_NOTE,
			_("now type the message: headers, an empty line, the body. A line of only "
			  "\".\" ends it; lines starting with \".\" get a second dot for you."));
		drive_changed(d);
		return;
	}
	if (ev->answers == PROTO_CMD_STARTTLS && code == 220) {
		*tls_due = true;
		return;
	}
	if (!d->auto_tls)
		return;
	if (ev->answers == PROTO_CMD_GREETING && code == 220 && !d->auto_ehlo_sent) {
		char line[DRIVE_NAME_MAX + 8];
		d->auto_ehlo_sent = true;
		snprintf(line, sizeof(line), "EHLO %s", d->ehlo_name);
		drive_send_own(d, line);
	} else if (ev->answers == PROTO_CMD_EHLO && !d->auto_tls_sent) {
		d->auto_tls_sent = true;
		if (code == 250 && proto_caps(d->proto)->starttls) {
			drive_send_own(d, "STARTTLS");
		} else {
			d->auto_tls = false;
			drive_say(d, DRIVE_ERROR,
				  _("the server does not offer STARTTLS; staying in clear"));
		}
	} else if (code >= 400) {
		d->auto_tls = false;
	}
}

/* Report one reply to the view and act on it. */
static void
drive_on_reply(struct drive *d, const struct proto_event *ev, bool *tls_due)
{
	struct drive_reply r;
	char decoded[1024];
	size_t declen = 0;
	unsigned flags = transport_tls_active(d->tp) ? DRIVE_F_TLS : 0;

	d->replies++;
	memset(&r, 0, sizeof(r));
	r.reply = &ev->reply;
	r.answers = ev->answers;
	r.command = ev->command;
	r.unsolicited = ev->unsolicited;
	r.before = ev->before;
	r.after = ev->after;
	r.tls = transport_tls_active(d->tp);
	r.authenticated = proto_authenticated(d->proto);
	r.caps = proto_caps(d->proto);
	r.auth_mech = ev->auth_mech;
	r.auth_step = ev->auth_step;
	if (ev->reply.code == 334 && ev->reply.nlines > 0 &&
	    sasl_decode_challenge(ev->reply.lines[0].text, ev->reply.lines[0].len, decoded,
				  sizeof(decoded), &declen) == 0) {
		r.challenge = decoded;
		r.challenge_len = declen;
	}

	/* The reply's lines as the server sent them, one by one. */
	const char *p = ev->reply.raw;
	const char *end = ev->reply.raw + ev->reply.rawlen;
	while (p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl != NULL ? nl : end;
		size_t n = (size_t)(stop - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		drive_show(d, DRIVE_SERVER, flags, p, n);
		p = nl != NULL ? nl + 1 : end;
	}
	if (d->view.reply != NULL)
		d->view.reply(d->view.arg, &r);
	if (r.challenge != NULL) {
		char note[1100];
		int k = snprintf(note, sizeof(note), _("decoded: %.*s"), (int)declen, decoded);
		drive_show(d, DRIVE_NOTE, 0, note, (size_t)(k > 0 ? k : 0));
	}
	drive_after_reply(d, ev, tls_due);
	if (ev->before != ev->after)
		drive_changed(d);
}

/* The socket is readable: read, parse, report. */
void
drive_readable(struct drive *d)
{
	char buf[DRIVE_READ_CHUNK];
	enum transport_status st = TRANSPORT_OK;

	if (d->tp != NULL && d->connecting) {
		drive_connect_step(d);
		return;
	}
	if (d->tp != NULL && d->handshaking) {
		drive_handshake_step(d);
		if (d->tp == NULL || d->handshaking)
			return;
	}
	for (int rounds = 0; d->tp != NULL; rounds++) {
		if (rounds >= 16 && transport_buffered(d->tp) == 0)
			return; /* let the loop breathe; poll will say readable again */
		size_t n = transport_read(d->tp, buf, sizeof(buf), &st);
		if (n == 0) {
			if (st == TRANSPORT_WANT_READ || st == TRANSPORT_WANT_WRITE)
				return;
			drive_broken(d, st);
			return;
		}
		size_t off = 0;
		bool tls_due = false;
		while (off < n && d->tp != NULL) {
			struct proto_event ev;
			size_t used = 0;
			memset(&ev, 0, sizeof(ev));
			int r = proto_feed(d->proto, buf + off, n - off, &used, &ev);
			off += used;
			if (r == 0)
				break;
			if (r < 0) {
				if (tls_due || proto_state(d->proto) == PROTO_TLS_WAIT)
					drive_say(d, DRIVE_ERROR,
						  _("%zu bytes came after the 220 to STARTTLS, "
						    "before the "
						    "handshake: a server must wait (this is how "
						    "plaintext "
						    "injection attacks work). Closing."),
						  n - off);
				else
					drive_say(d, DRIVE_ERROR,
						  _("the session cannot go on; closing"));
				drive_close(d, NULL);
				return;
			}
			if (ev.kind == PROTO_EV_REPLY) {
				drive_on_reply(d, &ev, &tls_due);
			} else {
				drive_say(d, DRIVE_ERROR, _("protocol error: %s"), ev.error);
				if (ev.error_class != PROTO_ERR_SEQUENCE) {
					proto_event_free(&ev);
					drive_close(d, _("closing: the session cannot go on"));
					return;
				}
			}
			proto_event_free(&ev);
		}
		if (d->tp == NULL)
			return;
		if (tls_due) {
			if (drive_handshake(d, true) != 0 || d->handshaking)
				return;
		}
	}
}

/* True when the next typed line answers a 334 the user drives by hand. */
bool
drive_wants_secret(const struct drive *d)
{
	return d->proto != NULL && d->sasl == NULL && !d->in_data &&
	       proto_state(d->proto) == PROTO_AUTH;
}

/* True when a typed line would carry a secret. */
bool
drive_line_is_secret(const struct drive *d, const char *line, size_t len)
{
	if (drive_wants_secret(d))
		return true;
	if (d->in_data)
		return false;
	/* "AUTH MECH initial-response": the third word is a credential. */
	if (len > 5 && strncasecmp(line, "AUTH ", 5) == 0) {
		size_t i = 5;
		while (i < len && line[i] == ' ')
			i++;
		while (i < len && line[i] != ' ')
			i++;
		while (i < len && line[i] == ' ')
			i++;
		return i < len;
	}
	return false;
}

/* Commands sent and not yet answered. */
size_t
drive_pending(const struct drive *d)
{
	return d->proto != NULL ? proto_pending(d->proto) : 0;
}

/* True when the core takes no more commands for now. */
bool
drive_full(const struct drive *d)
{
	size_t len = 0;

	if (d->proto == NULL)
		return false;
	(void)proto_output(d->proto, &len);
	return proto_pending(d->proto) >= PROTO_FIFO_CAP / 2 || len >= PROTO_OUTPUT_CAP / 2 ||
	       d->outlen >= DRIVE_OUT_CAP / 2;
}

/* True while a body line is expected. */
bool
drive_in_data(const struct drive *d)
{
	return d->in_data;
}

/* True while replies are awaited or a question is open. */
bool
drive_busy(const struct drive *d)
{
	if (d->proto == NULL || d->tp == NULL)
		return false;
	if (d->in_data)
		return false;
	return proto_pending(d->proto) > 0 || proto_state(d->proto) == PROTO_TLS_WAIT ||
	       proto_state(d->proto) == PROTO_BANNER;
}

/* One body line after 354: dot-stuffed, or the end of the data. */
static int
drive_body_line(struct drive *d, const char *line, size_t len, char *err, size_t errlen)
{
	unsigned flags = DRIVE_F_BODY | (transport_tls_active(d->tp) ? DRIVE_F_TLS : 0);

	if (d->outlen + MSGENC_BOUND(len + 1) + MSGENC_FINISH_MAX > DRIVE_OUT_CAP) {
		snprintf(err, errlen, _("the server is not taking the message fast enough; wait"));
		return -1;
	}
	if (len == 1 && line[0] == '.') {
		d->outlen += msgenc_finish(&d->enc, d->out + d->outlen);
		d->in_data = false;
		drive_show(d, DRIVE_CLIENT, flags, ".", 1);
		if (proto_data_sent(d->proto, d->enc.in_bytes, err, errlen) != 0)
			return -1;
		drive_say(d, DRIVE_NOTE, _("end of data sent (<CRLF>.<CRLF>)"));
		drive_writable(d);
		drive_changed(d);
		return 0;
	}
	d->outlen += msgenc_feed(&d->enc, line, len, d->out + d->outlen);
	d->outlen += msgenc_feed(&d->enc, "\r\n", 2, d->out + d->outlen);
	drive_show(d, DRIVE_CLIENT, flags, line, len);
	transcript_add(d->transcript, TRANSCRIPT_CLIENT, flags & DRIVE_F_TLS ? TRANSCRIPT_TLS : 0,
		       line, len);
	if (len > 0 && line[0] == '.')
		drive_say(d, DRIVE_NOTE,
			  _("this line starts with \".\": sent as \"..\" so the server "
			    "keeps the dot"));
	drive_writable(d);
	return 0;
}

/* Stream body bytes after 354. */
long
drive_data_feed(struct drive *d, const char *body, size_t len)
{
	size_t taken = 0;

	if (d->tp == NULL || !d->in_data)
		return -1;
	while (taken < len) {
		size_t room = DRIVE_OUT_CAP - d->outlen;
		if (room < MSGENC_BOUND(1) + MSGENC_FINISH_MAX)
			break;
		/* What fits even if every byte doubles. */
		size_t n = (room - MSGENC_FINISH_MAX - 8) / 2;
		if (n > len - taken)
			n = len - taken;
		if (n == 0)
			break;
		d->outlen += msgenc_feed(&d->enc, body + taken, n, d->out + d->outlen);
		taken += n;
	}
	drive_writable(d);
	return (long)taken;
}

/* Send <CRLF>.<CRLF> after a streamed body. */
int
drive_data_finish(struct drive *d, char *err, size_t errlen)
{
	if (d->tp == NULL || !d->in_data) {
		snprintf(err, errlen, _("not inside DATA"));
		return -1;
	}
	if (d->outlen + MSGENC_FINISH_MAX > DRIVE_OUT_CAP) {
		snprintf(err, errlen, _("the body is still being sent; try again"));
		return -1;
	}
	d->outlen += msgenc_finish(&d->enc, d->out + d->outlen);
	d->in_data = false;
	char note[128];
	snprintf(note, sizeof(note),
		 _("message sent: %llu bytes, %llu dots added, then <CRLF>.<CRLF>"),
		 d->enc.in_bytes, d->enc.stuffed);
	drive_say(d, DRIVE_NOTE, "%s", note);
	if (proto_data_sent(d->proto, d->enc.in_bytes, err, errlen) != 0)
		return -1;
	drive_writable(d);
	drive_changed(d);
	return 0;
}

/* A line the user typed. */
int
drive_input(struct drive *d, const char *line, size_t len, char *err, size_t errlen)
{
	if (d->phase == DRIVE_CONNECTING) {
		snprintf(err, errlen, _("still connecting (Esc cancels)"));
		return -1;
	}
	if (d->tp == NULL || d->proto == NULL) {
		snprintf(err, errlen, _("not connected (/reconnect connects again)"));
		return -1;
	}
	if (memchr(line, '\r', len) != NULL || memchr(line, '\n', len) != NULL ||
	    memchr(line, '\0', len) != NULL) {
		snprintf(err, errlen, _("a line cannot hold CR, LF or NUL"));
		return -1;
	}
	if (d->in_data)
		return drive_body_line(d, line, len, err, errlen);
	return drive_send(d, line, len, drive_line_is_secret(d, line, len), err, errlen);
}

/* The mechanism /auth would pick now. */
const char *
drive_auth_pick(const struct drive *d)
{
	static const enum sasl_mech order[] = {SASL_SCRAM_SHA_256, SASL_CRAM_MD5, SASL_PLAIN,
					       SASL_LOGIN};
	const struct caps *c = drive_caps(d);

	if (c == NULL || !c->auth)
		return NULL;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (caps_has_mech(c, order[i]))
			return sasl_mech_name(order[i]);
	return NULL;
}

/* /auth: run a SASL exchange. */
int
drive_auth(struct drive *d, const char *mech, const char *user, const char *password, char *err,
	   size_t errlen)
{
	enum sasl_mech m;
	char *ir = NULL;
	char line[PROTO_CMD_CAP];

	if (d->tp == NULL || d->proto == NULL) {
		snprintf(err, errlen, _("not connected"));
		return -1;
	}
	if (d->sasl != NULL) {
		snprintf(err, errlen, _("an AUTH exchange is already running"));
		return -1;
	}
	if (mech == NULL || mech[0] == '\0')
		mech = drive_auth_pick(d);
	if (mech == NULL) {
		snprintf(err, errlen,
			 _("the server advertised no AUTH mechanism ehlo knows "
			   "(send EHLO first, or name one: /auth PLAIN)"));
		return -1;
	}
	if (sasl_mech_from_name(mech, &m) != 0) {
		snprintf(err, errlen,
			 _("unknown mechanism %s (PLAIN, LOGIN, CRAM-MD5, XOAUTH2, "
			   "SCRAM-SHA-256)"),
			 mech);
		return -1;
	}
	d->sasl = sasl_new(m, user, password, NULL);
	if (d->sasl == NULL) {
		snprintf(err, errlen,
			 _("the user name or password holds a character SMTP cannot carry"));
		return -1;
	}
	if (sasl_initial(d->sasl, &ir) != 0) {
		sasl_free(d->sasl);
		d->sasl = NULL;
		snprintf(err, errlen, _("could not start %s"), sasl_mech_name(m));
		return -1;
	}
	int k;
	if (ir != NULL)
		k = snprintf(line, sizeof(line), "AUTH %s %s", sasl_mech_name(m),
			     ir[0] != '\0' ? ir : "=");
	else
		k = snprintf(line, sizeof(line), "AUTH %s", sasl_mech_name(m));
	if (ir != NULL) {
		OPENSSL_cleanse(ir, strlen(ir));
		free(ir);
	}
	if (k < 0 || (size_t)k >= sizeof(line)) {
		OPENSSL_cleanse(line, sizeof(line));
		sasl_free(d->sasl);
		d->sasl = NULL;
		snprintf(err, errlen, _("the credentials are too long for one AUTH line"));
		return -1;
	}
	drive_copy(d->pending_user, sizeof(d->pending_user), user);
	int rc = drive_send(d, line, (size_t)k, true, err, errlen);
	OPENSSL_cleanse(line, sizeof(line));
	if (rc != 0) {
		sasl_free(d->sasl);
		d->sasl = NULL;
	}
	return rc;
}

/* The answer to a question. */
void
drive_answer(struct drive *d, bool yes)
{
	if (d->asking != DRIVE_ASK_CERT)
		return;
	d->asking = DRIVE_ASK_NONE;
	d->phase = DRIVE_IDLE;
	if (!yes) {
		d->failed_starttls = false;
		drive_say(d, DRIVE_INFO,
			  _("stopped: not going on with an unverified certificate. "
			    "/reconnect tries again, /quit leaves."));
		drive_changed(d);
		return;
	}
	d->insecure = true;
	drive_say(d, DRIVE_INFO, _("going on without verification, as you asked: reconnecting"));
	drive_connect_start(d);
}

/* Status getters. */
enum drive_phase
drive_phase(const struct drive *d)
{
	return d->phase;
}

/* The host as given. */
const char *
drive_host(const struct drive *d)
{
	return d->host;
}

/* The port as given. */
const char *
drive_port(const struct drive *d)
{
	return d->port;
}

/* True while a socket is open. */
bool
drive_connected(const struct drive *d)
{
	return d->tp != NULL && d->phase != DRIVE_CONNECTING;
}

/* True after a handshake on this connection. */
bool
drive_tls(const struct drive *d)
{
	return d->tp != NULL && transport_tls_active(d->tp);
}

/* What the handshake found, or NULL. */
const struct transport_tls_summary *
drive_tls_summary(const struct drive *d)
{
	return d->have_summary ? &d->summary : NULL;
}

/* True after 235. */
bool
drive_authenticated(const struct drive *d)
{
	return d->proto != NULL && proto_authenticated(d->proto);
}

/* Who /auth logged in as. */
const char *
drive_auth_user(const struct drive *d)
{
	return d->auth_user;
}

/* The core's state (PROTO_CLOSED when not connected). */
enum proto_state
drive_state(const struct drive *d)
{
	return d->proto != NULL ? proto_state(d->proto) : PROTO_CLOSED;
}

/* What the server advertised, or NULL. */
const struct caps *
drive_caps(const struct drive *d)
{
	return d->proto != NULL ? proto_caps(d->proto) : NULL;
}

/* Milliseconds since connected. */
unsigned long long
drive_elapsed_ms(const struct drive *d)
{
	struct timespec now;

	if (d->tp == NULL || clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return 0;
	long long ms = (long long)(now.tv_sec - d->since.tv_sec) * 1000 +
		       (now.tv_nsec - d->since.tv_nsec) / 1000000;
	return ms > 0 ? (unsigned long long)ms : 0;
}

/* Replies received on this connection. */
unsigned long long
drive_reply_count(const struct drive *d)
{
	return d->replies;
}

/* The exit code the last connection attempt earned. */
int
drive_exit_hint(const struct drive *d)
{
	return d->exit_hint;
}

/* A short phrase for the session state. */
const char *
drive_state_words(const struct drive *d)
{
	if (d->phase == DRIVE_ASKING)
		return _("waiting for your answer");
	if (d->phase == DRIVE_CONNECTING)
		return d->connect_words;
	if (d->tp == NULL)
		return _("not connected");
	if (d->in_data)
		return _("in DATA");
	if (d->sasl != NULL)
		return _("in AUTH");
	switch (proto_state(d->proto)) {
	case PROTO_BANNER:
		return _("waiting for the greeting");
	case PROTO_CONNECTED:
		return _("greeted");
	case PROTO_READY:
		return _("ready");
	case PROTO_TLS_WAIT:
		return _("TLS handshake");
	case PROTO_AUTH:
		return _("in AUTH");
	case PROTO_MAIL:
	case PROTO_RCPT:
		return _("in transaction");
	case PROTO_DATA:
		return _("in DATA");
	case PROTO_QUIT:
		return _("quitting");
	case PROTO_CLOSED:
		return _("closed");
	case PROTO_ERROR:
	case PROTO_STATE_COUNT:
		break;
	}
	return _("protocol error");
}

/* Split "host:port", "[v6]:port" or "host". */
int
drive_split_hostport(const char *arg, char *host, size_t hostcap, char *port, size_t portcap)
{
	const char *colon;
	size_t hlen;

	if (arg == NULL || arg[0] == '\0')
		return -1;
	port[0] = '\0';
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');
		if (close == NULL)
			return -1;
		hlen = (size_t)(close - arg - 1);
		if (hlen == 0 || hlen >= hostcap)
			return -1;
		memcpy(host, arg + 1, hlen);
		host[hlen] = '\0';
		if (close[1] == '\0')
			return 0;
		if (close[1] != ':' || close[2] == '\0')
			return -1;
		colon = close + 1;
	} else {
		colon = strchr(arg, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL; /* a bare IPv6 literal */
		hlen = colon != NULL ? (size_t)(colon - arg) : strlen(arg);
		if (hlen == 0 || hlen >= hostcap)
			return -1;
		memcpy(host, arg, hlen);
		host[hlen] = '\0';
		if (colon == NULL)
			return 0;
		if (colon[1] == '\0')
			return -1;
	}
	const char *p = colon + 1;
	if (strlen(p) >= portcap || strspn(p, "0123456789") != strlen(p) || atol(p) < 1 ||
	    atol(p) > 65535)
		return -1;
	snprintf(port, portcap, "%s", p);
	return 0;
}
