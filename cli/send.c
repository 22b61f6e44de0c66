/*
 * send.c: ehlo send, the options. Parses the command line into a struct send_options
 * (send-session.h), fetches the AUTH password from where the user said (an environment
 * variable, a file or a prompt with echo off: never argv), checks what can be checked
 * before connecting, and hands over to the driver in send-session.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "config.h"
#include "exitcodes.h"
#include "send-session.h"

#define SEND_TIMEOUT_MAX_S 86400

static const char *const send_step_names[SEND_STEP_COUNT] = {
	"", "connect", "banner", "ehlo", "tls", "auth", "mail", "rcpt", "data", "dot",
};

/* The name of a --quit-after point. */
const char *
send_step_name(enum send_step s)
{
	return (unsigned)s < SEND_STEP_COUNT ? send_step_names[s] : "?";
}

/* The point a --quit-after name means; -1 when it names none. */
int
send_step_from_name(const char *name, enum send_step *s)
{
	for (int i = SEND_STEP_CONNECT; i < SEND_STEP_COUNT; i++) {
		if (strcmp(name, send_step_names[i]) == 0) {
			*s = (enum send_step)i;
			return 0;
		}
	}
	return -1;
}

/* The help text, a line each: every option and every exit code. */
static const char *const send_help[] = {
	"usage: ehlo send --server HOST[:PORT] --to ADDR [OPTIONS]",
	"",
	"Send one message in one SMTP session, showing the session as it happens;",
	"the exit code says how it went. Without --body, ehlo builds a short message.",
	"",
	"server:",
	"  -s, --server HOST[:PORT]  the server (or the first argument); IPv6 as",
	"                            [::1]:25; port 25, or 465 with --tls-on-connect",
	"      --ehlo NAME           the name to send in EHLO (default: this host's)",
	"      --timeout SECONDS     one limit for every wait. Without it, RFC 5321",
	"                            4.5.3.2: greeting, EHLO, MAIL, RCPT 5 min; DATA",
	"                            2 min; each block of the message 3 min; final",
	"                            dot 10 min (connect 30 s, TLS 60 s, QUIT 30 s)",
	"",
	"envelope and message:",
	"  -f, --from ADDR           envelope sender and From: (default USER@host;",
	"                            \"\" sends the null sender, MAIL FROM:<>)",
	"  -t, --to ADDR             a recipient; repeat it or separate with commas",
	"      --body FILE|-         a complete message (headers and body), streamed",
	"                            in constant memory: line ends made CRLF, dots",
	"                            stuffed; lint warnings on stderr",
	"      --subject TEXT        the Subject: of the message ehlo builds",
	"      --header 'Name: value'  an extra header for it (repeatable)",
	"      --pipeline            MAIL, RCPT and DATA in one write when the server",
	"                            advertises PIPELINING (RFC 2920)",
	"  MAIL gets SIZE=n when the server advertises SIZE and the size is known, and",
	"  BODY=8BITMIME with 8BITMIME and 8-bit bytes in the message (a --body file is",
	"  checked first only when it is a regular file of at most 16 MiB).",
	"",
	"TLS (verified by default: system trust store, host name or IP address):",
	"      --tls                 STARTTLS; stop (exit 4) if it is not offered",
	"      --tls-on-connect      TLS from the first byte (implicit TLS, port 465)",
	"      --cafile FILE         also trust this CA or self-signed certificate",
	"      --tls-servername NAME the name to send (SNI) and to verify",
	"      --insecure            go on when the certificate does not verify",
	"",
	"AUTH (refused without TLS unless the server is on a loopback address or",
	"--allow-plaintext-auth is given):",
	"  -a, --auth MECH           PLAIN, LOGIN, CRAM-MD5, XOAUTH2 or SCRAM-SHA-256",
	"  -u, --auth-user USER      the user name (required with --auth)",
	"      --auth-password-env VAR    the password (or XOAUTH2 token) from $VAR",
	"      --auth-password-file FILE  the password from the first line of FILE",
	"                            With neither, ehlo asks (echo off) when stdin is",
	"                            a terminal. A password is never taken from argv.",
	"      --allow-plaintext-auth  AUTH without TLS to a non-loopback server",
	"",
	"flow and output:",
	"      --quit-after STEP     stop there and QUIT. STEP: connect (just close),",
	"                            banner, ehlo, tls (after the EHLO that follows),",
	"                            auth, mail, rcpt, data (after 354: close without",
	"                            sending the message), dot",
	"  -q, --quiet               print nothing but errors and warnings",
	"      --transcript FILE     the session as text (mode 0600, secrets masked)",
	"      --json FILE           the session as JSON Lines (mode 0600, masked)",
	"  -h, --help                this text",
	"",
	"Without --quiet the session is printed as it happens: \" -> \" sent, \"<-  \"",
	"received (\" ~> \" and \"<~  \" under TLS), \"=== \" what ehlo did or saw, \"*** \"",
	"errors. Server text goes through a sanitizer; AUTH payloads are masked.",
	"",
	"exit codes:",
	"  0  delivered (or stopped where --quit-after said)",
	"  1  internal error (out of memory, a fault of ours)",
	"  2  usage: bad options or arguments",
	"  3  connection failed: the name did not resolve, or no address answered",
	"  4  TLS failed: STARTTLS not offered or refused, handshake or verification",
	"  5  AUTH failed, was refused, or was not possible safely",
	"  6  the server rejected with a 4xx (try again later), or closed with 421",
	"  7  the server rejected with a 5xx (permanent)",
	"     (6 or 7 also when only some of several recipients were accepted)",
	"  8  protocol error or timeout: a malformed reply, data before TLS started,",
	"     the connection dropped mid-session, or no answer in time",
};

/* Print the help text. */
static void
send_usage(FILE *f)
{
	for (size_t i = 0; i < sizeof(send_help) / sizeof(send_help[0]); i++) {
		fputs(send_help[i], f);
		fputc('\n', f);
	}
}

/* Print a usage error and the hint to --help. */
static int
send_usage_error(const char *fmt, const char *arg)
{
	fputs("ehlo send: ", stderr);
	fprintf(stderr, fmt, arg != NULL ? arg : "");
	fputs("\n(ehlo send --help lists the options)\n", stderr);
	return EHLO_EXIT_USAGE;
}

/* True when s holds a CR, LF or NUL-free, control-free printable text (for envelope fields). */
static int
send_text_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Split HOST[:PORT], [v6]:PORT, [v6] or a bare IPv6 literal into o->host and o->port. */
static int
send_parse_server(struct send_options *o, const char *arg)
{
	const char *host = arg, *port = NULL;
	size_t hostlen;

	if (arg[0] == '[') {
		const char *end = strchr(arg, ']');

		if (end == NULL)
			return send_usage_error("--server %s: a '[' without its ']'", arg);
		host = arg + 1;
		hostlen = (size_t)(end - host);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return send_usage_error("--server %s: expected ':PORT' after ']'", arg);
	} else {
		const char *colon = strchr(arg, ':');

		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			hostlen = (size_t)(colon - arg);
			port = colon + 1;
		} else {
			/* No colon, or several: a bare IPv6 literal with no port. */
			hostlen = strlen(arg);
		}
	}
	if (hostlen == 0)
		return send_usage_error("--server %s: no host name", arg);
	if (hostlen >= sizeof(o->host))
		return send_usage_error("--server %s: the host name is too long", arg);
	memcpy(o->host, host, hostlen);
	o->host[hostlen] = '\0';
	if (!send_text_ok(o->host) || strchr(o->host, ' ') != NULL)
		return send_usage_error(
			"--server %s: the host name holds spaces or control characters", arg);
	if (port != NULL) {
		size_t plen = strlen(port);

		if (plen == 0 || plen >= sizeof(o->port))
			return send_usage_error("--server %s: the port is empty or too long", arg);
		if (strspn(port, "0123456789") == plen) {
			long n = strtol(port, NULL, 10);

			if (n < 1 || n > 65535)
				return send_usage_error("--server %s: the port must be 1 to 65535",
							arg);
		} else if (strspn(port, "abcdefghijklmnopqrstuvwxyz0123456789-") != plen) {
			return send_usage_error(
				"--server %s: the port is not a number or a service name", arg);
		}
		memcpy(o->port, port, plen + 1);
	}
	return 0;
}

/* Add each comma-separated address of arg (modified in place) as a recipient. */
static int
send_add_to(struct send_options *o, char *arg)
{
	char *save = NULL;

	for (char *tok = strtok_r(arg, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		size_t n = strlen(tok);

		while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
			tok[--n] = '\0';
		if (n == 0)
			continue;
		if (!send_text_ok(tok))
			return send_usage_error("--to: an address holds a control character (%s)",
						"line breaks would inject commands");
		if (o->nto >= SEND_TO_MAX)
			return send_usage_error("--to: at most %s recipients", "64");
		o->to[o->nto++] = tok;
	}
	return 0;
}

/* Parse SECONDS for --timeout into milliseconds. */
static int
send_parse_timeout(const char *arg, int *ms)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !(s > 0) || s > SEND_TIMEOUT_MAX_S)
		return send_usage_error(
			"--timeout %s: give a number of seconds (over 0, at most a day)", arg);
	*ms = (int)(s * 1000.0 + 0.5);
	if (*ms < 1)
		*ms = 1;
	return 0;
}

/* Strip one trailing line end from a password buffer. */
static void
send_chomp(char *s, size_t *len)
{
	if (*len > 0 && s[*len - 1] == '\n')
		s[--*len] = '\0';
	if (*len > 0 && s[*len - 1] == '\r')
		s[--*len] = '\0';
}

/* Read the first line of path as the password into buf (cap SEND_PASSWORD_MAX). */
static int
send_password_file(const char *path, char *buf)
{
	struct stat st;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "ehlo send: --auth-password-file %s: %s\n", path, strerror(errno));
		return EHLO_EXIT_USAGE;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0077) != 0)
		fprintf(stderr,
			"ehlo send: warning: %s can be read by other users (chmod 600 it)\n", path);
	while (len < SEND_PASSWORD_MAX - 1) {
		ssize_t n = read(fd, buf + len, SEND_PASSWORD_MAX - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "ehlo send: --auth-password-file %s: %s\n", path,
				strerror(errno));
			close(fd);
			return EHLO_EXIT_USAGE;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	char *nl = memchr(buf, '\n', len);

	if (nl != NULL) {
		OPENSSL_cleanse(nl + 1, len - (size_t)(nl + 1 - buf));
		len = (size_t)(nl + 1 - buf);
		buf[len] = '\0';
	}
	send_chomp(buf, &len);
	return 0;
}

static struct termios send_tty_saved;

/* Ctrl-C at the prompt: give the terminal its echo back, then die of the signal. */
static void
send_tty_restore(int sig)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &send_tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Ask for the password on the terminal with echo off. */
static int
send_password_prompt(const char *user, char *buf)
{
	struct termios old, quiet;
	size_t len = 0;
	int rc = 0;

	if (tcgetattr(STDIN_FILENO, &old) != 0) {
		fprintf(stderr, "ehlo send: cannot read a password from this terminal: %s\n",
			strerror(errno));
		return EHLO_EXIT_USAGE;
	}
	send_tty_saved = old;
	signal(SIGINT, send_tty_restore);
	signal(SIGTERM, send_tty_restore);
	signal(SIGHUP, send_tty_restore);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	/* Echo goes off before the prompt shows, so nothing typed after it can be echoed. */
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
		fprintf(stderr, "ehlo send: cannot turn echo off: %s\n", strerror(errno));
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		return EHLO_EXIT_USAGE;
	}
	fprintf(stderr, "Password for %s: ", user);
	fflush(stderr);
	while (len < SEND_PASSWORD_MAX - 1) {
		char c;
		ssize_t n = read(STDIN_FILENO, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || c == '\n')
			break;
		buf[len++] = c;
		c = 0;
	}
	buf[len] = '\0';
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	fputc('\n', stderr);
	send_chomp(buf, &len);
	if (len == 0) {
		fprintf(stderr, "ehlo send: no password given\n");
		rc = EHLO_EXIT_USAGE;
	}
	return rc;
}

/* Fill o->password from the environment, a file or the terminal. */
static int
send_get_password(struct send_options *o, const char *env, const char *file)
{
	int rc = 0;

	o->password = malloc(SEND_PASSWORD_MAX);
	if (o->password == NULL) {
		fprintf(stderr, "ehlo send: out of memory\n");
		return EHLO_EXIT_INTERNAL;
	}
	o->password[0] = '\0';
	if (env != NULL) {
		const char *v = getenv(env);

		if (v == NULL)
			return send_usage_error("--auth-password-env %s: that variable is not set",
						env);
		if (strlen(v) >= SEND_PASSWORD_MAX)
			return send_usage_error("--auth-password-env %s: the value is too long",
						env);
		memcpy(o->password, v, strlen(v) + 1);
		/* Not passed on to anything we start, and not left for a later getenv. */
		unsetenv(env);
	} else if (file != NULL) {
		rc = send_password_file(file, o->password);
	} else if (isatty(STDIN_FILENO) &&
		   (o->body_path == NULL || strcmp(o->body_path, "-") != 0)) {
		rc = send_password_prompt(o->auth_user, o->password);
	} else {
		return send_usage_error(
			"--auth needs a password: --auth-password-env VAR or --auth-password-file "
			"FILE%s",
			" (or run on a terminal to be asked; never on the command line)");
	}
	if (rc == 0 && strpbrk(o->password, "\r\n") != NULL)
		return send_usage_error("the password holds a line break%s", "");
	return rc;
}

/* Wipe and free the password if the driver did not. */
static void
send_forget_password(struct send_options *o)
{
	if (o->password != NULL) {
		OPENSSL_cleanse(o->password, SEND_PASSWORD_MAX);
		free(o->password);
		o->password = NULL;
	}
}

/* The default envelope sender: USER@host, like swaks. */
static const char *
send_default_from(char *buf, size_t len)
{
	char host[256];
	const char *user = getenv("LOGNAME");

	if (user == NULL || *user == '\0' || !send_text_ok(user))
		user = getenv("USER");
	if (user == NULL || *user == '\0' || !send_text_ok(user))
		user = "ehlo";
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0' || !send_text_ok(host))
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, len, "%s@%s", user, host);
	return buf;
}

/* The default EHLO name: this host's name when it is a plausible domain. */
static const char *
send_default_ehlo(char *buf, size_t len)
{
	if (gethostname(buf, len) != 0 || buf[0] == '\0' ||
	    strspn(buf, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
		    strlen(buf))
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
	return buf;
}

enum {
	OPT_TLS = 256,
	OPT_TLS_ON_CONNECT,
	OPT_INSECURE,
	OPT_CAFILE,
	OPT_SERVERNAME,
	OPT_PASS_ENV,
	OPT_PASS_FILE,
	OPT_ALLOW_PLAIN,
	OPT_BODY,
	OPT_HEADER,
	OPT_SUBJECT,
	OPT_EHLO,
	OPT_PIPELINE,
	OPT_QUIT_AFTER,
	OPT_TIMEOUT,
	OPT_TRANSCRIPT,
	OPT_JSON,
	OPT_VERSION,
};

static const struct option send_longopts[] = {
	{"server", required_argument, NULL, 's'},
	{"from", required_argument, NULL, 'f'},
	{"to", required_argument, NULL, 't'},
	{"tls", no_argument, NULL, OPT_TLS},
	{"tls-on-connect", no_argument, NULL, OPT_TLS_ON_CONNECT},
	{"insecure", no_argument, NULL, OPT_INSECURE},
	{"cafile", required_argument, NULL, OPT_CAFILE},
	{"tls-servername", required_argument, NULL, OPT_SERVERNAME},
	{"auth", required_argument, NULL, 'a'},
	{"auth-user", required_argument, NULL, 'u'},
	{"auth-password-env", required_argument, NULL, OPT_PASS_ENV},
	{"auth-password-file", required_argument, NULL, OPT_PASS_FILE},
	{"allow-plaintext-auth", no_argument, NULL, OPT_ALLOW_PLAIN},
	{"body", required_argument, NULL, OPT_BODY},
	{"header", required_argument, NULL, OPT_HEADER},
	{"subject", required_argument, NULL, OPT_SUBJECT},
	{"ehlo", required_argument, NULL, OPT_EHLO},
	{"pipeline", no_argument, NULL, OPT_PIPELINE},
	{"quit-after", required_argument, NULL, OPT_QUIT_AFTER},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"transcript", required_argument, NULL, OPT_TRANSCRIPT},
	{"json", required_argument, NULL, OPT_JSON},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

/* The defaults of RFC 5321 4.5.3.2, and ours where it says nothing. */
static void
send_default_timeouts(struct send_timeouts *t)
{
	t->connect = 30 * 1000;
	t->tls = 60 * 1000;
	t->greeting = 5 * 60 * 1000;
	t->ehlo = 5 * 60 * 1000;
	t->mail = 5 * 60 * 1000;
	t->rcpt = 5 * 60 * 1000;
	t->data = 2 * 60 * 1000;
	t->block = 3 * 60 * 1000;
	t->dot = 10 * 60 * 1000;
	t->quit = 30 * 1000;
}

/* Parse every option into o; 0, or an exit code. */
static int
send_parse(struct send_options *o, int argc, char **argv, const char **pass_env,
	   const char **pass_file)
{
	bool server_given = false;
	int timeout_ms = 0, c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:f:t:a:u:qh", send_longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if ((rc = send_parse_server(o, optarg)) != 0)
				return rc;
			server_given = true;
			break;
		case 'f':
			if (!send_text_ok(optarg))
				return send_usage_error(
					"--from: the address holds a control character%s", "");
			o->from = optarg;
			break;
		case 't':
			if ((rc = send_add_to(o, optarg)) != 0)
				return rc;
			break;
		case OPT_TLS:
			o->starttls = true;
			break;
		case OPT_TLS_ON_CONNECT:
			o->tls_on_connect = true;
			break;
		case OPT_INSECURE:
			o->insecure = true;
			break;
		case OPT_CAFILE:
			o->cafile = optarg;
			break;
		case OPT_SERVERNAME:
			if (!send_text_ok(optarg) || optarg[0] == '\0')
				return send_usage_error("--tls-servername %s: not a name", optarg);
			o->servername = optarg;
			break;
		case 'a':
			if (sasl_mech_from_name(optarg, &o->mech) != 0)
				return send_usage_error("--auth %s: use PLAIN, LOGIN, CRAM-MD5, "
							"XOAUTH2 or SCRAM-SHA-256",
							optarg);
			o->auth = true;
			break;
		case 'u':
			if (!send_text_ok(optarg) || optarg[0] == '\0')
				return send_usage_error(
					"--auth-user: empty or holds a control character%s", "");
			o->auth_user = optarg;
			break;
		case OPT_PASS_ENV:
			*pass_env = optarg;
			break;
		case OPT_PASS_FILE:
			*pass_file = optarg;
			break;
		case OPT_ALLOW_PLAIN:
			o->allow_plaintext_auth = true;
			break;
		case OPT_BODY:
			o->body_path = optarg;
			break;
		case OPT_HEADER:
			if (o->nheaders >= SEND_HEADERS_MAX)
				return send_usage_error("--header: at most %s", "32");
			o->headers[o->nheaders++] = optarg;
			break;
		case OPT_SUBJECT:
			o->subject = optarg;
			break;
		case OPT_EHLO:
			if (optarg[0] == '\0' || !send_text_ok(optarg) ||
			    strchr(optarg, ' ') != NULL)
				return send_usage_error(
					"--ehlo %s: one word, no control characters", optarg);
			o->ehlo_name = optarg;
			break;
		case OPT_PIPELINE:
			o->pipeline = true;
			break;
		case OPT_QUIT_AFTER:
			if (send_step_from_name(optarg, &o->quit_after) != 0)
				return send_usage_error(
					"--quit-after %s: use connect, banner, ehlo, tls, "
					"auth, mail, rcpt, data or dot",
					optarg);
			break;
		case OPT_TIMEOUT:
			if ((rc = send_parse_timeout(optarg, &timeout_ms)) != 0)
				return rc;
			break;
		case OPT_TRANSCRIPT:
			o->transcript_path = optarg;
			break;
		case OPT_JSON:
			o->json_path = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			send_usage(stdout);
			return -1;
		case OPT_VERSION:
			printf("ehlo %s\n", EHLO_VERSION);
			return -1;
		case ':':
			return send_usage_error("%s needs a value", argv[optind - 1]);
		default:
			if (optopt != 0 && optopt < 256)
				fprintf(stderr, "ehlo send: unknown option -%c\n", optopt);
			else
				fprintf(stderr, "ehlo send: unknown option %s\n", argv[optind - 1]);
			if (optind - 1 < argc &&
			    strncmp(argv[optind - 1], "--auth-password", 15) == 0 &&
			    strchr(argv[optind - 1], '=') != NULL)
				fputs("ehlo send: a password is never taken from the command line: "
				      "use "
				      "--auth-password-env VAR or --auth-password-file FILE\n",
				      stderr);
			return send_usage_error("%s", "");
		}
	}
	if (optind < argc) {
		if (server_given || optind + 1 < argc)
			return send_usage_error("unexpected argument '%s'",
						argv[server_given ? optind : optind + 1]);
		if ((rc = send_parse_server(o, argv[optind])) != 0)
			return rc;
		server_given = true;
	}
	if (timeout_ms > 0) {
		struct send_timeouts *t = &o->timeouts;

		t->connect = t->tls = t->greeting = t->ehlo = t->mail = t->rcpt = timeout_ms;
		t->data = t->block = t->dot = t->quit = timeout_ms;
	}
	if (!server_given)
		return send_usage_error("--server HOST[:PORT] is required%s",
					" (ehlo send does not look up MX records)");
	return 0;
}

/* Checks that need every option seen. */
static int
send_check(struct send_options *o, const char *pass_env, const char *pass_file)
{
	if (o->nto == 0 && o->quit_after != SEND_STEP_CONNECT &&
	    o->quit_after != SEND_STEP_BANNER && o->quit_after != SEND_STEP_EHLO &&
	    o->quit_after != SEND_STEP_TLS && o->quit_after != SEND_STEP_AUTH &&
	    o->quit_after != SEND_STEP_MAIL)
		return send_usage_error("--to ADDR is required%s", "");
	if (o->starttls && o->tls_on_connect)
		return send_usage_error("--tls and --tls-on-connect exclude each other%s",
					" (--tls is STARTTLS on a plain connection)");
	if (o->auth && o->auth_user == NULL)
		return send_usage_error("--auth needs --auth-user USER%s", "");
	if (!o->auth && (o->auth_user != NULL || pass_env != NULL || pass_file != NULL))
		return send_usage_error("--auth-user and the password options need --auth MECH%s",
					" (PLAIN, LOGIN, CRAM-MD5, XOAUTH2 or SCRAM-SHA-256)");
	if (pass_env != NULL && pass_file != NULL)
		return send_usage_error(
			"give --auth-password-env or --auth-password-file, not both%s", "");
	if (o->quit_after == SEND_STEP_TLS && !o->starttls && !o->tls_on_connect)
		return send_usage_error("--quit-after tls needs --tls or --tls-on-connect%s", "");
	if (o->quit_after == SEND_STEP_AUTH && !o->auth)
		return send_usage_error("--quit-after auth needs --auth%s", "");
	if (o->body_path != NULL && (o->subject != NULL || o->nheaders > 0))
		return send_usage_error("--subject and --header build a message: %s",
					"with --body the file is the whole message");
	if (o->subject != NULL && !send_text_ok(o->subject))
		return send_usage_error("--subject: holds a line break or control character%s", "");
	for (size_t i = 0; i < o->nheaders; i++) {
		const char *colon = strchr(o->headers[i], ':');

		if (!send_text_ok(o->headers[i]) || colon == NULL || colon == o->headers[i])
			return send_usage_error("--header '%s': give one 'Name: value' line",
						o->headers[i]);
	}
	if (o->transcript_path != NULL && o->json_path != NULL &&
	    strcmp(o->transcript_path, o->json_path) == 0)
		return send_usage_error("--transcript and --json name the same file (%s)",
					o->json_path);
	if (o->port[0] == '\0')
		snprintf(o->port, sizeof(o->port), "%s", o->tls_on_connect ? "465" : "25");
	return 0;
}

/* ehlo send: parse, fetch the password, run the session. */
int
send_main(int argc, char **argv)
{
	static struct send_options o;
	char from_buf[512], ehlo_buf[256];
	const char *pass_env = NULL, *pass_file = NULL;
	int rc;

	/* A peer that goes away must be an error from write(), not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	send_default_timeouts(&o.timeouts);
	rc = send_parse(&o, argc, argv, &pass_env, &pass_file);
	if (rc < 0)
		return EHLO_EXIT_OK;
	if (rc == 0)
		rc = send_check(&o, pass_env, pass_file);
	if (rc != 0)
		return rc;
	if (o.from == NULL)
		o.from = send_default_from(from_buf, sizeof(from_buf));
	else if (o.from[0] == '\0' || strcmp(o.from, "<>") == 0)
		o.header_from = send_default_from(from_buf, sizeof(from_buf));
	if (o.ehlo_name == NULL)
		o.ehlo_name = send_default_ehlo(ehlo_buf, sizeof(ehlo_buf));
	if (o.auth && o.quit_after != SEND_STEP_CONNECT && o.quit_after != SEND_STEP_BANNER &&
	    o.quit_after != SEND_STEP_EHLO && o.quit_after != SEND_STEP_TLS) {
		rc = send_get_password(&o, pass_env, pass_file);
		if (rc != 0) {
			send_forget_password(&o);
			return rc;
		}
	}
	rc = send_session_run(&o);
	send_forget_password(&o);
	return rc;
}
