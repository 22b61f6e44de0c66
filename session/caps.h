/*
 * caps.h: the capabilities a server advertised in its EHLO reply (RFC 5321 4.1.1.1 and the
 * extension RFCs): SIZE, AUTH (both forms), PIPELINING, STARTTLS, 8BITMIME, SMTPUTF8,
 * CHUNKING, DSN, ENHANCEDSTATUSCODES and the rest, unknown keywords kept as seen.
 * Cleared when STARTTLS succeeds, since what was said in clear no longer counts.
 */
#ifndef EHLO_CAPS_H
#define EHLO_CAPS_H

#include <stdbool.h>
#include <stddef.h>

#include "reply.h"
#include "sasl.h"

#define CAPS_UNKNOWN_MAX 32
#define CAPS_KEYWORD_MAX 64
#define CAPS_AUTH_NAMES_MAX 256

struct caps {
	bool valid;                   /* an EHLO reply was parsed */
	char domain[256];             /* what the server called itself on the first line */
	bool size;                    /* SIZE advertised */
	unsigned long long size_max;  /* its value; 0 when none given (no fixed limit) */
	bool pipelining;
	bool starttls;
	bool eightbitmime;
	bool smtputf8;
	bool chunking;
	bool binarymime;
	bool dsn;
	bool enhancedstatuscodes;
	bool requiretls;
	bool auth;                    /* AUTH advertised in either form */
	bool auth_legacy;             /* the "AUTH=LOGIN PLAIN" form was seen */
	unsigned auth_mechs;          /* bit (1u << enum sasl_mech) for each known mechanism */
	char auth_names[CAPS_AUTH_NAMES_MAX];  /* every mechanism as advertised, space separated */
	size_t nunknown;
	char unknown[CAPS_UNKNOWN_MAX][CAPS_KEYWORD_MAX];  /* other keyword lines, as sent (capped) */
};

/* Forget everything (before EHLO, and after STARTTLS). */
void caps_clear(struct caps *c);

/* Read a 250 reply to EHLO. Lines after the first are keywords with parameters. */
void caps_parse(struct caps *c, const struct reply *r);

/* True when mech was advertised. */
bool caps_has_mech(const struct caps *c, enum sasl_mech mech);

#endif
