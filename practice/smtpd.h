/*
 * smtpd.h: one server-side SMTP session as a state machine, with no I/O of its own.
 *
 * The caller feeds it the bytes a client sent (smtpd_feed) and collects the replies it
 * queued (smtpd_output). It asks for what it cannot do itself through flags the caller
 * polls: start TLS now, hold the output for the reply delay, close after the output, drop
 * at once; and through hooks: log a line, deliver a message, ask the greylist. This is what
 * the event loop in server.c drives and what the fuzzer drives with plain buffers.
 */
#ifndef EHLO_PRACTICE_SMTPD_H
#define EHLO_PRACTICE_SMTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "parse.h"
#include "scenario.h"

/* Recipients per transaction (Postfix allows 1000; a class needs far fewer). */
#define SMTPD_RCPT_MAX 100
/* Failed AUTH attempts before the next AUTH gets 421. */
#define SMTPD_AUTH_TRIES 3
/* Bad commands before the session is closed with 421. */
#define SMTPD_ERRORS_MAX 100
/* Stop taking input while this much output waits (the client is not reading). */
#define SMTPD_OUT_HIGH 16384
/* Longest line taken at all (AUTH responses may pass 512); longer ones are discarded. */
#define SMTPD_LINE_CAP 4096

/* Session states, one setter (smtpd_set_state) and a table of names. */
enum smtpd_state {
	SMTPD_STATE_CONNECTED, /* greeting sent, no EHLO/HELO yet */
	SMTPD_STATE_READY,     /* EHLO/HELO done, no transaction */
	SMTPD_STATE_MAIL,      /* MAIL accepted */
	SMTPD_STATE_RCPT,      /* at least one RCPT accepted */
	SMTPD_STATE_DATA,      /* reading the message after 354 */
	SMTPD_STATE_BDAT,      /* reading a BDAT chunk */
	SMTPD_STATE_AUTH,      /* inside an AUTH exchange */
	SMTPD_STATE_CLOSED,    /* QUIT or 421: nothing more is read */
};

/* What a log line is. */
enum smtpd_log {
	SMTPD_LOG_CLIENT,  /* a line the client sent (secrets already replaced) */
	SMTPD_LOG_SERVER,  /* a reply line */
	SMTPD_LOG_NOTE,	   /* the server explaining what it saw, in words */
	SMTPD_LOG_SUMMARY, /* the outcome of one message (shown even with --quiet) */
};

struct smtpd_account {
	const char *name;
	const char *password;
};

/* Fixed settings, shared by every session of a server. */
struct smtpd_config {
	enum scenario_id scenario;
	const char *hostname;		      /* greeting and EHLO name */
	const struct smtpd_account *accounts; /* AUTH accounts */
	size_t naccounts;
	const char *const *local_domains; /* relay-denied */
	size_t nlocal_domains;
	const char *const *mailboxes; /* unknown-user: more known local parts */
	size_t nmailboxes;
	unsigned long size_limit; /* advertised SIZE and the cap on a message */
	int delay_ms;		  /* hold each reply this long (slow) */
	bool tls_available;	  /* STARTTLS offered */
	bool log_lines;		  /* log every client and server line */
	unsigned long long seed;  /* flaky */
	size_t *mem_used;	  /* message bytes held by all sessions, or NULL */
	size_t mem_cap;		  /* ... and their cap */
};

/* The envelope of a message handed to the deliver hook. */
struct smtpd_envelope {
	const char *from; /* "" for <> */
	const char *const *rcpts;
	size_t nrcpts;
	bool bdat;	/* sent with BDAT rather than DATA */
	bool eight_bit; /* BODY=8BITMIME */
	bool smtputf8;
	bool tls;
	const char *auth_user; /* NULL when not authenticated */
	unsigned long session_id;
	const char *client; /* client address */
};

struct smtpd_hooks {
	/* A line for the log: raw bytes, the caller sanitizes. May be NULL. */
	void (*log)(void *ctx, unsigned long id, enum smtpd_log kind, const char *text, size_t len);
	/* Keep a message; write its queue id into id. 0, or -1 for 451 4.3.0. NULL: keep nothing.
	 */
	int (*deliver)(void *ctx, const struct smtpd_envelope *env, const char *body, size_t len,
		       char *id, size_t idcap);
	/*
	 * Greylist the triple in key (client NUL sender NUL recipient): -1 lets it through,
	 * otherwise the seconds before a retry will pass (0: the next one). NULL: all pass.
	 */
	long (*greylist)(void *ctx, const char *key, size_t len);
	void *ctx;
};

struct smtpd;

/* A new session for a client at address client (text), numbered id. NULL without memory. */
struct smtpd *smtpd_new(const struct smtpd_config *cfg, const struct smtpd_hooks *hooks,
			unsigned long id, const char *client);

/* Free a session, wiping any AUTH secret it still holds. */
void smtpd_free(struct smtpd *s);

/* Queue the greeting (220, or 421 under the shutdown scenario). */
void smtpd_greet(struct smtpd *s);

/* Queue "421 4.7.0 ... too many connections" and close. */
void smtpd_refuse_busy(struct smtpd *s);

/*
 * Take bytes from the client; returns how many were used. It stops early when the
 * session waits for TLS (the rest must be thrown away), holds a reply (smtpd_paused),
 * closes, or has SMTPD_OUT_HIGH bytes of output waiting; feed the rest later.
 */
size_t smtpd_feed(struct smtpd *s, const char *buf, size_t len);

/* The queued output. */
const char *smtpd_output(const struct smtpd *s, size_t *len);

/* Drop n bytes from the front of the output, once written. */
void smtpd_output_consume(struct smtpd *s, size_t n);

/* True after "220 Ready to start TLS": do the handshake, then call smtpd_tls_started. */
bool smtpd_want_tls(const struct smtpd *s);

/* The handshake succeeded: forget EHLO, AUTH and the transaction (RFC 3207 4.2). */
void smtpd_tls_started(struct smtpd *s);

/* True while the last reply must be held for cfg->delay_ms; smtpd_resume releases it. */
bool smtpd_paused(const struct smtpd *s);
void smtpd_resume(struct smtpd *s);

/* True once the session is over: close after writing the output. */
bool smtpd_closing(const struct smtpd *s);

/* True when the connection must be dropped at once, output unsent (flaky). */
bool smtpd_dropped(const struct smtpd *s);

/* The idle timeout expired: queue 421 4.4.2 and close. */
void smtpd_timeout(struct smtpd *s);

/* The current state and its name. */
enum smtpd_state smtpd_state(const struct smtpd *s);
const char *smtpd_state_name(enum smtpd_state state);

/* Messages accepted in this session. */
unsigned long smtpd_messages(const struct smtpd *s);

#endif
