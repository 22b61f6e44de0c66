/*
 * cert.h: the practice server's TLS context. Either a P-256 key and a self-signed
 * certificate made in memory at start (subject CN=localhost, subjectAltName DNS:localhost,
 * IP:127.0.0.1, IP:::1, valid from an hour ago for a year), or a certificate chain and key
 * read from PEM files. Either way the certificate is also given back as PEM text, so a
 * client (the explorer, a test) can trust exactly it.
 */
#ifndef EHLO_PRACTICE_CERT_H
#define EHLO_PRACTICE_CERT_H

#include <stddef.h>

#include <openssl/ssl.h>

/*
 * A server SSL_CTX (TLS 1.2 and later). With cert_file and key_file NULL the key and
 * certificate are generated. *pem receives the certificate as PEM (malloc'd, caller frees).
 * NULL on failure, with err saying why.
 */
SSL_CTX *cert_server_ctx(const char *cert_file, const char *key_file, char **pem, char *err,
			 size_t errlen);

#endif
