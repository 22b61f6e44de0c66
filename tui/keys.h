/*
 * keys.h: what a key means to the explorer, with no curses: a curses key code (or a
 * character) in, an action out. The screen acts on the action; everything else goes to
 * the command line (readline, or the hidden input).
 */
#ifndef EHLO_KEYS_H
#define EHLO_KEYS_H

#include <stdbool.h>

enum keys_action {
	KEYS_EDIT,	   /* not ours: the command line takes it */
	KEYS_HELP,	   /* F1 */
	KEYS_PREV_REPLY,   /* F2, Shift-Up */
	KEYS_NEXT_REPLY,   /* F3, Shift-Down */
	KEYS_FOLLOW,	   /* F4, Esc alone */
	KEYS_TIMESTAMPS,   /* F5 */
	KEYS_FIND_NEXT,	   /* F6 */
	KEYS_PAGE_UP,	   /* PgUp */
	KEYS_PAGE_DOWN,	   /* PgDn */
	KEYS_EXPLAIN_UP,   /* Shift-PgUp */
	KEYS_EXPLAIN_DOWN, /* Shift-PgDn */
	KEYS_REDRAW,	   /* Ctrl-L */
	KEYS_RESIZE,	   /* KEY_RESIZE */
	KEYS_CLOSE,	   /* close an overlay (help screen): Esc, q, F1 */
};

/*
 * The action for a key. is_code: ch is a curses KEY_* code (wget_wch said KEY_CODE_YES);
 * lone_esc: an Esc with nothing after it; overlay: the help screen is open.
 */
enum keys_action keys_map(int ch, bool is_code, bool lone_esc, bool overlay);

/* The bytes a curses key code means to readline ("\033[A" for KEY_UP); NULL when none. */
const char *keys_readline_seq(int ch);

#endif
