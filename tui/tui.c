/*
 * tui.c: the explorer's entry (see tui.h): the command line, the transcript file, the
 * in-process practice server when no host is given, then the full-screen or plain front end.
 */
#include "tui.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drive.h"
#include "exitcodes.h"
#include "help.h"
#include "inproc.h"
#include "loop.h"
#include "plain.h"
#include "screen.h"
#include "server.h"
#include "tr.h"

/* The explorer's usage text. */
static void
tui_usage(FILE *f)
{
	fputs(_("usage: ehlo [OPTIONS]                    explorer on the built-in practice "
		"server\n"
		"       ehlo [OPTIONS] HOST[:PORT]        explorer on a real server\n"
		"       ehlo practice [--scenario NAME]   practice server with a scenario\n"
		"       ehlo --plain [HOST[:PORT]]        the same as lines, no full screen\n"
		"\n"
		"options:\n"
		"  --tls                 EHLO and STARTTLS by ourselves on connect\n"
		"  --tls-on-connect      TLS from the first byte (port 465)\n"
		"  --insecure            go on when the certificate does not verify (and say so)\n"
		"  --cafile FILE         trust this CA (PEM) too\n"
		"  --tls-servername NAME name for SNI and the certificate check\n"
		"  --ehlo NAME           the name ehlo's own EHLO uses\n"
		"  --lang en|es          language of the explorer and its explanations\n"
		"  --transcript FILE     write the session as it happens (.json: JSON Lines)\n"
		"  --scenario NAME       practice server scenario (--list-scenarios names them)\n"
		"  --plain               line mode (screen readers, logs, pipes)\n"
		"\n"
		"In the explorer: type SMTP as in telnet; /help lists ehlo's own commands.\n"),
	      f);
}

/* The value of an option: "--opt=value" or the next argument. NULL when missing. */
static const char *
tui_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], name) != 0)
		return NULL;
	if (*i + 1 >= argc)
		return NULL;
	(*i)++;
	return argv[*i];
}

/* True when argv[i] is the option name, alone or with "=value". */
static bool
tui_is(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* Parse argv. */
int
tui_parse(int argc, char **argv, struct tui_options *o, char *err, size_t errlen)
{
	static const char *const valued[] = {"--cafile", "--tls-servername", "--ehlo",
					     "--lang",	 "--transcript",     "--scenario"};
	const char **slots[] = {&o->cafile, &o->servername, &o->ehlo_name,
				&o->lang,   &o->transcript, &o->scenario};
	const char *target = NULL;

	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool done = false;
		for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
			if (!tui_is(a, valued[k]))
				continue;
			const char *v = tui_value(argc, argv, &i, valued[k]);
			if (v == NULL || v[0] == '\0') {
				snprintf(err, errlen, _("%s needs a value"), valued[k]);
				return -1;
			}
			*slots[k] = v;
			done = true;
		}
		if (done)
			continue;
		if (strcmp(a, "--plain") == 0)
			o->plain = true;
		else if (strcmp(a, "--tls") == 0 || strcmp(a, "--starttls") == 0)
			o->starttls = true;
		else if (strcmp(a, "--tls-on-connect") == 0)
			o->tls_on_connect = true;
		else if (strcmp(a, "--insecure") == 0)
			o->insecure = true;
		else if (strcmp(a, "--list-scenarios") == 0)
			o->list_scenarios = true;
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			o->help = true;
		else if (strcmp(a, "practice") == 0 && target == NULL && !o->practice)
			o->practice = true;
		else if (a[0] == '-') {
			snprintf(err, errlen, _("unknown option %s"), a);
			return -1;
		} else if (target == NULL && !o->practice) {
			target = a;
		} else {
			snprintf(err, errlen, _("unexpected argument %s"), a);
			return -1;
		}
	}
	if (o->starttls && o->tls_on_connect) {
		snprintf(err, errlen, _("--tls and --tls-on-connect exclude each other"));
		return -1;
	}
	if (o->scenario != NULL && target != NULL) {
		snprintf(err, errlen, _("--scenario is for the practice server, not for %s"),
			 target);
		return -1;
	}
	if (target == NULL) {
		o->practice = true;
		return 0;
	}
	if (drive_split_hostport(target, o->host, sizeof(o->host), o->port, sizeof(o->port)) != 0) {
		snprintf(err, errlen, _("cannot read %s as HOST[:PORT]"), target);
		return -1;
	}
	return 0;
}

/* Open the --transcript file (0600) and attach it to the driver's transcript. */
static FILE *
tui_open_transcript(struct drive *d, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return NULL;
	if (fchmod(fd, 0600) != 0) {
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	size_t n = strlen(path);
	bool json = (n > 5 && strcmp(path + n - 5, ".json") == 0) ||
		    (n > 6 && strcmp(path + n - 6, ".jsonl") == 0);
	if (json)
		transcript_set_json_sink(drive_transcript(d), f);
	else
		transcript_set_text_sink(drive_transcript(d), f);
	return f;
}

/* A front end as the explorer runs it: full screen or plain lines. */
struct tui_front {
	void *(*create)(void);
	void (*view)(struct drive_view *v, void *arg);
	int (*run)(void *front, struct drive *d, const char *intro);
	void (*destroy)(void *front);
};

/* A plain front end, as the table wants it (adapters let both fit one table). */
static void *
tui_plain_create(void)
{
	return plain_new();
}

/* Run the plain front end. */
static int
tui_plain_run(void *front, struct drive *d, const char *intro)
{
	return plain_main(front, d, intro);
}

/* Free the plain front end. */
static void
tui_plain_destroy(void *front)
{
	plain_free(front);
}

/* A full-screen front end. */
static void *
tui_screen_create(void)
{
	return screen_new();
}

/* Run the full-screen front end. */
static int
tui_screen_run(void *front, struct drive *d, const char *intro)
{
	return screen_main(front, d, intro);
}

/* Free the full-screen front end. */
static void
tui_screen_destroy(void *front)
{
	screen_free(front);
}

static const struct tui_front tui_front_plain = {tui_plain_create, plain_view, tui_plain_run,
						 tui_plain_destroy};
static const struct tui_front tui_front_screen = {tui_screen_create, screen_view, tui_screen_run,
						  tui_screen_destroy};

/* Run the explorer. */
int
tui_main(int argc, char **argv)
{
	struct tui_options o;
	struct drive_options dopt;
	struct drive_view view;
	char err[512];
	int rc;

	if (tui_parse(argc, argv, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "ehlo: %s\n", err);
		tui_usage(stderr);
		return EHLO_EXIT_USAGE;
	}
	if (o.help) {
		tui_usage(stdout);
		return EHLO_EXIT_OK;
	}
	if (o.list_scenarios) {
		for (size_t i = 0; i < server_scenario_count(); i++)
			printf("%-14s %s\n", server_scenario_name(i), server_scenario_summary(i));
		return EHLO_EXIT_OK;
	}
	/* No terminal (a pipe, a script, CI): the same session as lines, not an error. */
	if (!o.plain && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, _("ehlo: not a terminal, so line mode (--plain); "
				  "run ehlo in a terminal for the full-screen explorer\n"));
		o.plain = true;
	}
	if (o.lang != NULL && help_locale_init(o.lang) != 0) {
		fprintf(stderr, _("ehlo: no language %s (en, es)\n"), o.lang);
		return EHLO_EXIT_USAGE;
	}
	memset(&dopt, 0, sizeof(dopt));
	dopt.host = o.host;
	dopt.port = o.port;
	dopt.starttls = o.starttls;
	dopt.tls_on_connect = o.tls_on_connect;
	dopt.insecure = o.insecure;
	dopt.cafile = o.cafile;
	dopt.servername = o.servername;
	dopt.ehlo_name = o.ehlo_name;

	struct inproc *pr = NULL;
	if (o.practice) {
		pr = inproc_start(o.scenario, err, sizeof(err));
		if (pr == NULL) {
			fprintf(stderr, _("ehlo: the practice server did not start: %s\n"), err);
			return EHLO_EXIT_INTERNAL;
		}
		dopt.host = "127.0.0.1";
		dopt.port = inproc_port(pr);
		dopt.cafile = inproc_cafile(pr);
		if (dopt.servername == NULL)
			dopt.servername = "localhost";
	}

	const struct tui_front *fe = o.plain ? &tui_front_plain : &tui_front_screen;
	void *front = fe->create();
	struct drive *d = NULL;

	if (front != NULL) {
		fe->view(&view, front);
		d = drive_new(&dopt, &view);
	}
	if (d == NULL) {
		rc = EHLO_EXIT_INTERNAL;
	} else {
		FILE *tf = o.transcript != NULL ? tui_open_transcript(d, o.transcript) : NULL;
		if (o.transcript != NULL && tf == NULL)
			fprintf(stderr, _("ehlo: cannot write %s\n"), o.transcript);
		rc = fe->run(front, d, pr != NULL ? inproc_about(pr) : NULL);
		drive_free(d);
		if (tf != NULL)
			fclose(tf);
	}
	if (front != NULL)
		fe->destroy(front);
	inproc_stop(pr);
	loop_stats_write();
	return rc;
}
