/*
 * pane-session.c: the session pane: every line of the session, newest at the bottom, marked
 * and coloured by direction, wrapped at the pane's width, the selected reply highlighted.
 * Drawing walks up from the bottom line only as far as the pane is tall, so the cost does
 * not grow with the length of the session.
 */
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "screen-int.h"
#include "tr.h"
#include "wrap.h"

#define PANE_SESSION_MARK 3
#define PANE_SESSION_TIME 10

/* The attributes a line is drawn with. */
static int
pane_session_attr(const struct screen *s, const struct lines_entry *e)
{
	switch (e->kind) {
	case DRIVE_CLIENT:
		return screen_attr(s, SCREEN_PAIR_CLIENT, A_BOLD);
	case DRIVE_SERVER: {
		int code = e->reply != NULL ? e->reply->code : (e->text[0] - '0') * 100;
		if (code >= 500)
			return screen_attr(s, SCREEN_PAIR_FAIL, A_NORMAL);
		if (code >= 400)
			return screen_attr(s, SCREEN_PAIR_TEMP, A_NORMAL);
		return screen_attr(s, SCREEN_PAIR_OK, A_NORMAL);
	}
	case DRIVE_ERROR:
		return screen_attr(s, SCREEN_PAIR_FAIL, 0) | A_BOLD;
	case DRIVE_NOTE:
		return A_DIM;
	case DRIVE_INFO:
		break;
	}
	return screen_attr(s, SCREEN_PAIR_INFO, A_NORMAL);
}

/* The direction mark of a line. */
static const char *
pane_session_mark(const struct lines_entry *e)
{
	bool tls = (e->flags & DRIVE_F_TLS) != 0;

	switch (e->kind) {
	case DRIVE_CLIENT:
		return tls ? "~> " : "-> ";
	case DRIVE_SERVER:
		return tls ? "<~ " : "<- ";
	case DRIVE_INFO:
		return "== ";
	case DRIVE_ERROR:
		return "!! ";
	case DRIVE_NOTE:
		break;
	}
	return "   ";
}

/* Draw the session pane. */
void
pane_session_draw(struct screen *s)
{
	const struct screen_rect *r = &s->session;
	size_t count = lines_count(s->lines);
	int prefix = PANE_SESSION_MARK + (s->timestamps ? PANE_SESSION_TIME : 0);
	int avail = r->w - prefix;
	const struct lines_reply *sel = lines_selecting(s->lines) ? lines_current(s->lines) : NULL;

	screen_blank(r);
	if (avail < 4) {
		prefix = 0;
		avail = r->w;
	}
	if (count == 0 || avail <= 0)
		return;
	int y = r->y + r->h - 1;
	for (long i = (long)lines_bottom(s->lines); i >= 0 && y >= r->y; i--) {
		const struct lines_entry *e = lines_get(s->lines, (size_t)i);
		int rows = wrap_rows(e->text, e->len, avail);
		int top = y - rows + 1;
		int attr = pane_session_attr(s, e);
		if (sel != NULL && e->reply == sel)
			attr |= A_REVERSE;
		attrset(attr);
		if (top >= r->y && prefix > 0) {
			char ts[32] = "";
			if (s->timestamps)
				snprintf(ts, sizeof(ts), "%9.3f ", (double)e->usec / 1e6);
			mvaddstr(top, r->x, ts);
			addstr(pane_session_mark(e));
		}
		size_t off = 0;
		for (int k = 0; k < rows && off <= e->len; k++) {
			size_t skip;
			size_t n = wrap_row(e->text + off, e->len - off, avail, &skip);
			if (top + k >= r->y)
				screen_text(top + k, r->x + prefix, e->text + off, n, avail);
			off += n + skip;
		}
		attrset(A_NORMAL);
		y = top - 1;
	}
	if (!lines_at_end(s->lines)) {
		const char *more = _(" more below: PgDn, F4 ");
		int w = wrap_width(more, strlen(more));
		if (w < r->w) {
			attrset(A_REVERSE);
			mvaddstr(r->y + r->h - 1, r->x + r->w - w, more);
			attrset(A_NORMAL);
		}
	}
}

/* Keys for the session pane: scrolling, walking through replies, timestamps, find. */
bool
pane_session_key(struct screen *s, int action)
{
	long page = s->session.h > 2 ? s->session.h - 1 : 1;

	switch ((enum keys_action)action) {
	case KEYS_PAGE_UP:
		lines_scroll(s->lines, -page);
		break;
	case KEYS_PAGE_DOWN:
		lines_scroll(s->lines, page);
		break;
	case KEYS_PREV_REPLY:
	case KEYS_NEXT_REPLY:
		if (!lines_select(s->lines, action == KEYS_PREV_REPLY ? -1 : 1))
			snprintf(s->message, sizeof(s->message), "%s",
				 action == KEYS_PREV_REPLY ? _("no earlier reply")
							   : _("no later reply"));
		s->note_override = false;
		s->dirty_explain = true;
		s->dirty_all = true;
		break;
	case KEYS_FOLLOW:
		lines_follow(s->lines);
		s->note_override = false;
		s->dirty_explain = true;
		s->dirty_all = true;
		break;
	case KEYS_TIMESTAMPS:
		s->timestamps = !s->timestamps;
		break;
	case KEYS_FIND_NEXT:
		if (s->find[0] == '\0')
			snprintf(s->message, sizeof(s->message), _("/find TEXT first"));
		else if (!lines_find(s->lines, s->find, true))
			snprintf(s->message, sizeof(s->message), _("no more lines with that text"));
		s->note_override = false;
		s->dirty_explain = true;
		s->dirty_all = true;
		break;
	default:
		return false;
	}
	s->dirty_session = true;
	s->dirty_cmd = true;
	return true;
}
