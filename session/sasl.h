/*
 * sasl.h: the client side of SMTP AUTH (RFC 4954): PLAIN, LOGIN, CRAM-MD5, XOAUTH2 and
 * SCRAM-SHA-256, plus base64 helpers and the decoding of 334 challenges for display.
 *
 * A struct sasl holds the secret for one exchange and wipes it when freed. Every line
 * it produces is a secret: callers mark it so before it reaches a transcript.
 */
#ifndef EHLO_SASL_H
#define EHLO_SASL_H

#include <stdbool.h>
#include <stddef.h>

enum sasl_mech {
	SASL_PLAIN,
	SASL_LOGIN,
	SASL_CRAM_MD5,
	SASL_XOAUTH2,
	SASL_SCRAM_SHA_256,
	SASL_MECH_COUNT
};

#define SASL_ERROR_MAX 256

struct sasl;

/* The mechanism's name as SMTP spells it ("CRAM-MD5"). */
const char *sasl_mech_name(enum sasl_mech mech);

/* Look a mechanism up by name, case-insensitively; -1 when unknown. */
int sasl_mech_from_name(const char *name, enum sasl_mech *mech);

/*
 * Start an exchange. secret is the password (or the bearer token for XOAUTH2);
 * authzid may be NULL. NULL when memory runs out or an argument holds a NUL or CRLF.
 */
struct sasl *sasl_new(enum sasl_mech mech, const char *user, const char *secret, const char *authzid);

/* Use a fixed client nonce (SCRAM test vectors); otherwise it comes from RAND_bytes. */
void sasl_set_client_nonce(struct sasl *s, const char *nonce);

/*
 * The initial response to send on the AUTH line itself, base64 (malloc'd, caller frees),
 * or NULL in *ir when the mechanism waits for a challenge (LOGIN, CRAM-MD5). 0 or -1.
 */
int sasl_initial(struct sasl *s, char **ir);

/*
 * Answer a 334 challenge (its text, base64; trailing CR, LF and spaces are ignored).
 * *response is malloc'd: base64, "" for an empty line, or "*" to cancel. Returns 0, or -1
 * with err filled (bad base64, SCRAM server signature mismatch or "e=" error, unexpected
 * step) and *response NULL: the caller then sends "*" to cancel the exchange.
 */
int sasl_step(struct sasl *s, const char *challenge, size_t len, char **response, char *err,
              size_t errlen);

/* For SCRAM: true once the server's final message was checked and matched. */
bool sasl_server_verified(const struct sasl *s);

/* Wipe and free. */
void sasl_free(struct sasl *s);

/* Base64 encode (malloc'd, NUL-terminated). */
char *b64_encode(const void *in, size_t len);

/*
 * Strict base64 decode into a malloc'd buffer (NUL added, not counted in *outlen).
 * NULL on bad input or no memory.
 */
unsigned char *b64_decode(const char *in, size_t len, size_t *outlen);

/*
 * Decode a 334 challenge for display: "VXNlcm5hbWU6" -> "Username:". Writes the
 * decoded bytes (still raw: sanitize before showing) into out; -1 when it is not base64.
 */
int sasl_decode_challenge(const char *b64, size_t len, char *out, size_t outcap, size_t *outlen);

#endif
