/*
 * cert.c: see cert.h. The generated certificate is a self-signed CA:TRUE certificate, the
 * shape `openssl req -x509` makes, so OpenSSL, Python and curl accept it as its own trust
 * anchor when given it with --cafile or cafile=.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "cert.h"

/* Put OpenSSL's last error after a prefix into err. */
static void
cert_error(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";
	if (e != 0)
		ERR_error_string_n(e, buf, sizeof buf);
	snprintf(err, errlen, "%s%s%s", what, buf[0] ? ": " : "", buf);
	ERR_clear_error();
}

/* Add one v3 extension written the way openssl.cnf writes it. */
static int
cert_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ex == NULL)
		return -1;
	int ok = X509_add_ext(x, ex, -1);
	X509_EXTENSION_free(ex);
	return ok ? 0 : -1;
}

/* Make a key and a self-signed certificate for localhost. */
static int
cert_generate(EVP_PKEY **key_out, X509 **cert_out, char *err, size_t errlen)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	if (key == NULL || x == NULL) {
		cert_error(err, errlen, "cannot make a TLS key");
		goto fail;
	}
	unsigned char serial[16];
	if (RAND_bytes(serial, sizeof serial) != 1) {
		cert_error(err, errlen, "no randomness for the certificate serial");
		goto fail;
	}
	serial[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
	int ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	X509_NAME *name = X509_get_subject_name(x);
	ok = ok && X509_set_version(x, 2) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600) != NULL &&
	     X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
					(const unsigned char *)"ehlo practice server", -1, -1, 0) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"localhost", -1, -1, 0) &&
	     X509_set_issuer_name(x, name) && X509_set_pubkey(x, key);
	ok = ok && cert_add_ext(x, NID_basic_constraints, "critical,CA:TRUE") == 0 &&
	     cert_add_ext(x, NID_key_usage, "critical,digitalSignature,keyCertSign") == 0 &&
	     cert_add_ext(x, NID_ext_key_usage, "serverAuth") == 0 &&
	     cert_add_ext(x, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") == 0 &&
	     cert_add_ext(x, NID_subject_key_identifier, "hash") == 0 &&
	     cert_add_ext(x, NID_authority_key_identifier, "keyid:always") == 0 &&
	     X509_sign(x, key, EVP_sha256()) > 0;
	if (!ok) {
		cert_error(err, errlen, "cannot make the self-signed certificate");
		goto fail;
	}
	*key_out = key;
	*cert_out = x;
	return 0;
fail:
	EVP_PKEY_free(key);
	X509_free(x);
	return -1;
}

/* The certificate as PEM text. */
static char *
cert_pem(X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (bio == NULL)
		return NULL;
	char *out = NULL;
	if (PEM_write_bio_X509(bio, x) == 1) {
		char *data;
		long len = BIO_get_mem_data(bio, &data);
		out = malloc((size_t)len + 1);
		if (out != NULL) {
			memcpy(out, data, (size_t)len);
			out[len] = '\0';
		}
	}
	BIO_free(bio);
	return out;
}

/* A server context, generated or from files. */
SSL_CTX *
cert_server_ctx(const char *cert_file, const char *key_file, char **pem, char *err, size_t errlen)
{
	*pem = NULL;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		cert_error(err, errlen, "cannot make a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				      SSL_MODE_RELEASE_BUFFERS);
	if (cert_file != NULL || key_file != NULL) {
		if (cert_file == NULL || key_file == NULL) {
			snprintf(err, errlen, "--tls-cert and --tls-key go together");
			goto fail;
		}
		if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
			cert_error(err, errlen, "cannot read the certificate file");
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
			cert_error(err, errlen, "cannot read the key file");
			goto fail;
		}
	} else {
		EVP_PKEY *key;
		X509 *x;
		if (cert_generate(&key, &x, err, errlen) < 0)
			goto fail;
		int ok = SSL_CTX_use_certificate(ctx, x) == 1 &&
			 SSL_CTX_use_PrivateKey(ctx, key) == 1;
		X509_free(x);
		EVP_PKEY_free(key);
		if (!ok) {
			cert_error(err, errlen, "cannot use the generated certificate");
			goto fail;
		}
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		cert_error(err, errlen, "the key does not match the certificate");
		goto fail;
	}
	*pem = cert_pem(SSL_CTX_get0_certificate(ctx));
	if (*pem == NULL) {
		snprintf(err, errlen, "cannot write the certificate as PEM");
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}
