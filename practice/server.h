/*
 * server.h: the practice server, embeddable. One event loop (epoll) over a listening
 * socket and many non-blocking connections, plain or TLS, each driven by a struct smtpd
 * (smtpd.h). `ehlo serve` is its command-line front; the explorer starts one in-process on
 * a free loopback port, trusts its certificate (server_cert_pem) and connects to it.
 *
 * Use: server_options_init, set fields, server_new, server_listen (binds; the port is
 * known from then on), then either server_run (blocks until server_request_stop) or
 * server_start (a thread of its own), and finally server_stop and server_free.
 *
 * The log goes to opt.log (stdout by default) or to opt.log_fn; an explorer embedding the
 * server sets log = NULL and quiet, or a log_fn. server_run sets SIGPIPE to SIG_IGN when
 * it is still SIG_DFL, since OpenSSL writes to sockets the peer may have closed.
 */
#ifndef EHLO_PRACTICE_SERVER_H
#define EHLO_PRACTICE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SERVER_ERROR_MAX 512
#define SERVER_USERS_MAX 64
#define SERVER_LIST_MAX 64
/* Accepted messages kept in memory (the newest), and the bytes kept of each. */
#define SERVER_KEEP_MESSAGES 32
#define SERVER_KEEP_BODY 262144

/* The demo account used when no --user is given. */
#define SERVER_DEMO_USER "student"
#define SERVER_DEMO_PASSWORD "practice"

struct server_options {
	const char *listen;   /* "ADDR:PORT" ("[::1]:25" for IPv6); default 127.0.0.1:2525 */
	const char *scenario; /* a name from the scenario table; NULL: default */
	const char *users[SERVER_USERS_MAX]; /* "NAME:PASSWORD"; none: the demo account */
	size_t nusers;
	const char *local_domains[SERVER_LIST_MAX]; /* relay-denied; none: the built-in list */
	size_t nlocal_domains;
	const char *mailboxes[SERVER_LIST_MAX]; /* unknown-user: more mailbox names */
	size_t nmailboxes;
	const char *hostname; /* greeting name; default "localhost" */
	const char *maildir;  /* write each message to this Maildir; NULL: memory only */
	const char *tls_cert; /* PEM files; both NULL: generate a certificate */
	const char *tls_key;
	bool tls_on_connect; /* TLS at once (port 465 style) instead of STARTTLS */
	bool quiet;	     /* one summary line per message instead of the session */
	bool show_messages;  /* also print each accepted message (sanitized, 200 lines at most) */
	FILE *log;	     /* where the log goes; NULL: nowhere */
	/* Instead of log: each line (sanitized, no newline), called on the loop's thread. */
	void (*log_fn)(void *ctx, const char *line);
	void *log_ctx;
	unsigned long long seed;  /* flaky: the dice */
	bool seed_set;		  /* false: a seed is picked (server_seed tells it) */
	unsigned long size_limit; /* 0: the scenario's */
	int delay_ms;		  /* -1: the scenario's */
	int greylist_delay;	  /* seconds; -1: 60 */
	int max_connections;	  /* 0: 1000 */
	int idle_timeout;	  /* seconds; 0: 300 */
};

/* One message kept in memory. */
struct server_message {
	unsigned long session_id;
	char queue_id[32];
	char from[260];
	char rcpt[260]; /* the first recipient */
	size_t nrcpts;
	size_t size;	  /* octets received */
	const char *body; /* the first SERVER_KEEP_BODY octets */
	size_t body_len;
	bool tls;
	bool bdat;
};

struct server_stats {
	unsigned long connections; /* accepted since start */
	unsigned long open;	   /* open now */
	unsigned long refused;	   /* turned away over --max-connections */
	unsigned long messages;	   /* accepted */
};

struct server;

/* Defaults for every field. */
void server_options_init(struct server_options *o);

/* A server (not listening yet). The options are copied. NULL with err on a bad option. */
struct server *server_new(const struct server_options *o, char *err, size_t errlen);

/* Bind and listen; raises RLIMIT_NOFILE to its hard limit. 0, or -1 with err. */
int server_listen(struct server *srv, char *err, size_t errlen);

/* The bound port, and the address as "127.0.0.1:40123". */
int server_port(const struct server *srv);
const char *server_address(const struct server *srv);

/* The certificate the server presents, PEM. */
const char *server_cert_pem(const struct server *srv);

/* The seed the flaky scenario uses. */
unsigned long long server_seed(const struct server *srv);

/* The accounts, "NAME:PASSWORD" each, for printing the demo account at start. */
size_t server_account_count(const struct server *srv);
const char *server_account_name(const struct server *srv, size_t i);

/* Run the loop in this thread until server_request_stop. 0, or -1 on a fatal error. */
int server_run(struct server *srv);

/* Run the loop in a thread of its own. 0, or -1. */
int server_start(struct server *srv);

/* Ask the loop to end (async-signal-safe: a write to a pipe). */
void server_request_stop(struct server *srv);

/* Stop the loop and wait for its thread, if server_start made one. */
void server_stop(struct server *srv);

/* Close everything and free. The loop must have ended. */
void server_free(struct server *srv);

/* Counters (thread-safe). */
void server_get_stats(struct server *srv, struct server_stats *st);

/*
 * Call fn for each message kept in memory, oldest first, under the server's lock (fn must
 * not call back into the server). Returns how many there were.
 */
size_t server_messages(struct server *srv, void (*fn)(const struct server_message *m, void *ctx),
		       void *ctx);

/* Scenarios: how many, and each one's name, one-line summary and description. */
size_t server_scenario_count(void);
const char *server_scenario_name(size_t i);
const char *server_scenario_summary(size_t i);
const char *server_scenario_about(size_t i);

#endif
