/*
 * cmdline.c: the command line at the bottom: GNU readline through its callback interface,
 * fed byte by byte from the event loop (rl_getc_function and rl_input_available_hook read
 * from a small queue) and drawn by us (rl_redisplay_function only marks the row dirty).
 * Readline never touches the terminal itself. Secrets are typed outside readline: the
 * hidden input shows asterisks and never reaches the history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "cmd.h"
#include "hist.h"
#include "keys.h"
#include "screen-int.h"
#include "tr.h"
#include "wrap.h"

static struct screen *cmdline_s; /* readline's hooks take no argument */
static unsigned char cmdline_queue[64];
static size_t cmdline_qhead, cmdline_qlen;
static int cmdline_start; /* where the word being completed starts */
static char cmdline_breaks[] = " ";
static FILE *cmdline_null;

/* readline's input: the next queued byte. */
static int
cmdline_getc(FILE *f)
{
	(void)f;
	if (cmdline_qlen == 0)
		return EOF;
	int c = cmdline_queue[cmdline_qhead];
	cmdline_qhead = (cmdline_qhead + 1) % sizeof(cmdline_queue);
	cmdline_qlen--;
	return c;
}

/* readline asks whether more input is there (for multi-byte keys). */
static int
cmdline_available(void)
{
	return cmdline_qlen > 0;
}

/* readline wants the line redrawn: we draw at the end of the loop iteration. */
static void
cmdline_redisplay(void)
{
	if (cmdline_s != NULL)
		cmdline_s->dirty_cmd = true;
}

/* readline must not change the terminal modes: curses owns them. */
static void
cmdline_prep(int meta)
{
	(void)meta;
}

/* The other half of the same. */
static void
cmdline_deprep(void)
{
}

/* Completion candidates, one by one. */
static char *
cmdline_generator(const char *text, int state)
{
	return cmd_complete(rl_line_buffer, (size_t)cmdline_start, text, state,
			    cmdline_s != NULL ? drive_caps(cmdline_s->d) : NULL);
}

/* readline's completion entry: ours only, never file names. */
static char **
cmdline_complete(const char *text, int start, int end)
{
	(void)end;
	cmdline_start = start;
	rl_attempted_completion_over = 1;
	rl_completion_append_character = '\0';
	return rl_completion_matches(text, cmdline_generator);
}

/* Several candidates: list them in the key line instead of printing over the screen. */
static void
cmdline_show_matches(char **matches, int n, int maxlen)
{
	struct screen *s = cmdline_s;
	size_t used;

	(void)maxlen;
	if (s == NULL)
		return;
	used = (size_t)snprintf(s->message, sizeof(s->message), " Tab:");
	for (int i = 1; i <= n && used + 2 < sizeof(s->message); i++)
		used += (size_t)snprintf(s->message + used, sizeof(s->message) - used, " %s",
					 matches[i]);
	s->dirty_cmd = true;
}

/* A whole line was entered. */
static void
cmdline_line(char *line)
{
	struct screen *s = cmdline_s;

	if (s == NULL)
		return;
	if (line == NULL) {
		s->quit = true; /* Ctrl-D on an empty line */
		return;
	}
	if (front_historic(&s->front, line))
		hist_add(line); /* written at exit: a pasted batch must not rewrite the file per
				   line */
	/* A line typed means: back to the present. */
	lines_follow(s->lines);
	s->dirty_session = true;
	switch (front_enter(&s->front, line)) {
	case FRONT_QUIT:
		s->quit = true;
		break;
	case FRONT_CLEAR:
		lines_clear(s->lines);
		s->note_override = false;
		s->note_for = (unsigned long long)-1;
		screen_touch(s);
		break;
	case FRONT_HELP:
		s->help_open = true;
		s->help_scroll = 0;
		screen_touch(s);
		break;
	case FRONT_EXPLAIN:
		note_for_arg(s->front.arg, &s->note);
		s->note_override = true;
		s->explain_scroll = 0;
		s->dirty_explain = true;
		screen_touch(s);
		break;
	case FRONT_FIND:
		snprintf(s->find, sizeof(s->find), "%s", s->front.arg);
		if (!lines_find(s->lines, s->find, false))
			snprintf(s->message, sizeof(s->message), _("not found: %.200s"), s->find);
		s->note_override = false;
		screen_touch(s);
		break;
	case FRONT_OK:
	case FRONT_SAVED:
		break;
	}
	free(line);
	s->dirty_cmd = true;
}

/* Set readline up for the callback interface. */
void
cmdline_init(struct screen *s)
{
	cmdline_s = s;
	cmdline_null = fopen("/dev/null", "w");
	rl_readline_name = "ehlo";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = cmdline_prep;
	rl_deprep_term_function = cmdline_deprep;
	rl_getc_function = cmdline_getc;
	rl_input_available_hook = cmdline_available;
	rl_redisplay_function = cmdline_redisplay;
	rl_attempted_completion_function = cmdline_complete;
	rl_completion_display_matches_hook = cmdline_show_matches;
	rl_completer_word_break_characters = cmdline_breaks;
	if (cmdline_null != NULL)
		rl_outstream = cmdline_null;
	rl_variable_bind("bell-style", "none");
	if (hist_path(s->histpath, sizeof(s->histpath)) == 0)
		hist_load(s->histpath);
	else
		s->histpath[0] = '\0';
	snprintf(s->prompt, sizeof(s->prompt), "%s", front_prompt(&s->front));
	rl_callback_handler_install(s->prompt, cmdline_line);
}

/* Take readline down. */
void
cmdline_fini(struct screen *s)
{
	rl_callback_handler_remove();
	if (s->histpath[0] != '\0')
		hist_save(s->histpath);
	OPENSSL_cleanse(s->secret, sizeof(s->secret));
	s->secretlen = 0;
	if (cmdline_null != NULL) {
		rl_outstream = stdout;
		fclose(cmdline_null);
		cmdline_null = NULL;
	}
	cmdline_s = NULL;
}

/* Give readline some bytes, one key at a time. */
static void
cmdline_feed(const char *bytes, size_t n)
{
	for (size_t i = 0; i < n && cmdline_qlen < sizeof(cmdline_queue); i++) {
		cmdline_queue[(cmdline_qhead + cmdline_qlen) % sizeof(cmdline_queue)] =
			(unsigned char)bytes[i];
		cmdline_qlen++;
	}
	while (cmdline_qlen > 0) {
		size_t before = cmdline_qlen;
		rl_callback_read_char();
		if (cmdline_qlen == before)
			break;
	}
}

/* Encode a character as UTF-8; returns the bytes written (at most 4). */
static size_t
cmdline_utf8(unsigned long c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* A key while a secret is typed: never readline, never history. */
static void
cmdline_secret_key(struct screen *s, int ch, bool is_code)
{
	if ((!is_code && (ch == '\r' || ch == '\n')) || (is_code && ch == KEY_ENTER)) {
		char line[SCREEN_SECRET_MAX + 1];
		memcpy(line, s->secret, s->secretlen);
		line[s->secretlen] = '\0';
		OPENSSL_cleanse(s->secret, sizeof(s->secret));
		s->secretlen = 0;
		front_enter(&s->front, line);
		OPENSSL_cleanse(line, sizeof(line));
	} else if ((!is_code && (ch == 127 || ch == 8)) || (is_code && ch == KEY_BACKSPACE)) {
		while (s->secretlen > 0 && (s->secret[s->secretlen - 1] & 0xc0) == 0x80)
			s->secretlen--;
		if (s->secretlen > 0)
			s->secretlen--;
	} else if (!is_code && ch == 21) {
		OPENSSL_cleanse(s->secret, sizeof(s->secret));
		s->secretlen = 0;
	} else if (!is_code && (ch == 3 || ch == 27)) {
		OPENSSL_cleanse(s->secret, sizeof(s->secret));
		s->secretlen = 0;
		if (s->front.mode == FRONT_PASSWORD) {
			front_clear(&s->front);
			snprintf(s->message, sizeof(s->message), _("/auth cancelled"));
		} else {
			/* An AUTH typed by hand: "*" is how a client cancels it (RFC 4954). */
			front_enter(&s->front, "*");
		}
	} else if (!is_code && ch >= 32 && s->secretlen + 4 < sizeof(s->secret)) {
		s->secretlen += cmdline_utf8((unsigned long)ch, s->secret + s->secretlen);
	}
	s->dirty_cmd = true;
}

/* A key for the command line. */
void
cmdline_key(struct screen *s, int ch, bool is_code)
{
	char buf[8];

	if (s->hidden) {
		cmdline_secret_key(s, ch, is_code);
		return;
	}
	if (is_code) {
		const char *seq = keys_readline_seq(ch);
		if (seq != NULL)
			cmdline_feed(seq, strlen(seq));
		return;
	}
	if (ch == 3) {
		/* Ctrl-C clears the line, as in a shell. */
		rl_replace_line("", 0);
		rl_point = 0;
		snprintf(s->message, sizeof(s->message),
			 _(" Ctrl-C clears the line; /quit leaves"));
		s->dirty_cmd = true;
		return;
	}
	size_t n = cmdline_utf8((unsigned long)ch, buf);
	int end_before = rl_end;
	cmdline_feed(buf, n);
	/* A completed "MAIL FROM:<>" template: the cursor goes between the brackets. */
	if (ch == '\t' && rl_end > end_before && rl_end >= 3 && rl_point == rl_end &&
	    strcmp(rl_line_buffer + rl_end - 3, ":<>") == 0) {
		rl_point = rl_end - 1;
		s->dirty_cmd = true;
	}
}

/* Follow the front's prompt and hidden state. */
void
cmdline_sync(struct screen *s)
{
	bool hidden = front_hidden(&s->front);
	const char *p = front_prompt(&s->front);

	if (hidden != s->hidden) {
		s->hidden = hidden;
		OPENSSL_cleanse(s->secret, sizeof(s->secret));
		s->secretlen = 0;
		s->dirty_cmd = true;
	}
	if (strcmp(p, s->prompt) != 0) {
		snprintf(s->prompt, sizeof(s->prompt), "%s", p);
		rl_set_prompt(s->prompt);
		s->dirty_cmd = true;
	}
}

/* Draw the command line and leave the cursor there. */
void
cmdline_draw(struct screen *s)
{
	const struct screen_rect *r = &s->cmd;
	const char *prompt =
		s->hidden ? s->prompt : (rl_display_prompt != NULL ? rl_display_prompt : s->prompt);
	int pw = wrap_width(prompt, strlen(prompt));
	int avail = r->w - 1;

	mvhline(r->y, r->x, ' ', r->w);
	attrset(A_BOLD);
	pw = screen_text(r->y, r->x, prompt, strlen(prompt), avail);
	attrset(A_NORMAL);
	if (s->hidden) {
		size_t chars = 0;
		for (size_t i = 0; i < s->secretlen; i++)
			if ((s->secret[i] & 0xc0) != 0x80)
				chars++;
		int stars = (int)chars < avail - pw ? (int)chars : avail - pw;
		for (int i = 0; i < stars; i++)
			mvaddch(r->y, r->x + pw + i, '*');
		move(r->y, r->x + pw + (stars > 0 ? stars : 0));
		return;
	}
	/* The line is ours (typed by the user), but drawn through the same width rules. */
	const char *line = rl_line_buffer != NULL ? rl_line_buffer : "";
	size_t len = strlen(line);
	size_t point = rl_point >= 0 && (size_t)rl_point <= len ? (size_t)rl_point : len;
	int room = avail - pw;
	size_t start = 0;
	while (start < point && wrap_width(line + start, point - start) > room - 1) {
		start++;
		while (start < point && ((unsigned char)line[start] & 0xc0) == 0x80)
			start++;
	}
	char safe[4096];
	size_t n = 0;
	for (size_t i = start; i < len && n + 4 < sizeof(safe); i++) {
		unsigned char c = (unsigned char)line[i];
		safe[n++] = c < 32 || c == 127 ? '?' : (char)c;
	}
	if (room > 0)
		screen_text(r->y, r->x + pw, safe, n, room);
	int cx = pw + wrap_width(line + start, point - start);
	move(r->y, r->x + (cx < r->w ? cx : r->w - 1));
}
