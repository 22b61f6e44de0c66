/*
 * pane-compose.c: the guided composer's screen, shown instead of the panes and the command
 * line while a message is written after 354: the message (headers, the empty line, the
 * body) with line numbers, or its wire view (F2); the lint panel below; the keys and a
 * status row (progress while sending). The model is composer.c, the draft store draft.c;
 * this file maps keys to them, saves the draft (debounced, atomic), streams the message
 * through the driver's encoder on Ctrl-D and decides what the reply means for the draft.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "draft.h"
#include "loop.h"
#include "sanitize.h"
#include "screen-int.h"
#include "tr.h"
#include "wrap.h"

#define COMPOSE_SAVE_DELAY_MS 600
#define COMPOSE_PROGRESS_MIN 65536 /* bodies from this size get a progress bar */
#define COMPOSE_ROW_MAX 4096	   /* bytes of one line drawn */

/* True while the composer is on screen. */
bool
pane_compose_active(const struct screen *s)
{
	return s->compose.phase != COMPOSE_CLOSED;
}

/* Say something on the composer's status row (or the key line once closed). */
static void __attribute__((format(printf, 2, 3)))
pane_compose_say(struct screen *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->compose.status, sizeof(s->compose.status), fmt, ap);
	va_end(ap);
	s->dirty_cmd = true;
}

/* Write the draft now if it changed. */
static void
pane_compose_save(struct screen *s)
{
	struct compose *c = &s->compose;
	size_t len;

	if (c->draft[0] == '\0' || c->saved_gen == c->model.generation)
		return;
	char *text = composer_text(&c->model, true, &len);
	if (text == NULL)
		return;
	c->save_failed = draft_save(c->draft, text, len) != 0;
	free(text);
	if (!c->save_failed)
		c->saved_gen = c->model.generation;
	s->dirty_cmd = true;
}

/* The envelope's address from a MAIL FROM or RCPT TO line ("MAIL FROM:<a@b> SIZE=1"). */
static void
pane_compose_addr(const char *line, char *out, size_t cap)
{
	const char *colon = strchr(line, ':');
	out[0] = '\0';
	if (colon == NULL)
		return;
	const char *p = colon + 1;
	while (*p == ' ')
		p++;
	size_t n;
	if (*p == '<') {
		p++;
		n = strcspn(p, ">");
	} else {
		n = strcspn(p, " ");
	}
	if (n >= cap)
		n = cap - 1;
	/* Our own typed line, but never trust it with control bytes in a header. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 32 && p[i] != 127)
			out[k++] = p[i];
	out[k] = '\0';
}

/* Start a new message from the envelope (the draft is replaced). */
static void
pane_compose_fresh(struct screen *s)
{
	struct compose *c = &s->compose;
	const char *to[COMPOSE_RCPT_MAX];
	char err[256];

	for (size_t i = 0; i < c->nto; i++)
		to[i] = c->to[i];
	if (composer_template(&c->model, c->from[0] != '\0' ? c->from : NULL, to, c->nto, NULL, err,
			      sizeof(err)) != 0) {
		composer_template(&c->model, NULL, NULL, 0, NULL, err, sizeof(err));
		pane_compose_say(s, _(" the envelope could not go into the headers: %s"), err);
		return;
	}
	pane_compose_say(s, _(" a new message: From, To and Subject come from the envelope; "
			      "edit any header, write the body"));
}

/* Open the composer: the saved draft when there is one, else a new message. */
void
pane_compose_open(struct screen *s)
{
	struct compose *c = &s->compose;
	char *text = NULL;
	size_t len = 0;

	if (c->phase != COMPOSE_CLOSED)
		return;
	bool manual = c->model.manual;
	composer_free(&c->model);
	composer_init(&c->model);
	c->model.manual = manual;
	c->wire = false;
	c->lint_gen = 0;
	c->sent = false;
	c->save_failed = false;
	if (draft_path(c->draft, sizeof(c->draft)) != 0)
		c->draft[0] = '\0';
	if (c->draft[0] != '\0' && draft_load(c->draft, &text, &len) == 0) {
		composer_set_text(&c->model, text, len);
		free(text);
		c->saved_gen = c->model.generation;
		pane_compose_say(s, _(" your saved draft is back (F5: a new message from the "
				      "envelope instead)"));
	} else {
		pane_compose_fresh(s);
		c->saved_gen = 0; /* saved at the first pause */
	}
	c->edit_ms = loop_now_ms();
	c->phase = COMPOSE_EDITING;
	s->help_open = false;
	screen_touch(s);
}

/* Close the composer; the draft stays on disk unless the server took the message. */
static void
pane_compose_close(struct screen *s, const char *message)
{
	struct compose *c = &s->compose;

	if (c->phase == COMPOSE_EDITING)
		pane_compose_save(s);
	free(c->sendbuf);
	c->sendbuf = NULL;
	c->phase = COMPOSE_CLOSED;
	snprintf(s->message, sizeof(s->message), "%s", message);
	lines_follow(s->lines);
	screen_touch(s);
}

/* Ctrl-D: hand the message to the driver (or, manual, the lines up to the user's "."). */
static void
pane_compose_send(struct screen *s)
{
	struct compose *c = &s->compose;

	if (!drive_connected(s->d)) {
		pane_compose_say(s, _(" not connected: the draft is kept. Esc, /reconnect, then "
				      "/compose"));
		return;
	}
	if (!drive_in_data(s->d)) {
		pane_compose_say(s, _(" the server is not waiting for a message (no 354 to DATA): "
				      "Esc, then /compose walks through MAIL FROM, RCPT TO, DATA"));
		return;
	}
	c->saved_gen = 0; /* force: the draft on disk must be exactly what goes out */
	pane_compose_save(s);
	free(c->sendbuf);
	c->sendbuf = composer_text(&c->model, false, &c->sendlen);
	if (c->sendbuf == NULL) {
		pane_compose_say(s, _(" out of memory"));
		return;
	}
	c->sendoff = 0;
	c->send_line = 0;
	c->sent = true;
	c->phase = COMPOSE_SENDING;
	pane_compose_say(s, _(" sending..."));
	screen_touch(s);
}

/* Manual mode: send whole lines as typed until the user's "." line or the end. */
static void
pane_compose_send_manual(struct screen *s)
{
	struct compose *c = &s->compose;
	char err[DRIVE_ERROR_MAX];

	while (c->send_line < c->model.nlines && !drive_full(s->d)) {
		const struct composer_line *l = &c->model.lines[c->send_line];
		if (c->send_line + 1 == c->model.nlines && l->len == 0) {
			c->send_line++;
			break;
		}
		if (drive_input(s->d, l->text != NULL ? l->text : "", l->len, err, sizeof(err)) !=
		    0) {
			c->phase = COMPOSE_EDITING;
			pane_compose_say(s, _(" stopped at line %zu: %s"), c->send_line + 1, err);
			return;
		}
		c->sendoff += l->len + 2;
		c->send_line++;
		if (!drive_in_data(s->d)) {
			/* That was the user's "." line: the server now answers the message. */
			c->phase = COMPOSE_WAITING;
			pane_compose_say(
				s, _(" your \".\" line ended the data; the server answers..."));
			return;
		}
	}
	if (c->send_line < c->model.nlines)
		return;
	pane_compose_close(s, _(" manual: every line is sent and no line of only \".\" came, so "
				"the server is still reading the message. Type . alone to end it"));
}

/* Feed what the driver takes now; finish with <CRLF>.<CRLF> at the end. */
static void
pane_compose_feed(struct screen *s)
{
	struct compose *c = &s->compose;
	char err[DRIVE_ERROR_MAX];

	if (c->model.manual) {
		pane_compose_send_manual(s);
		return;
	}
	while (c->sendoff < c->sendlen) {
		long took = drive_data_feed(s->d, c->sendbuf + c->sendoff, c->sendlen - c->sendoff);
		if (took < 0) {
			pane_compose_close(s,
					   _(" the session left DATA while sending: the draft is "
					     "kept"));
			return;
		}
		if (took == 0)
			break;
		c->sendoff += (size_t)took;
		s->dirty_cmd = true;
	}
	if (c->sendoff < c->sendlen)
		return;
	if (drive_data_finish(s->d, err, sizeof(err)) != 0) {
		if (strcmp(err, _("the body is still being sent; try again")) == 0)
			return; /* the buffer drains first */
		pane_compose_close(s, _(" the end of data could not be sent: the draft is kept"));
		return;
	}
	c->phase = COMPOSE_WAITING;
	pane_compose_say(s, _(" sent, then <CRLF>.<CRLF>; waiting for the server's answer..."));
}

/* After each wake-up: lint, the draft, sending, a dropped connection. */
void
pane_compose_tick(struct screen *s)
{
	struct compose *c = &s->compose;

	if (c->phase == COMPOSE_CLOSED)
		return;
	if (!drive_connected(s->d)) {
		pane_compose_save(s);
		pane_compose_close(s,
				   c->draft[0] != '\0'
					   ? _(" the connection is gone: your draft is kept. "
					       "/reconnect, then /compose offers it back")
					   : _(" the connection is gone (no place to keep a draft: "
					       "HOME is not set)"));
		return;
	}
	if (c->phase == COMPOSE_SENDING) {
		pane_compose_feed(s);
		return;
	}
	if (c->phase == COMPOSE_EDITING && c->saved_gen != c->model.generation &&
	    loop_now_ms() - c->edit_ms >= COMPOSE_SAVE_DELAY_MS)
		pane_compose_save(s);
}

/* Milliseconds until the draft is due to be saved, -1 when nothing waits. */
int
pane_compose_timeout(struct screen *s)
{
	struct compose *c = &s->compose;

	if (c->phase == COMPOSE_SENDING)
		return 50;
	if (c->phase != COMPOSE_EDITING || c->saved_gen == c->model.generation ||
	    c->draft[0] == '\0' || c->save_failed)
		return -1;
	unsigned long long now = loop_now_ms();
	if (now - c->edit_ms >= COMPOSE_SAVE_DELAY_MS)
		return 0;
	return (int)(COMPOSE_SAVE_DELAY_MS - (now - c->edit_ms)) + 1;
}

/* A reply: keep the envelope, open on 354, and decide the draft on the end of data. */
void
pane_compose_reply(struct screen *s, const struct drive_reply *r)
{
	struct compose *c = &s->compose;
	int code = r->reply->code;

	switch (r->answers) {
	case PROTO_CMD_MAIL:
		if (code / 100 == 2 && r->command != NULL) {
			pane_compose_addr(r->command, c->from, sizeof(c->from));
			c->nto = 0;
		}
		return;
	case PROTO_CMD_RCPT:
		if (code / 100 == 2 && r->command != NULL && c->nto < COMPOSE_RCPT_MAX)
			pane_compose_addr(r->command, c->to[c->nto++], COMPOSE_ADDR_MAX);
		return;
	case PROTO_CMD_RSET:
	case PROTO_CMD_EHLO:
	case PROTO_CMD_HELO:
		c->from[0] = '\0';
		c->nto = 0;
		return;
	case PROTO_CMD_DATA:
		if (code == 354)
			pane_compose_open(s);
		return;
	case PROTO_CMD_DATA_END:
		break;
	default:
		return;
	}
	c->from[0] = '\0';
	c->nto = 0;
	if (!c->sent)
		return;
	c->sent = false;
	if (code / 100 == 2) {
		if (c->draft[0] != '\0')
			draft_remove(c->draft);
		c->saved_gen = c->model.generation;
		pane_compose_close(s, _(" the server took the message (see the explanation); "
					"the draft is removed"));
		return;
	}
	pane_compose_close(s, _(" the server refused the message (see the explanation): "
				"the draft is kept; fix it and /compose sends it again"));
}

/* Save what is pending and free the model (at exit). */
void
pane_compose_fini(struct screen *s)
{
	struct compose *c = &s->compose;

	if (c->phase == COMPOSE_EDITING)
		pane_compose_save(s);
	free(c->sendbuf);
	c->sendbuf = NULL;
	composer_free(&c->model);
	c->phase = COMPOSE_CLOSED;
}

/* F3: the draft in $VISUAL or $EDITOR, then read back. */
static void
pane_compose_editor(struct screen *s)
{
	struct compose *c = &s->compose;
	const char *ed = getenv("VISUAL");
	struct sigaction ign, old_int, old_quit;
	char *text = NULL;
	size_t len = 0;
	int status = 0;

	if (ed == NULL || ed[0] == '\0')
		ed = getenv("EDITOR");
	if (ed == NULL || ed[0] == '\0')
		ed = "vi";
	if (c->draft[0] == '\0') {
		pane_compose_say(s, _(" no draft file (HOME is not set): no editor"));
		return;
	}
	c->saved_gen = 0;
	pane_compose_save(s);
	if (c->save_failed) {
		pane_compose_say(s, _(" the draft could not be written: no editor"));
		return;
	}
	def_prog_mode();
	endwin();
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGWINCH, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (setenv("EHLO_EDITOR", ed, 1) != 0)
			_exit(127);
		/* The shell splits "$EDITOR" as a user would expect ("code -w"). */
		execl("/bin/sh", "sh", "-c", "exec $EHLO_EDITOR \"$1\"", "sh", c->draft,
		      (char *)NULL);
		_exit(127);
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	reset_prog_mode();
	clearok(curscr, TRUE);
	screen_touch(s);
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		pane_compose_say(
			s, _(" the editor (%.100s) did not end well: the text is unchanged"), ed);
		return;
	}
	if (draft_load(c->draft, &text, &len) != 0) {
		pane_compose_say(s, _(" the draft could not be read back"));
		return;
	}
	composer_set_text(&c->model, text, len);
	free(text);
	c->saved_gen = c->model.generation;
	pane_compose_say(s, _(" back from the editor: %zu lines"), c->model.nlines);
}

/* Encode a character as UTF-8 (at most 4 bytes). */
static size_t
pane_compose_utf8(unsigned long ch, char *out)
{
	if (ch < 0x80) {
		out[0] = (char)ch;
		return 1;
	}
	if (ch < 0x800) {
		out[0] = (char)(0xc0 | (ch >> 6));
		out[1] = (char)(0x80 | (ch & 0x3f));
		return 2;
	}
	if (ch < 0x10000) {
		out[0] = (char)(0xe0 | (ch >> 12));
		out[1] = (char)(0x80 | ((ch >> 6) & 0x3f));
		out[2] = (char)(0x80 | (ch & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (ch >> 18));
	out[1] = (char)(0x80 | ((ch >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((ch >> 6) & 0x3f));
	out[3] = (char)(0x80 | (ch & 0x3f));
	return 4;
}

/* The rows the text (or wire view) area has. */
static int
pane_compose_text_rows(const struct screen *s)
{
	int body = s->rows - 3; /* status bar, key line, status row */
	int lint = body / 3;
	if (lint > 10)
		lint = 10;
	if (lint < 3)
		lint = 3;
	int rows = body - lint;
	return rows > 1 ? rows : 1;
}

/* A key while composing. */
void
pane_compose_key(struct screen *s, int ch, bool is_code, bool lone_esc)
{
	struct compose *c = &s->compose;
	struct composer *m = &c->model;
	unsigned long long gen = m->generation;
	size_t page = (size_t)pane_compose_text_rows(s) - 1;

	s->dirty_session = true;
	if (c->phase != COMPOSE_EDITING) {
		/* While sending only Esc does something: it closes the view, not the sending. */
		if (lone_esc && c->phase == COMPOSE_WAITING)
			pane_compose_close(s, _(" waiting for the server's answer to the message"));
		return;
	}
	if (c->status[0] != '\0' && !(is_code && ch == KEY_RESIZE)) {
		c->status[0] = '\0';
		s->dirty_cmd = true;
	}
	if (ch == 27 && !is_code) {
		if (lone_esc)
			pane_compose_close(
				s, drive_in_data(s->d)
					   ? _(" composer closed, draft kept. The server still "
					       "waits for the message: F7 reopens the composer")
					   : _(" composer closed, draft kept: /compose offers it"));
		return; /* Esc before a key (Alt): nothing of ours */
	}
	if (is_code) {
		switch (ch) {
		case KEY_LEFT:
			composer_move(m, COMPOSER_LEFT, 0);
			break;
		case KEY_RIGHT:
			composer_move(m, COMPOSER_RIGHT, 0);
			break;
		case KEY_UP:
			composer_move(m, COMPOSER_UP, 0);
			break;
		case KEY_DOWN:
			composer_move(m, COMPOSER_DOWN, 0);
			break;
		case KEY_HOME:
			composer_move(m, COMPOSER_HOME, 0);
			break;
		case KEY_END:
			composer_move(m, COMPOSER_END, 0);
			break;
		case KEY_PPAGE:
			composer_move(m, COMPOSER_PAGE_UP, page);
			break;
		case KEY_NPAGE:
			composer_move(m, COMPOSER_PAGE_DOWN, page);
			break;
		case KEY_BACKSPACE:
			composer_backspace(m);
			break;
		case KEY_DC:
			composer_delete(m);
			break;
		case KEY_ENTER:
			composer_insert(m, "\r", 1);
			break;
		case KEY_F(1):
			s->help_open = true;
			s->help_scroll = 0;
			screen_touch(s);
			break;
		case KEY_F(2):
			c->wire = !c->wire;
			break;
		case KEY_F(3):
			pane_compose_editor(s);
			break;
		case KEY_F(4):
			m->manual = !m->manual;
			c->lint_gen = 0;
			pane_compose_say(
				s, m->manual ? _(" manual: you end the data with a line of only "
						 "\".\" yourself (Ctrl-D sends up to it)")
					     : _(" automatic: ehlo doubles a lone \".\" and adds "
						 "<CRLF>.<CRLF> at the end"));
			break;
		case KEY_F(5):
			pane_compose_fresh(s);
			break;
		case KEY_RESIZE:
			break; /* the screen lays out again */
		default:
			break;
		}
	} else {
		char buf[8];
		switch (ch) {
		case 4: /* Ctrl-D */
			pane_compose_send(s);
			break;
		case 1: /* Ctrl-A */
			composer_move(m, COMPOSER_HOME, 0);
			break;
		case 5: /* Ctrl-E */
			composer_move(m, COMPOSER_END, 0);
			break;
		case 12: /* Ctrl-L */
			clearok(curscr, TRUE);
			screen_touch(s);
			break;
		case 127:
		case 8:
			composer_backspace(m);
			break;
		case '\r':
		case '\n':
		case '\t':
			buf[0] = (char)ch;
			composer_insert(m, buf, 1);
			break;
		default:
			if (ch >= 32)
				composer_insert(m, buf, pane_compose_utf8((unsigned long)ch, buf));
			break;
		}
	}
	if (m->generation != gen)
		c->edit_ms = loop_now_ms();
	if (m->capped) {
		m->capped = false;
		pane_compose_say(s,
				 _(" a limit was reached (%u lines, %u bytes a line, %u bytes): "
				   "the rest was not taken"),
				 (unsigned)COMPOSER_LINES_MAX, (unsigned)COMPOSER_LINE_MAX,
				 (unsigned)COMPOSER_BYTES_MAX);
	}
}

/* The lint for the current text and the server's capabilities. */
static void
pane_compose_lint(struct screen *s)
{
	struct compose *c = &s->compose;
	const struct caps *caps = drive_caps(s->d);
	struct lint_options o = {false, false, 0};

	if (c->lint_gen == c->model.generation + 1)
		return;
	if (caps != NULL && caps->valid) {
		o.eightbitmime = caps->eightbitmime;
		o.smtputf8 = caps->smtputf8;
		o.size_limit = caps->size ? caps->size_max : 0;
	}
	c->lint_caps_seen = caps != NULL && caps->valid;
	composer_lint(&c->model, &o, &c->lint);
	c->mime_line = composer_mime_mismatch(&c->model, c->mime_text, sizeof(c->mime_text));
	c->lint_gen = c->model.generation + 1;
}

/* True when line (1-based) has a lint finding. */
static bool
pane_compose_flagged(const struct lint *l, size_t line)
{
	for (size_t i = 0; i < l->nissues; i++)
		if (l->issues[i].line == line)
			return true;
	return false;
}

/* Draw sanitized text from byte start of a line; returns the columns used. */
static int
pane_compose_run(int y, int x, const char *text, size_t len, int cols)
{
	char safe[SANITIZE_BOUND(COMPOSE_ROW_MAX)];

	if (cols <= 0 || len == 0)
		return 0;
	if (len > COMPOSE_ROW_MAX)
		len = COMPOSE_ROW_MAX;
	size_t n = sanitize(text, len, safe, sizeof(safe));
	return screen_text(y, x, safe, n, cols);
}

/* Columns the sanitized form of text takes. */
static int
pane_compose_width(const char *text, size_t len)
{
	char safe[SANITIZE_BOUND(COMPOSE_ROW_MAX)];

	if (len == 0)
		return 0;
	if (len > COMPOSE_ROW_MAX)
		len = COMPOSE_ROW_MAX;
	size_t n = sanitize(text, len, safe, sizeof(safe));
	return wrap_width(safe, n);
}

/* The text area: headers, the empty line, the body, with line numbers. */
static void
pane_compose_draw_text(struct screen *s, int y0, int rows, int *cur_y, int *cur_x)
{
	struct compose *c = &s->compose;
	struct composer *m = &c->model;
	int gutter = 6, w = s->cols - gutter;
	size_t body = composer_body_line(m);

	for (int r = 0; r < rows; r++) {
		size_t i = m->top + (size_t)r;
		int y = y0 + r;
		if (i >= m->nlines)
			break;
		const struct composer_line *l = &m->lines[i];
		const char *lt = l->text != NULL ? l->text : ""; /* an empty line has no buffer */
		bool flagged = pane_compose_flagged(&c->lint, i + 1) || c->mime_line == i + 1;
		attrset(flagged ? screen_attr(s, SCREEN_PAIR_TEMP, A_BOLD) : (int)A_DIM);
		mvprintw(y, 0, "%4zu%c", i + 1, flagged ? '!' : ' ');
		attrset(A_NORMAL);
		if (l->len == 0 && i + 1 == body) {
			attrset(A_DIM);
			if (i != m->cy) {
				const char *t = _("(empty line: headers above, body below)");
				pane_compose_run(y, gutter, t, strlen(t), w);
			}
			attrset(A_NORMAL);
		}
		size_t start = 0;
		if (i == m->cy) {
			/* The cursor's line scrolls sideways so the cursor stays visible. */
			while (start < m->cx &&
			       pane_compose_width(lt + start, m->cx - start) > w - 2) {
				start++;
				while (start < m->cx && ((unsigned char)lt[start] & 0xc0) == 0x80)
					start++;
			}
			*cur_y = y;
			*cur_x = gutter + pane_compose_width(lt + start, m->cx - start);
		}
		if (i + 1 < body)
			attrset(A_BOLD);
		if (l->len > start)
			pane_compose_run(y, gutter, lt + start, l->len - start, w);
		attrset(A_NORMAL);
	}
}

/* The wire view: the exact bytes each line becomes, marks for what ehlo adds. */
static void
pane_compose_draw_wire(struct screen *s, int y0, int rows)
{
	struct compose *c = &s->compose;
	struct composer *m = &c->model;
	int gutter = 6, w = s->cols - gutter;
	static char buf[COMPOSE_ROW_MAX * 2 + 16];

	for (int r = 0; r < rows; r++) {
		size_t i = m->top + (size_t)r;
		int y = y0 + r, x = gutter;
		unsigned flags;
		if (i >= composer_wire_count(m))
			break;
		size_t n = composer_wire_line(m, i, buf, sizeof(buf), &flags);
		attrset(A_DIM);
		if (i < m->nlines)
			mvprintw(y, 0, "%4zu ", i + 1);
		attrset(A_NORMAL);
		if (flags & COMPOSER_WIRE_AFTER) {
			attrset(A_DIM);
			const char *t = _("(not sent: after your \".\" line the data has ended)");
			pane_compose_run(y, x, t, strlen(t), w);
			attrset(A_NORMAL);
			continue;
		}
		if (flags & COMPOSER_WIRE_NONE) {
			const char *t =
				i >= m->nlines
					? _("manual: ehlo adds no end of data; your line of only "
					    "\".\" is it")
					: _("(nothing: the line end before was the last byte)");
			attrset(A_DIM);
			pane_compose_run(y, x, t, strlen(t), w);
			attrset(A_NORMAL);
			continue;
		}
		size_t off = 0;
		if ((flags & COMPOSER_WIRE_STUFFED) && n > 0) {
			/* The dot ehlo adds, marked. */
			attrset(A_REVERSE | A_BOLD);
			x += pane_compose_run(y, x, ".", 1, w - (x - gutter));
			attrset(A_NORMAL);
			off = 1;
		}
		if (flags & COMPOSER_WIRE_ADDED)
			attrset(A_REVERSE | A_BOLD);
		if (n > off)
			x += pane_compose_run(y, x, buf + off, n - off, w - (x - gutter));
		attrset(A_NORMAL);
		if (flags & COMPOSER_WIRE_CRLF) {
			attrset(A_DIM | A_BOLD);
			x += pane_compose_run(y, x, "<CRLF>", 6, w - (x - gutter));
			attrset(A_NORMAL);
		}
		const char *note = NULL;
		if (flags & COMPOSER_WIRE_ADDED)
			note = _("  <- ehlo adds this: the end of data");
		else if (flags & COMPOSER_WIRE_STUFFED)
			note = _("  <- dot added: the server removes it");
		else if (flags & COMPOSER_WIRE_BARE_LF)
			note = _("  <- was a bare LF: CRLF goes out");
		if (note != NULL) {
			attrset(screen_attr(s, SCREEN_PAIR_INFO, A_DIM));
			pane_compose_run(y, x, note, strlen(note), w - (x - gutter));
			attrset(A_NORMAL);
		}
	}
}

/* One finding, wrapped (indented) while rows remain: a cut sentence teaches nothing. */
static void
pane_compose_wrap(struct screen *s, const char *line, int y0, int *row, int rows)
{
	size_t len = strlen(line), off = 0;
	int indent = 2;

	while (off < len && *row < rows && s->cols - indent > 10) {
		size_t skip;
		size_t n = wrap_row(line + off, len - off, s->cols - indent, &skip);
		pane_compose_run(y0 + *row, indent, line + off, n, s->cols - indent);
		off += n + skip;
		(*row)++;
		indent = 6;
	}
}

/* The lint panel: each finding with its line, in words. */
static void
pane_compose_draw_lint(struct screen *s, int y0, int rows)
{
	struct compose *c = &s->compose;
	char line[600], title[160];
	size_t total = 0;

	for (int k = 0; k < LINT_KIND_COUNT; k++)
		total += c->lint.counts[k];
	if (c->mime_line != 0)
		total++;
	mvhline(y0, 0, ACS_HLINE, s->cols);
	snprintf(title, sizeof(title),
		 total == 1 ? _(" what would go wrong: %zu finding%s ")
			    : _(" what would go wrong: %zu findings%s "),
		 total,
		 c->lint_caps_seen ? "" : _(" (no EHLO yet: 8BITMIME, SMTPUTF8, SIZE unknown)"));
	attrset(A_BOLD);
	pane_compose_run(y0, 2, title, strlen(title), s->cols - 4);
	attrset(A_NORMAL);
	if (total == 0 && rows > 1) {
		attrset(screen_attr(s, SCREEN_PAIR_OK, A_NORMAL));
		const char *ok = _("  nothing: the message goes out as written");
		pane_compose_run(y0 + 1, 0, ok, strlen(ok), s->cols);
		attrset(A_NORMAL);
		return;
	}
	int row = 1;
	for (size_t i = 0; i <= c->lint.nissues && row < rows; i++) {
		if (i == c->lint.nissues) {
			if (c->mime_line == 0)
				break;
			/* Ours, not the session library's: headers that contradict the body. */
			snprintf(line, sizeof(line), "%s", c->mime_text);
			attrset(A_NORMAL);
			pane_compose_wrap(s, line, y0, &row, rows);
			break;
		}
		if (row == rows - 1 && i + 1 < c->lint.nissues) {
			snprintf(line, sizeof(line),
				 _("  ... %zu more (the ! marks in the margin)"), total - i);
			attrset(A_DIM);
			pane_compose_run(y0 + row, 0, line, strlen(line), s->cols);
			attrset(A_NORMAL);
			break;
		}
		composer_issue_text(&c->lint.issues[i], &c->lint, c->model.manual, line,
				    sizeof(line));
		enum lint_kind k = c->lint.issues[i].kind;
		bool severe = k == LINT_LONE_DOT || k == LINT_BARE_LF || k == LINT_BARE_CR ||
			      k == LINT_OVER_SIZE || k == LINT_NUL;
		attrset(severe ? screen_attr(s, SCREEN_PAIR_TEMP, A_BOLD) : (int)A_NORMAL);
		pane_compose_wrap(s, line, y0, &row, rows);
		attrset(A_NORMAL);
	}
}

/* The status row: where the cursor is, the draft, the mode, or the progress of sending. */
static void
pane_compose_draw_status(struct screen *s, int y)
{
	struct compose *c = &s->compose;
	char buf[700];

	mvhline(y, 0, ' ', s->cols);
	if (c->phase == COMPOSE_SENDING || c->phase == COMPOSE_WAITING) {
		size_t total = c->model.manual ? c->model.bytes + 2 * c->model.nlines : c->sendlen;
		size_t done = c->phase == COMPOSE_WAITING ? total : c->sendoff;
		if (done > total)
			done = total;
		int pct = total > 0 ? (int)(done * 100 / total) : 100;
		if (total >= COMPOSE_PROGRESS_MIN) {
			char bar[41];
			int filled = pct * 40 / 100;
			for (int i = 0; i < 40; i++)
				bar[i] = i < filled ? '#' : '.';
			bar[40] = '\0';
			snprintf(buf, sizeof(buf), _(" [%s] %3d%%  %zu of %zu bytes%s"), bar, pct,
				 done, total,
				 c->phase == COMPOSE_WAITING ? _("  waiting for the answer") : "");
		} else {
			snprintf(buf, sizeof(buf), " %s", c->status);
		}
	} else if (c->status[0] != '\0') {
		snprintf(buf, sizeof(buf), "%s", c->status);
	} else {
		const struct composer_line *l = &c->model.lines[c->model.cy];
		snprintf(buf, sizeof(buf), _(" composer  line %zu/%zu col %d  %zu bytes  %s  %s%s"),
			 c->model.cy + 1, c->model.nlines,
			 pane_compose_width(l->text, c->model.cx) + 1, c->model.bytes,
			 c->model.manual ? _("manual: your \".\" line ends it")
					 : _("auto: ehlo ends the data"),
			 c->draft[0] == '\0'		       ? _("no draft file")
			 : c->save_failed		       ? _("DRAFT NOT SAVED")
			 : c->saved_gen == c->model.generation ? _("draft saved")
							       : _("draft: saving soon"),
			 drive_in_data(s->d) ? "" : _("  (server not in DATA)"));
	}
	attrset(A_BOLD);
	pane_compose_run(y, 0, buf, strlen(buf), s->cols);
	attrset(A_NORMAL);
}

/* Draw the whole composer (status bar aside) and leave the cursor in the text. */
void
pane_compose_draw(struct screen *s)
{
	struct compose *c = &s->compose;
	struct composer *m = &c->model;
	int rows = pane_compose_text_rows(s);
	int y0 = s->status.y + 1;
	int lint_y = y0 + rows, lint_rows = s->keys.y - lint_y;
	int cur_y = -1, cur_x = 0;

	if (m->nlines == 0)
		composer_insert(m, "", 0);
	pane_compose_lint(s);
	/* Keep the cursor's line in view. */
	if (m->cy < m->top)
		m->top = m->cy;
	if (m->cy >= m->top + (size_t)rows)
		m->top = m->cy - (size_t)rows + 1;
	struct screen_rect area = {y0, 0, s->keys.y - y0, s->cols};
	screen_blank(&area);
	if (c->wire)
		pane_compose_draw_wire(s, y0, rows);
	else
		pane_compose_draw_text(s, y0, rows, &cur_y, &cur_x);
	if (lint_rows > 0)
		pane_compose_draw_lint(s, lint_y, lint_rows);
	const char *keys = c->wire ? _(" WIRE VIEW (F2: back to the text)  Ctrl-D send  Esc leave")
				   : _(" Ctrl-D send  Esc leave  F2 wire  F3 $EDITOR  F4 manual  "
				       "F5 new  F1 help");
	mvhline(s->keys.y, 0, ' ', s->cols);
	attrset(A_DIM);
	pane_compose_run(s->keys.y, 0, keys, strlen(keys), s->cols);
	attrset(A_NORMAL);
	pane_compose_draw_status(s, s->cmd.y);
	if (cur_y >= 0 && c->phase == COMPOSE_EDITING) {
		curs_set(1);
		move(cur_y, cur_x < s->cols ? cur_x : s->cols - 1);
	} else {
		move(s->cmd.y, 0);
	}
}
