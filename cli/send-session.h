/*
 * send-session.h: what `ehlo send` hands from its option parser (send.c) to the driver
 * (send-session.c): the server, the envelope, TLS and AUTH choices, the body, where to
 * stop, the per-phase timeouts and where the record goes.
 */
#ifndef EHLO_SEND_SESSION_H
#define EHLO_SEND_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "message.h"
#include "sasl.h"

#define SEND_TO_MAX MESSAGE_TO_MAX
#define SEND_HEADERS_MAX 32
#define SEND_HOST_MAX 256
#define SEND_PORT_MAX 32
#define SEND_PASSWORD_MAX 1024

/* The points --quit-after can name, in the order a session reaches them. */
enum send_step {
	SEND_STEP_NONE,
	SEND_STEP_CONNECT,
	SEND_STEP_BANNER,
	SEND_STEP_EHLO,
	SEND_STEP_TLS,
	SEND_STEP_AUTH,
	SEND_STEP_MAIL,
	SEND_STEP_RCPT,
	SEND_STEP_DATA,
	SEND_STEP_DOT,
	SEND_STEP_COUNT
};

/* How long to wait at each phase, in milliseconds. */
struct send_timeouts {
	int connect;
	int tls; /* the handshake */
	int greeting;
	int ehlo; /* EHLO, HELO, STARTTLS, AUTH steps */
	int mail;
	int rcpt;
	int data;  /* the reply to DATA */
	int block; /* progress while the message is written */
	int dot;   /* the reply to the final dot */
	int quit;
};

struct send_options {
	char host[SEND_HOST_MAX];
	char port[SEND_PORT_MAX];
	const char *from;
	const char *header_from; /* From: of a built message when from is "" (null sender) */
	const char *to[SEND_TO_MAX];
	size_t nto;
	bool starttls;
	bool tls_on_connect;
	bool insecure;
	const char *cafile;
	const char *servername;
	bool auth;
	enum sasl_mech mech;
	const char *auth_user;
	char *password; /* malloc'd; the driver wipes and frees it once SASL holds it */
	bool allow_plaintext_auth;
	const char *body_path; /* a complete message, "-" for stdin; NULL: build one */
	const char *subject;
	const char *headers[SEND_HEADERS_MAX];
	size_t nheaders;
	const char *ehlo_name;
	bool pipeline;
	enum send_step quit_after;
	struct send_timeouts timeouts;
	const char *transcript_path;
	const char *json_path;
	bool quiet;
};

/* The name of a --quit-after point ("rcpt"), and the point a name means (-1: none). */
const char *send_step_name(enum send_step s);
int send_step_from_name(const char *name, enum send_step *s);

/* Run one session as the options say; returns an exit code from exitcodes.h. */
int send_session_run(struct send_options *o);

#endif
