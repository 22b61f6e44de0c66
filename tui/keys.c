/*
 * keys.c: the key table of the explorer (see keys.h). One place to change a binding; the
 * help text in note.c lists the same keys.
 */
#include "keys.h"

#include <curses.h>

/* The action for a key. */
enum keys_action
keys_map(int ch, bool is_code, bool lone_esc, bool overlay)
{
	if (overlay) {
		if (is_code && ch == KEY_RESIZE)
			return KEYS_RESIZE;
		if (is_code && (ch == KEY_PPAGE || ch == KEY_UP))
			return KEYS_PAGE_UP;
		if (is_code && (ch == KEY_NPAGE || ch == KEY_DOWN))
			return KEYS_PAGE_DOWN;
		return KEYS_CLOSE; /* any other key closes the help screen */
	}
	if (!is_code) {
		if (ch == 27 && lone_esc)
			return KEYS_FOLLOW;
		if (ch == 12)
			return KEYS_REDRAW;
		return KEYS_EDIT;
	}
	switch (ch) {
	case KEY_F(1):
		return KEYS_HELP;
	case KEY_F(2):
	case KEY_SR:
		return KEYS_PREV_REPLY;
	case KEY_F(3):
	case KEY_SF:
		return KEYS_NEXT_REPLY;
	case KEY_F(4):
		return KEYS_FOLLOW;
	case KEY_F(5):
		return KEYS_TIMESTAMPS;
	case KEY_F(6):
		return KEYS_FIND_NEXT;
	case KEY_PPAGE:
		return KEYS_PAGE_UP;
	case KEY_NPAGE:
		return KEYS_PAGE_DOWN;
	case KEY_SPREVIOUS:
		return KEYS_EXPLAIN_UP;
	case KEY_SNEXT:
		return KEYS_EXPLAIN_DOWN;
	case KEY_RESIZE:
		return KEYS_RESIZE;
	default:
		break;
	}
	return KEYS_EDIT;
}

/* The bytes a key code means to readline. */
const char *
keys_readline_seq(int ch)
{
	switch (ch) {
	case KEY_UP:
		return "\033[A";
	case KEY_DOWN:
		return "\033[B";
	case KEY_RIGHT:
		return "\033[C";
	case KEY_LEFT:
		return "\033[D";
	case KEY_HOME:
		return "\001"; /* Ctrl-A: beginning of line */
	case KEY_END:
		return "\005"; /* Ctrl-E: end of line */
	case KEY_BACKSPACE:
		return "\177";
	case KEY_DC:
		return "\033[3~"; /* not Ctrl-D: on an empty line that would mean quit */
	case KEY_ENTER:
		return "\r";
	default:
		break;
	}
	return NULL;
}
