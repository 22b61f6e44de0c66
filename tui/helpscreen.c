/*
 * helpscreen.c: the help screen (F1, /help) over the two panes: the keys and the slash
 * commands from note.c's static table. Any key closes it; PgUp/PgDn scroll it.
 */
#include <string.h>

#include "keys.h"
#include "screen-int.h"
#include "tr.h"
#include "wrap.h"

/* Draw the help screen over the panes. */
void
helpscreen_draw(struct screen *s)
{
	struct screen_rect r = {s->status.y + 1, 0, s->keys.y - 1, s->cols};
	size_t n = 0;

	while (note_help_text[n] != NULL)
		n++;
	screen_blank(&r);
	attrset(A_BOLD);
	const char *title = _("ehlo: keys and commands");
	screen_text(r.y, 1, title, strlen(title), r.w - 2);
	attrset(A_NORMAL);
	if (s->help_scroll > (int)n - 1)
		s->help_scroll = n > 0 ? (int)n - 1 : 0;
	/* Long entries wrap (at 80 columns some do), continuation rows indented. */
	int row = 1;
	for (size_t i = (size_t)s->help_scroll; i < n && row < r.h; i++) {
		const char *t = note_help_line(i);
		size_t len = strlen(t), off = 0;
		int indent = 0;
		do {
			size_t skip;
			size_t k = wrap_row(t + off, len - off, r.w - 2 - indent, &skip);
			if (row >= r.h)
				break;
			screen_text(r.y + row, 1 + indent, t + off, k, r.w - 2 - indent);
			row++;
			off += k + skip;
			indent = 18;
		} while (off < len && r.w - 2 - indent > 10);
	}
}

/* Keys while the help screen is open. */
bool
helpscreen_key(struct screen *s, int action)
{
	if (!s->help_open)
		return false;
	switch ((enum keys_action)action) {
	case KEYS_PAGE_UP:
		s->help_scroll -= s->session.h > 2 ? s->session.h - 1 : 1;
		if (s->help_scroll < 0)
			s->help_scroll = 0;
		break;
	case KEYS_PAGE_DOWN:
		s->help_scroll += s->session.h > 2 ? s->session.h - 1 : 1;
		break;
	default:
		s->help_open = false;
		break;
	}
	screen_touch(s);
	return true;
}
