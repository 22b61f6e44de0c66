/*
 * drive.h: the session driver under both front ends, with no terminal code.
 *
 * A struct drive ties a transport (the socket) to a proto (the SMTP core) and a transcript,
 * and decides what a typed line means: any line goes to the server as typed, and the driver
 * watches it (220 to STARTTLS -> TLS handshake; 354 to DATA -> body lines are dot-stuffed
 * until a line of only "."; 334 -> the next line is a secret). /auth runs a whole SASL
 * exchange from a user name and a password. What happens is reported to a view through
 * callbacks: lines to show (server bytes still raw, to be sanitized by the view), whole
 * replies with their context (for the explanation), state changes and questions to ask
 * (a certificate that failed verification).
 */
#ifndef EHLO_DRIVE_H
#define EHLO_DRIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"
#include "transcript.h"
#include "transport.h"

#define DRIVE_ERROR_MAX 512
#define DRIVE_OUT_CAP (1024 * 1024)  /* data bytes waiting for the socket */
#define DRIVE_LINE_MAX PROTO_CMD_CAP /* a typed line, without CRLF */

/* What kind of line the view is asked to show. */
enum drive_kind {
	DRIVE_CLIENT, /* a line we sent (secrets masked already) */
	DRIVE_SERVER, /* a line of a reply (raw server bytes: sanitize before showing) */
	DRIVE_INFO,   /* what ehlo did or saw */
	DRIVE_ERROR,  /* what went wrong */
	DRIVE_NOTE,   /* a hint under a line ("decoded: Username:") */
};

/* Flags on lines. */
#define DRIVE_F_TLS 0x01    /* the line went over TLS */
#define DRIVE_F_SECRET 0x02 /* the line was a secret (shown masked) */
#define DRIVE_F_BODY 0x04   /* a message body line sent after 354 */

/* A question the driver waits on before it goes on. */
enum drive_ask {
	DRIVE_ASK_NONE,
	DRIVE_ASK_CERT, /* the certificate failed verification: go on without it? y/N */
};

/* A reply and the moment it answers, for the explanation. Valid during the callback. */
struct drive_reply {
	const struct reply *reply;
	enum proto_cmd answers;
	const char *command; /* the line it answers, masked */
	bool unsolicited;
	enum proto_state before, after;
	bool tls; /* TLS was active when the reply came */
	bool authenticated;
	const struct caps *caps; /* what the server advertised so far */
	const char *auth_mech;	 /* inside AUTH */
	unsigned auth_step;
	const char *challenge; /* a 334's text decoded from base64 (raw bytes), or NULL */
	size_t challenge_len;
};

/* The view's side: every callback may be NULL. */
struct drive_view {
	void *arg;
	void (*line)(void *arg, enum drive_kind kind, unsigned flags, const char *text, size_t len);
	void (*reply)(void *arg, const struct drive_reply *r);
	void (*changed)(void *arg); /* state, TLS or AUTH changed: redraw the status */
	void (*ask)(void *arg, enum drive_ask what);
};

/* How to reach the server. Strings are copied. */
struct drive_options {
	const char *host;
	const char *port;    /* NULL: "25", or "465" with tls_on_connect */
	bool starttls;	     /* --tls: EHLO, STARTTLS, EHLO again on connect */
	bool tls_on_connect; /* --tls-on-connect */
	bool insecure;
	const char *cafile;
	const char *servername;
	const char *ehlo_name; /* for EHLO sent by ehlo itself; NULL: this host's name */
	int timeout_ms;	       /* connect and handshake; 0: 15000 */
};

/* Where the driver stands. */
enum drive_phase {
	DRIVE_IDLE,	  /* never connected, or closed */
	DRIVE_CONNECTING, /* connecting, or the TLS handshake of --tls-on-connect (addition) */
	DRIVE_ONLINE,	  /* connected */
	DRIVE_ASKING,	  /* waiting for the user's answer to a question */
};

struct drive;

/* A new driver (not connected). view is copied. NULL when memory runs out. */
struct drive *drive_new(const struct drive_options *opts, const struct drive_view *view);

/* Close and free. */
void drive_free(struct drive *d);

/* The transcript every event goes into (owned by the driver). */
struct transcript *drive_transcript(struct drive *d);

/*
 * Start connecting (addition): name resolution (getaddrinfo still blocks), then a
 * non-blocking connect to each address in turn and, with TLS on connect, the handshake,
 * all driven from the caller's poll loop: poll drive_fd() as usual (drive_wants_write is
 * true while connecting), call drive_readable/drive_writable when ready, and drive_step
 * when drive_timeout_ms() runs out. The phase is DRIVE_CONNECTING until the session
 * starts; each address tried and each failure is shown as it happens. drive_close (or
 * drive_free) cancels at once. 0 while going on (or connected), -1 when it failed at once.
 */
int drive_connect_start(struct drive *d);

/* Connect and finish TLS on connect, waiting here (for callers without a loop: tests). */
int drive_connect(struct drive *d);

/* Milliseconds until drive_step must run (a connect or handshake deadline), -1 for none. */
int drive_timeout_ms(const struct drive *d);

/* Run what a passed deadline calls for (the next address, or a handshake that gives up). */
void drive_step(struct drive *d);

/* True in DRIVE_CONNECTING. */
bool drive_connecting(const struct drive *d);

/* True when the last attempt failed before the session began (plain: exit code 3). */
bool drive_connect_failed(const struct drive *d);

/* Close the connection (no QUIT) and say so. */
void drive_close(struct drive *d, const char *why);

/* Close and start connecting again (see drive_connect_start). */
int drive_reconnect(struct drive *d);

/*
 * The socket to poll (-1 when not connected; the pending socket while connecting: it may
 * change from one address to the next), and whether to poll it for writing too. A
 * handshake in progress is stepped from drive_readable and drive_writable.
 */
int drive_fd(const struct drive *d);
bool drive_wants_write(const struct drive *d);

/* The socket is readable (or poll said HUP/ERR): read, parse, report. */
void drive_readable(struct drive *d);

/* The socket is writable: send what waits. */
void drive_writable(struct drive *d);

/*
 * A line the user typed (not a slash command), without line end. Sent as typed with CRLF,
 * or, after 354, as a body line (dot-stuffed; "." alone ends the data). Returns 0, or -1
 * with err filled (not connected, CR/LF in the line, too long).
 */
int drive_input(struct drive *d, const char *line, size_t len, char *err, size_t errlen);

/* True when the next typed line is a secret (an answer to a 334 the user drives by hand). */
bool drive_wants_secret(const struct drive *d);

/* True when a typed line would carry a secret ("AUTH PLAIN <base64>", answers to 334). */
bool drive_line_is_secret(const struct drive *d, const char *line, size_t len);

/* True while a line of the message body is expected (after 354, before "."). */
bool drive_in_data(const struct drive *d);

/* Commands sent and not yet answered (0 when not connected). */
size_t drive_pending(const struct drive *d);

/* True when the core takes no more commands for now (a pasted batch waits for replies). */
bool drive_full(const struct drive *d);

/*
 * For a composer, after 354: stream a body (any line ends; normalized to CRLF and
 * dot-stuffed by the message encoder). Returns the bytes taken, which may be fewer than len
 * while the socket is slow (call again when drive_wants_write turns false); -1 when not in
 * DATA. drive_data_finish sends <CRLF>.<CRLF> and waits for the reply to the end of data.
 */
long drive_data_feed(struct drive *d, const char *body, size_t len);
int drive_data_finish(struct drive *d, char *err, size_t errlen);

/* True while replies are awaited or a handshake is due (plain mode waits before reading on). */
bool drive_busy(const struct drive *d);

/*
 * /auth: run a SASL exchange. mech NULL picks the strongest advertised. -1 with err filled
 * when the mechanism is unknown or not possible now.
 */
int drive_auth(struct drive *d, const char *mech, const char *user, const char *password, char *err,
	       size_t errlen);

/* The mechanism /auth would pick now (NULL when the server advertised none we know). */
const char *drive_auth_pick(const struct drive *d);

/* The answer to a question (DRIVE_ASK_CERT: yes goes on without verification). */
void drive_answer(struct drive *d, bool yes);

/* What the status bar shows. */
enum drive_phase drive_phase(const struct drive *d);
const char *drive_host(const struct drive *d);
const char *drive_port(const struct drive *d);
bool drive_connected(const struct drive *d);
bool drive_tls(const struct drive *d);
const struct transport_tls_summary *drive_tls_summary(const struct drive *d);
bool drive_authenticated(const struct drive *d);
const char *drive_auth_user(const struct drive *d); /* who /auth logged in as, or "" */
enum proto_state drive_state(const struct drive *d);
const struct caps *drive_caps(const struct drive *d);
unsigned long long drive_elapsed_ms(const struct drive *d); /* since connected, 0 when not */
unsigned long long drive_reply_count(const struct drive *d);

/* The exit code the last connection attempt earned: 0, 3 (connect) or 4 (TLS, verification). */
int drive_exit_hint(const struct drive *d);

/* A short phrase for the session state ("greeted", "in transaction", "in DATA"). */
const char *drive_state_words(const struct drive *d);

/* Split "host:port", "[v6]:port" or "host" into host and port. -1 when malformed. */
int drive_split_hostport(const char *arg, char *host, size_t hostcap, char *port, size_t portcap);

#endif
