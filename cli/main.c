/*
 * main.c: the ehlo command line. Finds the subcommand and hands over to it; answers
 * --help and --version itself.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cli.h"
#include "exitcodes.h"
#include "help.h"
#include "tui.h"

/* The top-level usage text, in the language --lang or the locale chose. */
static void
main_usage(FILE *f)
{
	fputs(help_tr("usage: ehlo [OPTIONS] [HOST[:PORT]]\n"
		      "       ehlo COMMAND [OPTIONS]\n"
		      "\n"
		      "ehlo explores SMTP: it shows a live session and explains every reply.\n"
		      "\n"
		      "explorer:\n"
		      "  ehlo                        on the built-in practice server (nothing to "
		      "set up)\n"
		      "  ehlo HOST[:PORT]            on a real server: --tls, --tls-on-connect, "
		      "--insecure,\n"
		      "                              --cafile F, --tls-servername N, --ehlo N, "
		      "--transcript F\n"
		      "  ehlo --plain [HOST[:PORT]]  the same as plain lines (screen readers, "
		      "pipes)\n"
		      "  ehlo practice [--scenario S]  the practice server with a scenario\n"
		      "  --lang en|es                the language (every command; default from the "
		      "locale)\n"
		      "\n"
		      "commands:\n"
		      "  send       one SMTP transaction, no questions asked (swaks-like)\n"
		      "  explain    explain a reply code, an enhanced code, a reply line or a "
		      "transcript\n"
		      "  serve      run the practice server for a class\n"
		      "\n"
		      "  ehlo COMMAND --help   options of one command\n"
		      "  ehlo --version        the version\n"
		      "\n"
		      "exit codes: 0 ok, 1 internal error, 2 usage, 3 connection failed, 4 TLS "
		      "failed,\n"
		      "5 AUTH failed, 6 rejected with 4xx, 7 rejected with 5xx, 8 protocol error "
		      "or timeout\n"),
	      f);
}

/* Dispatch to the subcommand named in argv[1]. */
int
main(int argc, char **argv)
{
	/* Language first (--lang anywhere before "--" is taken out of argv). */
	if (help_locale_args(&argc, argv) != 0)
		return EHLO_EXIT_USAGE;
	/* No argument: the explorer on the built-in practice server. */
	if (argc < 2)
		return tui_main(argc, argv);
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		main_usage(stdout);
		return EHLO_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("ehlo %s\n", EHLO_VERSION);
		return EHLO_EXIT_OK;
	}
	if (strcmp(cmd, "send") == 0)
		return send_main(argc - 1, argv + 1);
	if (strcmp(cmd, "explain") == 0)
		return explain_main(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return serve_main(argc - 1, argv + 1);
	/* Everything else is the explorer: HOST[:PORT], --plain, practice, options. */
	return tui_main(argc, argv);
}
