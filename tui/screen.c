/*
 * screen.c: the full-screen explorer's flow (see screen.h): curses set-up and layout, the
 * driver's view callbacks (which only change the model and mark regions dirty), the loop
 * hooks, and the dispatch of keys to the part they belong to. Drawing happens once per loop
 * iteration, in screen_tick, whatever number of lines arrived: redraws are coalesced.
 */
#include "screen.h"

#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "keys.h"
#include "loop.h"
#include "screen-int.h"
#include "tr.h"
#include "wrap.h"

#define SCREEN_KEYS_PER_ROUND 2048

/* Mark everything for drawing. */
void
screen_touch(struct screen *s)
{
	s->dirty_all = true;
}

/* Blank a region. */
void
screen_blank(const struct screen_rect *r)
{
	for (int y = 0; y < r->h; y++)
		mvhline(r->y + y, r->x, ' ', r->w);
}

/* Draw up to cols columns of sanitized text at (y, x). */
int
screen_text(int y, int x, const char *text, size_t len, int cols)
{
	int used = 0;
	size_t n = wrap_fit(text, len, cols, &used);

	if (n > 0)
		mvaddnstr(y, x, text, (int)n);
	return used;
}

/* The attributes for a colour pair, or the fallback. */
int
screen_attr(const struct screen *s, enum screen_pair pair, int fallback)
{
	return s->color ? (int)COLOR_PAIR(pair) : fallback;
}

/* Work out the regions for the current size. */
static void
screen_layout(struct screen *s)
{
	getmaxyx(stdscr, s->rows, s->cols);
	int body_y = 1, body_h = s->rows - 3;
	if (body_h < 2)
		body_h = 2;
	s->status = (struct screen_rect){0, 0, 1, s->cols};
	s->keys = (struct screen_rect){s->rows - 2, 0, 1, s->cols};
	s->cmd = (struct screen_rect){s->rows - 1, 0, 1, s->cols};
	s->side_by_side = s->cols >= 100;
	if (s->side_by_side) {
		int left = s->cols * 58 / 100;
		s->session = (struct screen_rect){body_y, 0, body_h, left};
		s->sep = (struct screen_rect){body_y, left, body_h, 1};
		s->explain = (struct screen_rect){body_y, left + 1, body_h, s->cols - left - 1};
	} else {
		int top = body_h * 55 / 100;
		if (top < 1)
			top = 1;
		s->session = (struct screen_rect){body_y, 0, top, s->cols};
		s->sep = (struct screen_rect){body_y + top, 0, 1, s->cols};
		s->explain = (struct screen_rect){body_y + top + 1, 0, body_h - top - 1, s->cols};
	}
	screen_touch(s);
}

/* The separator between the panes, with the panel's name on it. */
static void
screen_draw_sep(struct screen *s)
{
	const struct screen_rect *r = &s->sep;

	if (r->h <= 0 || r->w <= 0)
		return;
	if (s->side_by_side) {
		mvvline(r->y, r->x, ACS_VLINE, r->h);
		return;
	}
	mvhline(r->y, r->x, ACS_HLINE, r->w);
	const char *title = lines_selecting(s->lines)
				    ? _(" explanation of the selected reply (F4: newest) ")
				    : _(" explanation ");
	if (wrap_width(title, strlen(title)) + 2 < r->w)
		mvaddstr(r->y, 2, title);
}

/* Draw what is dirty and update the terminal once. */
static void
screen_draw(struct screen *s)
{
	if (!s->started)
		return;
	if (!(s->dirty_all || s->dirty_session || s->dirty_explain || s->dirty_status ||
	      s->dirty_cmd))
		return;
	if (s->dirty_all) {
		erase();
		s->dirty_session = s->dirty_explain = s->dirty_status = s->dirty_cmd = true;
	}
	if (pane_compose_active(s) && !s->help_open) {
		if (s->dirty_status)
			statusbar_draw(s);
		pane_compose_draw(s); /* last: it leaves the cursor in the text */
		wnoutrefresh(stdscr);
		doupdate();
		loop_stats.redraws++;
		s->dirty_all = s->dirty_session = s->dirty_explain = s->dirty_status =
			s->dirty_cmd = false;
		return;
	}
	if (s->help_open) {
		if (s->dirty_session || s->dirty_explain)
			helpscreen_draw(s);
	} else {
		if (s->dirty_session)
			pane_session_draw(s);
		if (s->dirty_explain)
			pane_explain_draw(s);
		if (s->dirty_all || s->dirty_session)
			screen_draw_sep(s);
	}
	if (s->dirty_status)
		statusbar_draw(s);
	statusbar_keys_draw(s);
	cmdline_draw(s); /* last: it leaves the cursor on the command line */
	wnoutrefresh(stdscr);
	doupdate();
	loop_stats.redraws++;
	s->dirty_all = s->dirty_session = s->dirty_explain = s->dirty_status = s->dirty_cmd = false;
}

/* The driver's line callback. */
static void
screen_on_line(void *arg, enum drive_kind kind, unsigned flags, const char *text, size_t len)
{
	struct screen *s = arg;

	if (lines_add(s->lines, kind, flags, text, len) == 0)
		loop_stats.lines++;
	s->dirty_session = true;
	if (!s->started && (kind == DRIVE_ERROR || kind == DRIVE_INFO)) {
		/* Before curses is up (a failed connect at start) the words still count. */
		return;
	}
}

/* The driver's reply callback: the panel follows the newest reply unless one is selected. */
static void
screen_on_reply(void *arg, const struct drive_reply *r)
{
	struct screen *s = arg;

	lines_add_reply(s->lines, r);
	loop_stats.replies++;
	pane_compose_reply(s, r);
	s->dirty_session = true;
	if (!lines_selecting(s->lines)) {
		s->note_override = false;
		s->dirty_explain = true;
	}
}

/* The driver's state changed. */
static void
screen_on_changed(void *arg)
{
	struct screen *s = arg;

	s->dirty_status = true;
	s->dirty_cmd = true;
}

/* The driver asks a question: the prompt shows it; make sure it is seen. */
static void
screen_on_ask(void *arg, enum drive_ask what)
{
	struct screen *s = arg;

	(void)what;
	s->help_open = false;
	lines_follow(s->lines);
	screen_touch(s);
}

/* The view to give the driver. */
void
screen_view(struct drive_view *v, void *arg)
{
	memset(v, 0, sizeof(*v));
	v->arg = arg;
	v->line = screen_on_line;
	v->reply = screen_on_reply;
	v->changed = screen_on_changed;
	v->ask = screen_on_ask;
}

/* A screen's state. */
struct screen *
screen_new(void)
{
	struct screen *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->lines = lines_new(0);
	if (s->lines == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

/* Free it. */
void
screen_free(struct screen *s)
{
	if (s == NULL)
		return;
	lines_free(s->lines);
	OPENSSL_cleanse(s->secret, sizeof(s->secret));
	free(s);
}

/* Take the new terminal size after SIGWINCH. */
static void
screen_resize(struct screen *s)
{
	struct winsize ws;

	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	screen_layout(s);
	clearok(curscr, TRUE);
}

/* Act on one key. */
static void
screen_key(struct screen *s, int ch, bool is_code, bool lone_esc)
{
	if (pane_compose_active(s) && !s->help_open) {
		loop_stats.keys++;
		if (is_code && ch == KEY_RESIZE)
			screen_layout(s);
		pane_compose_key(s, ch, is_code, lone_esc);
		return;
	}
	if (is_code && ch == KEY_F(7) && !s->help_open) {
		/* The composer left with Esc while the server still waits for the message. */
		loop_stats.keys++;
		if (drive_in_data(s->d))
			pane_compose_open(s);
		else
			snprintf(s->message, sizeof(s->message),
				 _(" F7 reopens the composer after 354 (DATA); /compose starts "
				   "one"));
		s->dirty_cmd = true;
		return;
	}
	enum keys_action a = keys_map(ch, is_code, lone_esc, s->help_open);

	loop_stats.keys++;
	if (s->message[0] != '\0') {
		s->message[0] = '\0';
		s->dirty_cmd = true;
	}
	/* Esc or Ctrl-C gives up a connect at once; the explorer stays, /reconnect tries again. */
	if (drive_connecting(s->d) && !s->help_open &&
	    ((a == KEYS_FOLLOW && lone_esc) || (!is_code && ch == 3))) {
		drive_close(s->d, _("connect cancelled: /reconnect tries again, /quit leaves"));
		return;
	}
	switch (a) {
	case KEYS_RESIZE:
		/* curses has the new size already (resizeterm queued this key): lay out again. */
		screen_layout(s);
		return;
	case KEYS_REDRAW:
		clearok(curscr, TRUE);
		screen_touch(s);
		return;
	case KEYS_HELP:
		s->help_open = true;
		s->help_scroll = 0;
		screen_touch(s);
		return;
	case KEYS_CLOSE:
		if (helpscreen_key(s, a))
			return;
		break;
	case KEYS_EDIT:
		cmdline_key(s, ch, is_code);
		return;
	default:
		break;
	}
	if (s->help_open && helpscreen_key(s, a))
		return;
	if (pane_session_key(s, a))
		return;
	pane_explain_key(s, a);
}

/* Keys are waiting: take them all (so a paste is one redraw, not one per byte). */
static void
screen_on_input(void *arg)
{
	struct screen *s = arg;
	wint_t wc;
	int r;

	s->input_capped = false;
	for (int taken = 0;; taken++) {
		/* A paste is read in slices, and not faster than the server answers. */
		if (taken >= SCREEN_KEYS_PER_ROUND || drive_full(s->d)) {
			s->input_capped = true;
			break;
		}
		if ((r = get_wch(&wc)) == ERR)
			break;
		if (r == KEY_CODE_YES) {
			screen_key(s, (int)wc, true, false);
			continue;
		}
		if (wc == 27) {
			/* Esc alone follows the newest reply; Esc then a key is Meta for readline.
			 */
			wint_t next;
			int r2 = get_wch(&next);
			if (r2 == ERR) {
				screen_key(s, 27, false, true);
				continue;
			}
			screen_key(s, 27, false, false);
			screen_key(s, (int)next, r2 == KEY_CODE_YES, false);
			continue;
		}
		screen_key(s, (int)wc, false, false);
		if (s->quit)
			break;
	}
}

/* Keys wait to be read: do not sleep in poll (unless the server must answer first). */
static bool
screen_busy_input(void *arg)
{
	struct screen *s = arg;

	return s->input_capped && !drive_full(s->d);
}

/* Read the terminal only while the driver takes more lines. */
static bool
screen_want_input(void *arg)
{
	struct screen *s = arg;

	return !drive_full(s->d);
}

/* Signals: a resize redraws; INT, TERM and HUP end the session. */
static void
screen_on_signal(void *arg, int signo)
{
	struct screen *s = arg;

	if (signo == SIGWINCH)
		screen_resize(s);
	else if (signo == SIGINT || signo == SIGTERM || signo == SIGHUP)
		s->quit = true;
}

/* The status bar's clock needs a wake-up each second while connected. */
static int
screen_timeout(void *arg)
{
	struct screen *s = arg;
	int compose = pane_compose_timeout(s);

	if (!drive_connected(s->d) && !drive_connecting(s->d))
		return compose;
	int clock = (int)(1000 - drive_elapsed_ms(s->d) % 1000) + 5;
	return compose >= 0 && compose < clock ? compose : clock;
}

/* After each wake-up: the clock, the prompt, one redraw. */
static void
screen_on_tick(void *arg)
{
	struct screen *s = arg;
	unsigned long long sec = drive_elapsed_ms(s->d) / 1000;

	if (sec != s->last_status_sec) {
		s->last_status_sec = sec;
		s->dirty_status = true;
	}
	pane_compose_tick(s);
	cmdline_sync(s);
	screen_draw(s);
}

/* True when the loop should stop. */
static bool
screen_done(void *arg)
{
	return ((struct screen *)arg)->quit;
}

/* Start curses. */
static int
screen_start(struct screen *s)
{
	const char *nc = getenv("NO_COLOR");

	setlocale(LC_CTYPE, "");
	if (initscr() == NULL)
		return -1;
	s->started = true;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	s->color = has_colors() && (nc == NULL || nc[0] == '\0');
	if (s->color) {
		start_color();
		use_default_colors();
		init_pair(SCREEN_PAIR_CLIENT, COLOR_CYAN, -1);
		init_pair(SCREEN_PAIR_OK, COLOR_GREEN, -1);
		init_pair(SCREEN_PAIR_TEMP, COLOR_YELLOW, -1);
		init_pair(SCREEN_PAIR_FAIL, COLOR_RED, -1);
		init_pair(SCREEN_PAIR_INFO, COLOR_MAGENTA, -1);
		init_pair(SCREEN_PAIR_NEXT, COLOR_GREEN, -1);
		init_pair(SCREEN_PAIR_STATUS, COLOR_BLACK, COLOR_CYAN);
	}
	screen_layout(s);
	return 0;
}

/* Start curses, connect, run. */
int
screen_main(struct screen *s, struct drive *d, const char *intro)
{
	struct loop_hooks h;
	struct drive_view v;

	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, _("ehlo: the explorer needs a terminal; use --plain for pipes\n"));
		return 2;
	}
	s->d = d;
	screen_view(&v, s);
	front_init(&s->front, d, &v);
	s->front.composer = true;
	if (loop_init() != 0) {
		fprintf(stderr, _("ehlo: cannot set up signals\n"));
		return 1;
	}
	if (screen_start(s) != 0) {
		loop_fini();
		fprintf(stderr, _("ehlo: cannot start the screen (TERM=%s)\n"),
			getenv("TERM") != NULL ? getenv("TERM") : "");
		return 1;
	}
	cmdline_init(s);
	if (intro != NULL)
		screen_on_line(s, DRIVE_INFO, 0, intro, strlen(intro));
	screen_on_tick(s);
	/* The connect goes on in the loop: the clock runs, Esc or Ctrl-C gives up. */
	drive_connect_start(d);
	memset(&h, 0, sizeof(h));
	h.arg = s;
	h.input_fd = 0;
	h.on_input = screen_on_input;
	h.want_input = screen_want_input;
	h.busy_input = screen_busy_input;
	h.on_signal = screen_on_signal;
	h.timeout_ms = screen_timeout;
	h.on_tick = screen_on_tick;
	h.done = screen_done;
	screen_on_tick(s);
	loop_run(&h, d);
	pane_compose_fini(s);
	cmdline_fini(s);
	front_clear(&s->front);
	endwin();
	s->started = false;
	loop_fini();
	return drive_exit_hint(d);
}
