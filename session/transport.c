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
#include <stdarg.h>
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
	char host[TRANSPORT_HOST_MAX];	     /* as given to connect: the default TLS name */
	char peer[TRANSPORT_PEER_MAX];	     /* "127.0.0.1 port 2525" */
	char peer_ip[INET6_ADDRSTRLEN + 16]; /* "127.0.0.1": the TLS name when no host is known */
	bool loopback;
	char error[TRANSPORT_ERROR_MAX]; /* why the last read or write failed */

	SSL_CTX *ctx;
	SSL *ssl;
	bool tls_active;
	bool broken; /* a failed handshake or TLS error: no more I/O, t->error says why */

	/* The first verification failure the callback saw, with the certificate at fault. */
	long verify_err;
	int verify_depth;
	X509 *verify_cert;

	/* A connect in progress (transport_connect_start): the address list and where we are. */
	struct addrinfo *owned_list; /* from getaddrinfo, freed when done */
	const struct addrinfo *cur;  /* the address being tried (its socket is pending_fd) */
	int pending_fd;
	int64_t addr_deadline; /* -1: no limit */
	int conn_timeout_ms;
	int addr_index, addr_count; /* 1-based index of cur among the usable addresses */
	int tried;
	bool all_timed_out;
	bool connecting;
	char cur_addr[TRANSPORT_PEER_MAX];
	char cur_ip[INET6_ADDRSTRLEN + 16];
	char conn_err[TRANSPORT_ERROR_MAX]; /* "a port 25: why; b port 25: why" so far */

	/* A handshake in progress (transport_tls_begin): the name checked, whether to go on. */
	char tls_name[TRANSPORT_HOST_MAX];
	bool tls_insecure;
	bool handshaking;
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

/* Lower the first letter of a system message, unless it starts an acronym ("DNS"). */
static void
transport_lower_first(char *buf)
{
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
}

/* strerror in lower case ("connection refused"), into buf. */
static const char *
transport_errno_words(int err, char *buf, size_t len)
{
	if (len == 0)
		return "";
	if (strerror_r(err, buf, len) != 0)
		snprintf(buf, len, "error %d", err);
	transport_lower_first(buf);
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

/* Format into buf (when given), cutting what does not fit: every message here is capped. */
static void transport_say(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void
transport_say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* A transport not yet connected. */
struct transport *
transport_new(void)
{
	struct transport *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->fd = -1;
	t->pending_fd = -1;
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
		if (t->tls_active && !t->broken)
			(void)SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
	}
	SSL_CTX_free(t->ctx);
	X509_free(t->verify_cert);
	ERR_clear_error();
	if (t->fd >= 0)
		close(t->fd);
	if (t->pending_fd >= 0)
		close(t->pending_fd);
	if (t->owned_list != NULL)
		freeaddrinfo(t->owned_list);
	free(t);
}

/* The numeric address of sa as "127.0.0.1 port 25" (or "::1 port 25"). */
static void
transport_addr_text(const struct sockaddr *sa, socklen_t salen, char *buf, size_t len, char *ip,
		    size_t iplen)
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
	if (ip != NULL)
		snprintf(ip, iplen, "%s", host);
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

/* Whether ai is an address we try (IPv4 or IPv6). */
static bool
transport_ai_usable(const struct addrinfo *ai)
{
	return ai->ai_family == AF_INET || ai->ai_family == AF_INET6;
}

/* Note that the current address failed (why in words) and close its socket. */
static void
transport_connect_failed(struct transport *t, const char *why, bool timed_out)
{
	char item[TRANSPORT_PEER_MAX + 160];

	if (t->pending_fd >= 0)
		close(t->pending_fd);
	t->pending_fd = -1;
	t->all_timed_out = t->all_timed_out && timed_out;
	snprintf(item, sizeof(item), "%s%s: %s", t->tried > 0 ? "; " : "", t->cur_addr, why);
	transport_append(t->conn_err, sizeof(t->conn_err), item);
	t->tried++;
}

/* The connect is over, one way or the other: drop the list and the pending state. */
static void
transport_connect_end(struct transport *t)
{
	if (t->pending_fd >= 0)
		close(t->pending_fd);
	t->pending_fd = -1;
	if (t->owned_list != NULL)
		freeaddrinfo(t->owned_list);
	t->owned_list = NULL;
	t->cur = NULL;
	t->connecting = false;
}

/* The pending socket answered: make it the transport's socket. */
static enum transport_status
transport_connect_done(struct transport *t, char *err, size_t errlen)
{
	char why[128];
	int one = 1;

	/* SMTP sends short commands and waits: no Nagle delay. */
	if (setsockopt(t->pending_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
		transport_errno_words(errno, why, sizeof(why));
		transport_say(err, errlen, "%s: cannot set TCP_NODELAY: %s", t->cur_addr, why);
		transport_connect_end(t);
		return TRANSPORT_ERR_IO;
	}
	t->fd = t->pending_fd;
	t->pending_fd = -1;
	snprintf(t->peer, sizeof(t->peer), "%s", t->cur_addr);
	snprintf(t->peer_ip, sizeof(t->peer_ip), "%s", t->cur_ip);
	t->loopback = transport_addr_is_loopback(t->cur->ai_addr);
	transport_connect_end(t);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	return TRANSPORT_OK;
}

/* Every address failed: the status and the list of addresses with why. */
static enum transport_status
transport_connect_exhausted(struct transport *t, char *err, size_t errlen)
{
	enum transport_status st;

	if (t->tried == 0) {
		transport_say(err, errlen, "%s has no IPv4 or IPv6 address",
			      t->host[0] != '\0' ? t->host : "the host");
		st = TRANSPORT_ERR_CONNECT;
	} else {
		transport_say(err, errlen, "%s", t->conn_err);
		st = t->all_timed_out ? TRANSPORT_ERR_TIMEOUT : TRANSPORT_ERR_CONNECT;
	}
	transport_connect_end(t);
	return st;
}

/*
 * Start a non-blocking connect to t->cur, or to the next usable address when it fails at
 * once. WANT_WRITE while one is pending, OK when one connected at once, or the failure.
 */
static enum transport_status
transport_connect_advance(struct transport *t, char *err, size_t errlen)
{
	const struct addrinfo *ai;
	char why[128];
	int fd;

	for (; t->cur != NULL; t->cur = t->cur->ai_next) {
		ai = t->cur;
		if (!transport_ai_usable(ai))
			continue;
		t->addr_index++;
		transport_addr_text(ai->ai_addr, ai->ai_addrlen, t->cur_addr, sizeof(t->cur_addr),
				    t->cur_ip, sizeof(t->cur_ip));
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0) {
			transport_errno_words(errno, why, sizeof(why));
			transport_connect_failed(t, why, false);
			continue;
		}
		t->pending_fd = fd;
		if (!transport_fd_setup(fd)) {
			transport_errno_words(errno, why, sizeof(why));
			transport_connect_failed(t, why, false);
			continue;
		}
		t->addr_deadline = transport_deadline(t->conn_timeout_ms);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return transport_connect_done(t, err, errlen);
		if (errno == EINPROGRESS || errno == EINTR)
			return TRANSPORT_WANT_WRITE;
		transport_errno_words(errno, why, sizeof(why));
		transport_connect_failed(t, why, false);
	}
	return transport_connect_exhausted(t, err, errlen);
}

/* Set up the connect state for list; the caller then advances to the first address. */
static enum transport_status
transport_connect_prepare(struct transport *t, const struct addrinfo *list, const char *host,
			  int timeout_ms, char *err, size_t errlen)
{
	const struct addrinfo *ai;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (t->fd >= 0 || t->connecting) {
		transport_say(err, errlen, "already connected to %s",
			      t->fd >= 0 ? t->peer : t->cur_addr);
		return TRANSPORT_ERR_IO;
	}
	snprintf(t->host, sizeof(t->host), "%s", host != NULL ? host : "");
	t->cur = list;
	t->pending_fd = -1;
	t->conn_timeout_ms = timeout_ms;
	t->addr_index = 0;
	t->addr_count = 0;
	for (ai = list; ai != NULL; ai = ai->ai_next)
		if (transport_ai_usable(ai))
			t->addr_count++;
	t->tried = 0;
	t->all_timed_out = true;
	t->conn_err[0] = '\0';
	t->cur_addr[0] = '\0';
	t->connecting = true;
	return TRANSPORT_OK;
}

/* Begin connecting to a resolved list the caller keeps alive until the connect ends. */
enum transport_status
transport_connect_start_list(struct transport *t, const struct addrinfo *list, const char *host,
			     int timeout_ms, char *err, size_t errlen)
{
	enum transport_status st =
		transport_connect_prepare(t, list, host, timeout_ms, err, errlen);

	if (st != TRANSPORT_OK)
		return st;
	return transport_connect_advance(t, err, errlen);
}

/* Go on with a pending connect: check the socket, the deadline, and move on when it failed. */
enum transport_status
transport_connect_step(struct transport *t, char *err, size_t errlen)
{
	int soerr = 0, rc;
	socklen_t solen = sizeof(soerr);
	char why[128];

	if (!t->connecting || t->pending_fd < 0) {
		transport_say(err, errlen, "no connect in progress");
		return TRANSPORT_ERR_IO;
	}
	rc = transport_poll(t->pending_fd, POLLOUT, 0);
	if (rc < 0) {
		transport_errno_words(errno, why, sizeof(why));
		transport_connect_failed(t, why, false);
	} else if (rc == 0) {
		if (t->addr_deadline < 0 || transport_now_ms() < t->addr_deadline)
			return TRANSPORT_WANT_WRITE;
		snprintf(why, sizeof(why), "timed out after %d ms", t->conn_timeout_ms);
		transport_connect_failed(t, why, true);
	} else if (getsockopt(t->pending_fd, SOL_SOCKET, SO_ERROR, &soerr, &solen) != 0) {
		transport_errno_words(errno, why, sizeof(why));
		transport_connect_failed(t, why, false);
	} else if (soerr != 0) {
		transport_errno_words(soerr, why, sizeof(why));
		transport_connect_failed(t, why, false);
	} else {
		return transport_connect_done(t, err, errlen);
	}
	t->cur = t->cur->ai_next;
	return transport_connect_advance(t, err, errlen);
}

/* Milliseconds until the address being tried times out: -1 none, 0 passed. */
int
transport_connect_deadline_ms(const struct transport *t)
{
	if (!t->connecting)
		return -1;
	return transport_left_ms(t->addr_deadline);
}

/* The address being tried ("203.0.113.5 port 25"), and its place among the addresses. */
const char *
transport_connect_address(const struct transport *t, int *index, int *count)
{
	if (index != NULL)
		*index = t->addr_index;
	if (count != NULL)
		*count = t->addr_count;
	return t->cur_addr;
}

/* The addresses that failed so far and why, as in the final error ("" when none). */
const char *
transport_connect_failures(const struct transport *t)
{
	return t->conn_err;
}

/* Whether a connect is in progress. */
bool
transport_connecting(const struct transport *t)
{
	return t->connecting;
}

/* Drive the steps until a connect started with start or start_list ends. */
static enum transport_status
transport_connect_finish(struct transport *t, enum transport_status st, char *err, size_t errlen)
{
	int rc;

	while (st == TRANSPORT_WANT_WRITE) {
		rc = transport_poll(t->pending_fd, POLLOUT, t->addr_deadline);
		if (rc < 0 && errno != EINTR) {
			char why[128];

			transport_errno_words(errno, why, sizeof(why));
			transport_connect_failed(t, why, false);
			t->cur = t->cur->ai_next;
			st = transport_connect_advance(t, err, errlen);
			continue;
		}
		st = transport_connect_step(t, err, errlen);
	}
	return st;
}

/*
 * Connect to each address of a resolved list in turn until one answers. host is kept as
 * the default name for the TLS check. On failure err lists every address and why.
 */
enum transport_status
transport_connect_list(struct transport *t, const struct addrinfo *list, const char *host,
		       int timeout_ms, char *err, size_t errlen)
{
	enum transport_status st =
		transport_connect_start_list(t, list, host, timeout_ms, err, errlen);

	return transport_connect_finish(t, st, err, errlen);
}

/*
 * Resolve host (getaddrinfo blocks: a slow resolver still freezes the caller for now) and
 * start a non-blocking connect to its first address.
 */
enum transport_status
transport_connect_start(struct transport *t, const char *host, const char *port, int timeout_ms,
			char *err, size_t errlen)
{
	struct addrinfo hints, *list = NULL;
	enum transport_status st;
	char why[128], name[TRANSPORT_HOST_MAX];
	size_t len;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (host == NULL || host[0] == '\0' || port == NULL || port[0] == '\0') {
		transport_say(err, errlen, "no host or port to connect to");
		return TRANSPORT_ERR_RESOLVE;
	}
	len = strlen(host);
	if (len >= sizeof(name) - 1) {
		transport_say(err, errlen, "the host name is too long (%zu bytes)", len);
		return TRANSPORT_ERR_RESOLVE;
	}
	/* "[::1]" as people write it in URLs: the resolver and the TLS check want "::1". */
	if (len > 2 && host[0] == '[' && host[len - 1] == ']')
		snprintf(name, sizeof(name), "%.*s", (int)(len - 2), host + 1);
	else
		snprintf(name, sizeof(name), "%s", host);
	host = name;
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
		transport_lower_first(why);
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot resolve %s port %s: %s", host, port, why);
		return TRANSPORT_ERR_RESOLVE;
	}
	st = transport_connect_prepare(t, list, host, timeout_ms, err, errlen);
	if (st != TRANSPORT_OK) {
		freeaddrinfo(list);
		return st;
	}
	t->owned_list = list;
	return transport_connect_advance(t, err, errlen);
}

/* Resolve host and connect to the first address that answers. */
enum transport_status
transport_connect(struct transport *t, const char *host, const char *port, int timeout_ms,
		  char *err, size_t errlen)
{
	enum transport_status st = transport_connect_start(t, host, port, timeout_ms, err, errlen);

	return transport_connect_finish(t, st, err, errlen);
}

/* The connected socket (non-blocking), for poll; -1 before connect. */
int
transport_fd(const struct transport *t)
{
	return t->connecting ? t->pending_fd : t->fd;
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

/* BIO write: like BIO_s_socket, but with MSG_NOSIGNAL so a gone peer cannot raise SIGPIPE. */
static int
transport_bio_write(BIO *b, const char *data, int len)
{
	struct transport *t = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	if (len <= 0)
		return 0;
	do
		n = send(t->fd, data, (size_t)len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_write(b);
	return n < 0 ? -1 : (int)n;
}

/* BIO read from the socket; 0 at end of stream. */
static int
transport_bio_read(BIO *b, char *data, int len)
{
	struct transport *t = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	if (len <= 0)
		return 0;
	do
		n = recv(t->fd, data, (size_t)len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_read(b);
	return n < 0 ? -1 : (int)n;
}

/* BIO control: flush is a no-op (send() does not buffer); the fd for SSL_get_fd. */
static long
transport_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct transport *t = BIO_get_data(b);

	(void)num;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_C_GET_FD:
		if (t == NULL)
			return -1;
		if (ptr != NULL)
			*(int *)ptr = t->fd;
		return t->fd;
	default:
		return 0;
	}
}

/* BIO create: ready at once; the transport is attached with BIO_set_data. */
static int
transport_bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/*
 * Our BIO method, made on first use and kept for the life of the process: BIO type
 * indices are few (about 127 per process), so one per connection would run out.
 */
static const BIO_METHOD *
transport_bio_method(void)
{
	static BIO_METHOD *method;
	BIO_METHOD *m;
	int index;

	if (method != NULL)
		return method;
	index = BIO_get_new_index();
	if (index < 0)
		return NULL;
	m = BIO_meth_new(index | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "ehlo socket");
	if (m == NULL)
		return NULL;
	if (BIO_meth_set_write(m, transport_bio_write) != 1 ||
	    BIO_meth_set_read(m, transport_bio_read) != 1 ||
	    BIO_meth_set_ctrl(m, transport_bio_ctrl) != 1 ||
	    BIO_meth_set_create(m, transport_bio_create) != 1) {
		BIO_meth_free(m);
		return NULL;
	}
	method = m;
	return method;
}

/*
 * Verification callback: note the first failure (code, depth, certificate) and let the
 * handshake finish, so the failure can be described in words; start_tls decides after.
 */
static int
transport_verify_cb(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct transport *t = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
	X509 *cert;

	if (ok || t == NULL || t->verify_err != X509_V_OK)
		return 1;
	t->verify_err = X509_STORE_CTX_get_error(store);
	t->verify_depth = X509_STORE_CTX_get_error_depth(store);
	cert = X509_STORE_CTX_get_current_cert(store);
	if (cert != NULL && X509_up_ref(cert) == 1)
		t->verify_cert = cert;
	return 1;
}

/* The words of the OpenSSL error at the head of the queue ("wrong version number"). */
static void
transport_ssl_reason(char *buf, size_t len)
{
	unsigned long code = ERR_peek_error();
	const char *reason;

	if (code == 0) {
		snprintf(buf, len, "unknown TLS error");
		return;
	}
	reason = ERR_reason_error_string(code);
	if (reason != NULL) {
		snprintf(buf, len, "%s", reason);
	} else {
		char full[256];

		ERR_error_string_n(code, full, sizeof(full));
		snprintf(buf, len, "%s", full);
	}
	if (ERR_GET_LIB(code) != ERR_LIB_SSL)
		return;
	switch (ERR_GET_REASON(code)) {
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_PACKET_LENGTH_TOO_LONG:
	case SSL_R_UNKNOWN_PROTOCOL:
		transport_append(buf, len, " (the peer is not speaking TLS on this port)");
		break;
	case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
	case SSL_R_UNSUPPORTED_PROTOCOL:
		transport_append(buf, len,
				 " (the server offers only TLS older than 1.2, which is refused)");
		break;
	case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
	case SSL_R_NO_SHARED_CIPHER:
		transport_append(buf, len, " (no TLS version or cipher in common)");
		break;
	default:
		break;
	}
}

/* A certificate name (subject or issuer) as one line, RFC 2253, non-ASCII escaped. */
static void
transport_name_text(const X509_NAME *name, char *buf, size_t len)
{
	BIO *mem = BIO_new(BIO_s_mem());
	int n;

	buf[0] = '\0';
	if (mem == NULL)
		return;
	if (name != NULL && X509_NAME_print_ex(mem, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_read(mem, buf, (int)(len - 1));
		buf[n > 0 ? n : 0] = '\0';
	}
	BIO_free(mem);
	if (buf[0] == '\0')
		snprintf(buf, len, "(no name)");
}

/* A certificate time as "2026-12-03 18:30:00 UTC". */
static void
transport_time_text(const ASN1_TIME *when, char *buf, size_t len)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (when == NULL || ASN1_TIME_to_tm(when, &tm) != 1 ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "(unreadable date)");
}

/* Append an ASN.1 string from a certificate with anything but printable ASCII as \xNN. */
static void
transport_append_escaped(char *buf, size_t len, const ASN1_STRING *s)
{
	const unsigned char *p = ASN1_STRING_get0_data(s);
	int i, n = ASN1_STRING_length(s);
	char one[8];

	for (i = 0; i < n; i++) {
		if (p[i] > 0x20 && p[i] < 0x7f)
			snprintf(one, sizeof(one), "%c", p[i]);
		else
			snprintf(one, sizeof(one), "\\x%02X", p[i]);
		transport_append(buf, len, one);
	}
}

/* The subjectAltName DNS and IP entries, comma separated ("" when there are none). */
static void
transport_san_text(X509 *cert, char *buf, size_t len)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	char ip[INET6_ADDRSTRLEN];
	int i, family, count = 0;

	buf[0] = '\0';
	if (names == NULL)
		return;
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		const ASN1_OCTET_STRING *addr;

		if (gn->type != GEN_DNS && gn->type != GEN_IPADD)
			continue;
		if (count++ > 0)
			transport_append(buf, len, ", ");
		if (gn->type == GEN_DNS) {
			transport_append_escaped(buf, len, gn->d.dNSName);
			continue;
		}
		addr = gn->d.iPAddress;
		family = ASN1_STRING_length(addr) == 4	  ? AF_INET
			 : ASN1_STRING_length(addr) == 16 ? AF_INET6
							  : AF_UNSPEC;
		if (family == AF_UNSPEC ||
		    inet_ntop(family, ASN1_STRING_get0_data(addr), ip, sizeof(ip)) == NULL)
			snprintf(ip, sizeof(ip), "(odd IP address)");
		transport_append(buf, len, ip);
	}
	GENERAL_NAMES_free(names);
}

/* Why verification failed (or that it passed), in words, into s->verify_words. */
static void
transport_verify_words(struct transport *t, X509 *leaf, const char *name,
		       struct transport_tls_summary *s)
{
	X509 *cert = t->verify_cert != NULL ? t->verify_cert : leaf;
	char *out = s->verify_words, what[300], when[64], names[512];
	size_t len = sizeof(s->verify_words);
	long code = s->verify_code;

	if (leaf == NULL) {
		transport_say(out, len, "the server sent no certificate");
		return;
	}
	if (t->verify_cert != NULL && t->verify_depth > 0) {
		transport_name_text(X509_get_subject_name(cert), names, sizeof(names));
		transport_say(what, sizeof(what), "the certificate of %s in the chain", names);
	} else {
		transport_say(what, sizeof(what), "the certificate");
	}
	switch (code) {
	case X509_V_OK:
		transport_say(out, len, "the certificate is trusted and valid for %s", name);
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		transport_time_text(X509_get0_notAfter(cert), when, sizeof(when));
		transport_say(out, len, "%s expired on %s", what, when);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		transport_time_text(X509_get0_notBefore(cert), when, sizeof(when));
		transport_say(out, len, "%s is not valid yet: it starts on %s", what, when);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		transport_say(out, len,
			      "the certificate is self-signed: it was signed by itself, not by an "
			      "authority this machine trusts");
		break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		transport_name_text(X509_get_subject_name(cert), names, sizeof(names));
		transport_say(
			out, len,
			"the chain ends in a self-signed certificate (%s) that this machine does "
			"not trust; --cafile adds one",
			names);
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		transport_name_text(X509_get_issuer_name(cert), names, sizeof(names));
		transport_say(
			out, len,
			"%s was issued by %s, an authority this machine does not trust (unknown "
			"CA); --cafile adds one",
			what, names);
		break;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		if (s->names[0] != '\0')
			transport_say(names, sizeof(names), "%s", s->names);
		else
			transport_say(names, sizeof(names), "%s (no subjectAltName)", s->subject);
		transport_say(out, len, "the certificate is for %s, not for %s", names, name);
		break;
	default:
		transport_say(out, len, "%s", X509_verify_cert_error_string(code));
		break;
	}
}

/* Fill the summary from the finished handshake. */
static void
transport_tls_summarize(struct transport *t, const char *name, struct transport_tls_summary *s)
{
	X509 *leaf = SSL_get0_peer_certificate(t->ssl);
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(t->ssl);
	const char *cipher = SSL_get_cipher_name(t->ssl);

	memset(s, 0, sizeof(*s));
	snprintf(s->protocol, sizeof(s->protocol), "%s", SSL_get_version(t->ssl));
	snprintf(s->cipher, sizeof(s->cipher), "%s", cipher != NULL ? cipher : "(none)");
	s->chain_length = chain != NULL ? sk_X509_num(chain) : 0;
	if (leaf != NULL) {
		transport_name_text(X509_get_subject_name(leaf), s->subject, sizeof(s->subject));
		transport_name_text(X509_get_issuer_name(leaf), s->issuer, sizeof(s->issuer));
		transport_san_text(leaf, s->names, sizeof(s->names));
		transport_time_text(X509_get0_notBefore(leaf), s->not_before,
				    sizeof(s->not_before));
		transport_time_text(X509_get0_notAfter(leaf), s->not_after, sizeof(s->not_after));
	}
	s->verify_code = t->verify_err;
	if (s->verify_code == X509_V_OK)
		s->verify_code = SSL_get_verify_result(t->ssl);
	if (leaf == NULL && s->verify_code == X509_V_OK)
		s->verify_code = X509_V_ERR_UNSPECIFIED;
	s->verified = leaf != NULL && s->verify_code == X509_V_OK;
	transport_verify_words(t, leaf, name, s);
}

/* Whether name is an IPv4 or IPv6 address literal. */
static bool
transport_is_ip_literal(const char *name)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/* Make the context and the SSL object: trust, verification, SNI and the name to check. */
static enum transport_status
transport_tls_setup(struct transport *t, const struct transport_tls_options *opts, const char *name,
		    char *err, size_t errlen)
{
	char reason[256];
	BIO *bio;

	t->ctx = SSL_CTX_new(TLS_client_method());
	if (t->ctx == NULL || SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) != 1)
		goto ssl_fail;
	if (SSL_CTX_set_default_verify_paths(t->ctx) != 1)
		goto ssl_fail;
	/* The extra anchor adds trust; the system store stays. */
	if (opts->cafile != NULL && opts->cafile[0] != '\0' &&
	    SSL_CTX_load_verify_locations(t->ctx, opts->cafile, NULL) != 1) {
		transport_ssl_reason(reason, sizeof(reason));
		transport_say(err, errlen, "cannot load the CA file %s: %s", opts->cafile, reason);
		return TRANSPORT_ERR_TLS;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, transport_verify_cb);
	/* SMTP ends its own data; servers often close without close_notify after QUIT. */
	SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(t->ctx,
			 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	t->ssl = SSL_new(t->ctx);
	if (t->ssl == NULL || SSL_set_app_data(t->ssl, t) != 1)
		goto ssl_fail;
	if (transport_bio_method() == NULL)
		goto ssl_fail;
	bio = BIO_new(transport_bio_method());
	if (bio == NULL)
		goto ssl_fail;
	BIO_set_data(bio, t);
	SSL_set_bio(t->ssl, bio, bio);
	SSL_set_connect_state(t->ssl);
	if (transport_is_ip_literal(name)) {
		/* No SNI for an address (RFC 6066); check it against the IP SANs. */
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), name) != 1)
			goto ssl_fail;
	} else {
		SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set_tlsext_host_name(t->ssl, name) != 1 || SSL_set1_host(t->ssl, name) != 1)
			goto ssl_fail;
	}
	return TRANSPORT_OK;
ssl_fail:
	transport_ssl_reason(reason, sizeof(reason));
	transport_say(err, errlen, "cannot set up TLS: %s", reason);
	return TRANSPORT_ERR_TLS;
}

/* Why a TLS call failed, in words, from SSL_get_error's answer. */
static void
transport_tls_failure_words(int sslerr, int saved_errno, char *buf, size_t len)
{
	if (sslerr == SSL_ERROR_SSL || (sslerr == SSL_ERROR_SYSCALL && ERR_peek_error() != 0))
		transport_ssl_reason(buf, len);
	else if (sslerr == SSL_ERROR_SYSCALL && saved_errno != 0)
		transport_errno_words(saved_errno, buf, len);
	else
		snprintf(buf, len, "the peer closed the connection");
}

/* A failed handshake: the socket is in an unknown TLS state, no plain I/O may follow. */
static enum transport_status
transport_tls_fail(struct transport *t, enum transport_status st, char *err, size_t errlen)
{
	t->broken = true;
	t->handshaking = false;
	transport_say(err, errlen, "%s", t->error);
	ERR_clear_error();
	return st;
}

/* Set up TLS on the connected socket; then call transport_tls_step until it is done. */
enum transport_status
transport_tls_begin(struct transport *t, const struct transport_tls_options *opts, char *err,
		    size_t errlen)
{
	static const struct transport_tls_options defaults;
	enum transport_status st;
	const char *name;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (opts == NULL)
		opts = &defaults;
	if (t->fd < 0) {
		transport_say(err, errlen, "cannot start TLS: not connected");
		return TRANSPORT_ERR_IO;
	}
	if (t->ssl != NULL) {
		transport_say(err, errlen, "TLS was already started");
		return TRANSPORT_ERR_TLS;
	}
	name = opts->servername != NULL && opts->servername[0] != '\0' ? opts->servername : t->host;
	if (name[0] == '\0')
		name = t->peer_ip;
	snprintf(t->tls_name, sizeof(t->tls_name), "%s", name);
	t->tls_insecure = opts->insecure;
	ERR_clear_error();
	st = transport_tls_setup(t, opts, t->tls_name, t->error, sizeof(t->error));
	if (st != TRANSPORT_OK)
		return transport_tls_fail(t, st, err, errlen);
	t->handshaking = true;
	return TRANSPORT_WANT_WRITE;
}

/* One go at the handshake: WANT_READ / WANT_WRITE (poll, then call again), OK, or why not. */
enum transport_status
transport_tls_step(struct transport *t, struct transport_tls_summary *summary, char *err,
		   size_t errlen)
{
	struct transport_tls_summary local = {0};
	struct transport_tls_summary *s = summary != NULL ? summary : &local;
	char why[256];
	int rc, sslerr, saved;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (!t->handshaking) {
		transport_say(err, errlen, "no TLS handshake in progress");
		return TRANSPORT_ERR_TLS;
	}
	ERR_clear_error();
	errno = 0;
	rc = SSL_connect(t->ssl);
	if (rc != 1) {
		saved = errno;
		sslerr = SSL_get_error(t->ssl, rc);
		if (sslerr == SSL_ERROR_WANT_READ)
			return TRANSPORT_WANT_READ;
		if (sslerr == SSL_ERROR_WANT_WRITE)
			return TRANSPORT_WANT_WRITE;
		transport_tls_failure_words(sslerr, saved, why, sizeof(why));
		transport_say(t->error, sizeof(t->error), "TLS handshake with %s failed: %s",
			      t->peer, why);
		return transport_tls_fail(t, TRANSPORT_ERR_TLS, err, errlen);
	}
	t->handshaking = false;
	transport_tls_summarize(t, t->tls_name, s);
	if (!s->verified && !t->tls_insecure) {
		transport_say(err, errlen, "the certificate of %s did not verify: %s", t->peer,
			      s->verify_words);
		t->broken = true;
		transport_say(t->error, sizeof(t->error), "the certificate did not verify: %s",
			      s->verify_words);
		return TRANSPORT_ERR_VERIFY;
	}
	if (!s->verified)
		transport_say(err, errlen, "not verified, going on as asked: %s", s->verify_words);
	t->tls_active = true;
	return TRANSPORT_OK;
}

/* The caller's time for the handshake ran out: give it up, in the words start_tls uses. */
enum transport_status
transport_tls_timeout(struct transport *t, int timeout_ms, char *err, size_t errlen)
{
	transport_say(t->error, sizeof(t->error),
		      "TLS handshake with %s timed out: no answer within %d ms", t->peer,
		      timeout_ms);
	return transport_tls_fail(t, TRANSPORT_ERR_TIMEOUT, err, errlen);
}

/* Whether a handshake is in progress. */
bool
transport_tls_handshaking(const struct transport *t)
{
	return t->handshaking;
}

/* Start TLS on the connected socket and check the certificate, waiting up to timeout_ms. */
enum transport_status
transport_start_tls(struct transport *t, const struct transport_tls_options *opts, int timeout_ms,
		    struct transport_tls_summary *summary, char *err, size_t errlen)
{
	int64_t deadline = transport_deadline(timeout_ms);
	enum transport_status st;
	char why[128];
	int rc;

	if (summary != NULL)
		memset(summary, 0, sizeof(*summary));
	st = transport_tls_begin(t, opts, err, errlen);
	while (st == TRANSPORT_WANT_READ || st == TRANSPORT_WANT_WRITE) {
		st = transport_tls_step(t, summary, err, errlen);
		if (st != TRANSPORT_WANT_READ && st != TRANSPORT_WANT_WRITE)
			break;
		rc = transport_poll(t->fd, st == TRANSPORT_WANT_READ ? POLLIN : POLLOUT, deadline);
		if (rc == 0)
			return transport_tls_timeout(t, timeout_ms, err, errlen);
		if (rc < 0) {
			transport_errno_words(errno, why, sizeof(why));
			transport_say(t->error, sizeof(t->error), "TLS handshake with %s: %s",
				      t->peer, why);
			return transport_tls_fail(t, TRANSPORT_ERR_IO, err, errlen);
		}
	}
	return st;
}

/* Map a failed SSL_read_ex/SSL_write_ex to a status, noting why in t->error. */
static enum transport_status
transport_tls_status(struct transport *t, int sslerr, int saved_errno)
{
	switch (sslerr) {
	case SSL_ERROR_WANT_READ:
		return TRANSPORT_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TRANSPORT_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		snprintf(t->error, sizeof(t->error), "the peer closed the TLS session");
		return TRANSPORT_ERR_CLOSED;
	default:
		break;
	}
	/* After SSL_ERROR_SYSCALL or SSL_ERROR_SSL the session must not be used again. */
	t->broken = true;
	transport_tls_failure_words(sslerr, saved_errno, t->error, sizeof(t->error));
	ERR_clear_error();
	if (sslerr == SSL_ERROR_SYSCALL &&
	    (saved_errno == 0 || saved_errno == EPIPE || saved_errno == ECONNRESET))
		return TRANSPORT_ERR_CLOSED;
	return TRANSPORT_ERR_IO;
}

/* True after a successful handshake. */
bool
transport_tls_active(const struct transport *t)
{
	return t->tls_active;
}

/*
 * Whether I/O may go ahead; otherwise *status says why (not connected, broken earlier, or
 * nothing to move).
 */
static bool
transport_io_ready(struct transport *t, size_t len, enum transport_status *status)
{
	if (t->fd < 0 || t->broken) {
		if (t->fd < 0)
			snprintf(t->error, sizeof(t->error), "not connected");
		*status = TRANSPORT_ERR_IO;
		return false;
	}
	if (len == 0) {
		*status = TRANSPORT_OK;
		return false;
	}
	return true;
}

/* Non-blocking read from the socket or the TLS layer. */
size_t
transport_read(struct transport *t, void *buf, size_t len, enum transport_status *status)
{
	ssize_t n;

	if (!transport_io_ready(t, len, status))
		return 0;
	if (t->tls_active) {
		size_t done = 0;
		int saved;

		ERR_clear_error();
		errno = 0;
		if (SSL_read_ex(t->ssl, buf, len, &done) == 1) {
			*status = TRANSPORT_OK;
			return done;
		}
		saved = errno;
		*status = transport_tls_status(t, SSL_get_error(t->ssl, 0), saved);
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

	if (!transport_io_ready(t, len, status))
		return 0;
	if (t->tls_active) {
		size_t done = 0;
		int saved;

		ERR_clear_error();
		errno = 0;
		if (SSL_write_ex(t->ssl, buf, len, &done) == 1) {
			*status = TRANSPORT_OK;
			return done;
		}
		saved = errno;
		*status = transport_tls_status(t, SSL_get_error(t->ssl, 0), saved);
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
