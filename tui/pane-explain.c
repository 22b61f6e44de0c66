/*
 * pane-explain.c: the explanation panel: the explanation (from help/) of the newest reply,
 * or of the reply selected in the session pane, or of a code asked with /explain. The note
 * is rebuilt only when the reply it explains changes.
 */
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "screen-int.h"
#include "tr.h"
#include "wrap.h"

/* Make sure the note explains what should be shown now. */
static void
pane_explain_refresh(struct screen *s)
{
	if (s->note_override)
		return;
	const struct lines_reply *r = lines_current(s->lines);
	unsigned long long want = r != NULL ? r->number : 0;
	if (want == s->note_for && s->note.n > 0)
		return;
	note_for_reply(r, &s->note);
	s->note_for = want;
	s->explain_scroll = 0;
}

/* The attributes of a paragraph. */
static int
pane_explain_attr(const struct screen *s, enum note_style st)
{
	switch (st) {
	case NOTE_TITLE:
		return A_BOLD;
	case NOTE_HEAD:
		return A_BOLD | A_UNDERLINE;
	case NOTE_NEXT:
		return screen_attr(s, SCREEN_PAIR_NEXT, A_BOLD);
	case NOTE_DIM:
		return A_DIM;
	case NOTE_TEXT:
		break;
	}
	return A_NORMAL;
}

/* Draw the explanation panel. */
void
pane_explain_draw(struct screen *s)
{
	struct screen_rect r = s->explain;

	screen_blank(&r);
	pane_explain_refresh(s);
	if (r.h <= 0 || r.w <= 2)
		return;
	if (s->side_by_side) {
		const char *title = s->note_override		? _(" /explain (F4: back)")
				    : lines_selecting(s->lines) ? _(" Selected reply (F4: newest)")
								: _(" Explanation");
		attrset(A_REVERSE);
		mvhline(r.y, r.x, ' ', r.w);
		screen_text(r.y, r.x, title, strlen(title), r.w);
		attrset(A_NORMAL);
		r.y++;
		r.h--;
	}
	int x = r.x + 1, w = r.w - 2;
	int row = -s->explain_scroll;
	bool more = false;
	for (size_t i = 0; i < s->note.n; i++) {
		const struct note_item *it = &s->note.items[i];
		size_t len = strlen(it->text);
		if (it->style == NOTE_HEAD && i > 0)
			row++; /* a blank row before each section */
		attrset(pane_explain_attr(s, it->style));
		int indent = it->style == NOTE_NEXT ? 2 : 0;
		size_t off = 0;
		while (off < len) {
			size_t skip;
			size_t n = wrap_row(it->text + off, len - off, w - indent, &skip);
			if (row >= r.h) {
				more = true;
				break;
			}
			if (row >= 0) {
				if (indent > 0 && off == 0)
					mvaddstr(r.y + row, x, "> ");
				screen_text(r.y + row, x + indent, it->text + off, n, w - indent);
			}
			row++;
			off += n + skip;
		}
		attrset(A_NORMAL);
	}
	if (more || s->explain_scroll > 0) {
		const char *hint = more ? _(" Shift-PgDn: more ") : _(" Shift-PgUp: back ");
		int hw = wrap_width(hint, strlen(hint));
		if (hw < r.w) {
			/* The hint gets a row of its own: a half-hidden sentence reads as a whole
			 * one. */
			mvhline(r.y + r.h - 1, r.x, ' ', r.w);
			attrset(A_REVERSE);
			mvaddstr(r.y + r.h - 1, r.x + r.w - hw, hint);
			attrset(A_NORMAL);
		}
	}
}

/* Keys for the panel: scrolling it. */
bool
pane_explain_key(struct screen *s, int action)
{
	int page = s->explain.h > 3 ? s->explain.h - 2 : 1;

	switch ((enum keys_action)action) {
	case KEYS_EXPLAIN_UP:
		s->explain_scroll -= page;
		if (s->explain_scroll < 0)
			s->explain_scroll = 0;
		break;
	case KEYS_EXPLAIN_DOWN:
		s->explain_scroll += page;
		break;
	default:
		return false;
	}
	s->dirty_explain = true;
	return true;
}
