/*
 * send.c: ehlo send. (Being written: not usable yet.)
 */
#include <stdio.h>

#include "cli.h"
#include "exitcodes.h"

/* Placeholder until the command lands. */
int
send_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ehlo: 'send' is not built yet\n");
	return EHLO_EXIT_USAGE;
}
