/*
 * test_transport.c: session/transport.c against real sockets on loopback. Plain TCP cases
 * use listening sockets in this process (the kernel completes the TCP handshake); TLS
 * cases run a small OpenSSL server in a forked child on 127.0.0.1 (or ::1) port 0, with
 * certificates made here at start (a CA, leaves signed by it, a self-signed one, an
 * expired one, a wrong-name one) and written to a temporary directory for --cafile.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "transport.h"

#define ERRLEN 1024

/* Bind a TCP socket to addr port 0 (listening with backlog when backlog >= 0); port out. */
static int
test_socket_on(int family, const char *addr, int backlog, int *port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)*port);
		if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
			goto fail;
		sl = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)*port);
		if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
			goto fail;
		sl = sizeof(*in);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
		goto fail;
	if (backlog >= 0 && listen(fd, backlog) != 0)
		goto fail;
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		goto fail;
	*port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					 : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
fail:
	close(fd);
	return -1;
}

/* Whether this machine can bind ::1. */
static bool
test_have_ipv6_loopback(void)
{
	int port = 0, fd = test_socket_on(AF_INET6, "::1", -1, &port);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Accept one connection on a listening socket, waiting up to 2 s. */
static int
test_accept(int lfd)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return accept(lfd, NULL, NULL);
}

/* Fill one addrinfo node for addr:port (numeric). */
static void
test_ai(struct addrinfo *ai, struct sockaddr_storage *ss, int family, const char *addr, int port)
{
	memset(ai, 0, sizeof(*ai));
	memset(ss, 0, sizeof(*ss));
	ai->ai_family = family;
	ai->ai_socktype = SOCK_STREAM;
	ai->ai_protocol = IPPROTO_TCP;
	ai->ai_addr = (struct sockaddr *)ss;
	if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)port);
		cr_assert_eq(inet_pton(AF_INET6, addr, &in6->sin6_addr), 1);
		ai->ai_addrlen = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)port);
		cr_assert_eq(inet_pton(AF_INET, addr, &in->sin_addr), 1);
		ai->ai_addrlen = sizeof(*in);
	}
}

/*
 * The same free port on both loopbacks: family/addr (listening when backlog >= 0) and the
 * other family's address bound but not listening, so connecting there is refused.
 */
static void
test_port_pair(int family, const char *addr, int backlog, const char *other_addr, int *fd,
	       int *other_fd, int *port)
{
	int other = family == AF_INET ? AF_INET6 : AF_INET, tries;

	for (tries = 0; tries < 10; tries++) {
		*port = 0;
		*fd = test_socket_on(family, addr, backlog, port);
		cr_assert(*fd >= 0);
		*other_fd = test_socket_on(other, other_addr, -1, port);
		if (*other_fd >= 0)
			return;
		close(*fd); /* that port is taken on the other family: pick another */
	}
	cr_assert_fail("no port free on both 127.0.0.1 and ::1");
}

/* Whether getaddrinfo("localhost") gives an address of this family. */
static bool
test_localhost_has(int family)
{
	struct addrinfo hints, *list, *ai;
	bool found = false;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("localhost", "25", &hints, &list) != 0)
		return false;
	for (ai = list; ai != NULL; ai = ai->ai_next)
		found = found || ai->ai_family == family;
	freeaddrinfo(list);
	return found;
}

Test(transport_plain, connect_ok_nonblocking_nodelay_loopback)
{
	char err[ERRLEN], want[64];
	int port = 0, lfd = test_socket_on(AF_INET, "127.0.0.1", 8, &port), one = 0;
	socklen_t sl = sizeof(one);
	struct transport *t = transport_new();

	cr_assert(lfd >= 0);
	cr_assert_not_null(t);
	cr_assert_eq(transport_fd(t), -1);
	snprintf(want, sizeof(want), "%d", port);
	cr_assert_eq(transport_connect(t, "127.0.0.1", want, 2000, err, sizeof(err)), TRANSPORT_OK,
		     "%s", err);
	snprintf(want, sizeof(want), "127.0.0.1 port %d", port);
	cr_assert_str_eq(transport_peer(t), want);
	cr_assert(transport_peer_is_loopback(t));
	cr_assert(transport_fd(t) >= 0);
	cr_assert(fcntl(transport_fd(t), F_GETFL) & O_NONBLOCK);
	cr_assert_eq(getsockopt(transport_fd(t), IPPROTO_TCP, TCP_NODELAY, &one, &sl), 0);
	cr_assert_neq(one, 0, "TCP_NODELAY is off");
	cr_assert(!transport_tls_active(t));
	cr_assert_eq(transport_buffered(t), 0);
	/* A second connect on the same transport is refused, not leaked. */
	cr_assert_eq(transport_connect(t, "127.0.0.1", "1", 2000, err, sizeof(err)),
		     TRANSPORT_ERR_IO);
	transport_free(t);
	close(lfd);
}

Test(transport_plain, refused_names_the_address)
{
	char err[ERRLEN], portstr[16], want[128];
	int port = 0, rfd = test_socket_on(AF_INET, "127.0.0.1", -1, &port);
	struct transport *t = transport_new();

	cr_assert(rfd >= 0);
	snprintf(portstr, sizeof(portstr), "%d", port);
	cr_assert_eq(transport_connect(t, "127.0.0.1", portstr, 2000, err, sizeof(err)),
		     TRANSPORT_ERR_CONNECT);
	snprintf(want, sizeof(want), "127.0.0.1 port %d: connection refused", port);
	cr_assert_str_eq(err, want);
	cr_assert_eq(transport_fd(t), -1);
	transport_free(t);
	close(rfd);
}

Test(transport_plain, every_address_tried_and_named)
{
	struct addrinfo ai[2];
	struct sockaddr_storage ss[2];
	char err[ERRLEN], want[256];
	int port = 0, rfd4, rfd6;
	struct transport *t;

	if (!test_have_ipv6_loopback())
		cr_skip_test("no IPv6 loopback on this machine");
	test_port_pair(AF_INET, "127.0.0.1", -1, "::1", &rfd4, &rfd6, &port);
	test_ai(&ai[0], &ss[0], AF_INET, "127.0.0.1", port);
	test_ai(&ai[1], &ss[1], AF_INET6, "::1", port);
	ai[0].ai_next = &ai[1];
	t = transport_new();
	cr_assert_eq(transport_connect_list(t, ai, "localhost", 2000, err, sizeof(err)),
		     TRANSPORT_ERR_CONNECT);
	snprintf(want, sizeof(want),
		 "127.0.0.1 port %d: connection refused; ::1 port %d: connection refused", port,
		 port);
	cr_assert_str_eq(err, want);
	transport_free(t);
	close(rfd4);
	close(rfd6);
}

/* Listen on one family only, keep the same port closed on the other, connect in order. */
static void
test_fallback(int listen_family, const char *host)
{
	struct addrinfo ai[2];
	struct sockaddr_storage ss[2];
	char err[ERRLEN], portstr[16], want[64];
	int other = listen_family == AF_INET ? AF_INET6 : AF_INET;
	const char *laddr = listen_family == AF_INET ? "127.0.0.1" : "::1";
	const char *oaddr = listen_family == AF_INET ? "::1" : "127.0.0.1";
	int port = 0, lfd, rfd, afd;
	struct transport *t = transport_new();

	test_port_pair(listen_family, laddr, 8, oaddr, &lfd, &rfd, &port);
	snprintf(portstr, sizeof(portstr), "%d", port);
	if (host != NULL) {
		cr_assert_eq(transport_connect(t, host, portstr, 2000, err, sizeof(err)),
			     TRANSPORT_OK, "%s", err);
	} else {
		/* The closed address first, so success proves the second was tried. */
		test_ai(&ai[0], &ss[0], other, oaddr, port);
		test_ai(&ai[1], &ss[1], listen_family, laddr, port);
		ai[0].ai_next = &ai[1];
		cr_assert_eq(transport_connect_list(t, ai, "localhost", 2000, err, sizeof(err)),
			     TRANSPORT_OK, "%s", err);
	}
	snprintf(want, sizeof(want), "%s port %d", laddr, port);
	cr_assert_str_eq(transport_peer(t), want);
	cr_assert(transport_peer_is_loopback(t));
	afd = test_accept(lfd);
	cr_assert(afd >= 0);
	close(afd);
	transport_free(t);
	close(lfd);
	close(rfd);
}

Test(transport_plain, fallback_to_second_address_ipv4)
{
	if (!test_have_ipv6_loopback())
		cr_skip_test("no IPv6 loopback on this machine");
	test_fallback(AF_INET, NULL);
}

Test(transport_plain, fallback_to_second_address_ipv6)
{
	if (!test_have_ipv6_loopback())
		cr_skip_test("no IPv6 loopback on this machine");
	test_fallback(AF_INET6, NULL);
}

Test(transport_plain, localhost_server_only_on_ipv4)
{
	if (!test_localhost_has(AF_INET))
		cr_skip_test("localhost has no IPv4 address here");
	if (!test_have_ipv6_loopback())
		cr_skip_test("no IPv6 loopback on this machine");
	test_fallback(AF_INET, "localhost");
}

Test(transport_plain, localhost_server_only_on_ipv6)
{
	if (!test_have_ipv6_loopback() || !test_localhost_has(AF_INET6))
		cr_skip_test("localhost does not resolve to ::1 here");
	test_fallback(AF_INET6, "localhost");
}

Test(transport_plain, ipv4_mapped_peer_is_loopback)
{
	char err[ERRLEN], portstr[16], want[64];
	int port = 0, lfd = test_socket_on(AF_INET, "127.0.0.1", 8, &port);
	struct transport *t = transport_new();
	enum transport_status st;

	cr_assert(lfd >= 0);
	if (!test_have_ipv6_loopback())
		cr_skip_test("no IPv6 on this machine");
	snprintf(portstr, sizeof(portstr), "%d", port);
	st = transport_connect(t, "::ffff:127.0.0.1", portstr, 2000, err, sizeof(err));
	if (st != TRANSPORT_OK)
		cr_skip_test("IPv4-mapped addresses do not connect here: %s", err);
	snprintf(want, sizeof(want), "::ffff:127.0.0.1 port %d", port);
	cr_assert_str_eq(transport_peer(t), want);
	cr_assert(transport_peer_is_loopback(t));
	transport_free(t);
	close(lfd);
}

Test(transport_plain, bracketed_ipv6_literal)
{
	char err[ERRLEN], portstr[16], want[64];
	int port = 0, lfd;
	struct transport *t;

	if (!test_have_ipv6_loopback())
		cr_skip_test("no IPv6 loopback on this machine");
	lfd = test_socket_on(AF_INET6, "::1", 8, &port);
	cr_assert(lfd >= 0);
	snprintf(portstr, sizeof(portstr), "%d", port);
	t = transport_new();
	cr_assert_eq(transport_connect(t, "[::1]", portstr, 2000, err, sizeof(err)), TRANSPORT_OK,
		     "%s", err);
	snprintf(want, sizeof(want), "::1 port %d", port);
	cr_assert_str_eq(transport_peer(t), want);
	transport_free(t);
	close(lfd);
}

Test(transport_plain, resolve_failure)
{
	char err[ERRLEN];
	struct transport *t = transport_new();

	cr_assert_eq(transport_connect(t, "no-such-host.invalid", "25", 2000, err, sizeof(err)),
		     TRANSPORT_ERR_RESOLVE);
	cr_assert(strncmp(err, "cannot resolve no-such-host.invalid port 25: ", 45) == 0, "%s",
		  err);
	cr_assert_gt(strlen(err), 45);
	cr_assert_eq(transport_fd(t), -1);
	transport_free(t);
}

Test(transport_plain, connect_timeout_on_full_backlog)
{
	char err[ERRLEN], portstr[16], want[128];
	int port = 0, lfd = test_socket_on(AF_INET, "127.0.0.1", 0, &port), fill[4], i;
	struct sockaddr_in sin;
	struct pollfd p;
	struct transport *t = transport_new();
	enum transport_status st;
	bool full = false;

	cr_assert(lfd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Fill the accept queue (never accepted) until a connect no longer completes. */
	for (i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert(fill[i] >= 0);
		cr_assert_eq(fcntl(fill[i], F_SETFL, O_NONBLOCK), 0);
		if (connect(fill[i], (struct sockaddr *)&sin, sizeof(sin)) != 0)
			cr_assert_eq(errno, EINPROGRESS);
		p.fd = fill[i];
		p.events = POLLOUT;
		if (poll(&p, 1, 200) == 0) {
			full = true;
			i++;
			break;
		}
	}
	if (!full)
		cr_skip_test("a full backlog does not stall connect on this machine");
	snprintf(portstr, sizeof(portstr), "%d", port);
	st = transport_connect(t, "127.0.0.1", portstr, 300, err, sizeof(err));
	cr_assert_eq(st, TRANSPORT_ERR_TIMEOUT, "%s: %s", transport_status_name(st), err);
	snprintf(want, sizeof(want), "127.0.0.1 port %d: timed out after 300 ms", port);
	cr_assert_str_eq(err, want);
	while (i-- > 0)
		close(fill[i]);
	transport_free(t);
	close(lfd);
}

/* Connect a transport to a fresh listener on 127.0.0.1 and accept the server side. */
static struct transport *
test_plain_pair(int *lfd, int *afd)
{
	char err[ERRLEN], portstr[16];
	int port = 0;
	struct transport *t = transport_new();

	*lfd = test_socket_on(AF_INET, "127.0.0.1", 8, &port);
	cr_assert(*lfd >= 0);
	snprintf(portstr, sizeof(portstr), "%d", port);
	cr_assert_eq(transport_connect(t, "127.0.0.1", portstr, 2000, err, sizeof(err)),
		     TRANSPORT_OK, "%s", err);
	*afd = test_accept(*lfd);
	cr_assert(*afd >= 0);
	return t;
}

Test(transport_plain, round_trip_and_want_read)
{
	int lfd, afd;
	struct transport *t = test_plain_pair(&lfd, &afd);
	char buf[64];
	enum transport_status st;
	size_t got;
	ssize_t n;

	cr_assert_eq(transport_read(t, buf, sizeof(buf), &st), 0);
	cr_assert_eq(st, TRANSPORT_WANT_READ);
	cr_assert_eq(transport_write_all(t, "EHLO me\r\n", 9, 2000), TRANSPORT_OK);
	n = recv(afd, buf, sizeof(buf), 0);
	cr_assert_eq(n, 9);
	cr_assert(memcmp(buf, "EHLO me\r\n", 9) == 0);
	cr_assert_eq(send(afd, "250 hi\r\n", 8, 0), 8);
	cr_assert_eq(transport_read_wait(t, buf, sizeof(buf), 2000, &got), TRANSPORT_OK);
	cr_assert_eq(got, 8);
	cr_assert(memcmp(buf, "250 hi\r\n", 8) == 0);
	cr_assert_eq(transport_read_wait(t, buf, sizeof(buf), 100, &got), TRANSPORT_ERR_TIMEOUT);
	cr_assert_eq(got, 0);
	close(afd);
	cr_assert_eq(transport_read_wait(t, buf, sizeof(buf), 2000, &got), TRANSPORT_ERR_CLOSED);
	transport_free(t);
	close(lfd);
}

Test(transport_plain, write_to_closed_peer_is_an_error_not_sigpipe)
{
	int lfd, afd, i;
	struct transport *t;
	char block[4096];
	enum transport_status st = TRANSPORT_OK;

	cr_assert_neq(signal(SIGPIPE, SIG_DFL), SIG_ERR);
	t = test_plain_pair(&lfd, &afd);
	close(afd);
	memset(block, 'x', sizeof(block));
	for (i = 0; i < 200; i++) {
		st = transport_write_all(t, block, sizeof(block), 1000);
		if (st != TRANSPORT_OK)
			break;
		(void)poll(NULL, 0, 1);
	}
	cr_assert_eq(st, TRANSPORT_ERR_CLOSED, "%s", transport_status_name(st));
	cr_assert_neq(transport_last_error(t)[0], '\0');
	transport_free(t);
	close(lfd);
}

Test(transport_plain, not_connected_io_fails)
{
	struct transport *t = transport_new();
	char buf[8];
	enum transport_status st;

	cr_assert_eq(transport_read(t, buf, sizeof(buf), &st), 0);
	cr_assert_eq(st, TRANSPORT_ERR_IO);
	cr_assert_eq(transport_write(t, "x", 1, &st), 0);
	cr_assert_eq(st, TRANSPORT_ERR_IO);
	cr_assert(!transport_peer_is_loopback(t));
	transport_free(t);
	transport_free(NULL);
}

Test(transport_plain, status_names)
{
	cr_assert_str_eq(transport_status_name(TRANSPORT_OK), "ok");
	cr_assert_str_eq(transport_status_name(TRANSPORT_ERR_TIMEOUT), "timeout");
	cr_assert_str_eq(transport_status_name(TRANSPORT_ERR_VERIFY), "verify");
	cr_assert_str_eq(transport_status_name(TRANSPORT_WANT_WRITE), "want-write");
}

/* ---- TLS: certificates made at start, a server in a forked child ---- */

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define CA_NAME "CN=ehlo test CA,O=ehlo tests"
#define OTHER_CA_NAME "CN=some other CA,O=ehlo tests"
#define DAY (24L * 3600L)

/* The certificates every TLS case may use; made by test_pki_setup. */
static struct {
	char dir[64];
	char ca_file[128];    /* the CA, for --cafile */
	char other_file[128]; /* the other CA */
	char empty_file[128]; /* no certificates: the system store of these tests */
	EVP_PKEY *ca_key, *other_key, *key;
	X509 *ca;	/* trusted through --cafile */
	X509 *other_ca; /* never trusted */
	X509 *good;	/* by ca: DNS:localhost, IP:127.0.0.1, IP:::1 */
	X509 *no_ip;	/* by ca: DNS:localhost only */
	X509 *self;	/* self-signed, DNS:localhost */
	X509 *expired;	/* by ca, ended yesterday */
	X509 *future;	/* by ca, starts tomorrow */
	X509 *wrong;	/* by ca: DNS:mail.example.test */
	X509 *unknown;	/* by other_ca: DNS:localhost */
} pki;

static pid_t server_pids[4];
static int server_count;

/* Add one X509v3 extension given in openssl.cnf syntax. */
static void
test_add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	cr_assert_not_null(ext, "extension %s", value);
	cr_assert_eq(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/*
 * A certificate for cn (and san when given), valid from..to seconds from now, signed by
 * issuer (itself when NULL); a CA when ca.
 */
static X509 *
test_cert(const char *cn, const char *san, X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *key,
	  long from, long to, bool ca)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	cr_assert(x != NULL && name != NULL);
	cr_assert_eq(X509_set_version(x, 2), 1);
	cr_assert_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++), 1);
	cr_assert_not_null(X509_gmtime_adj(X509_getm_notBefore(x), from));
	cr_assert_not_null(X509_gmtime_adj(X509_getm_notAfter(x), to));
	cr_assert_eq(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
						(const unsigned char *)"ehlo tests", -1, -1, 0),
		     1);
	cr_assert_eq(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
						-1, -1, 0),
		     1);
	cr_assert_eq(X509_set_subject_name(x, name), 1);
	cr_assert_eq(X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name),
		     1);
	cr_assert_eq(X509_set_pubkey(x, key), 1);
	test_add_ext(x, issuer != NULL ? issuer : x, NID_basic_constraints,
		     ca ? "critical,CA:TRUE" : "CA:FALSE");
	test_add_ext(x, issuer != NULL ? issuer : x, NID_subject_key_identifier, "hash");
	if (ca)
		test_add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	else
		test_add_ext(x, issuer != NULL ? issuer : x, NID_ext_key_usage, "serverAuth");
	if (san != NULL)
		test_add_ext(x, issuer != NULL ? issuer : x, NID_subject_alt_name, san);
	cr_assert_gt(X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256()), 0);
	X509_NAME_free(name);
	return x;
}

/* Write cert as PEM to path (an empty file when cert is NULL). */
static void
test_write_pem(const char *path, X509 *cert)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	if (cert != NULL)
		cr_assert_eq(PEM_write_X509(f, cert), 1);
	cr_assert_eq(fclose(f), 0);
}

/* Make the keys and certificates, and write the CA files. */
static void
test_pki_setup(void)
{
	memset(&pki, 0, sizeof(pki));
	snprintf(pki.dir, sizeof(pki.dir), "/tmp/ehlo-tls-XXXXXX");
	cr_assert_not_null(mkdtemp(pki.dir));
	pki.ca_key = EVP_EC_gen("P-256");
	pki.other_key = EVP_EC_gen("P-256");
	pki.key = EVP_EC_gen("P-256");
	cr_assert(pki.ca_key != NULL && pki.other_key != NULL && pki.key != NULL);
	pki.ca = test_cert("ehlo test CA", NULL, NULL, NULL, pki.ca_key, -DAY, 30 * DAY, true);
	pki.other_ca =
		test_cert("some other CA", NULL, NULL, NULL, pki.other_key, -DAY, 30 * DAY, true);
	pki.good = test_cert("localhost", "DNS:localhost,IP:127.0.0.1,IP:::1", pki.ca, pki.ca_key,
			     pki.key, -DAY, 30 * DAY, false);
	pki.no_ip = test_cert("localhost", "DNS:localhost", pki.ca, pki.ca_key, pki.key, -DAY,
			      30 * DAY, false);
	pki.self =
		test_cert("localhost", "DNS:localhost", NULL, NULL, pki.key, -DAY, 30 * DAY, false);
	pki.expired = test_cert("localhost", "DNS:localhost", pki.ca, pki.ca_key, pki.key,
				-10 * DAY, -DAY, false);
	pki.future = test_cert("localhost", "DNS:localhost", pki.ca, pki.ca_key, pki.key, DAY,
			       30 * DAY, false);
	pki.wrong = test_cert("mail.example.test", "DNS:mail.example.test", pki.ca, pki.ca_key,
			      pki.key, -DAY, 30 * DAY, false);
	pki.unknown = test_cert("localhost", "DNS:localhost", pki.other_ca, pki.other_key, pki.key,
				-DAY, 30 * DAY, false);
	snprintf(pki.ca_file, sizeof(pki.ca_file), "%s/ca.pem", pki.dir);
	test_write_pem(pki.ca_file, pki.ca);
	snprintf(pki.other_file, sizeof(pki.other_file), "%s/other.pem", pki.dir);
	test_write_pem(pki.other_file, pki.other_ca);
	snprintf(pki.empty_file, sizeof(pki.empty_file), "%s/empty.pem", pki.dir);
	test_write_pem(pki.empty_file, NULL);
	/*
	 * The machine's trust store stays out of these tests (and its 150 roots out of the
	 * run time): OpenSSL's default paths point at an empty file and directory.
	 */
	cr_assert_eq(setenv("SSL_CERT_FILE", pki.empty_file, 1), 0);
	cr_assert_eq(setenv("SSL_CERT_DIR", pki.dir, 1), 0);
}

/* Stop the server child and remove the temporary files. */
static void
test_pki_teardown(void)
{
	while (server_count > 0) {
		server_count--;
		kill(server_pids[server_count], SIGKILL);
		(void)waitpid(server_pids[server_count], NULL, 0);
	}
	if (pki.ca_file[0] != '\0')
		(void)unlink(pki.ca_file);
	if (pki.other_file[0] != '\0')
		(void)unlink(pki.other_file);
	if (pki.empty_file[0] != '\0')
		(void)unlink(pki.empty_file);
	if (pki.dir[0] != '\0')
		(void)rmdir(pki.dir);
	X509_free(pki.ca);
	X509_free(pki.other_ca);
	X509_free(pki.good);
	X509_free(pki.no_ip);
	X509_free(pki.self);
	X509_free(pki.expired);
	X509_free(pki.future);
	X509_free(pki.wrong);
	X509_free(pki.unknown);
	EVP_PKEY_free(pki.ca_key);
	EVP_PKEY_free(pki.other_key);
	EVP_PKEY_free(pki.key);
}

TestSuite(transport_tls, .init = test_pki_setup, .fini = test_pki_teardown);

/*
 * The server child: for each connection, a TLS handshake, then "sni=NAME\r\n" (or "sni=-"),
 * then per chunk read: "big" sends 1000 bytes in one record, "quit" closes, anything else
 * is echoed. It leaves when its parent does.
 */
static void
test_server_loop(int lfd, X509 *cert, X509 *extra, bool old_tls, pid_t parent)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char buf[16384], big[1000];
	int devnull = open("/dev/null", O_WRONLY);

	if (devnull >= 0) {
		dup2(devnull, 1);
		dup2(devnull, 2);
	}
	signal(SIGPIPE, SIG_IGN);
	alarm(20);
	memset(big, 'b', sizeof(big));
	if (ctx == NULL || SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, pki.key) != 1 ||
	    (extra != NULL && SSL_CTX_add1_chain_cert(ctx, extra) != 1))
		_exit(3);
	if (old_tls && (SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION) != 1 ||
			SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") != 1))
		_exit(5);
	for (;;) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		const char *sni;
		SSL *ssl;
		int afd, n;

		if (getppid() != parent)
			_exit(0);
		if (poll(&p, 1, 200) <= 0)
			continue;
		afd = accept(lfd, NULL, NULL);
		if (afd < 0)
			continue;
		ssl = SSL_new(ctx);
		if (ssl == NULL || SSL_set_fd(ssl, afd) != 1)
			_exit(4);
		if (SSL_accept(ssl) == 1) {
			sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
			n = snprintf(buf, sizeof(buf), "sni=%s\r\n", sni != NULL ? sni : "-");
			(void)SSL_write(ssl, buf, n);
			while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0) {
				if (n >= 3 && memcmp(buf, "big", 3) == 0) {
					(void)SSL_write(ssl, big, sizeof(big));
				} else if (n >= 4 && memcmp(buf, "quit", 4) == 0) {
					(void)SSL_shutdown(ssl);
					break;
				} else if (SSL_write(ssl, buf, n) <= 0) {
					break;
				}
			}
		}
		SSL_free(ssl);
		close(afd);
	}
}

/* Start a TLS server on addr port 0 with cert (and an extra chain cert); its port out. */
static void
test_server_ex(int family, const char *addr, X509 *cert, X509 *extra, bool old_tls, char *port,
	       size_t portlen)
{
	int p = 0, lfd = test_socket_on(family, addr, 8, &p);
	pid_t parent = getpid(), pid;

	cr_assert(lfd >= 0);
	cr_assert_lt(server_count, 4);
	snprintf(port, portlen, "%d", p);
	fflush(NULL);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		test_server_loop(lfd, cert, extra, old_tls, parent);
		_exit(0);
	}
	server_pids[server_count++] = pid;
	close(lfd);
}

/* A TLS server speaking TLS 1.2 or 1.3. */
static void
test_server(int family, const char *addr, X509 *cert, X509 *extra, char *port, size_t portlen)
{
	test_server_ex(family, addr, cert, extra, false, port, portlen);
}

/* Read until CRLF (or cap), waiting up to 2 s per read. */
static void
test_read_line(struct transport *t, char *buf, size_t cap)
{
	size_t used = 0, got;

	while (used < cap - 1) {
		cr_assert_eq(transport_read_wait(t, buf + used, 1, 2000, &got), TRANSPORT_OK, "%s",
			     transport_last_error(t));
		used += got;
		if (used >= 2 && buf[used - 2] == '\r' && buf[used - 1] == '\n')
			break;
	}
	buf[used] = '\0';
}

/* Connect to host:port and start TLS; the status, with summary and err filled. */
static enum transport_status
test_tls(struct transport *t, const char *host, const char *port,
	 const struct transport_tls_options *opts, struct transport_tls_summary *s, char *err)
{
	cr_assert_eq(transport_connect(t, host, port, 2000, err, ERRLEN), TRANSPORT_OK, "%s", err);
	return transport_start_tls(t, opts, 3000, s, err, ERRLEN);
}

/* Whether s looks like "2026-12-03 18:30:00 UTC". */
static bool
test_is_date(const char *s)
{
	int y, mo, d, h, mi, se;
	char utc[8];

	return strlen(s) == 23 &&
	       sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d %3s", &y, &mo, &d, &h, &mi, &se, utc) == 7 &&
	       strcmp(utc, "UTC") == 0 && y > 2000;
}

Test(transport_tls, verified_with_cafile_summary_and_round_trip)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN], line[256];

	test_server(AF_INET, "127.0.0.1", pki.good, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, &o, &s, err), TRANSPORT_OK, "%s", err);
	cr_assert(transport_tls_active(t));
	cr_assert(s.verified);
	cr_assert_eq(s.verify_code, X509_V_OK);
	cr_assert_str_eq(s.verify_words, "the certificate is trusted and valid for localhost");
	cr_assert_str_eq(s.protocol, "TLSv1.3");
	cr_assert_neq(s.cipher[0], '\0');
	cr_assert_str_eq(s.subject, "CN=localhost,O=ehlo tests");
	cr_assert_str_eq(s.issuer, CA_NAME);
	cr_assert_str_eq(s.names, "localhost, 127.0.0.1, ::1");
	cr_assert(test_is_date(s.not_before), "%s", s.not_before);
	cr_assert(test_is_date(s.not_after), "%s", s.not_after);
	cr_assert_lt(strcmp(s.not_before, s.not_after), 0);
	cr_assert_eq(s.chain_length, 1);
	cr_assert_str_eq(err, "");
	test_read_line(t, line, sizeof(line));
	cr_assert_str_eq(line, "sni=localhost\r\n");
	cr_assert_eq(transport_write_all(t, "NOOP\r\n", 6, 2000), TRANSPORT_OK);
	test_read_line(t, line, sizeof(line));
	cr_assert_str_eq(line, "NOOP\r\n");
	/* A second handshake on the same transport is refused. */
	cr_assert_eq(transport_start_tls(t, &o, 1000, NULL, err, sizeof(err)), TRANSPORT_ERR_TLS);
	transport_free(t);
}

Test(transport_tls, without_cafile_unknown_ca)
{
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN], buf[8];
	enum transport_status st;

	test_server(AF_INET, "127.0.0.1", pki.good, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, NULL, &s, err), TRANSPORT_ERR_VERIFY);
	cr_assert(!s.verified);
	cr_assert_eq(s.verify_code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	cr_assert_str_eq(s.verify_words,
			 "the certificate was issued by " CA_NAME ", an authority this machine "
			 "does not trust (unknown CA); --cafile adds one");
	cr_assert_not_null(strstr(err, s.verify_words), "%s", err);
	cr_assert(!transport_tls_active(t));
	/* Nothing may go over a connection that failed verification. */
	cr_assert_eq(transport_write(t, "x", 1, &st), 0);
	cr_assert_eq(st, TRANSPORT_ERR_IO);
	cr_assert_eq(transport_read(t, buf, sizeof(buf), &st), 0);
	cr_assert_eq(st, TRANSPORT_ERR_IO);
	transport_free(t);
}

Test(transport_tls, unknown_ca_even_with_cafile)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN];

	test_server(AF_INET, "127.0.0.1", pki.unknown, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, &o, &s, err), TRANSPORT_ERR_VERIFY);
	cr_assert_str_eq(s.verify_words,
			 "the certificate was issued by " OTHER_CA_NAME ", an authority this "
			 "machine does not trust (unknown CA); --cafile adds one");
	transport_free(t);
}

Test(transport_tls, self_signed)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN];

	test_server(AF_INET, "127.0.0.1", pki.self, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, &o, &s, err), TRANSPORT_ERR_VERIFY);
	cr_assert_eq(s.verify_code, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
	cr_assert_str_eq(s.verify_words,
			 "the certificate is self-signed: it was signed by itself, not by an "
			 "authority this machine trusts");
	cr_assert_str_eq(s.issuer, s.subject);
	transport_free(t);
}

Test(transport_tls, self_signed_in_chain)
{
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN];

	test_server(AF_INET, "127.0.0.1", pki.good, pki.ca, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, NULL, &s, err), TRANSPORT_ERR_VERIFY);
	cr_assert_eq(s.verify_code, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
	cr_assert_eq(s.chain_length, 2);
	cr_assert_str_eq(s.verify_words,
			 "the chain ends in a self-signed certificate (" CA_NAME ") that this "
			 "machine does not trust; --cafile adds one");
	transport_free(t);
}

Test(transport_tls, expired)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN], want[256];

	test_server(AF_INET, "127.0.0.1", pki.expired, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, &o, &s, err), TRANSPORT_ERR_VERIFY);
	cr_assert_eq(s.verify_code, X509_V_ERR_CERT_HAS_EXPIRED);
	cr_assert(test_is_date(s.not_after));
	snprintf(want, sizeof(want), "the certificate expired on %s", s.not_after);
	cr_assert_str_eq(s.verify_words, want);
	transport_free(t);
}

Test(transport_tls, not_yet_valid)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN], want[256];

	test_server(AF_INET, "127.0.0.1", pki.future, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, &o, &s, err), TRANSPORT_ERR_VERIFY);
	cr_assert_eq(s.verify_code, X509_V_ERR_CERT_NOT_YET_VALID);
	snprintf(want, sizeof(want), "the certificate is not valid yet: it starts on %s",
		 s.not_before);
	cr_assert_str_eq(s.verify_words, want);
	transport_free(t);
}

Test(transport_tls, wrong_name)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN];

	test_server(AF_INET, "127.0.0.1", pki.wrong, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, &o, &s, err), TRANSPORT_ERR_VERIFY);
	cr_assert_eq(s.verify_code, X509_V_ERR_HOSTNAME_MISMATCH);
	cr_assert_str_eq(s.verify_words,
			 "the certificate is for mail.example.test, not for localhost");
	cr_assert_not_null(strstr(err, "not for localhost"), "%s", err);
	transport_free(t);
}

Test(transport_tls, insecure_goes_on_unverified)
{
	struct transport_tls_options o = {.insecure = true};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN], line[256];

	test_server(AF_INET, "127.0.0.1", pki.self, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, &o, &s, err), TRANSPORT_OK, "%s", err);
	cr_assert(!s.verified);
	cr_assert_eq(s.verify_code, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
	cr_assert_not_null(strstr(s.verify_words, "self-signed"));
	cr_assert(transport_tls_active(t));
	test_read_line(t, line, sizeof(line));
	cr_assert_str_eq(line, "sni=localhost\r\n");
	transport_free(t);
}

Test(transport_tls, ip_literal_checked_against_ip_san)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN], line[256];

	test_server(AF_INET, "127.0.0.1", pki.good, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "127.0.0.1", port, &o, &s, err), TRANSPORT_OK, "%s", err);
	cr_assert(s.verified);
	test_read_line(t, line, sizeof(line));
	cr_assert_str_eq(line, "sni=-\r\n", "no SNI for an address literal");
	transport_free(t);
}

Test(transport_tls, ip_literal_without_ip_san_fails)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN];

	test_server(AF_INET, "127.0.0.1", pki.no_ip, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "127.0.0.1", port, &o, &s, err), TRANSPORT_ERR_VERIFY);
	cr_assert_eq(s.verify_code, X509_V_ERR_IP_ADDRESS_MISMATCH);
	cr_assert_str_eq(s.verify_words, "the certificate is for localhost, not for 127.0.0.1");
	transport_free(t);
}

Test(transport_tls, servername_override)
{
	struct transport_tls_options o = {.cafile = pki.ca_file, .servername = "localhost"};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN], line[256];

	test_server(AF_INET, "127.0.0.1", pki.no_ip, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "127.0.0.1", port, &o, &s, err), TRANSPORT_OK, "%s", err);
	cr_assert(s.verified);
	test_read_line(t, line, sizeof(line));
	cr_assert_str_eq(line, "sni=localhost\r\n");
	transport_free(t);
}

Test(transport_tls, servername_override_is_checked)
{
	struct transport_tls_options o = {.cafile = pki.ca_file, .servername = "mx.example.test"};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN];

	test_server(AF_INET, "127.0.0.1", pki.good, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, &o, &s, err), TRANSPORT_ERR_VERIFY);
	cr_assert_str_eq(s.verify_words, "the certificate is for localhost, 127.0.0.1, ::1, not "
					 "for mx.example.test");
	transport_free(t);
}

Test(transport_tls, ipv6_server)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN], line[256], want[64];

	if (!test_have_ipv6_loopback())
		cr_skip_test("no IPv6 loopback on this machine");
	test_server(AF_INET6, "::1", pki.good, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "::1", port, &o, &s, err), TRANSPORT_OK, "%s", err);
	cr_assert(s.verified);
	snprintf(want, sizeof(want), "::1 port %s", port);
	cr_assert_str_eq(transport_peer(t), want);
	cr_assert(transport_peer_is_loopback(t));
	test_read_line(t, line, sizeof(line));
	cr_assert_str_eq(line, "sni=-\r\n");
	transport_free(t);
}

Test(transport_tls, handshake_timeout_against_silent_server)
{
	int p = 0, lfd = test_socket_on(AF_INET, "127.0.0.1", 8, &p);
	struct transport *t = transport_new();
	char port[16], err[ERRLEN];

	cr_assert(lfd >= 0);
	snprintf(port, sizeof(port), "%d", p);
	cr_assert_eq(transport_connect(t, "127.0.0.1", port, 2000, err, sizeof(err)), TRANSPORT_OK);
	cr_assert_eq(transport_start_tls(t, NULL, 300, NULL, err, sizeof(err)),
		     TRANSPORT_ERR_TIMEOUT, "%s", err);
	cr_assert_not_null(strstr(err, "timed out"), "%s", err);
	cr_assert_not_null(strstr(err, "300 ms"), "%s", err);
	transport_free(t);
	close(lfd);
}

Test(transport_tls, peer_not_speaking_tls)
{
	int lfd, afd;
	struct transport *t = test_plain_pair(&lfd, &afd);
	char err[ERRLEN], buf[8];
	enum transport_status st;

	cr_assert_eq(send(afd, "220 plain SMTP here\r\n", 21, 0), 21);
	cr_assert_eq(transport_start_tls(t, NULL, 2000, NULL, err, sizeof(err)), TRANSPORT_ERR_TLS,
		     "%s", err);
	cr_assert_not_null(strstr(err, "wrong version number"), "%s", err);
	cr_assert_not_null(strstr(err, "not speaking TLS"), "%s", err);
	cr_assert_eq(transport_read(t, buf, sizeof(buf), &st), 0);
	cr_assert_eq(st, TRANSPORT_ERR_IO);
	close(afd);
	transport_free(t);
	close(lfd);
}

Test(transport_tls, peer_closes_during_handshake)
{
	int lfd, afd;
	struct transport *t = test_plain_pair(&lfd, &afd);
	char err[ERRLEN];

	close(afd);
	cr_assert_eq(transport_start_tls(t, NULL, 2000, NULL, err, sizeof(err)), TRANSPORT_ERR_TLS,
		     "%s", err);
	cr_assert_not_null(strstr(err, "TLS handshake with 127.0.0.1 port"), "%s", err);
	transport_free(t);
	close(lfd);
}

Test(transport_tls, missing_cafile)
{
	struct transport_tls_options o = {.cafile = "/nonexistent/ca.pem"};
	int lfd, afd;
	struct transport *t = test_plain_pair(&lfd, &afd);
	char err[ERRLEN];

	cr_assert_eq(transport_start_tls(t, &o, 2000, NULL, err, sizeof(err)), TRANSPORT_ERR_TLS);
	cr_assert(strncmp(err, "cannot load the CA file /nonexistent/ca.pem: ", 45) == 0, "%s",
		  err);
	close(afd);
	transport_free(t);
	close(lfd);
}

Test(transport_tls, buffered_counts_decrypted_bytes)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN], line[256], buf[10];
	size_t got, total;

	test_server(AF_INET, "127.0.0.1", pki.good, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, &o, &s, err), TRANSPORT_OK, "%s", err);
	test_read_line(t, line, sizeof(line));
	cr_assert_eq(transport_buffered(t), 0);
	cr_assert_eq(transport_write_all(t, "big\r\n", 5, 2000), TRANSPORT_OK);
	cr_assert_eq(transport_read_wait(t, buf, sizeof(buf), 2000, &got), TRANSPORT_OK);
	cr_assert_eq(got, 10);
	cr_assert_eq(transport_buffered(t), 990);
	total = got;
	while (total < 1000) {
		cr_assert_eq(transport_read_wait(t, buf, sizeof(buf), 2000, &got), TRANSPORT_OK);
		total += got;
	}
	cr_assert_eq(total, 1000);
	cr_assert_eq(transport_buffered(t), 0);
	transport_free(t);
}

Test(transport_tls, large_round_trip_and_close)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	static char out[48000], in[48000];
	char port[16], err[ERRLEN], line[256];
	size_t got, total = 0, i;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (char)('a' + i % 26);
	test_server(AF_INET, "127.0.0.1", pki.good, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, &o, &s, err), TRANSPORT_OK, "%s", err);
	test_read_line(t, line, sizeof(line));
	cr_assert_eq(transport_write_all(t, out, sizeof(out), 2000), TRANSPORT_OK);
	while (total < sizeof(in)) {
		cr_assert_eq(transport_read_wait(t, in + total, sizeof(in) - total, 2000, &got),
			     TRANSPORT_OK, "%s", transport_last_error(t));
		total += got;
	}
	cr_assert(memcmp(in, out, sizeof(in)) == 0);
	cr_assert_eq(transport_write_all(t, "quit\r\n", 6, 2000), TRANSPORT_OK);
	cr_assert_eq(transport_read_wait(t, in, sizeof(in), 2000, &got), TRANSPORT_ERR_CLOSED, "%s",
		     transport_last_error(t));
	transport_free(t);
}

Test(transport_tls, system_store_is_used)
{
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN];

	cr_assert_eq(setenv("SSL_CERT_FILE", pki.ca_file, 1), 0);
	test_server(AF_INET, "127.0.0.1", pki.good, NULL, port, sizeof(port));
	cr_assert_eq(test_tls(t, "localhost", port, NULL, &s, err), TRANSPORT_OK, "%s", err);
	cr_assert(s.verified);
	transport_free(t);
}

Test(transport_tls, cafile_adds_to_the_system_store)
{
	struct transport_tls_options o = {.cafile = pki.other_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], port2[16], err[ERRLEN];

	cr_assert_eq(setenv("SSL_CERT_FILE", pki.ca_file, 1), 0);
	test_server(AF_INET, "127.0.0.1", pki.good, NULL, port, sizeof(port));
	test_server(AF_INET, "127.0.0.1", pki.unknown, NULL, port2, sizeof(port2));
	cr_assert_eq(test_tls(t, "localhost", port, &o, &s, err), TRANSPORT_OK, "%s", err);
	cr_assert(s.verified);
	transport_free(t);
	t = transport_new();
	cr_assert_eq(test_tls(t, "localhost", port2, &o, &s, err), TRANSPORT_OK, "%s", err);
	cr_assert(s.verified);
	cr_assert_str_eq(s.issuer, OTHER_CA_NAME);
	transport_free(t);
}

Test(transport_tls, server_with_only_old_tls)
{
	struct transport_tls_options o = {.insecure = true};
	struct transport *t = transport_new();
	char port[16], err[ERRLEN];

	test_server_ex(AF_INET, "127.0.0.1", pki.good, NULL, true, port, sizeof(port));
	cr_assert_eq(transport_connect(t, "127.0.0.1", port, 2000, err, sizeof(err)), TRANSPORT_OK);
	cr_assert_eq(transport_start_tls(t, &o, 2000, NULL, err, sizeof(err)), TRANSPORT_ERR_TLS,
		     "%s", err);
	cr_assert_not_null(strstr(err, "older than 1.2"), "%s", err);
	transport_free(t);
}

Test(transport_tls, many_sessions_in_one_process)
{
	char err[ERRLEN], portstr[16];
	int port = 0, lfd = test_socket_on(AF_INET, "127.0.0.1", 16, &port), afd, i;
	struct transport *t;

	cr_assert(lfd >= 0);
	snprintf(portstr, sizeof(portstr), "%d", port);
	/* More sessions than OpenSSL has BIO type indices (about 127). */
	for (i = 0; i < 200; i++) {
		t = transport_new();
		cr_assert_eq(transport_connect(t, "127.0.0.1", portstr, 2000, err, sizeof(err)),
			     TRANSPORT_OK);
		afd = test_accept(lfd);
		cr_assert(afd >= 0);
		close(afd);
		cr_assert_eq(transport_start_tls(t, NULL, 2000, NULL, err, sizeof(err)),
			     TRANSPORT_ERR_TLS);
		cr_assert_not_null(strstr(err, "TLS handshake with"), "session %d: %s", i, err);
		transport_free(t);
	}
	close(lfd);
}

/* The step API (transport_connect_start/step, transport_tls_begin/step), as a poll loop uses it. */

/* Poll the transport's fd for what st asks, at most max_ms (or the connect deadline). */
static void
test_step_wait(struct transport *t, enum transport_status st, int max_ms)
{
	struct pollfd p = {.fd = transport_fd(t)};
	int left = transport_connect_deadline_ms(t);

	p.events = st == TRANSPORT_WANT_READ ? POLLIN : POLLOUT;
	if (left < 0 || left > max_ms)
		left = max_ms;
	cr_assert(p.fd >= 0);
	(void)poll(&p, 1, left);
}

/* Step a started connect to its end (at most 100 steps), returning the final status. */
static enum transport_status
test_connect_steps(struct transport *t, enum transport_status st, char *err, int *steps)
{
	*steps = 0;
	while (st == TRANSPORT_WANT_WRITE && *steps < 100) {
		cr_assert(transport_connecting(t));
		test_step_wait(t, st, 1000);
		st = transport_connect_step(t, err, ERRLEN);
		(*steps)++;
	}
	cr_assert(!transport_connecting(t));
	return st;
}

/*
 * A listener on 127.0.0.1 whose accept queue is full (never accepted), so a connect to it
 * hangs; fill gets the filler sockets (*nfill of them). False when this kernel does not stall.
 */
static bool
test_full_backlog(int *lfd, int *port, int fill[4], int *nfill)
{
	struct sockaddr_in sin;
	struct pollfd p;
	int i;

	*port = 0;
	*lfd = test_socket_on(AF_INET, "127.0.0.1", 0, port);
	cr_assert(*lfd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)*port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert(fill[i] >= 0);
		cr_assert_eq(fcntl(fill[i], F_SETFL, O_NONBLOCK), 0);
		if (connect(fill[i], (struct sockaddr *)&sin, sizeof(sin)) != 0)
			cr_assert_eq(errno, EINPROGRESS);
		p.fd = fill[i];
		p.events = POLLOUT;
		if (poll(&p, 1, 200) == 0) {
			*nfill = i + 1;
			return true;
		}
	}
	*nfill = i;
	return false;
}

Test(transport_step, connect_to_a_listener)
{
	char err[ERRLEN], portstr[16], want[64];
	int port = 0, lfd = test_socket_on(AF_INET, "127.0.0.1", 8, &port), idx, count, steps;
	struct transport *t = transport_new();
	enum transport_status st;

	cr_assert(lfd >= 0);
	snprintf(portstr, sizeof(portstr), "%d", port);
	st = transport_connect_start(t, "127.0.0.1", portstr, 2000, err, sizeof(err));
	cr_assert(st == TRANSPORT_WANT_WRITE || st == TRANSPORT_OK, "%s", err);
	snprintf(want, sizeof(want), "127.0.0.1 port %d", port);
	if (st == TRANSPORT_WANT_WRITE) {
		cr_assert_str_eq(transport_connect_address(t, &idx, &count), want);
		cr_assert_eq(idx, 1);
		cr_assert_eq(count, 1);
		cr_assert_gt(transport_connect_deadline_ms(t), 0);
		cr_assert_leq(transport_connect_deadline_ms(t), 2000);
	}
	st = test_connect_steps(t, st, err, &steps);
	cr_assert_eq(st, TRANSPORT_OK, "%s: %s", transport_status_name(st), err);
	cr_assert_str_eq(transport_peer(t), want);
	cr_assert_str_eq(transport_connect_failures(t), "");
	cr_assert_eq(transport_connect_deadline_ms(t), -1);
	cr_assert(fcntl(transport_fd(t), F_GETFL) & O_NONBLOCK);
	/* A step after the end is an error, not a second connect. */
	cr_assert_eq(transport_connect_step(t, err, sizeof(err)), TRANSPORT_ERR_IO);
	transport_free(t);
	close(lfd);
}

Test(transport_step, refused_in_the_same_words)
{
	char err[ERRLEN], blocking[ERRLEN], portstr[16], want[128];
	int port = 0, rfd = test_socket_on(AF_INET, "127.0.0.1", -1, &port), steps;
	struct transport *t = transport_new(), *b = transport_new();
	enum transport_status st;

	cr_assert(rfd >= 0);
	snprintf(portstr, sizeof(portstr), "%d", port);
	st = transport_connect_start(t, "127.0.0.1", portstr, 2000, err, sizeof(err));
	st = test_connect_steps(t, st, err, &steps);
	cr_assert_eq(st, TRANSPORT_ERR_CONNECT, "%s", transport_status_name(st));
	snprintf(want, sizeof(want), "127.0.0.1 port %d: connection refused", port);
	cr_assert_str_eq(err, want);
	cr_assert_eq(transport_connect(b, "127.0.0.1", portstr, 2000, blocking, sizeof(blocking)),
		     TRANSPORT_ERR_CONNECT);
	cr_assert_str_eq(err, blocking);
	cr_assert_eq(transport_fd(t), -1);
	transport_free(t);
	transport_free(b);
	close(rfd);
}

Test(transport_step, refused_then_next_address)
{
	struct addrinfo ai[2];
	struct sockaddr_storage ss[2];
	char err[ERRLEN], want[128];
	int rport = 0, lport = 0, steps, idx, count;
	int rfd = test_socket_on(AF_INET, "127.0.0.1", -1, &rport);
	int lfd = test_socket_on(AF_INET, "127.0.0.1", 8, &lport);
	struct transport *t = transport_new();
	enum transport_status st;

	cr_assert(rfd >= 0 && lfd >= 0);
	test_ai(&ai[0], &ss[0], AF_INET, "127.0.0.1", rport);
	test_ai(&ai[1], &ss[1], AF_INET, "127.0.0.1", lport);
	ai[0].ai_next = &ai[1];
	st = transport_connect_start_list(t, ai, "localhost", 2000, err, sizeof(err));
	st = test_connect_steps(t, st, err, &steps);
	cr_assert_eq(st, TRANSPORT_OK, "%s", err);
	snprintf(want, sizeof(want), "127.0.0.1 port %d", lport);
	cr_assert_str_eq(transport_peer(t), want);
	(void)transport_connect_address(t, &idx, &count);
	cr_assert_eq(idx, 2);
	cr_assert_eq(count, 2);
	snprintf(want, sizeof(want), "127.0.0.1 port %d: connection refused", rport);
	cr_assert_str_eq(transport_connect_failures(t), want);
	transport_free(t);
	close(rfd);
	close(lfd);
}

Test(transport_step, hanging_address_times_out_then_next)
{
	struct addrinfo ai[2];
	struct sockaddr_storage ss[2];
	char err[ERRLEN], want[128];
	int hport = 0, lport = 0, hfd, lfd, fill[4], nfill, idx, count, steps = 0;
	struct transport *t = transport_new();
	enum transport_status st;

	if (!test_full_backlog(&hfd, &hport, fill, &nfill))
		cr_skip_test("a full backlog does not stall connect on this machine");
	lfd = test_socket_on(AF_INET, "127.0.0.1", 8, &lport);
	cr_assert(lfd >= 0);
	test_ai(&ai[0], &ss[0], AF_INET, "127.0.0.1", hport);
	test_ai(&ai[1], &ss[1], AF_INET, "127.0.0.1", lport);
	ai[0].ai_next = &ai[1];
	st = transport_connect_start_list(t, ai, "localhost", 300, err, sizeof(err));
	cr_assert_eq(st, TRANSPORT_WANT_WRITE);
	/* Steps before the deadline keep waiting on the first address. */
	cr_assert_eq(transport_connect_step(t, err, sizeof(err)), TRANSPORT_WANT_WRITE);
	snprintf(want, sizeof(want), "127.0.0.1 port %d", hport);
	cr_assert_str_eq(transport_connect_address(t, &idx, &count), want);
	cr_assert_eq(idx, 1);
	cr_assert_eq(count, 2);
	while (st == TRANSPORT_WANT_WRITE && idx == 1 && steps++ < 100) {
		test_step_wait(t, st, 1000);
		st = transport_connect_step(t, err, sizeof(err));
		(void)transport_connect_address(t, &idx, &count);
	}
	snprintf(want, sizeof(want), "127.0.0.1 port %d: timed out after 300 ms", hport);
	cr_assert_str_eq(transport_connect_failures(t), want);
	st = test_connect_steps(t, st, err, &steps);
	cr_assert_eq(st, TRANSPORT_OK, "%s", err);
	snprintf(want, sizeof(want), "127.0.0.1 port %d", lport);
	cr_assert_str_eq(transport_peer(t), want);
	while (nfill-- > 0)
		close(fill[nfill]);
	transport_free(t);
	close(hfd);
	close(lfd);
}

Test(transport_step, free_while_connecting)
{
	int hport = 0, hfd, fill[4], nfill;
	char portstr[16], err[ERRLEN];
	struct transport *t = transport_new();

	if (!test_full_backlog(&hfd, &hport, fill, &nfill))
		cr_skip_test("a full backlog does not stall connect on this machine");
	snprintf(portstr, sizeof(portstr), "%d", hport);
	cr_assert_eq(transport_connect_start(t, "127.0.0.1", portstr, 0, err, sizeof(err)),
		     TRANSPORT_WANT_WRITE);
	cr_assert_eq(transport_connect_deadline_ms(t), -1);
	cr_assert(transport_connecting(t));
	cr_assert_eq(transport_connect_step(t, err, sizeof(err)), TRANSPORT_WANT_WRITE);
	transport_free(t);
	while (nfill-- > 0)
		close(fill[nfill]);
	close(hfd);
}

/* Step a begun handshake until it ends or the caller's deadline (ms) passes. */
static enum transport_status
test_tls_steps(struct transport *t, struct transport_tls_summary *s, char *err, int deadline_ms,
	       int *steps)
{
	struct timespec t0, now;
	enum transport_status st = TRANSPORT_WANT_WRITE;
	long elapsed;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	*steps = 0;
	for (;;) {
		st = transport_tls_step(t, s, err, ERRLEN);
		(*steps)++;
		if (st != TRANSPORT_WANT_READ && st != TRANSPORT_WANT_WRITE)
			return st;
		cr_assert(transport_tls_handshaking(t));
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (elapsed >= deadline_ms)
			return st;
		test_step_wait(t, st, (int)(deadline_ms - elapsed));
	}
}

Test(transport_step, silent_tls_server_until_the_callers_deadline)
{
	int p = 0, lfd = test_socket_on(AF_INET, "127.0.0.1", 8, &p), steps;
	struct transport *t = transport_new(), *b = transport_new();
	char port[16], err[ERRLEN], blocking[ERRLEN];
	enum transport_status st;

	cr_assert(lfd >= 0);
	snprintf(port, sizeof(port), "%d", p);
	cr_assert_eq(transport_connect(t, "127.0.0.1", port, 2000, err, sizeof(err)), TRANSPORT_OK);
	cr_assert_eq(transport_tls_begin(t, NULL, err, sizeof(err)), TRANSPORT_WANT_WRITE, "%s",
		     err);
	st = test_tls_steps(t, NULL, err, 300, &steps);
	/* The ClientHello went out; the server never answers: still waiting to read. */
	cr_assert_eq(st, TRANSPORT_WANT_READ, "%s", transport_status_name(st));
	cr_assert_geq(steps, 2);
	cr_assert(!transport_tls_active(t));
	cr_assert_eq(transport_tls_timeout(t, 300, err, sizeof(err)), TRANSPORT_ERR_TIMEOUT);
	cr_assert(!transport_tls_handshaking(t));
	cr_assert_eq(transport_connect(b, "127.0.0.1", port, 2000, blocking, sizeof(blocking)),
		     TRANSPORT_OK);
	cr_assert_eq(transport_start_tls(b, NULL, 300, NULL, blocking, sizeof(blocking)),
		     TRANSPORT_ERR_TIMEOUT);
	/* Same words, but for the port of each connection. */
	cr_assert_not_null(strstr(err, "timed out: no answer within 300 ms"), "%s", err);
	cr_assert_not_null(strstr(blocking, "timed out: no answer within 300 ms"), "%s", blocking);
	cr_assert_eq(strncmp(err, blocking, strlen("TLS handshake with 127.0.0.1 port ")), 0);
	/* The broken session takes no more I/O. */
	cr_assert_eq(transport_write_all(t, "x", 1, 100), TRANSPORT_ERR_IO);
	transport_free(t);
	transport_free(b);
	close(lfd);
}

Test(transport_tls, handshake_by_steps)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s;
	struct transport *t = transport_new();
	char port[16], err[ERRLEN], line[256];
	int steps;

	test_server(AF_INET, "127.0.0.1", pki.good, NULL, port, sizeof(port));
	cr_assert_eq(transport_connect(t, "localhost", port, 2000, err, ERRLEN), TRANSPORT_OK);
	cr_assert_eq(transport_tls_begin(t, &o, err, sizeof(err)), TRANSPORT_WANT_WRITE);
	cr_assert(transport_tls_handshaking(t));
	/*
	 * How many steps it takes depends on how fast the server answers (one, when its reply
	 * is already there for the first read): that the steps never block is shown by
	 * silent_tls_server_until_the_callers_deadline.
	 */
	cr_assert_eq(test_tls_steps(t, &s, err, 5000, &steps), TRANSPORT_OK, "%s", err);
	cr_assert_geq(steps, 1);
	cr_assert(transport_tls_active(t));
	cr_assert(!transport_tls_handshaking(t));
	cr_assert(s.verified);
	cr_assert_str_eq(s.verify_words, "the certificate is trusted and valid for localhost");
	cr_assert_str_eq(s.protocol, "TLSv1.3");
	cr_assert_str_eq(s.subject, "CN=localhost,O=ehlo tests");
	cr_assert_str_eq(err, "");
	test_read_line(t, line, sizeof(line));
	cr_assert_str_eq(line, "sni=localhost\r\n");
	cr_assert_eq(transport_tls_step(t, &s, err, sizeof(err)), TRANSPORT_ERR_TLS);
	transport_free(t);
}

Test(transport_tls, verify_failure_by_steps_in_the_blocking_words)
{
	struct transport_tls_options o = {.cafile = pki.ca_file};
	struct transport_tls_summary s, bs;
	struct transport *t = transport_new(), *b = transport_new();
	char port[16], err[ERRLEN], blocking[ERRLEN], peer[256], tpeer[128];
	int steps;

	test_server(AF_INET, "127.0.0.1", pki.wrong, NULL, port, sizeof(port));
	cr_assert_eq(transport_connect(t, "localhost", port, 2000, err, ERRLEN), TRANSPORT_OK);
	cr_assert_eq(transport_tls_begin(t, &o, err, sizeof(err)), TRANSPORT_WANT_WRITE);
	cr_assert_eq(test_tls_steps(t, &s, err, 5000, &steps), TRANSPORT_ERR_VERIFY, "%s", err);
	cr_assert(!transport_tls_active(t));
	/* The server serves one connection at a time: end this one first. */
	snprintf(tpeer, sizeof(tpeer), "%s", transport_peer(t));
	transport_free(t);
	cr_assert_eq(test_tls(b, "localhost", port, &o, &bs, blocking), TRANSPORT_ERR_VERIFY);
	cr_assert_eq(s.verify_code, X509_V_ERR_HOSTNAME_MISMATCH);
	cr_assert_str_eq(s.verify_words, bs.verify_words);
	cr_assert_str_eq(s.verify_words,
			 "the certificate is for mail.example.test, not for localhost");
	snprintf(peer, sizeof(peer), "the certificate of %s did not verify: ", tpeer);
	cr_assert_eq(strncmp(err, peer, strlen(peer)), 0, "%s", err);
	cr_assert_str_eq(err, blocking);
	transport_free(b);
}
