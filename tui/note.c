/*
 * note.c: turns replies into explanation paragraphs through help/ (see note.h). The text is
 * help's (translated) or ours; the only server bytes that appear are already sanitized
 * (the decoded 334 challenge, EHLO keywords).
 */
#include "note.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "help.h"
#include "sanitize.h"
#include "tr.h"

/* Add a paragraph, printf-style; silently dropped when the note is full. */
static void __attribute__((format(printf, 3, 4)))
note_add(struct note *n, enum note_style style, const char *fmt, ...)
{
	va_list ap;

	if (n->n >= NOTE_ITEMS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(n->items[n->n].text, NOTE_TEXT_MAX, fmt, ap);
	va_end(ap);
	if (n->items[n->n].text[0] == '\0')
		return;
	n->items[n->n].style = style;
	n->n++;
}

/* The help command a proto command is. */
static enum help_cmd
note_cmd(enum proto_cmd c)
{
	switch (c) {
	case PROTO_CMD_GREETING:
		return HELP_CMD_GREETING;
	case PROTO_CMD_HELO:
		return HELP_CMD_HELO;
	case PROTO_CMD_EHLO:
		return HELP_CMD_EHLO;
	case PROTO_CMD_MAIL:
		return HELP_CMD_MAIL;
	case PROTO_CMD_RCPT:
		return HELP_CMD_RCPT;
	case PROTO_CMD_DATA:
		return HELP_CMD_DATA;
	case PROTO_CMD_DATA_END:
		return HELP_CMD_DATA_END;
	case PROTO_CMD_BDAT:
		return HELP_CMD_BDAT;
	case PROTO_CMD_RSET:
		return HELP_CMD_RSET;
	case PROTO_CMD_VRFY:
		return HELP_CMD_VRFY;
	case PROTO_CMD_EXPN:
		return HELP_CMD_EXPN;
	case PROTO_CMD_HELP:
		return HELP_CMD_HELP;
	case PROTO_CMD_NOOP:
		return HELP_CMD_NOOP;
	case PROTO_CMD_QUIT:
		return HELP_CMD_QUIT;
	case PROTO_CMD_STARTTLS:
		return HELP_CMD_STARTTLS;
	case PROTO_CMD_AUTH:
	case PROTO_CMD_AUTH_DATA:
		return HELP_CMD_AUTH;
	case PROTO_CMD_UNKNOWN:
	case PROTO_CMD_COUNT:
		break;
	}
	return HELP_CMD_UNKNOWN;
}

/* The explanation body shared by replies and /explain. */
static void
note_explanation(const struct help_explanation *e, struct note *out)
{
	if (e->code != 0)
		note_add(out, NOTE_TITLE, "%d  %s", e->code, e->title);
	else
		note_add(out, NOTE_TITLE, "%s  %s", e->enhanced, e->enhanced_title);
	note_add(out, NOTE_DIM, "%s", e->class_name);
	if (e->context[0] != '\0') {
		note_add(out, NOTE_HEAD, "%s", help_tr("Here"));
		note_add(out, NOTE_TEXT, "%s", e->context);
	}
	note_add(out, NOTE_HEAD, "%s", help_tr("What it means"));
	note_add(out, NOTE_TEXT, "%s", e->meaning);
	if (e->context[0] == '\0' && e->n_when > 0) {
		note_add(out, NOTE_HEAD, "%s", help_tr("When you see it"));
		for (size_t i = 0; i < e->n_when; i++)
			note_add(out, NOTE_TEXT, "%s: %s", e->when[i].after, e->when[i].text);
	}
	if (e->enhanced[0] != '\0' && e->code != 0) {
		note_add(out, NOTE_HEAD, "%s %s", help_tr("Enhanced code"), e->enhanced);
		note_add(out, NOTE_TEXT, "%s%s%s", e->enhanced_title,
			 e->enhanced_meaning[0] != '\0' ? ": " : "", e->enhanced_meaning);
		if (e->enhanced_provider[0] != '\0')
			note_add(out, NOTE_DIM, "%s", e->enhanced_provider);
	}
	for (size_t i = 0; i < e->n_matches; i++) {
		note_add(out, NOTE_HEAD, "%s: %s", e->matches[i].provider, e->matches[i].title);
		note_add(out, NOTE_TEXT, "%s", e->matches[i].meaning);
		note_add(out, NOTE_NEXT, "%s", e->matches[i].action);
	}
	if (e->fix[0] != '\0') {
		note_add(out, NOTE_HEAD, "%s", help_tr("What to do next"));
		note_add(out, NOTE_NEXT, "%s", e->fix);
	}
	if (e->n_refs > 0) {
		char refs[NOTE_TEXT_MAX] = "";
		for (size_t i = 0; i < e->n_refs; i++) {
			size_t used = strlen(refs);
			snprintf(refs + used, sizeof(refs) - used, "%s%s", i > 0 ? ", " : "",
				 e->refs[i]);
		}
		note_add(out, NOTE_DIM, "%s", refs);
	}
}

/* The help context a stored reply came in. */
static void
note_context(const struct lines_reply *r, struct help_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->after = note_cmd(r->answers);
	ctx->tls = r->tls ? HELP_YES : HELP_NO;
	ctx->auth = r->authenticated ? HELP_YES : HELP_NO;
	ctx->starttls_offered = r->starttls_offered ? HELP_YES : HELP_NO;
	snprintf(ctx->sasl_mech, sizeof(ctx->sasl_mech), "%s", r->auth_mech);
}

/* The EHLO keywords a server advertised, each with its meaning. */
static void
note_keywords(const char *kw, struct note *out)
{
	note_add(out, NOTE_HEAD, "%s", help_tr("What the server offers"));
	while (kw != NULL && *kw != '\0') {
		const char *nl = strchr(kw, '\n');
		size_t len = nl != NULL ? (size_t)(nl - kw) : strlen(kw);
		size_t word = strcspn(kw, " =\n");
		char safe[256];
		struct help_item it;

		if (word > len)
			word = len;
		sanitize(kw, len < 120 ? len : 120, safe, sizeof(safe));
		if (help_keyword(kw, word, &it) == 0)
			note_add(out, NOTE_TEXT, "%s: %s", safe, it.title);
		else
			note_add(out, NOTE_TEXT, "%s: %s", safe,
				 help_tr("not a keyword ehlo knows"));
		kw = nl != NULL ? nl + 1 : NULL;
	}
}

/* Explain a stored reply in its context. */
void
note_for_reply(const struct lines_reply *r, struct note *out)
{
	struct help_reply hr;
	struct help_context ctx;
	static struct help_explanation e; /* large: keep it off the stack */

	memset(out, 0, sizeof(*out));
	if (r == NULL) {
		note_add(out, NOTE_TEXT, "%s",
			 help_tr("No reply yet. The explanation of each reply "
				 "shows here as it arrives."));
		return;
	}
	note_context(r, &ctx);
	if (help_reply_parse(r->line, strlen(r->line), &hr) != HELP_PARSE_OK ||
	    help_explain(&hr, &ctx, &e) != 0) {
		note_add(out, NOTE_TITLE, "%d", r->code);
		note_add(out, NOTE_TEXT, "%s", help_tr("ehlo cannot read this reply's code."));
		return;
	}
	if (r->command != NULL && r->command[0] != '\0')
		note_add(out, NOTE_DIM, _("#%llu, answers %s"), r->number, r->command);
	else
		/* TRANSLATORS: %s is a command's name from help ("greeting", "end of data"). */
		note_add(out, NOTE_DIM, _("#%llu, answers: %s"), r->number,
			 help_cmd_name(ctx.after));
	note_explanation(&e, out);
	if (r->decoded != NULL) {
		note_add(out, NOTE_HEAD, "%s", help_tr("The server asks"));
		note_add(out, NOTE_TEXT, "\"%s\" (%s)", r->decoded,
			 help_tr("decoded from base64; answer in base64 too"));
	}
	if (r->keywords != NULL && r->code == 250 && out->n > 0) {
		/* Keywords before the references, which note_explanation put last. */
		struct note_item refs = out->items[out->n - 1];
		bool had_refs = refs.style == NOTE_DIM;
		if (had_refs)
			out->n--;
		note_keywords(r->keywords, out);
		if (had_refs && out->n < NOTE_ITEMS_MAX)
			out->items[out->n++] = refs;
	}
}

/* Explain a code the user typed. */
int
note_for_arg(const char *arg, struct note *out)
{
	struct help_reply hr;
	static struct help_explanation e;
	enum help_parse pe;

	memset(out, 0, sizeof(*out));
	pe = help_arg_parse(arg, strlen(arg), &hr);
	if (pe != HELP_PARSE_OK || help_explain(&hr, NULL, &e) != 0) {
		note_add(out, NOTE_TEXT, "%s", help_parse_error(pe));
		return -1;
	}
	note_explanation(&e, out);
	return 0;
}

/* The short form for --plain. */
void
note_short(const struct lines_reply *r, char *what, size_t whatcap, char *next, size_t nextcap)
{
	struct help_reply hr;
	struct help_context ctx;
	static struct help_explanation e;

	what[0] = '\0';
	next[0] = '\0';
	note_context(r, &ctx);
	if (help_reply_parse(r->line, strlen(r->line), &hr) != HELP_PARSE_OK ||
	    help_explain(&hr, &ctx, &e) != 0)
		return;
	snprintf(what, whatcap, "%s: %s", e.title, e.context[0] != '\0' ? e.context : e.meaning);
	if (e.n_matches > 0)
		snprintf(next, nextcap, "%s", e.matches[0].action);
	else
		snprintf(next, nextcap, "%s", e.fix);
}

/* Keys and slash commands, for F1 and /help. */
const char *const note_help_text[] = {
	N_("Type SMTP as in telnet: a line not starting with / goes to the server,"),
	N_("with CRLF: EHLO name, MAIL FROM:<a@b>, RCPT TO:<c@d>, DATA, RSET, NOOP,"),
	N_("QUIT, STARTTLS, AUTH ... After 354 (DATA) the composer opens (with"),
	N_("--plain: type the message; a line of only \".\" ends it, lines starting"),
	N_("with \".\" get a second dot for you)."),
	"",
	N_("The composer (full screen; after 354, or /compose):"),
	N_("  the message is headers (From, To, Subject from the envelope; Date and"),
	N_("  Message-ID added, all editable), an empty line, then the body. The"),
	N_("  cursor starts in the body. Below, what would go wrong, with line"),
	N_("  numbers: a line of only \".\" (ehlo sends it as \"..\"), lines starting"),
	N_("  with \".\", bare LF or CR in pasted text, lines over 998 bytes, 8-bit"),
	N_("  text without 8BITMIME or SMTPUTF8, a size over the server's SIZE."),
	N_("  Ctrl-D          send (dot-stuffed, CRLF, then <CRLF>.<CRLF>; a progress"),
	N_("                  bar for large messages); the reply is explained"),
	N_("  Esc             leave without sending; the draft is kept (F7 reopens"),
	N_("                  it while the server waits in DATA)"),
	N_("  F2              wire view: the exact bytes, <CRLF> marks, added dots"),
	N_("  F3              edit in $VISUAL or $EDITOR (vi when neither is set)"),
	N_("  F4              manual: you end the data with a line of only \".\""),
	N_("  F5              a new message from the envelope (replaces the draft)"),
	N_("  arrows, Home/End, PgUp/PgDn, Backspace, Delete, Enter: edit"),
	N_("  The draft is saved as you type ($XDG_STATE_HOME/ehlo/draft.eml or"),
	N_("  ~/.local/state/ehlo/draft.eml, mode 0600) and removed only when the"),
	N_("  server accepts the message: a refusal or a lost connection keeps it."),
	"",
	N_("Slash commands (ehlo itself):"),
	N_("  /auth [MECH]    log in: asks a user and a hidden password, runs SASL"),
	N_("  /starttls       send STARTTLS; the TLS handshake follows the 220"),
	N_("  /compose        MAIL FROM, RCPT TO and DATA, asking for each, then the"),
	N_("                  composer (a saved draft is offered back)"),
	N_("  /save FILE      save the transcript, secrets masked, mode 0600"),
	N_("                  (.json or .jsonl: JSON Lines)"),
	N_("  /explain CODE   explain a code (250, 5.7.26) or a reply line"),
	N_("  /find TEXT      search the session backwards (F6: next match)"),
	N_("  /clear          clear the session pane"),
	N_("  /reconnect      connect again"),
	N_("  /help           this screen"),
	N_("  /quit           leave (Ctrl-D on an empty line too)"),
	"",
	N_("Keys:"),
	N_("  F1              help"),
	N_("  F2 / F3         previous / next reply: the panel explains the selected one"),
	N_("  F4 or Esc       back to the newest reply"),
	N_("  F5              timestamps on or off"),
	N_("  F6              find the next match"),
	N_("  PgUp / PgDn     scroll the session"),
	N_("  Shift-PgUp/Dn   scroll the explanation"),
	N_("  Tab             complete verbs, slash commands, AUTH mechanisms"),
	N_("  Up / Down       history (kept across runs, never secrets)"),
	N_("  Ctrl-C          clear the line        Ctrl-L   redraw"),
	NULL,
};

/* Line i of the help text, translated (an empty line stays empty); NULL past the end. */
const char *
note_help_line(size_t i)
{
	const char *t = note_help_text[i];

	if (t == NULL || t[0] == '\0')
		return t;
	return _(t);
}
