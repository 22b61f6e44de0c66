/*
 * sasl.c: the client side of SMTP AUTH. A struct sasl holds the credentials for one
 * exchange and the mechanism's progress (step count, and for SCRAM the client-first-bare
 * message and the expected server signature). Everything secret is wiped with
 * OPENSSL_cleanse before its memory is given back; error texts never quote a secret.
 */
#include "sasl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#define SASL_NONCE_MAX 128
#define SASL_SCRAM_KEYLEN 32	    /* SHA-256 */
#define SASL_SCRAM_ITER_MAX 1000000 /* a hostile server must not make us spin for minutes */
#define SASL_CHALLENGE_MAX 65536    /* decoded challenge bytes we accept */

struct sasl {
	enum sasl_mech mech;
	char *user;
	char *secret;
	char *authzid;
	int step;	 /* challenges answered so far */
	bool ir_sent;	 /* sasl_initial produced a response */
	bool login_user; /* LOGIN: user name sent */
	bool login_pass; /* LOGIN: password sent */
	bool verified;	 /* SCRAM: server signature checked and matched */
	char nonce[SASL_NONCE_MAX + 1];
	char *client_first_bare;		     /* SCRAM: "n=user,r=nonce" */
	char *gs2_header;			     /* SCRAM: "n,," or "n,a=authzid," */
	unsigned char server_sig[SASL_SCRAM_KEYLEN]; /* SCRAM: what v= must carry */
	bool have_server_sig;
};

static const char *const sasl_names[SASL_MECH_COUNT] = {
	[SASL_PLAIN] = "PLAIN",
	[SASL_LOGIN] = "LOGIN",
	[SASL_CRAM_MD5] = "CRAM-MD5",
	[SASL_XOAUTH2] = "XOAUTH2",
	[SASL_SCRAM_SHA_256] = "SCRAM-SHA-256",
};

static const char sasl_b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The mechanism's name as SMTP spells it. */
const char *
sasl_mech_name(enum sasl_mech mech)
{
	if ((unsigned)mech >= SASL_MECH_COUNT)
		return "?";
	return sasl_names[mech];
}

/* Look a mechanism up by name, case-insensitively. */
int
sasl_mech_from_name(const char *name, enum sasl_mech *mech)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < SASL_MECH_COUNT; i++) {
		if (strcasecmp(name, sasl_names[i]) == 0) {
			if (mech != NULL)
				*mech = (enum sasl_mech)i;
			return 0;
		}
	}
	return -1;
}

/* printf into err when there is one. */
static void
sasl_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* Wipe and free a NUL-terminated secret. */
static void
sasl_free_str(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* Wipe and free a buffer of known length. */
static void
sasl_free_buf(void *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

/* A copy of s, or NULL; *bad set when s holds CR or LF (it would end the SMTP line). */
static char *
sasl_dup_arg(const char *s, bool *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if (strpbrk(s, "\r\n") != NULL) {
		*bad = true;
		return NULL;
	}
	d = strdup(s);
	if (d == NULL)
		*bad = true;
	return d;
}

/* Start an exchange. */
struct sasl *
sasl_new(enum sasl_mech mech, const char *user, const char *secret, const char *authzid)
{
	struct sasl *s;
	bool bad = false;

	if ((unsigned)mech >= SASL_MECH_COUNT || user == NULL || secret == NULL)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->mech = mech;
	s->user = sasl_dup_arg(user, &bad);
	s->secret = sasl_dup_arg(secret, &bad);
	if (authzid != NULL && authzid[0] != '\0')
		s->authzid = sasl_dup_arg(authzid, &bad);
	if (bad) {
		sasl_free(s);
		return NULL;
	}
	return s;
}

/* Use a fixed client nonce; one with a comma or a non-printable byte is ignored. */
void
sasl_set_client_nonce(struct sasl *s, const char *nonce)
{
	size_t n;

	if (s == NULL || nonce == NULL)
		return;
	n = strlen(nonce);
	if (n == 0 || n > SASL_NONCE_MAX)
		return;
	for (size_t i = 0; i < n; i++)
		if (nonce[i] < 0x21 || nonce[i] > 0x7e || nonce[i] == ',')
			return;
	memcpy(s->nonce, nonce, n + 1);
}

/* A fresh random nonce (base64 of 18 random bytes: printable and comma-free). */
static int
sasl_make_nonce(struct sasl *s)
{
	unsigned char raw[18];
	char *b;

	if (s->nonce[0] != '\0')
		return 0;
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	b = b64_encode(raw, sizeof(raw));
	if (b == NULL)
		return -1;
	snprintf(s->nonce, sizeof(s->nonce), "%s", b);
	free(b);
	return 0;
}

/* Append the SCRAM form of a name: "=" and "," escaped as "=3D" and "=2C" (RFC 5802 5.1). */
static size_t
sasl_scram_name(char *out, const char *name)
{
	size_t n = 0;

	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '=') {
			if (out != NULL)
				memcpy(out + n, "=3D", 3);
			n += 3;
		} else if (*p == ',') {
			if (out != NULL)
				memcpy(out + n, "=2C", 3);
			n += 3;
		} else {
			if (out != NULL)
				out[n] = *p;
			n++;
		}
	}
	return n;
}

/* Build the SCRAM gs2 header and client-first-bare; 0 or -1. */
static int
sasl_scram_first(struct sasl *s)
{
	size_t un, an = 0, n;

	if (sasl_make_nonce(s) != 0)
		return -1;
	if (s->authzid != NULL)
		an = sasl_scram_name(NULL, s->authzid);
	s->gs2_header = malloc(an + 6);
	if (s->gs2_header == NULL)
		return -1;
	if (s->authzid != NULL) {
		memcpy(s->gs2_header, "n,a=", 4);
		sasl_scram_name(s->gs2_header + 4, s->authzid);
		memcpy(s->gs2_header + 4 + an, ",", 2);
	} else {
		memcpy(s->gs2_header, "n,,", 4);
	}
	un = sasl_scram_name(NULL, s->user);
	n = 2 + un + 3 + strlen(s->nonce) + 1;
	s->client_first_bare = malloc(n);
	if (s->client_first_bare == NULL)
		return -1;
	memcpy(s->client_first_bare, "n=", 2);
	sasl_scram_name(s->client_first_bare + 2, s->user);
	snprintf(s->client_first_bare + 2 + un, n - 2 - un, ",r=%s", s->nonce);
	return 0;
}

/* The PLAIN or XOAUTH2 message, base64; NULL on no memory. */
static char *
sasl_ir_message(const struct sasl *s)
{
	size_t ul = strlen(s->user), pl = strlen(s->secret);
	size_t al = s->authzid != NULL ? strlen(s->authzid) : 0;
	size_t n, len;
	char *buf, *b;

	if (s->mech == SASL_PLAIN) {
		n = al + 1 + ul + 1 + pl;
		buf = malloc(n + 1);
		if (buf == NULL)
			return NULL;
		if (al > 0)
			memcpy(buf, s->authzid, al);
		buf[al] = '\0';
		memcpy(buf + al + 1, s->user, ul);
		buf[al + 1 + ul] = '\0';
		memcpy(buf + al + 2 + ul, s->secret, pl);
		len = n;
	} else {
		n = 5 + ul + 1 + 12 + pl + 2;
		buf = malloc(n + 1);
		if (buf == NULL)
			return NULL;
		snprintf(buf, n + 1, "user=%s\001auth=Bearer %s\001\001", s->user, s->secret);
		len = n;
	}
	b = b64_encode(buf, len);
	sasl_free_buf(buf, n + 1);
	return b;
}

/* The initial response for the AUTH line, or NULL when the mechanism waits for a challenge. */
int
sasl_initial(struct sasl *s, char **ir)
{
	*ir = NULL;
	if (s == NULL)
		return -1;
	switch (s->mech) {
	case SASL_PLAIN:
	case SASL_XOAUTH2:
		*ir = sasl_ir_message(s);
		break;
	case SASL_SCRAM_SHA_256: {
		size_t n;
		char *msg;

		if (s->client_first_bare == NULL && sasl_scram_first(s) != 0)
			return -1;
		n = strlen(s->gs2_header) + strlen(s->client_first_bare) + 1;
		msg = malloc(n);
		if (msg == NULL)
			return -1;
		snprintf(msg, n, "%s%s", s->gs2_header, s->client_first_bare);
		*ir = b64_encode(msg, n - 1);
		free(msg);
		break;
	}
	case SASL_LOGIN:
	case SASL_CRAM_MD5:
	default:
		return 0;
	}
	if (*ir == NULL)
		return -1;
	s->ir_sent = true;
	return 0;
}

/* A malloc'd copy of a constant response, for the uniform "caller frees" rule. */
static int
sasl_respond_const(const char *text, char **response)
{
	*response = strdup(text);
	return *response == NULL ? -1 : 0;
}

/* LOGIN: answer "Username:" or "Password:", by the text when it says, else by step order. */
static int
sasl_step_login(struct sasl *s, const unsigned char *ch, size_t chlen, char **response, char *err,
		size_t errlen)
{
	bool want_user, want_pass;
	const char *val;

	want_user = chlen >= 4 && strncasecmp((const char *)ch, "user", 4) == 0;
	want_pass = chlen >= 4 && strncasecmp((const char *)ch, "pass", 4) == 0;
	if (!want_user && !want_pass) {
		if (!s->login_user)
			want_user = true;
		else if (!s->login_pass)
			want_pass = true;
	}
	if (!want_user && !want_pass) {
		sasl_err(err, errlen, "LOGIN: unexpected challenge after the password was sent");
		return -1;
	}
	val = want_user ? s->user : s->secret;
	*response = b64_encode(val, strlen(val));
	if (*response == NULL) {
		sasl_err(err, errlen, "out of memory");
		return -1;
	}
	if (want_user)
		s->login_user = true;
	else
		s->login_pass = true;
	return 0;
}

/* CRAM-MD5: base64("user " hex(HMAC-MD5(secret, challenge))). */
static int
sasl_step_cram(struct sasl *s, const unsigned char *ch, size_t chlen, char **response, char *err,
	       size_t errlen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	size_t ul = strlen(s->user), n;
	char *buf;

	if (s->step > 0) {
		sasl_err(err, errlen, "CRAM-MD5: unexpected second challenge");
		return -1;
	}
	if (chlen == 0) {
		sasl_err(err, errlen, "CRAM-MD5: the server sent an empty challenge");
		return -1;
	}
	if (HMAC(EVP_md5(), s->secret, (int)strlen(s->secret), ch, chlen, mac, &maclen) == NULL) {
		sasl_err(err, errlen, "CRAM-MD5: HMAC-MD5 is not available");
		return -1;
	}
	n = ul + 1 + 2 * (size_t)maclen;
	buf = malloc(n + 1);
	if (buf == NULL) {
		OPENSSL_cleanse(mac, sizeof(mac));
		sasl_err(err, errlen, "out of memory");
		return -1;
	}
	memcpy(buf, s->user, ul);
	buf[ul] = ' ';
	for (unsigned i = 0; i < maclen; i++)
		snprintf(buf + ul + 1 + 2 * i, 3, "%02x", mac[i]);
	*response = b64_encode(buf, n);
	OPENSSL_cleanse(mac, sizeof(mac));
	sasl_free_buf(buf, n + 1);
	if (*response == NULL) {
		sasl_err(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* HMAC-SHA-256 of data under key into out (32 bytes); 0 or -1. */
static int
sasl_hmac256(const unsigned char *key, size_t keylen, const void *data, size_t len,
	     unsigned char *out)
{
	unsigned outlen = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &outlen) == NULL ||
	    outlen != SASL_SCRAM_KEYLEN)
		return -1;
	return 0;
}

/* The value of attribute "k=" in a SCRAM message, as a pointer and length; false when absent. */
static bool
sasl_scram_attr(const char *msg, size_t len, char k, const char **val, size_t *vlen)
{
	size_t i = 0;

	while (i < len) {
		size_t end = i;

		while (end < len && msg[end] != ',')
			end++;
		if (end - i >= 2 && msg[i] == k && msg[i + 1] == '=') {
			*val = msg + i + 2;
			*vlen = end - i - 2;
			return true;
		}
		i = end + 1;
	}
	return false;
}

/* Copy a server's text into err with anything not printable ASCII shown as '?'. */
static void
sasl_err_server(char *err, size_t errlen, const char *prefix, const char *v, size_t vlen)
{
	size_t n;

	if (err == NULL || errlen == 0)
		return;
	snprintf(err, errlen, "%s", prefix);
	n = strlen(err);
	for (size_t i = 0; i < vlen && n + 1 < errlen; i++, n++)
		err[n] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
	err[n] = '\0';
}

/* The SCRAM keys, proof and expected server signature for a server-first message. */
static int
sasl_scram_final(struct sasl *s, const char *sf, size_t sflen, char **response, char *err,
		 size_t errlen)
{
	unsigned char salted[SASL_SCRAM_KEYLEN], client_key[SASL_SCRAM_KEYLEN];
	unsigned char stored_key[SASL_SCRAM_KEYLEN], client_sig[SASL_SCRAM_KEYLEN];
	unsigned char server_key[SASL_SCRAM_KEYLEN], proof[SASL_SCRAM_KEYLEN];
	const char *r, *sv, *iv;
	size_t rlen, slen, ilen, saltlen = 0, nl = strlen(s->nonce);
	unsigned long iter = 0;
	unsigned char *salt = NULL;
	char *gs2b64 = NULL, *without_proof = NULL, *auth = NULL, *proofb64 = NULL, *final = NULL;
	size_t wplen = 0, authlen = 0, finallen = 0;
	int rc = -1;

	if (sflen > 0 && sf[0] == 'm') {
		sasl_err(err, errlen, "SCRAM: the server requires an extension we do not know");
		return -1;
	}
	if (sasl_scram_attr(sf, sflen, 'e', &r, &rlen)) {
		sasl_err_server(err, errlen, "SCRAM: server error: ", r, rlen);
		return -1;
	}
	if (!sasl_scram_attr(sf, sflen, 'r', &r, &rlen) ||
	    !sasl_scram_attr(sf, sflen, 's', &sv, &slen) ||
	    !sasl_scram_attr(sf, sflen, 'i', &iv, &ilen)) {
		sasl_err(err, errlen, "SCRAM: the server-first message lacks r=, s= or i=");
		return -1;
	}
	if (rlen <= nl || memcmp(r, s->nonce, nl) != 0) {
		sasl_err(err, errlen, "SCRAM: the server nonce does not extend ours");
		return -1;
	}
	for (size_t i = 0; i < rlen; i++) {
		if (r[i] < 0x21 || r[i] > 0x7e) {
			sasl_err(err, errlen, "SCRAM: the server nonce holds a non-printable byte");
			return -1;
		}
	}
	if (ilen == 0 || ilen > 9) {
		sasl_err(err, errlen, "SCRAM: bad iteration count");
		return -1;
	}
	for (size_t i = 0; i < ilen; i++) {
		if (iv[i] < '0' || iv[i] > '9') {
			sasl_err(err, errlen, "SCRAM: bad iteration count");
			return -1;
		}
		iter = iter * 10 + (unsigned long)(iv[i] - '0');
	}
	if (iter == 0 || iter > SASL_SCRAM_ITER_MAX) {
		sasl_err(err, errlen, "SCRAM: iteration count out of range");
		return -1;
	}
	salt = b64_decode(sv, slen, &saltlen);
	if (salt == NULL || saltlen == 0) {
		free(salt);
		sasl_err(err, errlen, "SCRAM: the salt is not valid base64");
		return -1;
	}
	gs2b64 = b64_encode(s->gs2_header, strlen(s->gs2_header));
	if (gs2b64 == NULL)
		goto oom;
	wplen = 2 + strlen(gs2b64) + 3 + rlen;
	without_proof = malloc(wplen + 1);
	if (without_proof == NULL)
		goto oom;
	snprintf(without_proof, wplen + 1, "c=%s,r=%.*s", gs2b64, (int)rlen, r);
	authlen = strlen(s->client_first_bare) + 1 + sflen + 1 + wplen;
	auth = malloc(authlen + 1);
	if (auth == NULL)
		goto oom;
	snprintf(auth, authlen + 1, "%s,%.*s,%s", s->client_first_bare, (int)sflen, sf,
		 without_proof);

	if (PKCS5_PBKDF2_HMAC(s->secret, (int)strlen(s->secret), salt, (int)saltlen, (int)iter,
			      EVP_sha256(), SASL_SCRAM_KEYLEN, salted) != 1 ||
	    sasl_hmac256(salted, sizeof(salted), "Client Key", 10, client_key) != 0 ||
	    SHA256(client_key, sizeof(client_key), stored_key) == NULL ||
	    sasl_hmac256(stored_key, sizeof(stored_key), auth, authlen, client_sig) != 0 ||
	    sasl_hmac256(salted, sizeof(salted), "Server Key", 10, server_key) != 0 ||
	    sasl_hmac256(server_key, sizeof(server_key), auth, authlen, s->server_sig) != 0) {
		sasl_err(err, errlen, "SCRAM: key derivation failed");
		goto out;
	}
	s->have_server_sig = true;
	for (size_t i = 0; i < SASL_SCRAM_KEYLEN; i++)
		proof[i] = client_key[i] ^ client_sig[i];
	proofb64 = b64_encode(proof, sizeof(proof));
	if (proofb64 == NULL)
		goto oom;
	finallen = wplen + 3 + strlen(proofb64);
	final = malloc(finallen + 1);
	if (final == NULL)
		goto oom;
	snprintf(final, finallen + 1, "%s,p=%s", without_proof, proofb64);
	*response = b64_encode(final, finallen);
	if (*response == NULL)
		goto oom;
	rc = 0;
	goto out;
oom:
	sasl_err(err, errlen, "out of memory");
out:
	OPENSSL_cleanse(salted, sizeof(salted));
	OPENSSL_cleanse(client_key, sizeof(client_key));
	OPENSSL_cleanse(stored_key, sizeof(stored_key));
	OPENSSL_cleanse(client_sig, sizeof(client_sig));
	OPENSSL_cleanse(server_key, sizeof(server_key));
	OPENSSL_cleanse(proof, sizeof(proof));
	free(salt);
	free(gs2b64);
	free(without_proof);
	free(auth);
	sasl_free_str(proofb64);
	sasl_free_str(final);
	return rc;
}

/* SCRAM: the server-final message, "v=signature" or "e=error". */
static int
sasl_scram_verify(struct sasl *s, const char *sf, size_t sflen, char **response, char *err,
		  size_t errlen)
{
	const char *v;
	size_t vlen, siglen = 0;
	unsigned char *sig;

	if (sasl_scram_attr(sf, sflen, 'e', &v, &vlen)) {
		sasl_err_server(err, errlen, "SCRAM: server error: ", v, vlen);
		return -1;
	}
	if (!s->have_server_sig || !sasl_scram_attr(sf, sflen, 'v', &v, &vlen)) {
		sasl_err(err, errlen, "SCRAM: the server-final message lacks v=");
		return -1;
	}
	sig = b64_decode(v, vlen, &siglen);
	if (sig == NULL || siglen != SASL_SCRAM_KEYLEN ||
	    CRYPTO_memcmp(sig, s->server_sig, SASL_SCRAM_KEYLEN) != 0) {
		free(sig);
		sasl_err(err, errlen,
			 "SCRAM: the server signature does not match: not the real server");
		return -1;
	}
	free(sig);
	s->verified = true;
	return sasl_respond_const("", response);
}

/* Answer a 334 challenge. */
int
sasl_step(struct sasl *s, const char *challenge, size_t len, char **response, char *err,
	  size_t errlen)
{
	unsigned char *ch;
	size_t chlen = 0;
	int rc = -1;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (response == NULL)
		return -1;
	*response = NULL;
	if (s == NULL || (challenge == NULL && len > 0)) {
		sasl_err(err, errlen, "no exchange in progress");
		return -1;
	}
	while (len > 0 && (challenge[len - 1] == '\r' || challenge[len - 1] == '\n' ||
			   challenge[len - 1] == ' '))
		len--;
	if (len > SASL_CHALLENGE_MAX * 4 / 3 + 4) {
		sasl_err(err, errlen, "the server's challenge is too long");
		return -1;
	}
	ch = b64_decode(challenge != NULL ? challenge : "", len, &chlen);
	if (ch == NULL) {
		sasl_err(err, errlen, "the server's challenge is not valid base64");
		return -1;
	}
	switch (s->mech) {
	case SASL_PLAIN:
		if (s->ir_sent || s->step > 0) {
			sasl_err(err, errlen, "PLAIN: unexpected challenge after the credentials");
			break;
		}
		/* The server asked for the credentials with an empty 334 (no initial response). */
		*response = sasl_ir_message(s);
		rc = *response != NULL ? 0 : -1;
		if (rc != 0)
			sasl_err(err, errlen, "out of memory");
		break;
	case SASL_LOGIN:
		rc = sasl_step_login(s, ch, chlen, response, err, errlen);
		break;
	case SASL_CRAM_MD5:
		rc = sasl_step_cram(s, ch, chlen, response, err, errlen);
		break;
	case SASL_XOAUTH2:
		if (!s->ir_sent && s->step == 0) {
			*response = sasl_ir_message(s);
			rc = *response != NULL ? 0 : -1;
		} else if (s->step <= (s->ir_sent ? 0 : 1)) {
			/* A JSON error: the client must answer an empty line, then gets 535. */
			rc = sasl_respond_const("", response);
		} else {
			sasl_err(err, errlen, "XOAUTH2: unexpected challenge");
		}
		break;
	case SASL_SCRAM_SHA_256:
		if (s->client_first_bare == NULL) {
			/* The server wants the client-first message in answer to an empty 334. */
			rc = sasl_initial(s, response);
			s->ir_sent = false;
			break;
		}
		if (!s->have_server_sig)
			rc = sasl_scram_final(s, (const char *)ch, chlen, response, err, errlen);
		else if (!s->verified)
			rc = sasl_scram_verify(s, (const char *)ch, chlen, response, err, errlen);
		else
			sasl_err(err, errlen,
				 "SCRAM: unexpected challenge after the server was verified");
		break;
	default:
		sasl_err(err, errlen, "unknown mechanism");
		break;
	}
	sasl_free_buf(ch, chlen + 1);
	if (rc == 0)
		s->step++;
	else if (*response != NULL) {
		sasl_free_str(*response);
		*response = NULL;
	}
	return rc;
}

/* For SCRAM: true once the server's final message matched. */
bool
sasl_server_verified(const struct sasl *s)
{
	return s != NULL && s->verified;
}

/* Wipe and free. */
void
sasl_free(struct sasl *s)
{
	if (s == NULL)
		return;
	sasl_free_str(s->user);
	sasl_free_str(s->secret);
	sasl_free_str(s->authzid);
	sasl_free_str(s->client_first_bare);
	sasl_free_str(s->gs2_header);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

/* Base64 encode (malloc'd, NUL-terminated). */
char *
b64_encode(const void *in, size_t len)
{
	const unsigned char *p = in;
	size_t outlen, o = 0, i = 0;
	char *out;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	outlen = (len + 2) / 3 * 4;
	out = malloc(outlen + 1);
	if (out == NULL)
		return NULL;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = sasl_b64_alphabet[v >> 18];
		out[o++] = sasl_b64_alphabet[(v >> 12) & 63];
		out[o++] = sasl_b64_alphabet[(v >> 6) & 63];
		out[o++] = sasl_b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		out[o++] = sasl_b64_alphabet[v >> 18];
		out[o++] = sasl_b64_alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		out[o++] = sasl_b64_alphabet[v >> 18];
		out[o++] = sasl_b64_alphabet[(v >> 12) & 63];
		out[o++] = sasl_b64_alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

/* The 6-bit value of a base64 character, or -1. */
static int
sasl_b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict base64 decode: length a multiple of 4, only the alphabet, "=" only as the last one
 * or two characters, and unused bits zero (so every input has exactly one encoding).
 */
unsigned char *
b64_decode(const char *in, size_t len, size_t *outlen)
{
	unsigned char *out;
	size_t o = 0, pad = 0;

	if (outlen != NULL)
		*outlen = 0;
	if (len % 4 != 0 || (in == NULL && len > 0))
		return NULL;
	if (len > 0 && in[len - 1] == '=')
		pad = (len > 1 && in[len - 2] == '=') ? 2 : 1;
	out = malloc(len / 4 * 3 + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		int v[4];
		uint32_t w = 0;

		for (int k = 0; k < 4; k++) {
			bool padpos = last && k >= 4 - (int)pad;

			v[k] = padpos ? 0 : sasl_b64_value(in[i + (size_t)k]);
			if (v[k] < 0) {
				free(out);
				return NULL;
			}
			w = w << 6 | (uint32_t)v[k];
		}
		if (last && pad == 2 && (v[1] & 0x0f) != 0) {
			free(out);
			return NULL;
		}
		if (last && pad == 1 && (v[2] & 0x03) != 0) {
			free(out);
			return NULL;
		}
		out[o++] = (unsigned char)(w >> 16);
		if (!last || pad < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (!last || pad < 1)
			out[o++] = (unsigned char)w;
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return out;
}

/* Decode a 334 challenge for display; truncated to outcap - 1 bytes, NUL-terminated. */
int
sasl_decode_challenge(const char *b64, size_t len, char *out, size_t outcap, size_t *outlen)
{
	unsigned char *d;
	size_t n = 0;

	if (outlen != NULL)
		*outlen = 0;
	while (len > 0 && (b64[len - 1] == '\r' || b64[len - 1] == '\n' || b64[len - 1] == ' '))
		len--;
	d = b64_decode(b64, len, &n);
	if (d == NULL)
		return -1;
	if (outcap > 0) {
		if (n > outcap - 1)
			n = outcap - 1;
		memcpy(out, d, n);
		out[n] = '\0';
	} else {
		n = 0;
	}
	free(d);
	if (outlen != NULL)
		*outlen = n;
	return 0;
}
