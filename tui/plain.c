/*
 * plain.c: the --plain front end (see plain.h). Lines are printed with a direction mark
 * ("-> " sent, "<- " received, "~>"/"<~" under TLS, "== " ehlo's own, "!! " errors), each
 * reply followed by its short explanation. Colour only when stdout is a terminal and
 * NO_COLOR is unset; otherwise the output holds no escape sequence at all. Body lines
 * typed after 354 go through the message lint; its findings are announced, with the body's
 * line numbers, when the "." line ends the data.
 */
#include "plain.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "composer.h"
#include "front.h"
#include "hist.h"
#include "lines.h"
#include "loop.h"
#include "note.h"
#include "tr.h"

#define PLAIN_INBUF (DRIVE_LINE_MAX + 2)

struct plain {
	struct drive *d;
	struct front front;
	struct lines *lines; /* a short model: sanitizes and keeps reply context */
	bool tty;	     /* stdin is a terminal: readline */
	bool color;
	bool rl_on;	 /* readline's callback handler is installed */
	bool hidden;	 /* reading a hidden line with echo off */
	bool rl_dirty;	 /* output was printed over the prompt */
	bool in_handler; /* inside readline's line handler: the cursor is on a new line */
	struct termios saved;
	bool eof;
	bool quit;
	bool ever_connected;
	unsigned long long eof_at;
	char in[PLAIN_INBUF];
	size_t inlen;
	char prompt[64];
	char histpath[1024];
	int exitcode;
	bool linting; /* body lines go through the lint until the "." line */
	struct lint lint;
};

static struct plain *plain_cur; /* readline's line handler has no argument */

static void plain_sync_prompt(struct plain *p);

/* The colour of a line, or "" without colour. */
static const char *
plain_color(const struct plain *p, enum drive_kind kind, const char *text)
{
	if (!p->color)
		return "";
	switch (kind) {
	case DRIVE_CLIENT:
		return "\033[36m";
	case DRIVE_SERVER:
		return text[0] == '2' || text[0] == '3' ? "\033[32m" : "\033[31m";
	case DRIVE_ERROR:
		return "\033[1;31m";
	case DRIVE_NOTE:
		return "\033[2m";
	case DRIVE_INFO:
		break;
	}
	return "\033[33m";
}

/* Clear readline's prompt before printing over it. */
static void
plain_before_output(struct plain *p)
{
	if (p->rl_on && !p->rl_dirty && !p->in_handler) {
		rl_clear_visible_line();
		p->rl_dirty = true;
	}
}

/* The driver's line callback: print it, sanitized (the model does that). */
static void
plain_on_line(void *arg, enum drive_kind kind, unsigned flags, const char *text, size_t len)
{
	struct plain *p = arg;
	static const char *marks[] = {"-> ", "<- ", "== ", "!! ", "   "};
	static const char *tls_marks[] = {"~> ", "<~ ", "== ", "!! ", "   "};

	if (lines_add(p->lines, kind, flags, text, len) != 0)
		return;
	loop_stats.lines++;
	const struct lines_entry *e = lines_get(p->lines, lines_count(p->lines) - 1);
	plain_before_output(p);
	printf("%s%s%s%s\n", plain_color(p, kind, e->text),
	       (flags & DRIVE_F_TLS) ? tls_marks[kind] : marks[kind], e->text,
	       p->color ? "\033[0m" : "");
}

/* The driver's reply callback: the short explanation. */
static void
plain_on_reply(void *arg, const struct drive_reply *r)
{
	struct plain *p = arg;
	char what[1024], next[1024];
	const struct lines_reply *lr = lines_add_reply(p->lines, r);

	loop_stats.replies++;
	if (lr == NULL)
		return;
	note_short(lr, what, sizeof(what), next, sizeof(next));
	plain_before_output(p);
	if (what[0] != '\0')
		printf("%s   = %s%s\n", p->color ? "\033[2m" : "", what, p->color ? "\033[0m" : "");
	if (next[0] != '\0')
		printf("%s   > %s%s\n", p->color ? "\033[2m" : "", next, p->color ? "\033[0m" : "");
}

/* The driver asks a question: the prompt says it; nothing else to do. */
static void
plain_on_ask(void *arg, enum drive_ask what)
{
	struct plain *p = arg;

	/* A terminal shows the question as the prompt; a pipe's reader needs it in the output. */
	if (!p->tty && what == DRIVE_ASK_CERT)
		printf(_("?? go on without verification? [y/N] (the next input line answers)\n"));
}

/* Hide or show what is typed on the terminal. */
static void
plain_echo(struct plain *p, bool on)
{
	struct termios t;

	if (!p->tty)
		return;
	if (!on) {
		if (tcgetattr(0, &p->saved) != 0)
			return;
		t = p->saved;
		t.c_lflag &= (tcflag_t)~ECHO;
		t.c_lflag |= ICANON;
		tcsetattr(0, TCSANOW, &t);
	} else {
		tcsetattr(0, TCSANOW, &p->saved);
	}
}

/* Print the paragraphs of a note. */
static void
plain_print_note(const struct note *n)
{
	for (size_t i = 0; i < n->n; i++)
		printf("%s%s\n",
		       n->items[i].style == NOTE_TEXT || n->items[i].style == NOTE_NEXT ? "  " : "",
		       n->items[i].text);
}

/* A body line typed after 354 goes through the lint; the "." line announces what it found. */
static void
plain_lint_line(struct plain *p, const char *line)
{
	char text[600];

	if (!p->linting) {
		const struct caps *caps = drive_caps(p->d);
		struct lint_options o = {false, false, 0};
		if (caps != NULL && caps->valid) {
			o.eightbitmime = caps->eightbitmime;
			o.smtputf8 = caps->smtputf8;
			o.size_limit = caps->size ? caps->size_max : 0;
		}
		lint_init(&p->lint, &o);
		p->linting = true;
	}
	if (strcmp(line, ".") != 0) {
		lint_feed(&p->lint, line, strlen(line));
		lint_feed(&p->lint, "\r\n", 2);
		return;
	}
	p->linting = false;
	lint_finish(&p->lint);
	for (size_t i = 0; i < p->lint.nissues; i++) {
		/* Leading dots were noted line by line as they went out. */
		if (p->lint.issues[i].kind == LINT_LEADING_DOT)
			continue;
		/* TRANSLATORS: --plain, before a finding of the message check after 354. */
		int n = snprintf(text, sizeof(text), "%s", _("lint: "));
		composer_issue_text(&p->lint.issues[i], &p->lint, false, text + n,
				    sizeof(text) - (size_t)n);
		if (p->front.view.line != NULL)
			p->front.view.line(p->front.view.arg, DRIVE_NOTE, 0, text, strlen(text));
	}
}

/* Act on one entered line. */
static void
plain_line(struct plain *p, const char *line)
{
	struct note n;

	if (drive_in_data(p->d) && p->front.mode == FRONT_SMTP && drive_phase(p->d) != DRIVE_ASKING)
		plain_lint_line(p, line);
	else
		p->linting = false;
	if (p->tty && front_historic(&p->front, line))
		hist_add(line); /* written at exit */
	switch (front_enter(&p->front, line)) {
	case FRONT_QUIT:
		p->quit = true;
		break;
	case FRONT_HELP:
		for (size_t i = 0; note_help_text[i] != NULL; i++)
			printf("%s\n", note_help_line(i));
		break;
	case FRONT_EXPLAIN:
		note_for_arg(p->front.arg, &n);
		plain_print_note(&n);
		break;
	case FRONT_FIND:
		printf(_("== /find works in the full-screen explorer; here, use your terminal's "
			 "search\n"));
		break;
	case FRONT_CLEAR:
	case FRONT_OK:
	case FRONT_SAVED:
		break;
	}
	fflush(stdout);
}

/* Readline's line handler. */
static void
plain_rl_line(char *line)
{
	struct plain *p = plain_cur;

	if (line == NULL) {
		p->quit = true;
		return;
	}
	p->in_handler = true;
	plain_line(p, line);
	p->in_handler = false;
	free(line);
	if (p->quit) {
		/* No prompt again after /quit. */
		rl_callback_handler_remove();
		p->rl_on = false;
		return;
	}
	/* Readline shows the prompt when this returns: make it the right one now. */
	plain_sync_prompt(p);
}

/* Install readline or a hidden read, whichever the front wants now, with its prompt. */
static void
plain_sync_prompt(struct plain *p)
{
	if (!p->tty || p->quit)
		return;
	bool hide = front_hidden(&p->front);
	const char *prompt = front_prompt(&p->front);

	if (hide && !p->hidden) {
		if (p->rl_on) {
			rl_callback_handler_remove();
			p->rl_on = false;
		}
		p->hidden = true;
		plain_echo(p, false);
		printf(_("%s(hidden) "), prompt);
		fflush(stdout);
		return;
	}
	if (hide)
		return;
	if (!p->rl_on) {
		snprintf(p->prompt, sizeof(p->prompt), "%s", prompt);
		rl_callback_handler_install(p->prompt, plain_rl_line);
		p->rl_on = true;
		p->rl_dirty = false;
		return;
	}
	if (strcmp(p->prompt, prompt) != 0) {
		snprintf(p->prompt, sizeof(p->prompt), "%s", prompt);
		rl_set_prompt(p->prompt);
	}
	if (p->rl_dirty) {
		rl_forced_update_display();
		p->rl_dirty = false;
	}
}

/* Take one whole line out of the input buffer (or the rest at EOF). */
static bool
plain_take_line(struct plain *p, char *out, size_t cap)
{
	char *nl = memchr(p->in, '\n', p->inlen);
	size_t n;

	if (nl == NULL && !(p->eof && p->inlen > 0) && p->inlen < sizeof(p->in) - 1)
		return false;
	n = nl != NULL ? (size_t)(nl - p->in) : p->inlen;
	size_t take = n < cap - 1 ? n : cap - 1;
	memcpy(out, p->in, take);
	out[take] = '\0';
	if (take > 0 && out[take - 1] == '\r')
		out[take - 1] = '\0';
	size_t drop = nl != NULL ? n + 1 : n;
	memmove(p->in, p->in + drop, p->inlen - drop);
	OPENSSL_cleanse(p->in + p->inlen - drop, drop);
	p->inlen -= drop;
	return true;
}

/* Input is readable. */
static void
plain_on_input(void *arg)
{
	struct plain *p = arg;

	if (p->tty && p->rl_on) {
		rl_callback_read_char();
		loop_stats.keys++;
		return;
	}
	ssize_t n = read(0, p->in + p->inlen, sizeof(p->in) - 1 - p->inlen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		p->eof = true;
		p->eof_at = loop_now_ms();
		return;
	}
	loop_stats.keys += (unsigned long long)n;
	p->inlen += (size_t)n;
}

/* Read more input only when a whole line is not waiting already. */
static bool
plain_want_input(void *arg)
{
	struct plain *p = arg;

	if (p->eof)
		return false;
	if (p->tty && p->rl_on)
		return true;
	return memchr(p->in, '\n', p->inlen) == NULL && p->inlen < sizeof(p->in) - 1;
}

/* After each wake-up: feed waiting lines (a pipe waits for replies), fix the prompt. */
static void
plain_on_tick(void *arg)
{
	struct plain *p = arg;
	char line[PLAIN_INBUF];

	if (drive_connected(p->d))
		p->ever_connected = true;
	while (!p->quit && (!p->tty || p->hidden) && (p->hidden || !drive_busy(p->d)) &&
	       plain_take_line(p, line, sizeof(line))) {
		if (p->hidden) {
			plain_echo(p, true);
			p->hidden = false;
			printf("\n");
			front_enter(&p->front, line);
		} else {
			plain_line(p, line);
		}
		OPENSSL_cleanse(line, sizeof(line));
	}
	/* A pipe's session ends with its input, once the replies are in (or the timeout). */
	if (!p->tty && p->eof && p->inlen == 0 &&
	    (!drive_busy(p->d) || loop_now_ms() - p->eof_at > 15000))
		p->quit = true;
	if (!p->tty && !drive_connected(p->d) && drive_phase(p->d) != DRIVE_ASKING &&
	    !drive_connecting(p->d))
		p->quit = true;
	if (p->tty && p->eof)
		p->quit = true;
	fflush(stdout);
	plain_sync_prompt(p);
}

/* Signals: INT/TERM/HUP end the session. */
static void
plain_on_signal(void *arg, int signo)
{
	struct plain *p = arg;

	if (signo == SIGINT || signo == SIGTERM || signo == SIGHUP)
		p->quit = true;
}

/* The timer: only while a pipe waits for its last replies. */
static int
plain_timeout(void *arg)
{
	struct plain *p = arg;

	return p->eof ? 1000 : -1;
}

/* True when the loop should stop. */
static bool
plain_done(void *arg)
{
	return ((struct plain *)arg)->quit;
}

/* The driver's state changed: note a session that began (for the exit code). */
static void
plain_on_changed(void *arg)
{
	struct plain *p = arg;

	if (p->d != NULL && drive_connected(p->d))
		p->ever_connected = true;
}

/* The view plain gives the driver. */
void
plain_view(struct drive_view *v, void *arg)
{
	memset(v, 0, sizeof(*v));
	v->arg = arg;
	v->line = plain_on_line;
	v->reply = plain_on_reply;
	v->ask = plain_on_ask;
	v->changed = plain_on_changed;
}

/* A plain front end's state. */
struct plain *
plain_new(void)
{
	struct plain *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->lines = lines_new(256);
	if (p->lines == NULL) {
		free(p);
		return NULL;
	}
	p->tty = isatty(0);
	const char *nc = getenv("NO_COLOR");
	p->color = isatty(1) && (nc == NULL || nc[0] == '\0');
	return p;
}

/* Free it. */
void
plain_free(struct plain *p)
{
	if (p == NULL)
		return;
	lines_free(p->lines);
	OPENSSL_cleanse(p->in, sizeof(p->in));
	free(p);
}

/* Run over a driver made with plain_view(p). */
int
plain_main(struct plain *p, struct drive *d, const char *intro)
{
	struct loop_hooks h;
	struct drive_view v;

	p->d = d;
	plain_view(&v, p);
	front_init(&p->front, d, &v);
	plain_cur = p;
	if (loop_init() != 0) {
		fprintf(stderr, "ehlo: cannot set up signals\n");
		return 1;
	}
	if (p->tty) {
		rl_catch_signals = 0;
		rl_catch_sigwinch = 0;
		rl_readline_name = "ehlo";
		if (hist_path(p->histpath, sizeof(p->histpath)) == 0)
			hist_load(p->histpath);
		else
			p->histpath[0] = '\0';
	}
	if (intro != NULL)
		plain_on_line(p, DRIVE_INFO, 0, intro, strlen(intro));
	/* The connect goes on in the loop: Ctrl-C (SIGINT) or /quit gives up at once (3). */
	if (drive_connect_start(d) != 0 && drive_phase(d) != DRIVE_ASKING) {
		fflush(stdout);
		loop_fini();
		return 3;
	}
	fflush(stdout);
	memset(&h, 0, sizeof(h));
	h.arg = p;
	h.input_fd = 0;
	h.want_input = plain_want_input;
	h.on_input = plain_on_input;
	h.on_signal = plain_on_signal;
	h.timeout_ms = plain_timeout;
	h.on_tick = plain_on_tick;
	h.done = plain_done;
	plain_sync_prompt(p);
	loop_run(&h, d);
	if (p->tty && p->histpath[0] != '\0')
		hist_save(p->histpath);
	if (p->rl_on) {
		rl_callback_handler_remove();
		p->rl_on = false;
		printf("\n");
	}
	if (p->hidden)
		plain_echo(p, true);
	front_clear(&p->front);
	fflush(stdout);
	loop_fini();
	if (p->exitcode != 0)
		return p->exitcode;
	/* The first attempt failed, or was given up while still connecting. */
	if (!p->ever_connected && (drive_connect_failed(d) || drive_connecting(d)))
		return 3;
	return drive_exit_hint(d);
}
