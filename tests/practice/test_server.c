/*
 * test_server.c: the embeddable API as the explorer uses it: a server in its own thread
 * on a free loopback port, its certificate trusted by a client that verifies it (name
 * localhost and address 127.0.0.1), a message sent over STARTTLS, the message read back
 * from memory, a clean stop.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "server.h"

/* A blocking loopback connection with a 10 s receive timeout. */
static int
connect_port(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

/* Read one whole reply (up to the line whose 4th byte is a space), plain or TLS. */
static void
read_reply(int fd, SSL *ssl, char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		cr_assert_lt(n + 1, cap);
		int r = ssl ? SSL_read(ssl, buf + n, 1) : (int)recv(fd, buf + n, 1, 0);
		cr_assert_eq(r, 1, "connection ended in a reply: %.*s", (int)n, buf);
		n++;
		if (buf[n - 1] != '\n')
			continue;
		size_t start = n - 2;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		if (n - start >= 4 && buf[start + 3] != '-')
			break;
	}
	buf[n] = '\0';
}

/* Send a string and read the reply. */
static void
chat(int fd, SSL *ssl, const char *cmd, char *reply, size_t cap)
{
	size_t len = strlen(cmd);
	int w = ssl ? SSL_write(ssl, cmd, (int)len) : (int)send(fd, cmd, len, 0);
	cr_assert_eq(w, (int)len);
	read_reply(fd, ssl, reply, cap);
}

/* Lines the server logged (written on its thread, read after server_stop joined it). */
static char logged[65536];
static size_t nlogged;

/* The log callback. */
static void
capture_log(void *ctx, const char *line)
{
	cr_assert_eq(ctx, (void *)logged);
	size_t n = strlen(line);
	if (nlogged + n + 2 < sizeof logged) {
		memcpy(logged + nlogged, line, n);
		logged[nlogged + n] = '\n';
		nlogged += n + 1;
		logged[nlogged] = '\0';
	}
}

/* Collect what server_messages gives. */
static void
collect(const struct server_message *m, void *ctx)
{
	char *out = ctx;
	int n = snprintf(out, 1024, "%s|%s|%zu|%d|%.*s", m->from, m->rcpt, m->size, m->tls,
			 (int)m->body_len, m->body);
	cr_assert(n > 0 && n < 1024);
}

Test(server, thread_starttls_verified_message_kept)
{
	struct server_options o;
	server_options_init(&o);
	o.listen = "127.0.0.1:0";
	o.log = NULL;
	o.log_fn = capture_log;
	o.log_ctx = logged;
	o.users[0] = "pat:secret";
	o.nusers = 1;
	char err[SERVER_ERROR_MAX];
	struct server *srv = server_new(&o, err, sizeof err);
	cr_assert_not_null(srv, "%s", err);
	cr_assert_eq(server_listen(srv, err, sizeof err), 0, "%s", err);
	int port = server_port(srv);
	cr_assert_gt(port, 0);
	char want[64];
	snprintf(want, sizeof want, "127.0.0.1:%d", port);
	cr_assert_str_eq(server_address(srv), want);
	const char *pem = server_cert_pem(srv);
	cr_assert(strncmp(pem, "-----BEGIN CERTIFICATE-----", 27) == 0);
	cr_assert_eq(server_start(srv), 0);

	int fd = connect_port(port);
	char reply[2048];
	read_reply(fd, NULL, reply, sizeof reply);
	cr_assert(strncmp(reply, "220 localhost ESMTP", 19) == 0, "%s", reply);
	chat(fd, NULL, "EHLO test\r\n", reply, sizeof reply);
	cr_assert_not_null(strstr(reply, "250-STARTTLS"));
	chat(fd, NULL, "STARTTLS\r\n", reply, sizeof reply);
	cr_assert_str_eq(reply, "220 2.0.0 Ready to start TLS\r\n");

	/* Trust exactly the server's certificate, check the name and the address. */
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	cr_assert_not_null(cert);
	X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), cert);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, "localhost");
	SSL_set1_host(ssl, "localhost");
	cr_assert_eq(SSL_connect(ssl), 1, "handshake or verification failed");
	cr_assert_eq(SSL_get_verify_result(ssl), X509_V_OK);
	cr_assert_eq(X509_check_ip_asc(cert, "127.0.0.1", 0), 1, "no IP:127.0.0.1 in the SAN");

	chat(fd, ssl, "EHLO test\r\n", reply, sizeof reply);
	cr_assert_null(strstr(reply, "STARTTLS"), "STARTTLS offered again after TLS");
	chat(fd, ssl, "AUTH PLAIN AHBhdABzZWNyZXQ=\r\n", reply, sizeof reply);
	cr_assert_str_eq(reply, "235 2.7.0 Authentication successful\r\n");
	chat(fd, ssl, "MAIL FROM:<pat@example.com>\r\n", reply, sizeof reply);
	cr_assert_str_eq(reply, "250 2.1.0 Ok\r\n");
	chat(fd, ssl, "RCPT TO:<kim@example.com>\r\n", reply, sizeof reply);
	chat(fd, ssl, "DATA\r\n", reply, sizeof reply);
	cr_assert(strncmp(reply, "354 ", 4) == 0);
	chat(fd, ssl, "Subject: x\r\n\r\n..dot\r\n.\r\n", reply, sizeof reply);
	cr_assert(strncmp(reply, "250 2.0.0 Ok: queued as ", 24) == 0, "%s", reply);
	chat(fd, ssl, "QUIT\r\n", reply, sizeof reply);
	cr_assert_str_eq(reply, "221 2.0.0 Bye\r\n");
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	X509_free(cert);
	BIO_free(bio);
	close(fd);

	char seen[1024] = "";
	cr_assert_eq(server_messages(srv, collect, seen), 1);
	cr_assert_str_eq(seen, "pat@example.com|kim@example.com|20|1|Subject: x\r\n\r\n.dot\r\n");
	struct server_stats st;
	server_get_stats(srv, &st);
	cr_assert_eq(st.messages, 1);
	cr_assert_geq(st.connections, 1);
	server_stop(srv);
	cr_assert_not_null(strstr(logged, "[1] C: EHLO test\n"), "%s", logged);
	cr_assert_not_null(strstr(logged, "[1] -- TLS handshake done"), "%s", logged);
	cr_assert_not_null(strstr(logged, "[1] C: AUTH PLAIN [initial response hidden]\n"));
	cr_assert_not_null(strstr(logged, "accepted, 20 octets via DATA from <pat@example.com> to "
					  "<kim@example.com>, subject \"x\""),
			   "%s", logged);
	cr_assert_null(strstr(logged, "secret"), "the password reached the log");
	cr_assert_null(strstr(logged, "AHBhdABzZWNyZXQ="), "the AUTH payload reached the log");
	server_free(srv);
}

Test(server, bad_options_are_refused)
{
	struct server_options o;
	server_options_init(&o);
	o.log = NULL;
	char err[SERVER_ERROR_MAX];
	o.scenario = "no-such";
	cr_assert_null(server_new(&o, err, sizeof err));
	cr_assert_not_null(strstr(err, "unknown scenario"));
	o.scenario = "default";
	o.users[0] = "nocolon";
	o.nusers = 1;
	cr_assert_null(server_new(&o, err, sizeof err));
	o.nusers = 0;
	o.listen = "127.0.0.1";
	struct server *srv = server_new(&o, err, sizeof err);
	cr_assert_not_null(srv);
	cr_assert_eq(server_listen(srv, err, sizeof err), -1);
	server_free(srv);
	cr_assert_eq(server_scenario_count(), 11);
	cr_assert_str_eq(server_scenario_name(1), "submission");
}
