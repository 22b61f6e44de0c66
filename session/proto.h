/*
 * proto.h: the SMTP client protocol core, with no I/O of its own.
 *
 * A struct proto takes server bytes in (proto_feed) and gives events out: each reply
 * matched to the command it answers (a FIFO of sent commands, so PIPELINING works),
 * state changes and protocol errors. Commands go in through proto_command and come out
 * as wire bytes from proto_output, for the caller's transport to write. One state enum,
 * one table of names, one setter (proto_set_state) that records every change.
 *
 * STARTTLS: once the server has answered 220 to STARTTLS, any further byte fed before
 * proto_tls_started() is a protocol error (plaintext injection, the CVE-2011-0411 class).
 */
#ifndef EHLO_PROTO_H
#define EHLO_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "caps.h"
#include "reply.h"

struct transcript;

#define PROTO_CMD_RFC_MAX 510     /* command line without CRLF, RFC 5321 4.5.3.1.4 */
#define PROTO_CMD_CAP 12288       /* AUTH lines may be longer (RFC 4954 4) */
#define PROTO_FIFO_CAP 1024       /* commands sent and not yet answered */
#define PROTO_OUTPUT_CAP (256 * 1024)
#define PROTO_ERROR_MAX 320

enum proto_state {
	PROTO_BANNER,     /* connected, waiting for the greeting */
	PROTO_CONNECTED,  /* greeted by the server; no EHLO/HELO accepted yet */
	PROTO_READY,      /* EHLO/HELO accepted, no transaction */
	PROTO_TLS_WAIT,   /* 220 to STARTTLS: the handshake must come next */
	PROTO_AUTH,       /* inside an AUTH exchange (334 challenges) */
	PROTO_MAIL,       /* MAIL accepted: in a transaction */
	PROTO_RCPT,       /* at least one RCPT accepted */
	PROTO_DATA,       /* 354: the client sends the message */
	PROTO_QUIT,       /* 221 received, the server said 421, or refused us in its greeting (554, 521) */
	PROTO_CLOSED,     /* the connection is gone */
	PROTO_ERROR,      /* a protocol error ended the session */
	PROTO_STATE_COUNT
};

enum proto_cmd {
	PROTO_CMD_GREETING,  /* not a command: the reply the server sends on connect */
	PROTO_CMD_HELO,
	PROTO_CMD_EHLO,
	PROTO_CMD_MAIL,
	PROTO_CMD_RCPT,
	PROTO_CMD_DATA,
	PROTO_CMD_DATA_END,  /* the final <CRLF>.<CRLF> */
	PROTO_CMD_BDAT,
	PROTO_CMD_RSET,
	PROTO_CMD_VRFY,
	PROTO_CMD_EXPN,
	PROTO_CMD_HELP,
	PROTO_CMD_NOOP,
	PROTO_CMD_QUIT,
	PROTO_CMD_STARTTLS,
	PROTO_CMD_AUTH,
	PROTO_CMD_AUTH_DATA, /* a line answering a 334 challenge */
	PROTO_CMD_UNKNOWN,   /* anything else the user typed */
	PROTO_CMD_COUNT
};

enum proto_error_class {
	PROTO_ERR_NONE,
	PROTO_ERR_SYNTAX,     /* malformed reply (bad code, mismatched lines, NUL, over the cap) */
	PROTO_ERR_SEQUENCE,   /* a reply nobody asked for */
	PROTO_ERR_INJECTION,  /* data after 220 to STARTTLS, before the handshake */
	PROTO_ERR_LIMIT,      /* a cap of ours was reached */
	PROTO_ERR_CLOSED,     /* the server closed the connection with commands pending */
};

enum proto_event_kind {
	PROTO_EV_REPLY,
	PROTO_EV_ERROR,
};

/* One event out of proto_feed. */
struct proto_event {
	enum proto_event_kind kind;
	struct reply reply;          /* PROTO_EV_REPLY; owned by the event, freed by proto_event_free */
	enum proto_cmd answers;      /* the command this reply answers */
	char command[PROTO_CMD_RFC_MAX + 3];  /* that command's line as shown (secrets masked) */
	bool unsolicited;            /* no command was waiting (a 421 may come unasked) */
	char auth_mech[32];          /* inside AUTH: the mechanism named on the AUTH line */
	unsigned auth_step;          /* 0 for the AUTH line, 1.. for each answer to a 334 */
	enum proto_state before;     /* state before and after this event */
	enum proto_state after;
	enum proto_error_class error_class;  /* PROTO_EV_ERROR */
	char error[PROTO_ERROR_MAX];
};

/* Flags for proto_command. */
#define PROTO_SECRET 0x01  /* the line carries a secret: it is masked everywhere */

struct proto;

/* A new session core, in PROTO_BANNER with the greeting expected. */
struct proto *proto_new(void);

/* Free it (and any events' data it still holds). */
void proto_free(struct proto *p);

/* Record every line and event in t (may be NULL). The transcript is not owned. */
void proto_set_transcript(struct proto *p, struct transcript *t);

/* Current state, and its name ("READY"). */
enum proto_state proto_state(const struct proto *p);
const char *proto_state_name(enum proto_state s);

/* The command's name ("MAIL", "end of data"), and the command a typed line is. */
const char *proto_cmd_name(enum proto_cmd c);
enum proto_cmd proto_cmd_classify(const char *line, size_t len);

/* The one state setter: records "state change from X to Y" in the transcript. */
void proto_set_state(struct proto *p, enum proto_state s);

/* What the server advertised (valid after a 250 to EHLO; cleared on STARTTLS). */
const struct caps *proto_caps(const struct proto *p);

/* TLS and AUTH state as the core knows them. */
bool proto_tls_active(const struct proto *p);
bool proto_authenticated(const struct proto *p);

/* Commands sent and not yet answered. */
size_t proto_pending(const struct proto *p);

/*
 * Queue a command line (without CRLF) for sending. It must not hold CR, LF or NUL and
 * not exceed PROTO_CMD_CAP. Inside an AUTH exchange (after 334) a line is taken as an
 * answer to the challenge. flags: PROTO_SECRET. Returns 0, or -1 with err filled.
 */
int proto_command(struct proto *p, const char *line, size_t len, unsigned flags, char *err,
                  size_t errlen);

/*
 * After 354: the caller streams the encoded body (session/message.h) to the transport
 * itself, then calls this once the encoder's terminator is written, so the next reply is
 * matched to the end of data. body_bytes is only recorded in the transcript.
 */
int proto_data_sent(struct proto *p, unsigned long long body_bytes, char *err, size_t errlen);

/* Queue "BDAT n [LAST]" followed by the chunk itself. */
int proto_bdat(struct proto *p, const char *chunk, size_t len, bool last, char *err, size_t errlen);

/* Bytes waiting to be written, and how many of them the transport took. */
const char *proto_output(const struct proto *p, size_t *len);
void proto_output_consumed(struct proto *p, size_t n);

/*
 * Feed server bytes. Returns 1 with *ev filled when an event is ready (call again with
 * the rest: buf + *used), 0 when all input was consumed with no event, -1 when no more
 * bytes are accepted (after an error, or once the connection is closed). After 220 to
 * STARTTLS and until proto_tls_started, any byte fed (and any byte left in the buffer
 * behind the 220) gives one PROTO_ERR_INJECTION event; the session then ends in
 * PROTO_ERROR. A feed of zero bytes meanwhile returns 0, or the error when bytes came
 * behind the 220.
 */
int proto_feed(struct proto *p, const char *buf, size_t len, size_t *used, struct proto_event *ev);

/* The server closed the connection: an error event when commands were pending. */
int proto_closed(struct proto *p, struct proto_event *ev);

/*
 * The TLS handshake finished: forget capabilities, AUTH state, parser state and commands
 * still waiting (the server discards them); EHLO is due again. In PROTO_BANNER (implicit
 * TLS, port 465) it only marks TLS as active. Ignored in any other state.
 */
void proto_tls_started(struct proto *p);

/* Free the reply an event holds. */
void proto_event_free(struct proto_event *ev);

#endif
