/*
 * cli.h: the subcommands main() dispatches to. Each takes the arguments after its name
 * (argv[0] is the subcommand's name) and returns an exit code from exitcodes.h.
 */
#ifndef EHLO_CLI_H
#define EHLO_CLI_H

/* ehlo send: one transaction, no questions asked. */
int send_main(int argc, char **argv);

/* ehlo explain: codes, enhanced codes, reply lines, pairs, transcripts. */
int explain_main(int argc, char **argv);

/* ehlo serve: the practice server alone. */
int serve_main(int argc, char **argv);

#endif
