/*
 * tui.c: see tui.h. (Being written: not usable yet.)
 */
#include <stdio.h>

#include "tui.h"

/* Placeholder until the explorer lands. */
int
tui_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ehlo: the explorer is not built yet; see ehlo --help\n");
	return 2;
}
