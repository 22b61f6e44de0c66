/*
 * transport.h: the socket under a session: name resolution over IPv4 and IPv6 (every
 * address tried in turn), non-blocking connect with a timeout, plain TCP, STARTTLS
 * upgrade or implicit TLS, with OpenSSL verification on by default (system trust
 * store, SNI, host name or IP address check) and a summary of the peer in words.
 */
#ifndef EHLO_TRANSPORT_H
#define EHLO_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TRANSPORT_ERROR_MAX 512

enum transport_status {
	TRANSPORT_OK = 0,
	TRANSPORT_ERR_RESOLVE, /* the name does not resolve */
	TRANSPORT_ERR_CONNECT, /* every address refused or unreachable */
	TRANSPORT_ERR_TIMEOUT, /* connect, read, write or handshake took too long */
	TRANSPORT_ERR_TLS,     /* handshake failed (protocol, alert, no shared cipher) */
	TRANSPORT_ERR_VERIFY,  /* the certificate did not verify (and --insecure was not given) */
	TRANSPORT_ERR_CLOSED,  /* the peer closed the connection */
	TRANSPORT_ERR_IO,      /* any other socket error */
	TRANSPORT_WANT_READ,   /* non-blocking: try again when readable */
	TRANSPORT_WANT_WRITE,  /* non-blocking: try again when writable */
};

struct transport_tls_options {
	bool insecure;		/* go on when verification fails (and say so) */
	const char *cafile;	/* an extra trust anchor (PEM), or NULL */
	const char *servername; /* name for SNI and the check; NULL: the host connected to */
};

/* What the TLS handshake found, in words a person can read. */
struct transport_tls_summary {
	char protocol[32]; /* "TLSv1.3" */
	char cipher[96];
	char subject[256];
	char issuer[256];
	char names[512]; /* subjectAltName DNS and IP entries, comma separated */
	char not_before[64];
	char not_after[64];
	int chain_length;
	bool verified;
	long verify_code;			/* X509_V_OK or the X509_V_ERR_* seen */
	char verify_words[TRANSPORT_ERROR_MAX]; /* "the certificate expired on ..." */
};

struct transport;

/* A transport not yet connected. */
struct transport *transport_new(void);

/* Close and free. */
void transport_free(struct transport *t);

/*
 * Resolve host and connect to the first address that answers, trying each in turn within
 * timeout_ms each. host may be an IPv6 literal, with or without brackets. On failure err
 * says which addresses were tried and why ("127.0.0.1 port 2: connection refused; ...").
 */
enum transport_status transport_connect(struct transport *t, const char *host, const char *port,
					int timeout_ms, char *err, size_t errlen);

/*
 * The same for an already resolved list (addition: lets a caller, or a test, choose the
 * addresses and their order). host is kept as the default name for the TLS check.
 * Every timeout_ms in this file: 0 or less means no limit.
 */
struct addrinfo;
enum transport_status transport_connect_list(struct transport *t, const struct addrinfo *list,
					     const char *host, int timeout_ms, char *err,
					     size_t errlen);

/*
 * The same, one step at a time, for a caller with its own poll loop (addition; the
 * blocking calls above are loops over these). transport_connect_start resolves host
 * (getaddrinfo still blocks: a slow resolver freezes the caller for now) and starts a
 * non-blocking connect to the first address; _start_list takes a list the caller keeps
 * alive until the connect ends. Both return TRANSPORT_WANT_WRITE while an address is
 * pending: poll transport_fd() for POLLOUT for at most transport_connect_deadline_ms(),
 * then call transport_connect_step (any time is safe: it checks the socket and the
 * deadline). It returns WANT_WRITE while still trying (the fd may have changed: the next
 * address), TRANSPORT_OK once connected, or the failure with err as transport_connect
 * words it. transport_free gives up a pending connect.
 */
enum transport_status transport_connect_start(struct transport *t, const char *host,
					      const char *port, int timeout_ms, char *err,
					      size_t errlen);
enum transport_status transport_connect_start_list(struct transport *t, const struct addrinfo *list,
						   const char *host, int timeout_ms, char *err,
						   size_t errlen);
enum transport_status transport_connect_step(struct transport *t, char *err, size_t errlen);

/* Milliseconds until the pending address times out: -1 no limit (or no connect), 0 passed. */
int transport_connect_deadline_ms(const struct transport *t);

/* Whether a connect is in progress. */
bool transport_connecting(const struct transport *t);

/* The address being tried ("203.0.113.5 port 25"), its 1-based index and the count. */
const char *transport_connect_address(const struct transport *t, int *index, int *count);

/* The addresses that failed so far, with why ("a port 25: connection refused; ..."). */
const char *transport_connect_failures(const struct transport *t);

/* The connected socket (non-blocking), for poll. */
int transport_fd(const struct transport *t);

/* The peer address as text ("127.0.0.1 port 2525"), and whether it is a loopback address. */
const char *transport_peer(const struct transport *t);
bool transport_peer_is_loopback(const struct transport *t);

/*
 * Do the TLS handshake now (STARTTLS after 220, or at once for implicit TLS), waiting up
 * to timeout_ms. Verification failure is TRANSPORT_ERR_VERIFY unless opts->insecure, in
 * which case it returns TRANSPORT_OK with summary->verified false. summary may be NULL.
 */
enum transport_status transport_start_tls(struct transport *t,
					  const struct transport_tls_options *opts, int timeout_ms,
					  struct transport_tls_summary *summary, char *err,
					  size_t errlen);

/*
 * The handshake one step at a time (addition; transport_start_tls loops over these).
 * transport_tls_begin sets up TLS and returns TRANSPORT_WANT_WRITE (call step at once) or
 * the failure. transport_tls_step returns TRANSPORT_WANT_READ / TRANSPORT_WANT_WRITE (poll
 * transport_fd() for that, then call again), TRANSPORT_OK (summary filled, as start_tls),
 * or the failure (TLS, VERIFY) with err in start_tls's words. The caller owns the time:
 * transport_tls_timeout gives the handshake up with start_tls's timeout words.
 */
enum transport_status transport_tls_begin(struct transport *t,
					  const struct transport_tls_options *opts, char *err,
					  size_t errlen);
enum transport_status transport_tls_step(struct transport *t, struct transport_tls_summary *summary,
					 char *err, size_t errlen);
enum transport_status transport_tls_timeout(struct transport *t, int timeout_ms, char *err,
					    size_t errlen);

/* Whether a handshake is in progress. */
bool transport_tls_handshaking(const struct transport *t);

/* True after a successful handshake. */
bool transport_tls_active(const struct transport *t);

/*
 * Non-blocking read and write. Return bytes moved (> 0), or 0 with *status set:
 * TRANSPORT_WANT_READ / TRANSPORT_WANT_WRITE (retry), TRANSPORT_ERR_CLOSED, TRANSPORT_ERR_IO.
 */
size_t transport_read(struct transport *t, void *buf, size_t len, enum transport_status *status);
size_t transport_write(struct transport *t, const void *buf, size_t len,
		       enum transport_status *status);

/* Bytes already decrypted and waiting inside the TLS layer. */
size_t transport_buffered(const struct transport *t);

/* Read at least one byte, waiting up to timeout_ms. */
enum transport_status transport_read_wait(struct transport *t, void *buf, size_t len,
					  int timeout_ms, size_t *got);

/* Write all of buf, waiting up to timeout_ms for progress each time. */
enum transport_status transport_write_all(struct transport *t, const void *buf, size_t len,
					  int timeout_ms);

/* Why the last read or write failed, in words ("connection reset by peer"; addition). */
const char *transport_last_error(const struct transport *t);

/* A short name for a status ("timeout"). */
const char *transport_status_name(enum transport_status s);

#endif
