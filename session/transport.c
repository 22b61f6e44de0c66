/*
 * transport.c: the socket under a session. A transport holds one non-blocking TCP socket
 * and, once TLS is started, the OpenSSL objects on top of it, plus the texts a person
 * needs when something fails (which addresses were tried, why the last I/O failed).
 *
 * SIGPIPE: plain writes use send(MSG_NOSIGNAL), and TLS runs over our own BIO whose
 * writes also use send(MSG_NOSIGNAL), so a peer that goes away never kills the process
 * and nothing here touches the process-wide signal disposition.
 */
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define TRANSPORT_HOST_MAX 256
#define TRANSPORT_PEER_MAX 96

struct transport {
	int fd;
	char host[TRANSPORT_HOST_MAX]; /* as given to connect: the default TLS name */
	char peer[TRANSPORT_PEER_MAX]; /* "127.0.0.1 port 2525" */
	bool loopback;
	char error[TRANSPORT_ERROR_MAX]; /* why the last read or write failed */

	SSL_CTX *ctx;
	SSL *ssl;
	BIO_METHOD *bio_method;
	bool tls_active;
	bool tls_failed; /* a failed handshake leaves the socket unusable */

	/* The first verification failure the callback saw, with the certificate at fault. */
	long verify_err;
	int verify_depth;
	X509 *verify_cert;
};

/* Milliseconds on the monotonic clock. */
static int64_t
transport_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline for poll(): -1 for no deadline, never below 0. */
static int
transport_left_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - transport_now_ms();
	if (left < 0)
		return 0;
	if (left > INT32_MAX)
		return INT32_MAX;
	return (int)left;
}

/* A deadline timeout_ms from now; timeout_ms <= 0 means none (-1). */
static int64_t
transport_deadline(int timeout_ms)
{
	if (timeout_ms <= 0)
		return -1;
	return transport_now_ms() + timeout_ms;
}

/*
 * Wait until fd is ready for events or the deadline passes. Returns 1 ready, 0 timed out,
 * -1 on a poll error (errno set). EINTR is retried with the time left.
 */
static int
transport_poll(int fd, short events, int64_t deadline)
{
	struct pollfd p;
	int n;

	for (;;) {
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		n = poll(&p, 1, transport_left_ms(deadline));
		if (n >= 0)
			return n > 0 ? 1 : 0;
		if (errno != EINTR)
			return -1;
	}
}

/* strerror in lower case ("connection refused"), into buf. */
static const char *
transport_errno_words(int err, char *buf, size_t len)
{
	if (len == 0)
		return "";
	if (strerror_r(err, buf, len) != 0)
		snprintf(buf, len, "error %d", err);
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

/* Append text to a capped, NUL-terminated buffer (truncating when full). */
static void
transport_append(char *buf, size_t len, const char *text)
{
	size_t used;

	if (buf == NULL || len == 0)
		return;
	used = strnlen(buf, len);
	if (used >= len - 1)
		return;
	snprintf(buf + used, len - used, "%s", text);
}

/* Set err (when given) to a formatted message. */
static void
transport_set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	if (err == NULL || errlen == 0)
		return;
	snprintf(err, errlen, fmt, a, b);
}

/* A transport not yet connected. */
struct transport *
transport_new(void)
{
	struct transport *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->fd = -1;
	t->verify_err = X509_V_OK;
	return t;
}

/* Close and free (a TLS session says close_notify first, without waiting). */
void
transport_free(struct transport *t)
{
	if (t == NULL)
		return;
	if (t->ssl != NULL) {
		if (t->tls_active)
			(void)SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
	}
	SSL_CTX_free(t->ctx);
	BIO_meth_free(t->bio_method);
	X509_free(t->verify_cert);
	ERR_clear_error();
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

/* The numeric address of sa as "127.0.0.1 port 25" (or "::1 port 25"). */
static void
transport_addr_text(const struct sockaddr *sa, socklen_t salen, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN + 16];
	char serv[16];
	int rc;

	rc = getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
			 NI_NUMERICHOST | NI_NUMERICSERV);
	if (rc != 0) {
		snprintf(buf, len, "(address family %d)", (int)sa->sa_family);
		return;
	}
	snprintf(buf, len, "%s port %s", host, serv);
}

/* Whether sa is a loopback address: 127.0.0.0/8, ::1 or ::ffff:127.x.y.z. */
static bool
transport_addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

/* Make fd non-blocking and close-on-exec; false (errno set) when fcntl fails. */
static bool
transport_fd_setup(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return false;
	fl = fcntl(fd, F_GETFD);
	if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return false;
	return true;
}

/*
 * Connect one address within timeout_ms. Returns the connected socket, or -1 with why
 * (lower-case words) in why and *timed_out set when the wait ran out.
 */
static int
transport_connect_one(const struct addrinfo *ai, int timeout_ms, char *why, size_t whylen,
		      bool *timed_out)
{
	int fd, rc, soerr = 0;
	socklen_t solen = sizeof(soerr);

	*timed_out = false;
	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd < 0) {
		transport_errno_words(errno, why, whylen);
		return -1;
	}
	if (!transport_fd_setup(fd))
		goto fail_errno;
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (rc == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR)
		goto fail_errno;
	rc = transport_poll(fd, POLLOUT, transport_deadline(timeout_ms));
	if (rc < 0)
		goto fail_errno;
	if (rc == 0) {
		snprintf(why, whylen, "timed out after %d ms", timeout_ms);
		*timed_out = true;
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &solen) != 0)
		goto fail_errno;
	if (soerr != 0) {
		transport_errno_words(soerr, why, whylen);
		close(fd);
		return -1;
	}
	return fd;
fail_errno:
	transport_errno_words(errno, why, whylen);
	close(fd);
	return -1;
}

/*
 * Connect to each address of a resolved list in turn until one answers. host is kept as
 * the default name for the TLS check. On failure err lists every address and why.
 */
enum transport_status
transport_connect_list(struct transport *t, const struct addrinfo *list, const char *host,
		       int timeout_ms, char *err, size_t errlen)
{
	const struct addrinfo *ai;
	bool all_timed_out = true, timed_out;
	char addr[TRANSPORT_PEER_MAX], why[128], item[TRANSPORT_PEER_MAX + 160];
	int fd, one = 1, tried = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (t->fd >= 0) {
		transport_set_err(err, errlen, "%s%s", "already connected to ", t->peer);
		return TRANSPORT_ERR_IO;
	}
	for (ai = list; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		transport_addr_text(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr));
		fd = transport_connect_one(ai, timeout_ms, why, sizeof(why), &timed_out);
		if (fd >= 0) {
			/* SMTP sends short commands and waits: no Nagle delay. */
			if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
				transport_errno_words(errno, why, sizeof(why));
				transport_set_err(err, errlen, "%s: cannot set TCP_NODELAY: %s",
						  addr, why);
				close(fd);
				return TRANSPORT_ERR_IO;
			}
			t->fd = fd;
			snprintf(t->peer, sizeof(t->peer), "%s", addr);
			t->loopback = transport_addr_is_loopback(ai->ai_addr);
			snprintf(t->host, sizeof(t->host), "%s", host != NULL ? host : "");
			if (err != NULL && errlen > 0)
				err[0] = '\0';
			return TRANSPORT_OK;
		}
		all_timed_out = all_timed_out && timed_out;
		snprintf(item, sizeof(item), "%s%s: %s", tried > 0 ? "; " : "", addr, why);
		transport_append(err, errlen, item);
		tried++;
	}
	if (tried == 0) {
		transport_set_err(err, errlen, "%s%s has no IPv4 or IPv6 address",
				  host != NULL ? host : "the host", "");
		return TRANSPORT_ERR_CONNECT;
	}
	return all_timed_out ? TRANSPORT_ERR_TIMEOUT : TRANSPORT_ERR_CONNECT;
}

/* Resolve host and connect to the first address that answers. */
enum transport_status
transport_connect(struct transport *t, const char *host, const char *port, int timeout_ms,
		  char *err, size_t errlen)
{
	struct addrinfo hints, *list = NULL;
	enum transport_status st;
	char why[128];
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(&hints, 0, sizeof(hints));
	/* No AI_ADDRCONFIG: it would hide ::1 on a machine with only loopback IPv6. */
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	rc = getaddrinfo(host, port, &hints, &list);
	if (rc != 0) {
		if (rc == EAI_SYSTEM)
			transport_errno_words(errno, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "%s", gai_strerror(rc));
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot resolve %s port %s: %s", host, port, why);
		return TRANSPORT_ERR_RESOLVE;
	}
	st = transport_connect_list(t, list, host, timeout_ms, err, errlen);
	freeaddrinfo(list);
	return st;
}

/* The connected socket (non-blocking), for poll; -1 before connect. */
int
transport_fd(const struct transport *t)
{
	return t->fd;
}

/* The peer address as text ("127.0.0.1 port 2525"); "" before connect. */
const char *
transport_peer(const struct transport *t)
{
	return t->peer;
}

/* Whether the peer is a loopback address. */
bool
transport_peer_is_loopback(const struct transport *t)
{
	return t->fd >= 0 && t->loopback;
}

/* Why the last read or write failed, in words ("" when none). */
const char *
transport_last_error(const struct transport *t)
{
	return t->error;
}

/* Record why an I/O call failed from errno and map it to a status. */
static enum transport_status
transport_io_errno(struct transport *t, int err)
{
	transport_errno_words(err, t->error, sizeof(t->error));
	if (err == EPIPE || err == ECONNRESET)
		return TRANSPORT_ERR_CLOSED;
	return TRANSPORT_ERR_IO;
}

/* Start TLS on the connected socket (placeholder until the TLS half lands). */
enum transport_status
transport_start_tls(struct transport *t, const struct transport_tls_options *opts, int timeout_ms,
		    struct transport_tls_summary *summary, char *err, size_t errlen)
{
	(void)opts;
	(void)timeout_ms;
	(void)summary;
	(void)t;
	transport_set_err(err, errlen, "%s%s", "TLS is not available yet", "");
	return TRANSPORT_ERR_TLS;
}

/* True after a successful handshake. */
bool
transport_tls_active(const struct transport *t)
{
	return t->tls_active;
}

/* Non-blocking read from the socket or the TLS layer. */
size_t
transport_read(struct transport *t, void *buf, size_t len, enum transport_status *status)
{
	ssize_t n;

	if (t->fd < 0 || t->tls_failed) {
		snprintf(t->error, sizeof(t->error), "%s",
			 t->fd < 0 ? "not connected" : "the TLS handshake failed");
		*status = TRANSPORT_ERR_IO;
		return 0;
	}
	if (len == 0) {
		*status = TRANSPORT_OK;
		return 0;
	}
	for (;;) {
		n = recv(t->fd, buf, len, 0);
		if (n > 0) {
			*status = TRANSPORT_OK;
			return (size_t)n;
		}
		if (n == 0) {
			snprintf(t->error, sizeof(t->error), "the peer closed the connection");
			*status = TRANSPORT_ERR_CLOSED;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			*status = TRANSPORT_WANT_READ;
			return 0;
		}
		*status = transport_io_errno(t, errno);
		return 0;
	}
}

/* Non-blocking write to the socket or the TLS layer. */
size_t
transport_write(struct transport *t, const void *buf, size_t len, enum transport_status *status)
{
	ssize_t n;

	if (t->fd < 0 || t->tls_failed) {
		snprintf(t->error, sizeof(t->error), "%s",
			 t->fd < 0 ? "not connected" : "the TLS handshake failed");
		*status = TRANSPORT_ERR_IO;
		return 0;
	}
	if (len == 0) {
		*status = TRANSPORT_OK;
		return 0;
	}
	for (;;) {
		n = send(t->fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			*status = TRANSPORT_OK;
			return (size_t)n;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			*status = TRANSPORT_WANT_WRITE;
			return 0;
		}
		*status = transport_io_errno(t, n < 0 ? errno : EIO);
		return 0;
	}
}

/* Bytes already decrypted and waiting inside the TLS layer. */
size_t
transport_buffered(const struct transport *t)
{
	int n;

	if (t->ssl == NULL || !t->tls_active)
		return 0;
	n = SSL_pending(t->ssl);
	return n > 0 ? (size_t)n : 0;
}

/* Wait for the socket to be ready for what status asks; a status to return or OK to retry. */
static enum transport_status
transport_wait_for(struct transport *t, enum transport_status want, int64_t deadline,
		   int timeout_ms)
{
	int rc = transport_poll(t->fd, want == TRANSPORT_WANT_WRITE ? POLLOUT : POLLIN, deadline);

	if (rc < 0)
		return transport_io_errno(t, errno);
	if (rc == 0) {
		snprintf(t->error, sizeof(t->error), "no progress in %d ms", timeout_ms);
		return TRANSPORT_ERR_TIMEOUT;
	}
	return TRANSPORT_OK;
}

/* Read at least one byte, waiting up to timeout_ms. */
enum transport_status
transport_read_wait(struct transport *t, void *buf, size_t len, int timeout_ms, size_t *got)
{
	int64_t deadline = transport_deadline(timeout_ms);
	enum transport_status st;
	size_t n;

	*got = 0;
	for (;;) {
		n = transport_read(t, buf, len, &st);
		if (n > 0) {
			*got = n;
			return TRANSPORT_OK;
		}
		if (st != TRANSPORT_WANT_READ && st != TRANSPORT_WANT_WRITE)
			return st == TRANSPORT_OK ? TRANSPORT_OK : st;
		st = transport_wait_for(t, st, deadline, timeout_ms);
		if (st != TRANSPORT_OK)
			return st;
	}
}

/* Write all of buf, waiting up to timeout_ms for progress each time. */
enum transport_status
transport_write_all(struct transport *t, const void *buf, size_t len, int timeout_ms)
{
	const unsigned char *p = buf;
	enum transport_status st;
	size_t n;

	while (len > 0) {
		n = transport_write(t, p, len, &st);
		if (n > 0) {
			p += n;
			len -= n;
			continue;
		}
		if (st != TRANSPORT_WANT_READ && st != TRANSPORT_WANT_WRITE)
			return st;
		st = transport_wait_for(t, st, transport_deadline(timeout_ms), timeout_ms);
		if (st != TRANSPORT_OK)
			return st;
	}
	return TRANSPORT_OK;
}

/* A short name for a status ("timeout"). */
const char *
transport_status_name(enum transport_status s)
{
	switch (s) {
	case TRANSPORT_OK:
		return "ok";
	case TRANSPORT_ERR_RESOLVE:
		return "resolve";
	case TRANSPORT_ERR_CONNECT:
		return "connect";
	case TRANSPORT_ERR_TIMEOUT:
		return "timeout";
	case TRANSPORT_ERR_TLS:
		return "tls";
	case TRANSPORT_ERR_VERIFY:
		return "verify";
	case TRANSPORT_ERR_CLOSED:
		return "closed";
	case TRANSPORT_ERR_IO:
		return "io";
	case TRANSPORT_WANT_READ:
		return "want-read";
	case TRANSPORT_WANT_WRITE:
		return "want-write";
	}
	return "unknown";
}
