/*
 * serve.c: ehlo serve, the command-line front of the practice server (practice/server.h).
 * Parses the options, prints where it listens on the first line of stdout (flushed, so a
 * script can read the port), what scenario and accounts it runs with, then runs the loop
 * until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cli.h"
#include "exitcodes.h"
#include "server.h"

/* The server the signal handler stops. */
static struct server *serve_running;

/* Lines read from --user-file, kept until exit. */
static char *serve_file_users[SERVER_USERS_MAX];
static size_t serve_nfile_users;

/* The usage text. */
static void
serve_usage(FILE *f)
{
	fputs("usage: ehlo serve [OPTIONS]\n"
	      "\n"
	      "Run the practice SMTP server: a real server for learning and testing that never\n"
	      "relays anything. It prints every session as it happens.\n"
	      "\n"
	      "  --listen ADDR:PORT     where to listen (default 127.0.0.1:2525; port 0 picks a\n"
	      "                         free one; [::1]:2525 for IPv6). The first line printed\n"
	      "                         says the address actually used.\n"
	      "  --scenario NAME        how to behave (default: default); see --list-scenarios\n"
	      "  --list-scenarios       describe every scenario and exit\n"
	      "  --user NAME:PASSWORD   an AUTH account (repeatable); without any, the demo\n"
	      "                         account student / practice\n"
	      "  --user-file FILE       accounts from a file, one NAME:PASSWORD a line (keeps\n"
	      "                         passwords out of the process list)\n"
	      "  --mailbox NAME         unknown-user: one more existing mailbox (repeatable)\n"
	      "  --local-domain DOMAIN  relay-denied: a local domain (repeatable; replaces the\n"
	      "                         default localhost, example.com/.org/.net, [127.0.0.1])\n"
	      "  --hostname NAME        the name in the greeting and EHLO reply (localhost)\n"
	      "  --maildir DIR          also write each accepted message to DIR/new (a Maildir)\n"
	      "  --tls-cert FILE        certificate chain (PEM) instead of the self-signed one\n"
	      "  --tls-key FILE         its private key (PEM)\n"
	      "  --cert-out FILE        write the certificate (PEM) to FILE, for clients to\n"
	      "                         trust it (ehlo send --cafile FILE, curl --cacert FILE)\n"
	      "  --tls-on-connect       TLS from the first byte (port 465 style), no STARTTLS\n"
	      "  --size-limit BYTES     the SIZE advertised and enforced (default 10240000;\n"
	      "                         10240 under size-limit)\n"
	      "  --delay MS             wait before every reply (slow: 1500)\n"
	      "  --greylist-delay SECS  greylist: retry accepted after this long (default 60)\n"
	      "  --seed N               flaky: the seed, so a lesson can be repeated\n"
	      "  --max-connections N    connections at once (default 1000); more get 421\n"
	      "  --idle-timeout SECS    close idle sessions with 421 4.4.2 (default 300)\n"
	      "  --quiet                one summary line per message instead of the sessions\n"
	      "  --show-messages        also print each accepted message (200 lines at most)\n"
	      "  --help                 this text\n"
	      "\n"
	      "Limits: command lines 512 octets (500 5.5.6 beyond), 100 recipients per message,\n"
	      "3 failed AUTH attempts (then 421), 100 bad commands (then 421). Only\n"
	      "<CR><LF>.<CR><LF> ends a message; a message with a bare CR, bare LF or NUL is\n"
	      "refused with 550 5.5.2 after its real end (SMTP smuggling defence).\n"
	      "\n"
	      "examples:\n"
	      "  ehlo serve --listen 0.0.0.0:2525 --scenario submission   for a class\n"
	      "  swaks --server 127.0.0.1:2525 --to you@example.com\n",
	      f);
}

/* SIGINT and SIGTERM: stop the loop. */
static void
serve_on_signal(int sig)
{
	(void)sig;
	if (serve_running != NULL)
		server_request_stop(serve_running);
}

/* Describe every scenario. */
static void
serve_list_scenarios(void)
{
	for (size_t i = 0; i < server_scenario_count(); i++) {
		printf("%s\n  %s\n", server_scenario_name(i), server_scenario_summary(i));
		const char *about = server_scenario_about(i);
		while (*about) {
			const char *nl = strchr(about, '\n');
			size_t n = nl ? (size_t)(nl - about) : strlen(about);
			printf("    %.*s\n", (int)n, about);
			about += n + (nl ? 1 : 0);
		}
		printf("\n");
	}
}

/* Parse a non-negative integer option value; -1 when it is not one. */
static long long
serve_number(const char *s, long long max)
{
	if (s == NULL || *s == '\0')
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > max)
		return -1;
	return v;
}

/* Read NAME:PASSWORD lines from a file into the options. */
static int
serve_read_users(const char *path, struct server_options *o)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "ehlo serve: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	char line[1024];
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (o->nusers == SERVER_USERS_MAX || serve_nfile_users == SERVER_USERS_MAX) {
			fprintf(stderr, "ehlo serve: at most %d accounts\n", SERVER_USERS_MAX);
			break;
		}
		char *copy = strdup(line);
		if (copy == NULL)
			break;
		serve_file_users[serve_nfile_users++] = copy;
		o->users[o->nusers++] = copy;
	}
	fclose(f);
	return 0;
}

/* Print what the server runs with, after the listening line. */
static void
serve_banner(struct server *srv, const struct server_options *o)
{
	printf("ehlo serve: listening on %s\n", server_address(srv));
	fflush(stdout);
	size_t sc = 0;
	for (size_t i = 0; i < server_scenario_count(); i++)
		if (strcmp(server_scenario_name(i), o->scenario) == 0)
			sc = i;
	printf("ehlo serve: scenario %s: %s\n", server_scenario_name(sc),
	       server_scenario_summary(sc));
	if (o->tls_on_connect)
		printf("ehlo serve: TLS from the first byte (--tls-on-connect)");
	else
		printf("ehlo serve: STARTTLS offered");
	printf(o->tls_cert ? ", certificate from %s\n"
			   : ", self-signed certificate for localhost%s\n",
	       o->tls_cert ? o->tls_cert : " made at start");
	if (o->nusers == 0) {
		printf("ehlo serve: demo account: user %s, password %s (--user NAME:PASSWORD sets "
		       "your own)\n",
		       SERVER_DEMO_USER, SERVER_DEMO_PASSWORD);
	} else {
		printf("ehlo serve: accounts:");
		for (size_t i = 0; i < server_account_count(srv); i++)
			printf(" %s", server_account_name(srv, i));
		printf(" (passwords as given)\n");
	}
	if (strcmp(o->scenario, "flaky") == 0)
		printf("ehlo serve: flaky seed %llu (--seed %llu repeats this run)\n",
		       server_seed(srv), server_seed(srv));
	if (o->maildir != NULL)
		printf("ehlo serve: messages also go to the Maildir %s\n", o->maildir);
	printf("ehlo serve: nothing is ever relayed; Ctrl-C stops\n");
	fflush(stdout);
}

/* Write the server's certificate to path, for clients to trust. */
static int
serve_write_cert(struct server *srv, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "ehlo serve: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	int ok = fputs(server_cert_pem(srv), f) >= 0;
	if (fclose(f) != 0 || !ok) {
		fprintf(stderr, "ehlo serve: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

/* Take the value of an option given as "--opt VALUE" or "--opt=VALUE". */
static const char *
serve_value(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "ehlo serve: %s needs a value\n", name);
		exit(EHLO_EXIT_USAGE);
	}
	return argv[++*i];
}

/* ehlo serve. */
int
serve_main(int argc, char **argv)
{
	struct server_options o;
	server_options_init(&o);
	o.log = stdout;
	const char *v;
	const char *cert_out = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long long num;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			serve_usage(stdout);
			return EHLO_EXIT_OK;
		} else if (strcmp(a, "--version") == 0) {
			printf("ehlo %s\n", EHLO_VERSION);
			return EHLO_EXIT_OK;
		} else if (strcmp(a, "--list-scenarios") == 0) {
			serve_list_scenarios();
			return EHLO_EXIT_OK;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			o.quiet = true;
		} else if (strcmp(a, "--show-messages") == 0) {
			o.show_messages = true;
		} else if (strcmp(a, "--tls-on-connect") == 0) {
			o.tls_on_connect = true;
		} else if ((v = serve_value(argc, argv, &i, "--listen")) != NULL) {
			o.listen = v;
		} else if ((v = serve_value(argc, argv, &i, "--scenario")) != NULL) {
			o.scenario = v;
		} else if ((v = serve_value(argc, argv, &i, "--user-file")) != NULL) {
			if (serve_read_users(v, &o) < 0)
				return EHLO_EXIT_USAGE;
		} else if ((v = serve_value(argc, argv, &i, "--user")) != NULL) {
			if (o.nusers == SERVER_USERS_MAX) {
				fprintf(stderr, "ehlo serve: at most %d accounts\n",
					SERVER_USERS_MAX);
				return EHLO_EXIT_USAGE;
			}
			o.users[o.nusers++] = v;
		} else if ((v = serve_value(argc, argv, &i, "--mailbox")) != NULL) {
			if (o.nmailboxes < SERVER_LIST_MAX)
				o.mailboxes[o.nmailboxes++] = v;
		} else if ((v = serve_value(argc, argv, &i, "--local-domain")) != NULL) {
			if (o.nlocal_domains < SERVER_LIST_MAX)
				o.local_domains[o.nlocal_domains++] = v;
		} else if ((v = serve_value(argc, argv, &i, "--hostname")) != NULL) {
			o.hostname = v;
		} else if ((v = serve_value(argc, argv, &i, "--maildir")) != NULL) {
			o.maildir = v;
		} else if ((v = serve_value(argc, argv, &i, "--tls-cert")) != NULL) {
			o.tls_cert = v;
		} else if ((v = serve_value(argc, argv, &i, "--tls-key")) != NULL) {
			o.tls_key = v;
		} else if ((v = serve_value(argc, argv, &i, "--cert-out")) != NULL) {
			cert_out = v;
		} else if ((v = serve_value(argc, argv, &i, "--lang")) != NULL) {
			/* The server speaks SMTP's English; accepted for every command alike. */
		} else if ((v = serve_value(argc, argv, &i, "--size-limit")) != NULL) {
			if ((num = serve_number(v, 1LL << 40)) <= 0)
				goto bad_number;
			o.size_limit = (unsigned long)num;
		} else if ((v = serve_value(argc, argv, &i, "--delay")) != NULL) {
			if ((num = serve_number(v, 600000)) < 0)
				goto bad_number;
			o.delay_ms = (int)num;
		} else if ((v = serve_value(argc, argv, &i, "--greylist-delay")) != NULL) {
			if ((num = serve_number(v, 86400 * 30)) < 0)
				goto bad_number;
			o.greylist_delay = (int)num;
		} else if ((v = serve_value(argc, argv, &i, "--seed")) != NULL) {
			if ((num = serve_number(v, 1LL << 62)) < 0)
				goto bad_number;
			o.seed = (unsigned long long)num;
			o.seed_set = true;
		} else if ((v = serve_value(argc, argv, &i, "--max-connections")) != NULL) {
			if ((num = serve_number(v, 1000000)) <= 0)
				goto bad_number;
			o.max_connections = (int)num;
		} else if ((v = serve_value(argc, argv, &i, "--idle-timeout")) != NULL) {
			if ((num = serve_number(v, 86400)) <= 0)
				goto bad_number;
			o.idle_timeout = (int)num;
		} else {
			fprintf(stderr, "ehlo serve: unknown option '%s' (see ehlo serve --help)\n",
				a);
			return EHLO_EXIT_USAGE;
		}
		continue;
	bad_number:
		fprintf(stderr, "ehlo serve: %s wants a number in range, not '%s'\n", a, v);
		return EHLO_EXIT_USAGE;
	}
	char err[SERVER_ERROR_MAX];
	struct server *srv = server_new(&o, err, sizeof err);
	if (srv == NULL) {
		fprintf(stderr, "ehlo serve: %s\n", err);
		return EHLO_EXIT_USAGE;
	}
	if (server_listen(srv, err, sizeof err) < 0) {
		fprintf(stderr, "ehlo serve: %s\n", err);
		server_free(srv);
		return EHLO_EXIT_CONNECT;
	}
	serve_running = srv;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = serve_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (cert_out != NULL && serve_write_cert(srv, cert_out) < 0) {
		server_free(srv);
		return EHLO_EXIT_INTERNAL;
	}
	serve_banner(srv, &o);
	if (cert_out != NULL)
		printf("ehlo serve: certificate written to %s\n", cert_out);
	fflush(stdout);
	int rc = server_run(srv);
	struct server_stats st;
	server_get_stats(srv, &st);
	printf("ehlo serve: stopped after %lu connection%s, %lu message%s accepted\n",
	       st.connections, st.connections == 1 ? "" : "s", st.messages,
	       st.messages == 1 ? "" : "s");
	fflush(stdout);
	serve_running = NULL;
	server_free(srv);
	for (size_t i = 0; i < serve_nfile_users; i++) {
		memset(serve_file_users[i], 0, strlen(serve_file_users[i]));
		free(serve_file_users[i]);
	}
	return rc == 0 ? EHLO_EXIT_OK : EHLO_EXIT_INTERNAL;
}
