/*
 * tui.h: the interactive explorer's entry point and its command line.
 */
#ifndef EHLO_TUI_H
#define EHLO_TUI_H

#include <stdbool.h>
#include <stddef.h>

/* What `ehlo [--plain] [practice] [HOST[:PORT]] [options]` asked for. */
struct tui_options {
	bool plain;
	bool practice; /* the built-in practice server (no HOST, or `practice`) */
	const char *scenario;
	char host[256];
	char port[16];
	bool starttls; /* --tls */
	bool tls_on_connect;
	bool insecure;
	const char *cafile;
	const char *servername;
	const char *ehlo_name;
	const char *lang;
	const char *transcript;
	bool help;
	bool list_scenarios; /* --list-scenarios: print them and leave */
};

/* Parse argv (argv[0] is "ehlo"). 0, or -1 with err filled (a usage error). */
int tui_parse(int argc, char **argv, struct tui_options *o, char *err, size_t errlen);

/*
 * Run the explorer: `ehlo`, `ehlo HOST[:PORT]`, `ehlo --plain ...`, `ehlo practice ...`.
 * argv[0] is "ehlo"; returns an exit code from cli/exitcodes.h.
 */
int tui_main(int argc, char **argv);

#endif
