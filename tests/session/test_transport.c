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
	rfd4 = test_socket_on(AF_INET, "127.0.0.1", -1, &port);
	cr_assert(rfd4 >= 0);
	rfd6 = test_socket_on(AF_INET6, "::1", -1, &port);
	cr_assert(rfd6 >= 0, "port %d busy on ::1", port);
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

	lfd = test_socket_on(listen_family, laddr, 8, &port);
	cr_assert(lfd >= 0);
	rfd = test_socket_on(other, oaddr, -1, &port);
	cr_assert(rfd >= 0, "port %d busy on %s", port, oaddr);
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
