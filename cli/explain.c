/*
 * explain.c: ehlo explain. (Being written: not usable yet.)
 */
#include <stdio.h>

#include "cli.h"
#include "exitcodes.h"

/* Placeholder until the command lands. */
int
explain_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ehlo: 'explain' is not built yet\n");
	return EHLO_EXIT_USAGE;
}
