/*
 * smtpd.c: see smtpd.h. One struct smtpd per connection: the state (one setter, one
 * name table), the EHLO/AUTH/TLS facts of the session, the transaction (sender,
 * recipients, message body with its DATA decoder), a capped line buffer and a capped
 * output buffer. Reply texts follow Postfix, so students meet here what they will meet
 * on real servers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "smtpd.h"
#include "sasl.h"

/* Output is capped well above SMTPD_OUT_HIGH: one reply never passes a few KiB. */
#define SMTPD_OUT_CAP (SMTPD_OUT_HIGH + 8192)
/* Message bytes decoded in one step (the scratch buffer when a message is discarded). */
#define SMTPD_CHUNK 16384
/* A body buffer up to this size is kept for the next message instead of freed. */
#define SMTPD_BODY_KEEP 65536

enum smtpd_auth_step {
	SMTPD_AUTH_NONE,
	SMTPD_AUTH_PLAIN,	/* 334 sent, waiting for the PLAIN response */
	SMTPD_AUTH_LOGIN_USER,	/* 334 Username: */
	SMTPD_AUTH_LOGIN_PASS,	/* 334 Password: */
	SMTPD_AUTH_CRAM,	/* 334 challenge */
	SMTPD_AUTH_SCRAM_FIRST, /* SCRAM-SHA-256: waiting for client-first */
	SMTPD_AUTH_SCRAM_FINAL, /* server-first sent, waiting for client-final */
	SMTPD_AUTH_SCRAM_DONE,	/* server-final (v=) sent, waiting for the empty line */
};

struct smtpd {
	const struct smtpd_config *cfg;
	struct smtpd_hooks hooks;
	unsigned long id;
	char client[64];
	enum smtpd_state state;
	enum smtpd_state state_saved;

	bool esmtp;
	bool tls;
	bool want_tls;
	bool paused;
	bool dropped;
	char helo[256];

	bool authed;
	char auth_user[256];
	int auth_fails;
	enum smtpd_auth_step auth_step;
	char login_user[256];
	char cram_challenge[128];
	const struct smtpd_account *scram_account;
	unsigned char scram_salted[32]; /* SaltedPassword */
	char scram_nonce[160];		/* client nonce + server nonce */
	char scram_gs2[64];		/* base64 of the GS2 header, for c= */
	char scram_auth[1024];		/* AuthMessage, built up step by step */

	char from[PARSE_ADDR_MAX + 1];
	char *rcpts[SMTPD_RCPT_MAX];
	size_t nrcpts;
	size_t rcpt_rejected;
	bool body_8bit;
	bool smtputf8;
	bool bdat_active;

	char *body;
	size_t body_len;
	size_t body_cap;
	unsigned long long body_total;
	bool too_big;
	bool nomem;
	struct parse_data data;
	unsigned long long bdat_left;
	bool bdat_last;
	const char *bdat_error;

	char line[SMTPD_LINE_CAP];
	size_t linelen;
	bool line_overflow;

	char *out;
	size_t outlen;
	size_t outcap;

	unsigned long errors;
	unsigned long messages;
	unsigned long long rng;
};

/* State names, in enum order. */
static const char *const smtpd_state_names[] = {
	[SMTPD_STATE_CONNECTED] = "connected", [SMTPD_STATE_READY] = "ready",
	[SMTPD_STATE_MAIL] = "mail",	       [SMTPD_STATE_RCPT] = "rcpt",
	[SMTPD_STATE_DATA] = "data",	       [SMTPD_STATE_BDAT] = "bdat",
	[SMTPD_STATE_AUTH] = "auth",	       [SMTPD_STATE_CLOSED] = "closed",
};

/* Pass a line to the log hook. */
static void
smtpd_log(struct smtpd *s, enum smtpd_log kind, const char *text, size_t len)
{
	if (s->hooks.log != NULL)
		s->hooks.log(s->hooks.ctx, s->id, kind, text, len);
}

/* Log a formatted note or summary. */
static void __attribute__((format(printf, 3, 4)))
smtpd_logf(struct smtpd *s, enum smtpd_log kind, const char *fmt, ...)
{
	if (s->hooks.log == NULL)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
	smtpd_log(s, kind, buf, len);
}

/* Change state; the one place that does. */
static void
smtpd_set_state(struct smtpd *s, enum smtpd_state state)
{
	s->state = state;
}

/* Append one reply line (without CRLF); the last line of a reply may start the delay. */
static void
smtpd_reply(struct smtpd *s, const char *line)
{
	size_t len = strlen(line);
	if (len > PARSE_LINE_MAX - 2)
		len = PARSE_LINE_MAX - 2;
	if (s->outlen + len + 2 > s->outcap) {
		size_t cap = s->outcap ? s->outcap * 2 : 1024;
		while (cap < s->outlen + len + 2)
			cap *= 2;
		if (cap > SMTPD_OUT_CAP)
			cap = SMTPD_OUT_CAP;
		if (s->outlen + len + 2 > cap) {
			/* The client sends and never reads: give up on it. */
			s->dropped = true;
			smtpd_set_state(s, SMTPD_STATE_CLOSED);
			return;
		}
		char *out = realloc(s->out, cap);
		if (out == NULL) {
			s->dropped = true;
			smtpd_set_state(s, SMTPD_STATE_CLOSED);
			return;
		}
		s->out = out;
		s->outcap = cap;
	}
	memcpy(s->out + s->outlen, line, len);
	s->out[s->outlen + len] = '\r';
	s->out[s->outlen + len + 1] = '\n';
	s->outlen += len + 2;
	if (s->cfg->log_lines)
		smtpd_log(s, SMTPD_LOG_SERVER, line, len);
	bool last = len < 4 || line[3] != '-';
	if (last && s->cfg->delay_ms > 0)
		s->paused = true;
}

/* Format and append one reply line. */
static void __attribute__((format(printf, 2, 3)))
smtpd_replyf(struct smtpd *s, const char *fmt, ...)
{
	char buf[PARSE_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		buf[0] = '\0';
	smtpd_reply(s, buf);
}

/* Reply to a command that failed for the client's fault, closing after too many. */
static void
smtpd_error(struct smtpd *s, const char *line)
{
	smtpd_reply(s, line);
	if (++s->errors >= SMTPD_ERRORS_MAX) {
		smtpd_replyf(s, "421 4.7.0 %s Error: too many errors", s->cfg->hostname);
		smtpd_set_state(s, SMTPD_STATE_CLOSED);
	}
}

/* A number from the seeded generator (splitmix64), so a flaky lesson repeats. */
static unsigned long long
smtpd_random(struct smtpd *s)
{
	unsigned long long z = (s->rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Give memory back to the shared budget. */
static void
smtpd_mem_release(struct smtpd *s, size_t n)
{
	if (s->cfg->mem_used != NULL)
		*s->cfg->mem_used -= n < *s->cfg->mem_used ? n : *s->cfg->mem_used;
}

/* Free the body buffer. */
static void
smtpd_body_free(struct smtpd *s)
{
	smtpd_mem_release(s, s->body_cap);
	free(s->body);
	s->body = NULL;
	s->body_cap = 0;
	s->body_len = 0;
}

/* Make room for need more body bytes; false when over the size or memory budget. */
static bool
smtpd_body_reserve(struct smtpd *s, size_t need)
{
	if (s->body_len + need <= s->body_cap)
		return true;
	size_t cap = s->body_cap ? s->body_cap * 2 : 4096;
	while (cap < s->body_len + need)
		cap *= 2;
	size_t grow = cap - s->body_cap;
	if (s->cfg->mem_used != NULL && *s->cfg->mem_used + grow > s->cfg->mem_cap) {
		s->nomem = true;
		return false;
	}
	char *body = realloc(s->body, cap);
	if (body == NULL) {
		s->nomem = true;
		return false;
	}
	if (s->cfg->mem_used != NULL)
		*s->cfg->mem_used += grow;
	s->body = body;
	s->body_cap = cap;
	return true;
}

/* Forget the transaction: sender, recipients, body. */
static void
smtpd_reset_transaction(struct smtpd *s)
{
	for (size_t i = 0; i < s->nrcpts; i++)
		free(s->rcpts[i]);
	s->nrcpts = 0;
	s->rcpt_rejected = 0;
	s->from[0] = '\0';
	s->body_8bit = false;
	s->smtputf8 = false;
	s->bdat_active = false;
	s->body_len = 0;
	s->body_total = 0;
	s->too_big = false;
	s->nomem = false;
	if (s->body_cap > SMTPD_BODY_KEEP)
		smtpd_body_free(s);
}

/* Leave the transaction and return to READY (or CONNECTED before EHLO). */
static void
smtpd_end_transaction(struct smtpd *s)
{
	smtpd_reset_transaction(s);
	smtpd_set_state(s, s->helo[0] != '\0' ? SMTPD_STATE_READY : SMTPD_STATE_CONNECTED);
}

/* A new session. */
struct smtpd *
smtpd_new(const struct smtpd_config *cfg, const struct smtpd_hooks *hooks, unsigned long id,
	  const char *client)
{
	struct smtpd *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->cfg = cfg;
	if (hooks != NULL)
		s->hooks = *hooks;
	s->id = id;
	snprintf(s->client, sizeof s->client, "%s", client != NULL ? client : "unknown");
	s->rng = cfg->seed ^ (0xD1B54A32D192ED03ULL * (unsigned long long)id);
	smtpd_set_state(s, SMTPD_STATE_CONNECTED);
	return s;
}

/* Wipe what AUTH left behind. */
static void
smtpd_auth_wipe(struct smtpd *s)
{
	OPENSSL_cleanse(s->login_user, sizeof s->login_user);
	OPENSSL_cleanse(s->cram_challenge, sizeof s->cram_challenge);
	OPENSSL_cleanse(s->scram_salted, sizeof s->scram_salted);
	OPENSSL_cleanse(s->scram_auth, sizeof s->scram_auth);
	s->scram_account = NULL;
	OPENSSL_cleanse(s->line, sizeof s->line);
	s->auth_step = SMTPD_AUTH_NONE;
}

/* Free a session. */
void
smtpd_free(struct smtpd *s)
{
	if (s == NULL)
		return;
	smtpd_auth_wipe(s);
	smtpd_reset_transaction(s);
	smtpd_body_free(s);
	free(s->out);
	free(s);
}

/* Queue the greeting. */
void
smtpd_greet(struct smtpd *s)
{
	if (s->cfg->scenario == SCENARIO_SHUTDOWN) {
		smtpd_replyf(s, "421 4.3.2 %s Service not available, closing transmission channel",
			     s->cfg->hostname);
		smtpd_set_state(s, SMTPD_STATE_CLOSED);
		return;
	}
	smtpd_replyf(s, "220 %s ESMTP ehlo practice server", s->cfg->hostname);
}

/* Refuse a connection over the limit. */
void
smtpd_refuse_busy(struct smtpd *s)
{
	smtpd_replyf(s, "421 4.7.0 %s Error: too many connections, try again later",
		     s->cfg->hostname);
	smtpd_set_state(s, SMTPD_STATE_CLOSED);
}

/* Encode to base64 into out (room for 4 * ceil(len / 3) + 1). */
static void
smtpd_b64_encode(const unsigned char *in, size_t len, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

/*
 * Strict base64 decode into out (room for len / 4 * 3 + 1), through the session
 * library's decoder; -1 on bad input.
 */
static int
smtpd_b64_decode(const char *in, size_t len, unsigned char *out, size_t *outlen)
{
	size_t n;
	unsigned char *dec = b64_decode(in, len, &n);

	if (dec == NULL || n > len / 4 * 3) {
		free(dec);
		return -1;
	}
	memcpy(out, dec, n);
	out[n] = '\0';
	*outlen = n;
	OPENSSL_cleanse(dec, n);
	free(dec);
	return 0;
}

/* The account with this name, or NULL. */
static const struct smtpd_account *
smtpd_account_find(struct smtpd *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->cfg->naccounts; i++) {
		const struct smtpd_account *a = &s->cfg->accounts[i];
		if (strlen(a->name) == len && memcmp(a->name, name, len) == 0)
			return a;
	}
	return NULL;
}

/* Compare a password in constant time for equal lengths. */
static bool
smtpd_password_ok(const struct smtpd_account *a, const char *pw, size_t len)
{
	return a != NULL && strlen(a->password) == len && CRYPTO_memcmp(a->password, pw, len) == 0;
}

/* AUTH succeeded or failed: reply, and leave the AUTH state. */
static void
smtpd_auth_done(struct smtpd *s, const struct smtpd_account *a)
{
	smtpd_auth_wipe(s);
	smtpd_set_state(s, s->state_saved);
	if (a != NULL) {
		s->authed = true;
		snprintf(s->auth_user, sizeof s->auth_user, "%s", a->name);
		smtpd_reply(s, "235 2.7.0 Authentication successful");
		smtpd_logf(s, SMTPD_LOG_NOTE, "authenticated as %s", a->name);
		return;
	}
	s->auth_fails++;
	smtpd_reply(s, "535 5.7.8 Error: authentication failed: authentication failure");
	smtpd_logf(s, SMTPD_LOG_NOTE, "authentication failed (%d of %d attempts)", s->auth_fails,
		   SMTPD_AUTH_TRIES);
}

/* Check a PLAIN response: authzid NUL authcid NUL password. */
static void
smtpd_auth_plain(struct smtpd *s, const unsigned char *dec, size_t len)
{
	const unsigned char *nul1 = memchr(dec, '\0', len);
	const unsigned char *nul2 =
		nul1 ? memchr(nul1 + 1, '\0', len - (size_t)(nul1 + 1 - dec)) : NULL;
	if (nul1 == NULL || nul2 == NULL) {
		smtpd_auth_done(s, NULL);
		return;
	}
	const char *authz = (const char *)dec;
	size_t authz_len = (size_t)(nul1 - dec);
	const char *user = (const char *)nul1 + 1;
	size_t user_len = (size_t)(nul2 - nul1 - 1);
	const char *pw = (const char *)nul2 + 1;
	size_t pw_len = len - (size_t)(nul2 + 1 - dec);
	const struct smtpd_account *a = smtpd_account_find(s, user, user_len);
	bool authz_ok =
		authz_len == 0 || (authz_len == user_len && memcmp(authz, user, user_len) == 0);
	smtpd_auth_done(s, authz_ok && smtpd_password_ok(a, pw, pw_len) ? a : NULL);
}

/* Check a CRAM-MD5 response: user SP hex(HMAC-MD5(password, challenge)). */
static void
smtpd_auth_cram(struct smtpd *s, const unsigned char *dec, size_t len)
{
	const unsigned char *sp = NULL;
	for (size_t i = len; i > 0; i--) {
		if (dec[i - 1] == ' ') {
			sp = dec + i - 1;
			break;
		}
	}
	if (sp == NULL || (size_t)(dec + len - sp - 1) != 32) {
		smtpd_auth_done(s, NULL);
		return;
	}
	const struct smtpd_account *a =
		smtpd_account_find(s, (const char *)dec, (size_t)(sp - dec));
	if (a == NULL) {
		smtpd_auth_done(s, NULL);
		return;
	}
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	if (HMAC(EVP_md5(), a->password, (int)strlen(a->password),
		 (const unsigned char *)s->cram_challenge, strlen(s->cram_challenge), mac,
		 &maclen) == NULL ||
	    maclen != 16) {
		smtpd_auth_done(s, NULL);
		return;
	}
	char hex[33];
	for (unsigned i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	bool ok = CRYPTO_memcmp(hex, sp + 1, 32) == 0;
	OPENSSL_cleanse(mac, sizeof mac);
	OPENSSL_cleanse(hex, sizeof hex);
	smtpd_auth_done(s, ok ? a : NULL);
}

/* Find "key=" as an attribute of a SCRAM message; its value and length, or NULL. */
static const char *
smtpd_scram_attr(const char *msg, size_t len, char key, size_t *vlen)
{
	size_t i = 0;
	while (i + 1 < len) {
		size_t end = i;
		while (end < len && msg[end] != ',')
			end++;
		if (msg[i] == key && msg[i + 1] == '=') {
			*vlen = end - i - 2;
			return msg + i + 2;
		}
		i = end + 1;
	}
	return NULL;
}

/* Fill buf with n random bytes (OpenSSL; the session's generator if that fails). */
static void
smtpd_random_bytes(struct smtpd *s, unsigned char *buf, size_t n)
{
	if (RAND_bytes(buf, (int)n) == 1)
		return;
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)smtpd_random(s);
}

/* SCRAM-SHA-256 client-first (RFC 5802 5.1, RFC 7677): answer with server-first. */
static void
smtpd_scram_first(struct smtpd *s, const unsigned char *dec, size_t len)
{
	const char *m = (const char *)dec;
	/* GS2 header: "n,," or "y,," (no channel binding, no authzid here). */
	if (len < 3 || (m[0] != 'n' && m[0] != 'y') || m[1] != ',' || m[2] != ',') {
		smtpd_auth_done(s, NULL);
		return;
	}
	const char *bare = m + 3;
	size_t blen = len - 3;
	size_t ulen, nlen;
	const char *user = smtpd_scram_attr(bare, blen, 'n', &ulen);
	const char *cnonce = smtpd_scram_attr(bare, blen, 'r', &nlen);
	const struct smtpd_account *a = user ? smtpd_account_find(s, user, ulen) : NULL;
	if (a == NULL || cnonce == NULL || nlen == 0 || nlen > 100 || bare[0] != 'n' ||
	    blen + 200 > sizeof s->scram_auth || memchr(m, '\0', len) != NULL) {
		smtpd_auth_done(s, NULL);
		return;
	}
	unsigned char rnd[18], salt[16];
	smtpd_random_bytes(s, rnd, sizeof rnd);
	smtpd_random_bytes(s, salt, sizeof salt);
	char rnd64[32], salt64[32];
	smtpd_b64_encode(rnd, sizeof rnd, rnd64);
	smtpd_b64_encode(salt, sizeof salt, salt64);
	snprintf(s->scram_nonce, sizeof s->scram_nonce, "%.*s%s", (int)nlen, cnonce, rnd64);
	smtpd_b64_encode((const unsigned char *)m, 3, s->scram_gs2);
	if (PKCS5_PBKDF2_HMAC(a->password, (int)strlen(a->password), salt, sizeof salt, 4096,
			      EVP_sha256(), sizeof s->scram_salted, s->scram_salted) != 1) {
		smtpd_auth_done(s, NULL);
		return;
	}
	char server_first[256];
	snprintf(server_first, sizeof server_first, "r=%s,s=%s,i=4096", s->scram_nonce, salt64);
	snprintf(s->scram_auth, sizeof s->scram_auth, "%.*s,%s", (int)blen, bare, server_first);
	s->scram_account = a;
	s->auth_step = SMTPD_AUTH_SCRAM_FINAL;
	char b64[sizeof server_first * 4 / 3 + 8];
	smtpd_b64_encode((const unsigned char *)server_first, strlen(server_first), b64);
	smtpd_replyf(s, "334 %s", b64);
}

/* SCRAM-SHA-256 client-final: check the proof, answer with the server signature. */
static void
smtpd_scram_final(struct smtpd *s, const unsigned char *dec, size_t len)
{
	const char *m = (const char *)dec;
	size_t clen, rlen, plen;
	const char *c = smtpd_scram_attr(m, len, 'c', &clen);
	const char *r = smtpd_scram_attr(m, len, 'r', &rlen);
	const char *p = smtpd_scram_attr(m, len, 'p', &plen);
	unsigned char proof[64];
	size_t prooflen = 0;
	if (c == NULL || r == NULL || p == NULL || p < m + 3 || p[-3] != ',' ||
	    p + plen != m + len || clen != strlen(s->scram_gs2) ||
	    memcmp(c, s->scram_gs2, clen) != 0 || rlen != strlen(s->scram_nonce) ||
	    memcmp(r, s->scram_nonce, rlen) != 0 || plen > 48 ||
	    smtpd_b64_decode(p, plen, proof, &prooflen) < 0 || prooflen != 32) {
		smtpd_auth_done(s, NULL);
		return;
	}
	size_t without_proof = (size_t)(p - 3 - m);
	size_t alen = strlen(s->scram_auth);
	if (alen + 1 + without_proof + 1 > sizeof s->scram_auth) {
		smtpd_auth_done(s, NULL);
		return;
	}
	s->scram_auth[alen] = ',';
	memcpy(s->scram_auth + alen + 1, m, without_proof);
	alen += 1 + without_proof;
	s->scram_auth[alen] = '\0';
	unsigned char client_key[32], stored_key[32], client_sig[32], server_key[32];
	unsigned char server_sig[32];
	unsigned int n = 0;
	HMAC(EVP_sha256(), s->scram_salted, 32, (const unsigned char *)"Client Key", 10, client_key,
	     &n);
	SHA256(client_key, 32, stored_key);
	HMAC(EVP_sha256(), stored_key, 32, (const unsigned char *)s->scram_auth, alen, client_sig,
	     &n);
	/* The proof is ClientKey XOR ClientSignature: undo it and hash what comes out. */
	unsigned char candidate[32], candidate_stored[32];
	for (int i = 0; i < 32; i++)
		candidate[i] = proof[i] ^ client_sig[i];
	SHA256(candidate, 32, candidate_stored);
	bool ok = CRYPTO_memcmp(candidate_stored, stored_key, 32) == 0;
	HMAC(EVP_sha256(), s->scram_salted, 32, (const unsigned char *)"Server Key", 10, server_key,
	     &n);
	HMAC(EVP_sha256(), server_key, 32, (const unsigned char *)s->scram_auth, alen, server_sig,
	     &n);
	OPENSSL_cleanse(client_key, sizeof client_key);
	OPENSSL_cleanse(candidate, sizeof candidate);
	OPENSSL_cleanse(server_key, sizeof server_key);
	if (!ok) {
		smtpd_auth_done(s, NULL);
		return;
	}
	char v[64], final[80], b64[128];
	smtpd_b64_encode(server_sig, 32, v);
	snprintf(final, sizeof final, "v=%s", v);
	smtpd_b64_encode((const unsigned char *) final, strlen(final), b64);
	s->auth_step = SMTPD_AUTH_SCRAM_DONE;
	smtpd_replyf(s, "334 %s", b64);
}

/* One base64 line of the AUTH exchange (the initial response or an answer to 334). */
static void
smtpd_auth_input(struct smtpd *s, const char *line, size_t len)
{
	if (len == 1 && line[0] == '*') {
		smtpd_auth_wipe(s);
		smtpd_set_state(s, s->state_saved);
		smtpd_reply(s, "501 5.7.0 Authentication aborted");
		return;
	}
	unsigned char dec[SMTPD_LINE_CAP / 4 * 3 + 1];
	size_t declen = 0;
	if (smtpd_b64_decode(line, len, dec, &declen) < 0) {
		smtpd_auth_wipe(s);
		smtpd_set_state(s, s->state_saved);
		smtpd_error(s, "501 5.5.2 Cannot decode response");
		return;
	}
	switch (s->auth_step) {
	case SMTPD_AUTH_PLAIN:
		smtpd_auth_plain(s, dec, declen);
		break;
	case SMTPD_AUTH_LOGIN_USER:
		if (declen >= sizeof s->login_user || memchr(dec, '\0', declen) != NULL) {
			smtpd_auth_done(s, NULL);
			break;
		}
		memcpy(s->login_user, dec, declen + 1);
		s->auth_step = SMTPD_AUTH_LOGIN_PASS;
		smtpd_reply(s, "334 UGFzc3dvcmQ6");
		break;
	case SMTPD_AUTH_LOGIN_PASS: {
		const struct smtpd_account *a =
			smtpd_account_find(s, s->login_user, strlen(s->login_user));
		smtpd_auth_done(s, smtpd_password_ok(a, (const char *)dec, declen) ? a : NULL);
		break;
	}
	case SMTPD_AUTH_CRAM:
		smtpd_auth_cram(s, dec, declen);
		break;
	case SMTPD_AUTH_SCRAM_FIRST:
		smtpd_scram_first(s, dec, declen);
		break;
	case SMTPD_AUTH_SCRAM_FINAL:
		smtpd_scram_final(s, dec, declen);
		break;
	case SMTPD_AUTH_SCRAM_DONE:
		/* The client has checked our signature and sends an empty line. */
		smtpd_auth_done(s, declen == 0 ? s->scram_account : NULL);
		break;
	case SMTPD_AUTH_NONE:
		smtpd_auth_done(s, NULL);
		break;
	}
	OPENSSL_cleanse(dec, sizeof dec);
}

/* AUTH mechanism [initial-response]. */
static void
smtpd_cmd_auth(struct smtpd *s, const char *arg, size_t len)
{
	if (s->state == SMTPD_STATE_CONNECTED) {
		smtpd_error(s, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (s->authed) {
		smtpd_error(s, "503 5.5.1 Error: already authenticated");
		return;
	}
	if (s->state != SMTPD_STATE_READY) {
		smtpd_error(s, "503 5.5.1 Error: MAIL transaction in progress");
		return;
	}
	if (s->cfg->scenario == SCENARIO_SUBMISSION && !s->tls) {
		smtpd_error(s, "530 5.7.0 Must issue a STARTTLS command first");
		return;
	}
	if (s->auth_fails >= SMTPD_AUTH_TRIES) {
		smtpd_replyf(s, "421 4.7.0 %s Error: too many failed authentication attempts",
			     s->cfg->hostname);
		smtpd_set_state(s, SMTPD_STATE_CLOSED);
		return;
	}
	size_t mlen = 0;
	while (mlen < len && arg[mlen] != ' ')
		mlen++;
	const char *ir = NULL;
	size_t irlen = 0;
	if (mlen < len) {
		ir = arg + mlen + 1;
		irlen = len - mlen - 1;
	}
	if (mlen == 0) {
		smtpd_error(s, "501 5.5.4 Syntax: AUTH mechanism");
		return;
	}
	s->state_saved = s->state;
	if (mlen == 5 && strncasecmp(arg, "PLAIN", 5) == 0) {
		s->auth_step = SMTPD_AUTH_PLAIN;
		smtpd_set_state(s, SMTPD_STATE_AUTH);
		if (ir == NULL)
			smtpd_reply(s, "334 ");
		else if (irlen == 1 && ir[0] == '=')
			smtpd_auth_done(s, NULL);
		else
			smtpd_auth_input(s, ir, irlen);
	} else if (mlen == 5 && strncasecmp(arg, "LOGIN", 5) == 0) {
		s->auth_step = SMTPD_AUTH_LOGIN_USER;
		smtpd_set_state(s, SMTPD_STATE_AUTH);
		if (ir == NULL)
			smtpd_reply(s, "334 VXNlcm5hbWU6");
		else
			smtpd_auth_input(s, ir, irlen);
	} else if (mlen == 8 && strncasecmp(arg, "CRAM-MD5", 8) == 0) {
		if (ir != NULL) {
			smtpd_error(s, "501 5.5.4 Error: CRAM-MD5 takes no initial response");
			return;
		}
		s->auth_step = SMTPD_AUTH_CRAM;
		smtpd_set_state(s, SMTPD_STATE_AUTH);
		unsigned char rnd[8];
		unsigned long long r = 0;
		smtpd_random_bytes(s, rnd, sizeof rnd);
		for (size_t i = 0; i < sizeof rnd; i++)
			r = r << 8 | rnd[i];
		snprintf(s->cram_challenge, sizeof s->cram_challenge, "<%llu.%lu@%s>",
			 r % 10000000000ULL, s->id, s->cfg->hostname);
		char b64[sizeof s->cram_challenge * 4 / 3 + 8];
		smtpd_b64_encode((const unsigned char *)s->cram_challenge,
				 strlen(s->cram_challenge), b64);
		smtpd_replyf(s, "334 %s", b64);
	} else if (mlen == 13 && strncasecmp(arg, "SCRAM-SHA-256", 13) == 0) {
		s->auth_step = SMTPD_AUTH_SCRAM_FIRST;
		smtpd_set_state(s, SMTPD_STATE_AUTH);
		if (ir == NULL)
			smtpd_reply(s, "334 ");
		else
			smtpd_auth_input(s, ir, irlen);
	} else {
		smtpd_error(s, "504 5.5.4 Unrecognized authentication type");
	}
}

/* The EHLO reply: the extensions this session offers now. */
static void
smtpd_ehlo_reply(struct smtpd *s)
{
	smtpd_replyf(s, "250-%s", s->cfg->hostname);
	smtpd_reply(s, "250-PIPELINING");
	smtpd_replyf(s, "250-SIZE %lu", s->cfg->size_limit);
	if (s->cfg->tls_available && !s->tls)
		smtpd_reply(s, "250-STARTTLS");
	if (s->cfg->scenario != SCENARIO_SUBMISSION || s->tls)
		smtpd_reply(s, "250-AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256");
	smtpd_reply(s, "250-ENHANCEDSTATUSCODES");
	smtpd_reply(s, "250-8BITMIME");
	smtpd_reply(s, "250-SMTPUTF8");
	smtpd_reply(s, "250 CHUNKING");
}

/* EHLO or HELO name. */
static void
smtpd_cmd_hello(struct smtpd *s, bool esmtp, const char *arg, size_t len)
{
	if (len == 0 || memchr(arg, ' ', len) != NULL) {
		smtpd_error(s, esmtp ? "501 5.5.4 Syntax: EHLO hostname"
				     : "501 5.5.4 Syntax: HELO hostname");
		return;
	}
	smtpd_reset_transaction(s);
	if (len >= sizeof s->helo)
		len = sizeof s->helo - 1;
	memcpy(s->helo, arg, len);
	s->helo[len] = '\0';
	s->esmtp = esmtp;
	smtpd_set_state(s, SMTPD_STATE_READY);
	if (esmtp)
		smtpd_ehlo_reply(s);
	else
		smtpd_replyf(s, "250 %s", s->cfg->hostname);
}

/* Under submission: TLS then AUTH before a transaction; false after replying. */
static bool
smtpd_submission_ok(struct smtpd *s)
{
	if (s->cfg->scenario != SCENARIO_SUBMISSION)
		return true;
	if (!s->tls) {
		smtpd_error(s, "530 5.7.0 Must issue a STARTTLS command first");
		return false;
	}
	if (!s->authed) {
		smtpd_error(s, "530 5.7.0 Authentication required");
		return false;
	}
	return true;
}

/* MAIL FROM:<path> [params]. */
static void
smtpd_cmd_mail(struct smtpd *s, const char *arg, size_t len)
{
	if (s->state == SMTPD_STATE_CONNECTED) {
		smtpd_error(s, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (s->state != SMTPD_STATE_READY) {
		smtpd_error(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (!smtpd_submission_ok(s))
		return;
	struct parse_path p;
	enum parse_result r = parse_path(arg, len, "FROM:", &p);
	if (r == PARSE_ERR_SYNTAX) {
		smtpd_error(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	if (r == PARSE_ERR_ADDRESS || r == PARSE_ERR_TOO_LONG) {
		smtpd_error(s, "501 5.1.7 Bad sender address syntax");
		return;
	}
	if (r == PARSE_ERR_PARAM) {
		smtpd_error(s, "501 5.5.4 Syntax error in parameters");
		return;
	}
	bool body8 = false, utf8 = false;
	for (size_t i = 0; i < p.nparams; i++) {
		const struct parse_param *pp = &p.params[i];
		if (strcasecmp(pp->key, "SIZE") == 0) {
			unsigned long long size;
			if (!pp->has_value ||
			    parse_number(pp->value, strlen(pp->value), &size) < 0) {
				smtpd_error(s, "501 5.5.4 Bad message size syntax");
				return;
			}
			if (size > s->cfg->size_limit) {
				smtpd_reply(s, "552 5.3.4 Message size exceeds fixed limit");
				return;
			}
		} else if (strcasecmp(pp->key, "BODY") == 0) {
			if (pp->has_value && strcasecmp(pp->value, "8BITMIME") == 0) {
				body8 = true;
			} else if (!pp->has_value || strcasecmp(pp->value, "7BIT") != 0) {
				smtpd_error(s, "501 5.5.4 Unknown BODY type (7BIT or 8BITMIME)");
				return;
			}
		} else if (strcasecmp(pp->key, "SMTPUTF8") == 0 && !pp->has_value) {
			utf8 = true;
		} else if (strcasecmp(pp->key, "AUTH") == 0 && pp->has_value) {
			/* RFC 4954 5: accepted and ignored. */
		} else {
			smtpd_replyf(s, "555 5.5.4 Unsupported option: %s", pp->key);
			return;
		}
	}
	if (p.eight_bit && !utf8) {
		smtpd_error(s, "553 5.6.7 Non-ASCII sender address needs the SMTPUTF8 parameter");
		return;
	}
	memcpy(s->from, p.addr, p.addr_len + 1);
	s->body_8bit = body8;
	s->smtputf8 = utf8;
	smtpd_set_state(s, SMTPD_STATE_MAIL);
	smtpd_reply(s, "250 2.1.0 Ok");
}

/* True when str equals one of list[0..n), case-insensitively. */
static bool
smtpd_in_list(const char *str, size_t len, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncasecmp(list[i], str, len) == 0)
			return true;
	return false;
}

/* unknown-user: does this local part have a mailbox? */
static bool
smtpd_mailbox_exists(struct smtpd *s, const char *local, size_t len)
{
	static const char *const always[] = {"postmaster", "abuse"};
	if (smtpd_in_list(local, len, always, 2))
		return true;
	if (smtpd_in_list(local, len, s->cfg->mailboxes, s->cfg->nmailboxes))
		return true;
	for (size_t i = 0; i < s->cfg->naccounts; i++) {
		const char *n = s->cfg->accounts[i].name;
		if (strlen(n) == len && strncasecmp(n, local, len) == 0)
			return true;
	}
	return false;
}

/* Apply the scenario's recipient policy; false after replying with a refusal. */
static bool
smtpd_rcpt_policy(struct smtpd *s, const struct parse_path *p)
{
	const char *local = p->addr;
	size_t local_len = p->at;
	const char *domain = p->at < p->addr_len ? p->addr + p->at + 1 : "";
	size_t domain_len = strlen(domain);
	bool postmaster = local_len == 10 && strncasecmp(local, "postmaster", 10) == 0;
	switch (s->cfg->scenario) {
	case SCENARIO_RELAY_DENIED:
		if (!s->authed && domain_len > 0 &&
		    !smtpd_in_list(domain, domain_len, s->cfg->local_domains,
				   s->cfg->nlocal_domains)) {
			smtpd_replyf(s, "554 5.7.1 <%s>: Relay access denied", p->addr);
			return false;
		}
		return true;
	case SCENARIO_UNKNOWN_USER:
		if (!smtpd_mailbox_exists(s, local, local_len)) {
			smtpd_replyf(
				s,
				"550 5.1.1 <%s>: Recipient address rejected: User unknown in local "
				"recipient table",
				p->addr);
			return false;
		}
		return true;
	case SCENARIO_MAILBOX_FULL:
		if (!postmaster) {
			smtpd_replyf(s, "452 4.2.2 <%s>: Recipient address rejected: Mailbox full",
				     p->addr);
			return false;
		}
		return true;
	case SCENARIO_GREYLIST: {
		if (s->hooks.greylist == NULL)
			return true;
		char key[64 + 2 * (PARSE_ADDR_MAX + 1)];
		int n = snprintf(key, sizeof key, "%s%c%s%c%s", s->client, '\0', s->from, '\0',
				 p->addr);
		if (n < 0)
			return true;
		size_t klen = (size_t)n < sizeof key ? (size_t)n : sizeof key - 1;
		long wait = s->hooks.greylist(s->hooks.ctx, key, klen);
		if (wait >= 0) {
			smtpd_replyf(s,
				     "451 4.7.1 <%s>: Recipient address rejected: Greylisted, "
				     "please try "
				     "again in %ld seconds",
				     p->addr, wait);
			smtpd_logf(
				s, SMTPD_LOG_NOTE,
				"greylist: this client/sender/recipient triple is too new; a retry "
				"passes in %ld seconds or later",
				wait);
			return false;
		}
		return true;
	}
	default:
		return true;
	}
}

/* RCPT TO:<path> [params]. */
static void
smtpd_cmd_rcpt(struct smtpd *s, const char *arg, size_t len)
{
	if (s->state == SMTPD_STATE_CONNECTED || s->state == SMTPD_STATE_READY) {
		smtpd_error(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (s->bdat_active) {
		smtpd_error(s, "503 5.5.1 Error: BDAT transfer in progress");
		return;
	}
	if (s->nrcpts == SMTPD_RCPT_MAX) {
		smtpd_reply(s, "452 4.5.3 Error: too many recipients");
		return;
	}
	struct parse_path p;
	enum parse_result r = parse_path(arg, len, "TO:", &p);
	if (r == PARSE_ERR_SYNTAX) {
		smtpd_error(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		return;
	}
	bool local_only = r == PARSE_OK && p.at == p.addr_len;
	if (r == PARSE_ERR_ADDRESS || r == PARSE_ERR_TOO_LONG || p.null_path ||
	    (local_only && strcasecmp(p.addr, "postmaster") != 0)) {
		smtpd_error(s, "501 5.1.3 Bad recipient address syntax");
		return;
	}
	if (r == PARSE_ERR_PARAM) {
		smtpd_error(s, "501 5.5.4 Syntax error in parameters");
		return;
	}
	if (p.nparams > 0) {
		smtpd_replyf(s, "555 5.5.4 Unsupported option: %s", p.params[0].key);
		return;
	}
	if (p.eight_bit && !s->smtputf8) {
		smtpd_error(s, "553 5.6.7 Non-ASCII recipient address needs SMTPUTF8 on MAIL");
		return;
	}
	if (!smtpd_rcpt_policy(s, &p)) {
		s->rcpt_rejected++;
		return;
	}
	char *copy = malloc(p.addr_len + 1);
	if (copy == NULL) {
		smtpd_reply(s, "452 4.3.1 Insufficient system storage");
		return;
	}
	memcpy(copy, p.addr, p.addr_len + 1);
	s->rcpts[s->nrcpts++] = copy;
	smtpd_set_state(s, SMTPD_STATE_RCPT);
	smtpd_reply(s, "250 2.1.5 Ok");
}

/* DATA and BDAT need a transaction with recipients; false after replying. */
static bool
smtpd_transaction_ready(struct smtpd *s, const char **why)
{
	if (s->state == SMTPD_STATE_CONNECTED)
		*why = "503 5.5.1 Error: send HELO/EHLO first";
	else if (s->state == SMTPD_STATE_READY)
		*why = "503 5.5.1 Error: need MAIL command";
	else if (s->nrcpts == 0 && s->rcpt_rejected > 0)
		*why = "554 5.5.1 Error: no valid recipients";
	else if (s->nrcpts == 0)
		*why = "503 5.5.1 Error: need RCPT command";
	else
		return true;
	return false;
}

/* DATA: 354, then read the message. */
static void
smtpd_cmd_data(struct smtpd *s, size_t arglen)
{
	const char *why;
	if (arglen > 0) {
		smtpd_error(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (!smtpd_transaction_ready(s, &why)) {
		smtpd_error(s, why);
		return;
	}
	if (s->bdat_active) {
		smtpd_error(s, "503 5.5.1 Error: DATA after BDAT is not allowed");
		return;
	}
	parse_data_init(&s->data);
	s->body_len = 0;
	s->body_total = 0;
	smtpd_set_state(s, SMTPD_STATE_DATA);
	smtpd_reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

/* BDAT size [LAST]: the chunk's bytes follow at once, with no reply in between. */
static void
smtpd_cmd_bdat(struct smtpd *s, const char *arg, size_t len)
{
	size_t nlen = 0;
	while (nlen < len && arg[nlen] != ' ')
		nlen++;
	unsigned long long size;
	bool last = false;
	if (parse_number(arg, nlen, &size) < 0) {
		smtpd_error(s, "501 5.5.4 Syntax: BDAT count [LAST]");
		return;
	}
	if (nlen < len) {
		const char *rest = arg + nlen;
		size_t rlen = len - nlen;
		while (rlen > 0 && rest[0] == ' ') {
			rest++;
			rlen--;
		}
		if (rlen != 4 || strncasecmp(rest, "LAST", 4) != 0) {
			smtpd_error(s, "501 5.5.4 Syntax: BDAT count [LAST]");
			return;
		}
		last = true;
	}
	const char *why = NULL;
	/* RFC 3030 3: the chunk is read even when the command is refused. */
	s->bdat_error = smtpd_transaction_ready(s, &why) ? NULL : why;
	if (s->bdat_error == NULL && !s->bdat_active) {
		s->bdat_active = true;
		s->body_len = 0;
		s->body_total = 0;
	}
	s->bdat_left = size;
	s->bdat_last = last;
	s->state_saved = s->state;
	smtpd_set_state(s, SMTPD_STATE_BDAT);
}

/* flaky: now and then answer 421 or drop the line; true when it did. */
static bool
smtpd_flaky(struct smtpd *s)
{
	if (s->cfg->scenario != SCENARIO_FLAKY)
		return false;
	unsigned long long r = smtpd_random(s) % 100;
	if (r < 7) {
		smtpd_logf(s, SMTPD_LOG_NOTE, "flaky: answering 421 and closing here");
		smtpd_replyf(s, "421 4.4.2 %s Error: timeout exceeded", s->cfg->hostname);
		smtpd_set_state(s, SMTPD_STATE_CLOSED);
		return true;
	}
	if (r < 12) {
		smtpd_logf(s, SMTPD_LOG_NOTE, "flaky: dropping the connection without a reply");
		s->dropped = true;
		smtpd_set_state(s, SMTPD_STATE_CLOSED);
		return true;
	}
	return false;
}

/* The message's Subject header for the summary line (" subject: ..."), or "". */
static void
smtpd_subject(const struct smtpd *s, char *out, size_t cap)
{
	out[0] = '\0';
	size_t len = s->body_len < 16384 ? s->body_len : 16384;
	size_t i = 0;
	while (i < len) {
		const char *line = s->body + i;
		const char *end = memchr(line, '\n', len - i);
		size_t n = end ? (size_t)(end - line) : len - i;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			return; /* the end of the header */
		if (n > 8 && strncasecmp(line, "Subject:", 8) == 0) {
			const char *v = line + 8;
			size_t vlen = n - 8;
			while (vlen > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
			snprintf(out, cap, ", subject \"%.*s\"", (int)(vlen > 60 ? 60 : vlen), v);
			return;
		}
		if (end == NULL)
			return;
		i += (size_t)(end - line) + 1;
	}
}

/* Keep a message that passed every check, or refuse it; then end the transaction. */
static void
smtpd_message_end(struct smtpd *s, bool bdat)
{
	const struct parse_data *d = &s->data;
	const char *via = bdat ? "BDAT" : "DATA";
	char who[2 * PARSE_ADDR_MAX + 64];
	snprintf(who, sizeof who, "from <%s> to <%s>%s", s->from, s->nrcpts ? s->rcpts[0] : "",
		 s->nrcpts > 1 ? " and more" : "");
	if (!bdat && (d->bare_lf || d->bare_cr || d->nul)) {
		smtpd_logf(s, SMTPD_LOG_NOTE,
			   "message data held %zu bare LF, %zu bare CR and %zu NUL; %zu of them "
			   "formed a lone dot that a lax server would take as the end of the data "
			   "(SMTP smuggling: what follows would run as new commands). Only "
			   "<CR><LF>.<CR><LF> ends a message here, so the message stayed whole and "
			   "is refused.",
			   d->bare_lf, d->bare_cr, d->nul, d->fake_ends);
		const char *what = d->bare_lf ? "bare <LF>" : d->bare_cr ? "bare <CR>" : "NUL";
		smtpd_replyf(
			s, "550 5.5.2 Error: %s received in message data (SMTP smuggling defence)",
			what);
		smtpd_logf(s, SMTPD_LOG_SUMMARY, "message refused (%s in the data) %s", what, who);
	} else if (s->too_big) {
		smtpd_reply(s, "552 5.3.4 Message size exceeds fixed limit");
		smtpd_logf(s, SMTPD_LOG_SUMMARY, "message refused (%llu octets, limit %lu) %s",
			   s->body_total, s->cfg->size_limit, who);
	} else if (s->nomem) {
		smtpd_reply(s, "452 4.3.1 Insufficient system storage");
		smtpd_logf(s, SMTPD_LOG_SUMMARY, "message deferred (server memory budget full) %s",
			   who);
	} else if (smtpd_flaky(s)) {
		smtpd_logf(s, SMTPD_LOG_SUMMARY,
			   "message NOT accepted: the connection failed at the final dot (flaky "
			   "scenario) %s",
			   who);
		smtpd_reset_transaction(s);
		return;
	} else if (s->cfg->scenario == SCENARIO_TEMPFAIL) {
		smtpd_reply(s, "451 4.3.0 Error: queue file write error");
		smtpd_logf(s, SMTPD_LOG_SUMMARY,
			   "message deferred on purpose (tempfail scenario), %zu octets via %s %s",
			   s->body_len, via, who);
	} else {
		struct smtpd_envelope env = {
			.from = s->from,
			.rcpts = (const char *const *)s->rcpts,
			.nrcpts = s->nrcpts,
			.bdat = bdat,
			.eight_bit = s->body_8bit,
			.smtputf8 = s->smtputf8,
			.tls = s->tls,
			.auth_user = s->authed ? s->auth_user : NULL,
			.session_id = s->id,
			.client = s->client,
		};
		char qid[32];
		snprintf(qid, sizeof qid, "%lX%04lX", s->id, s->messages);
		int rc = 0;
		if (s->hooks.deliver != NULL)
			rc = s->hooks.deliver(s->hooks.ctx, &env, s->body ? s->body : "",
					      s->body_len, qid, sizeof qid);
		if (rc < 0) {
			smtpd_reply(s, "451 4.3.0 Error: queue file write error");
			smtpd_logf(s, SMTPD_LOG_SUMMARY, "message deferred (could not store it) %s",
				   who);
		} else {
			s->messages++;
			smtpd_replyf(s, "250 2.0.0 Ok: queued as %s", qid);
			char subject[96];
			smtpd_subject(s, subject, sizeof subject);
			smtpd_logf(s, SMTPD_LOG_SUMMARY,
				   "message %s accepted, %zu octets via %s %s%s", qid, s->body_len,
				   via, who, subject);
		}
	}
	smtpd_end_transaction(s);
}

/* Message data after 354: decode until <CRLF>.<CRLF>. */
static size_t
smtpd_data_input(struct smtpd *s, const char *buf, size_t len)
{
	if (len > SMTPD_CHUNK)
		len = SMTPD_CHUNK;
	char scratch[SMTPD_CHUNK + 2];
	bool store = !s->too_big && !s->nomem && smtpd_body_reserve(s, len + 2);
	char *out = store ? s->body : scratch;
	size_t outlen = store ? s->body_len : 0;
	size_t before = outlen;
	bool done = false;
	size_t fake_before = s->data.fake_ends;
	size_t used = parse_data_feed(&s->data, buf, len, out, &outlen, &done);
	if (fake_before == 0 && s->data.fake_ends > 0)
		smtpd_logf(s, SMTPD_LOG_NOTE,
			   "a lone dot next to a bare CR or LF: NOT the end of the data here (only "
			   "<CR><LF>.<CR><LF> is); still reading the message. A client typing by "
			   "hand through nc needs nc -C.");
	s->body_total += outlen - before;
	if (store)
		s->body_len = outlen;
	if (s->body_total > s->cfg->size_limit && !s->too_big) {
		s->too_big = true;
		smtpd_body_free(s);
	}
	if (done) {
		if (s->cfg->log_lines)
			smtpd_logf(s, SMTPD_LOG_CLIENT,
				   "(message data: %llu octets in %zu lines, then "
				   "<CR><LF>.<CR><LF>)",
				   s->body_total, s->data.lines);
		smtpd_set_state(s, SMTPD_STATE_RCPT);
		smtpd_message_end(s, false);
	}
	return used;
}

/* A BDAT chunk's bytes, taken as they are. */
static size_t
smtpd_bdat_input(struct smtpd *s, const char *buf, size_t len)
{
	size_t take = s->bdat_left < len ? (size_t)s->bdat_left : len;
	if (s->bdat_error == NULL) {
		s->body_total += take;
		if (s->body_total > s->cfg->size_limit) {
			if (!s->too_big)
				smtpd_body_free(s);
			s->too_big = true;
		} else if (take > 0 && !s->nomem && smtpd_body_reserve(s, take)) {
			memcpy(s->body + s->body_len, buf, take);
			s->body_len += take;
		}
	}
	s->bdat_left -= take;
	return take;
}

/* A BDAT chunk has been read: answer it. */
static void
smtpd_bdat_end(struct smtpd *s)
{
	smtpd_set_state(s, s->state_saved);
	if (s->bdat_error != NULL) {
		smtpd_error(s, s->bdat_error);
		s->bdat_error = NULL;
		return;
	}
	if (s->bdat_last) {
		if (s->cfg->log_lines)
			smtpd_logf(s, SMTPD_LOG_NOTE, "(BDAT LAST: %llu octets of message in all)",
				   s->body_total);
		smtpd_message_end(s, true);
		return;
	}
	smtpd_replyf(s, "250 2.0.0 Ok: %llu octets received", s->body_total);
}

/* HELP [command]: what to try next, or how to write one command. */
static void
smtpd_cmd_help(struct smtpd *s, const char *arg, size_t len)
{
	static const char *const syntax[][2] = {
		{"EHLO", "EHLO your.host.name (HELO for plain SMTP)"},
		{"HELO", "HELO your.host.name"},
		{"MAIL", "MAIL FROM:<you@example.com> [SIZE=n] [BODY=8BITMIME] [SMTPUTF8]"},
		{"RCPT", "RCPT TO:<someone@example.com>, once per recipient"},
		{"DATA", "DATA, then the message, then a line with only a dot"},
		{"BDAT", "BDAT count [LAST], then exactly count octets of message"},
		{"RSET", "RSET: forget the current transaction"},
		{"NOOP", "NOOP: do nothing, get 250"},
		{"VRFY", "VRFY name: this server answers 252 (it will not tell)"},
		{"QUIT", "QUIT: end the session"},
		{"STARTTLS", "STARTTLS, then a TLS handshake, then EHLO again"},
		{"AUTH",
		 "AUTH PLAIN base64(\\0user\\0password), or LOGIN, CRAM-MD5, SCRAM-SHA-256"},
		{"HELP", "HELP [command]"},
	};
	if (len > 0) {
		for (size_t i = 0; i < sizeof syntax / sizeof syntax[0]; i++) {
			if (strlen(syntax[i][0]) == len &&
			    strncasecmp(syntax[i][0], arg, len) == 0) {
				smtpd_replyf(s, "214 2.0.0 %s", syntax[i][1]);
				return;
			}
		}
		smtpd_error(s, "504 5.5.1 HELP: no such command here");
		return;
	}
	const char *next;
	bool sub = s->cfg->scenario == SCENARIO_SUBMISSION;
	switch (s->state) {
	case SMTPD_STATE_CONNECTED:
		next = "Next: introduce yourself with EHLO your.host.name";
		break;
	case SMTPD_STATE_READY:
		if (sub && !s->tls)
			next = "Next: STARTTLS (this server wants TLS before AUTH and MAIL)";
		else if (sub && !s->authed)
			next = "Next: AUTH PLAIN (or LOGIN, CRAM-MD5, SCRAM-SHA-256) with your "
			       "account";
		else
			next = "Next: MAIL FROM:<you@example.com> starts a message";
		break;
	case SMTPD_STATE_MAIL:
		next = "Next: RCPT TO:<someone@example.com>, once per recipient";
		break;
	default:
		next = "Next: another RCPT TO:<...>, or DATA to send the message";
		break;
	}
	smtpd_replyf(s, "214-2.0.0 ehlo practice server, scenario %s: %s",
		     scenario_name(s->cfg->scenario), scenario_summary(s->cfg->scenario));
	smtpd_reply(s, "214-2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP VRFY HELP QUIT "
		       "STARTTLS AUTH");
	smtpd_replyf(s, "214-2.0.0 %s", next);
	smtpd_reply(s, "214 2.0.0 HELP command shows how to write one command");
}

/* Log the client's line, with AUTH payloads replaced. */
static void
smtpd_log_client(struct smtpd *s, enum parse_verb verb, const char *line, size_t len,
		 const char *arg, size_t arglen)
{
	if (!s->cfg->log_lines)
		return;
	if (verb == PARSE_VERB_AUTH) {
		size_t mlen = 0;
		while (mlen < arglen && arg[mlen] != ' ')
			mlen++;
		smtpd_logf(s, SMTPD_LOG_CLIENT, "AUTH %.*s%s", (int)mlen, arg,
			   mlen < arglen ? " [initial response hidden]" : "");
		return;
	}
	smtpd_log(s, SMTPD_LOG_CLIENT, line, len);
}

/* A line over the limit: refuse it by its length alone, its bytes are not looked at. */
static void
smtpd_overlong(struct smtpd *s, size_t len, bool capped)
{
	if (s->state == SMTPD_STATE_AUTH) {
		smtpd_auth_wipe(s);
		smtpd_set_state(s, s->state_saved);
		smtpd_error(s, "500 5.5.6 Authentication Exchange line is too long");
		return;
	}
	smtpd_logf(s, SMTPD_LOG_NOTE,
		   "a command line of %s%zu octets, over the limit of 512 with CRLF "
		   "(RFC 5321 4.5.3.1.4); skipped up to its LF",
		   capped ? "more than " : "", len);
	smtpd_error(s, "500 5.5.6 Error: line too long (512 octets with CRLF at most)");
}

/* One complete command line (CRLF removed), at most SMTPD_LINE_CAP octets. */
static void
smtpd_line(struct smtpd *s, const char *line, size_t len)
{
	if (s->state == SMTPD_STATE_AUTH) {
		if (s->cfg->log_lines)
			smtpd_log(s, SMTPD_LOG_CLIENT, "[AUTH response hidden]", 22);
		smtpd_auth_input(s, line, len);
		return;
	}
	const char *arg;
	size_t arglen;
	enum parse_verb verb = parse_verb(line, len, &arg, &arglen);
	if (len > PARSE_LINE_MAX - 2 && verb != PARSE_VERB_AUTH) {
		smtpd_overlong(s, len + 2, false);
		return;
	}
	smtpd_log_client(s, verb, line, len, arg, arglen);
	if (verb != PARSE_VERB_QUIT && smtpd_flaky(s))
		return;
	switch (verb) {
	case PARSE_VERB_EMPTY:
		smtpd_error(s, "500 5.5.2 Error: bad syntax");
		break;
	case PARSE_VERB_UNKNOWN:
		smtpd_error(s, "502 5.5.2 Error: command not recognized");
		break;
	case PARSE_VERB_HELO:
	case PARSE_VERB_EHLO:
		smtpd_cmd_hello(s, verb == PARSE_VERB_EHLO, arg, arglen);
		break;
	case PARSE_VERB_MAIL:
		smtpd_cmd_mail(s, arg, arglen);
		break;
	case PARSE_VERB_RCPT:
		smtpd_cmd_rcpt(s, arg, arglen);
		break;
	case PARSE_VERB_DATA:
		smtpd_cmd_data(s, arglen);
		break;
	case PARSE_VERB_BDAT:
		smtpd_cmd_bdat(s, arg, arglen);
		break;
	case PARSE_VERB_RSET:
		smtpd_end_transaction(s);
		smtpd_reply(s, "250 2.0.0 Ok");
		break;
	case PARSE_VERB_NOOP:
		smtpd_reply(s, "250 2.0.0 Ok");
		break;
	case PARSE_VERB_VRFY:
		if (arglen == 0)
			smtpd_error(s, "501 5.5.4 Syntax: VRFY address");
		else
			smtpd_reply(s, "252 2.0.0 Cannot VRFY user, but will accept message and "
				       "attempt delivery");
		break;
	case PARSE_VERB_EXPN:
		smtpd_error(s, "502 5.5.1 EXPN command is disabled");
		break;
	case PARSE_VERB_HELP:
		smtpd_cmd_help(s, arg, arglen);
		break;
	case PARSE_VERB_QUIT:
		smtpd_reply(s, "221 2.0.0 Bye");
		smtpd_set_state(s, SMTPD_STATE_CLOSED);
		break;
	case PARSE_VERB_STARTTLS:
		if (arglen > 0)
			smtpd_error(s, "501 5.5.4 Syntax: STARTTLS");
		else if (s->tls)
			smtpd_error(s, "554 5.5.1 Error: TLS already active");
		else if (!s->cfg->tls_available)
			smtpd_reply(s, "454 4.7.0 TLS not available due to local problem");
		else {
			smtpd_reply(s, "220 2.0.0 Ready to start TLS");
			s->want_tls = true;
		}
		break;
	case PARSE_VERB_AUTH:
		smtpd_cmd_auth(s, arg, arglen);
		break;
	}
}

/* Add bytes to the partial line; past the cap they are counted as too long. */
static void
smtpd_line_append(struct smtpd *s, const char *p, size_t n)
{
	if (s->line_overflow || s->linelen + n > SMTPD_LINE_CAP) {
		s->line_overflow = true;
		return;
	}
	memcpy(s->line + s->linelen, p, n);
	s->linelen += n;
}

/* True while the session takes input. */
static bool
smtpd_can_take(const struct smtpd *s)
{
	return !s->want_tls && !s->paused && !s->dropped && s->state != SMTPD_STATE_CLOSED &&
	       s->outlen < SMTPD_OUT_HIGH;
}

/* Take bytes from the client. */
size_t
smtpd_feed(struct smtpd *s, const char *buf, size_t len)
{
	size_t off = 0;
	while (off < len && smtpd_can_take(s)) {
		if (s->state == SMTPD_STATE_DATA) {
			off += smtpd_data_input(s, buf + off, len - off);
			continue;
		}
		if (s->state == SMTPD_STATE_BDAT) {
			off += smtpd_bdat_input(s, buf + off, len - off);
			if (s->bdat_left == 0)
				smtpd_bdat_end(s);
			continue;
		}
		const char *p = buf + off;
		size_t avail = len - off;
		const char *lf = memchr(p, '\n', avail);
		if (lf == NULL) {
			smtpd_line_append(s, p, avail);
			off = len;
			break;
		}
		size_t n = (size_t)(lf - p);
		off += n + 1;
		if (s->linelen == 0 && !s->line_overflow) {
			if (n > 0 && p[n - 1] == '\r')
				n--;
			if (n > SMTPD_LINE_CAP)
				smtpd_overlong(s, n + 2, false);
			else
				smtpd_line(s, p, n);
			continue;
		}
		smtpd_line_append(s, p, n);
		bool overflow = s->line_overflow;
		size_t linelen = s->linelen;
		s->linelen = 0;
		s->line_overflow = false;
		if (overflow) {
			smtpd_overlong(s, SMTPD_LINE_CAP, true);
			continue;
		}
		if (linelen > 0 && s->line[linelen - 1] == '\r')
			linelen--;
		smtpd_line(s, s->line, linelen);
	}
	/* A BDAT 0 chunk ends without any byte to read. */
	if (s->state == SMTPD_STATE_BDAT && s->bdat_left == 0 && smtpd_can_take(s))
		smtpd_bdat_end(s);
	return off;
}

/* The queued output. */
const char *
smtpd_output(const struct smtpd *s, size_t *len)
{
	*len = s->outlen;
	return s->out;
}

/* Drop written output. */
void
smtpd_output_consume(struct smtpd *s, size_t n)
{
	if (n >= s->outlen) {
		s->outlen = 0;
		return;
	}
	memmove(s->out, s->out + n, s->outlen - n);
	s->outlen -= n;
}

/* True after 220 Ready to start TLS. */
bool
smtpd_want_tls(const struct smtpd *s)
{
	return s->want_tls;
}

/* TLS is up: start over (RFC 3207 4.2). */
void
smtpd_tls_started(struct smtpd *s)
{
	s->want_tls = false;
	s->tls = true;
	s->authed = false;
	s->auth_user[0] = '\0';
	s->helo[0] = '\0';
	s->linelen = 0;
	s->line_overflow = false;
	smtpd_auth_wipe(s);
	smtpd_end_transaction(s);
}

/* True while a reply is held. */
bool
smtpd_paused(const struct smtpd *s)
{
	return s->paused;
}

/* Release the held reply. */
void
smtpd_resume(struct smtpd *s)
{
	s->paused = false;
}

/* True once the session is over. */
bool
smtpd_closing(const struct smtpd *s)
{
	return s->state == SMTPD_STATE_CLOSED;
}

/* True when the connection must go at once. */
bool
smtpd_dropped(const struct smtpd *s)
{
	return s->dropped;
}

/* The idle timeout expired. */
void
smtpd_timeout(struct smtpd *s)
{
	if (s->state == SMTPD_STATE_CLOSED)
		return;
	smtpd_logf(s, SMTPD_LOG_NOTE, "idle timeout: the client sent nothing for too long");
	smtpd_replyf(s, "421 4.4.2 %s Error: timeout exceeded", s->cfg->hostname);
	smtpd_set_state(s, SMTPD_STATE_CLOSED);
}

/* The current state. */
enum smtpd_state
smtpd_state(const struct smtpd *s)
{
	return s->state;
}

/* A state's name. */
const char *
smtpd_state_name(enum smtpd_state state)
{
	if ((size_t)state >= sizeof smtpd_state_names / sizeof smtpd_state_names[0])
		return "?";
	return smtpd_state_names[state];
}

/* Messages accepted in this session. */
unsigned long
smtpd_messages(const struct smtpd *s)
{
	return s->messages;
}
