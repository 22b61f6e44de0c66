/*
 * tui.h: the interactive explorer's entry point. (Being written.)
 */
#ifndef EHLO_TUI_H
#define EHLO_TUI_H

/*
 * Run the explorer: `ehlo`, `ehlo HOST[:PORT]`, `ehlo --plain ...`, `ehlo practice ...`.
 * argv[0] is "ehlo"; returns an exit code from cli/exitcodes.h.
 */
int tui_main(int argc, char **argv);

#endif
