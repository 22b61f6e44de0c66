/*
 * explain.c: ehlo explain. Explains reply codes, enhanced codes and whole reply lines,
 * compares two codes, and annotates transcripts, as wrapped text (colour only on a terminal
 * without NO_COLOR) or as one JSON document. Everything that came from a server or a file
 * is printed through sanitize().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exitcodes.h"
#include "help.h"
#include "sanitize.h"

#define EXPLAIN_MAX_ARGS 16
#define EXPLAIN_WIDTH 80

/* Options and output state. */
struct explain_opts {
	struct help_context ctx;
	int json;
	int color;
	int width;
	const char *transcript;
	int nargs;
	const char *args[EXPLAIN_MAX_ARGS];
	int first_json; /* no JSON item printed yet in the current array */
};

/* ANSI sequences, used only when opts->color. */
#define EXPLAIN_BOLD "\033[1m"
#define EXPLAIN_RESET "\033[0m"

/* Print the usage text. */
static void
explain_usage(FILE *f)
{
	fputs(help_tr("usage: ehlo explain [OPTIONS] CODE|ENHANCED|'REPLY LINE'...\n"
		      "       ehlo explain [OPTIONS] --transcript FILE|-\n"
		      "\n"
		      "Explains SMTP replies: what they mean, when you see them, what to do next.\n"
		      "  ehlo explain 235                 a reply code\n"
		      "  ehlo explain 235 354             two codes: both, then the key "
		      "differences\n"
		      "  ehlo explain 5.7.26              an enhanced status code\n"
		      "  ehlo explain '550 5.7.1 Relay access denied'   a whole reply line\n"
		      "\n"
		      "options:\n"
		      "  --after CMD          the command the reply answers: greeting, EHLO, "
		      "HELO,\n"
		      "                       MAIL, RCPT, DATA, END (the final dot), BDAT, RSET, "
		      "VRFY,\n"
		      "                       EXPN, HELP, NOOP, QUIT, STARTTLS, AUTH\n"
		      "  --tls                the reply came over TLS\n"
		      "  --no-tls             the reply came without TLS\n"
		      "  --auth               the session had authenticated\n"
		      "  --starttls-offered   the EHLO reply listed STARTTLS\n"
		      "  --mech MECH          the SASL mechanism in progress (for 334)\n"
		      "  --transcript FILE    explain every reply of a transcript (- for stdin):\n"
		      "                       swaks output, C:/S: logs or ehlo's JSON Lines\n"
		      "  --format text|json   output format (default text)\n"
		      "  --lang en|es         language (default from the locale)\n"
		      "  --help               this text\n"
		      "\n"
		      "exit codes: 0 explained, 2 bad arguments (a malformed code such as 600)\n"),
	      f);
}

/* Print s, sanitized, to f. */
static void
explain_put_raw(FILE *f, const char *s, size_t len)
{
	char *clean = sanitize_dup(s, len);
	if (clean == NULL)
		return;
	fputs(clean, f);
	free(clean);
}

/* Columns a UTF-8 string takes (one per code point). */
static size_t
explain_cols(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* Print text wrapped at opts->width: the first line indented by indent, the rest by hang. */
static void
explain_wrap_hang(const struct explain_opts *o, const char *text, int indent, int hang)
{
	size_t col = 0;
	int lines = 0;
	const char *p = text;
	size_t width = (size_t)o->width;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		size_t wl = strcspn(p, " ");
		size_t wc = explain_cols(p, wl);
		if (col > 0 && col + 1 + wc > width) {
			putchar('\n');
			col = 0;
		}
		if (col == 0) {
			int in = lines++ == 0 ? indent : hang;
			printf("%*s", in, "");
			col = (size_t)in;
		} else {
			putchar(' ');
			col++;
		}
		fwrite(p, 1, wl, stdout);
		col += wc;
		p += wl;
	}
	if (col > 0)
		putchar('\n');
}

/* Print text wrapped at opts->width, every line indented by indent spaces. */
static void
explain_wrap(const struct explain_opts *o, const char *text, int indent)
{
	explain_wrap_hang(o, text, indent, indent);
}

/* Print label and sanitized raw bytes, wrapped with a hanging indent (bold on a terminal). */
static void
explain_wrap_raw(const struct explain_opts *o, const char *label, const char *raw, size_t len,
		 int bold)
{
	char *clean = sanitize_dup(raw, len);
	size_t need = strlen(label) + (clean != NULL ? strlen(clean) : 0) + 1;
	char *all = malloc(need);
	if (all != NULL) {
		snprintf(all, need, "%s%s", label, clean != NULL ? clean : "");
		if (bold && o->color)
			fputs(EXPLAIN_BOLD, stdout);
		explain_wrap_hang(o, all, 0, 4);
		if (bold && o->color)
			fputs(EXPLAIN_RESET, stdout);
	}
	free(all);
	free(clean);
}

/* Print a section heading. */
static void
explain_heading(const struct explain_opts *o, const char *title)
{
	putchar('\n');
	if (o->color)
		printf(EXPLAIN_BOLD "%s" EXPLAIN_RESET "\n", title);
	else
		printf("%s\n", title);
}

/* The colour of a class. */
static const char *
explain_class_color(enum help_class c)
{
	switch (c) {
	case HELP_CLASS_POSITIVE:
		return "\033[32m";
	case HELP_CLASS_INTERMEDIATE:
		return "\033[36m";
	case HELP_CLASS_TRANSIENT:
		return "\033[33m";
	case HELP_CLASS_PERMANENT:
		return "\033[31m";
	default:
		return "";
	}
}

/* Print one explanation as text. */
static void
explain_text(const struct explain_opts *o, const struct help_explanation *e)
{
	char head[64];
	if (e->code != 0 && e->enhanced[0] != '\0')
		snprintf(head, sizeof head, "%d %s", e->code, e->enhanced);
	else if (e->code != 0)
		snprintf(head, sizeof head, "%d", e->code);
	else
		snprintf(head, sizeof head, "%s", e->enhanced);
	if (o->color)
		printf(EXPLAIN_BOLD "%s%s" EXPLAIN_RESET EXPLAIN_BOLD "  %s" EXPLAIN_RESET "\n",
		       explain_class_color(e->cls), head, e->title);
	else
		printf("%s  %s\n", head, e->title);
	char line[1024];
	snprintf(line, sizeof line, "%s: %s", e->class_name, e->class_meaning);
	explain_wrap(o, line, 0);
	explain_heading(o, help_tr("What it means"));
	explain_wrap(o, e->meaning, 4);
	explain_heading(o, help_tr("When you see it"));
	for (size_t i = 0; i < e->n_when; i++) {
		explain_wrap(o, e->when[i].text, 4);
	}
	if (e->context[0] != '\0' && (e->n_when != 1 || e->context != e->when[0].text)) {
		snprintf(line, sizeof line, help_tr("Here: %s"), e->context);
		explain_wrap(o, line, 4);
	}
	if (e->decoded_ok) {
		char *clean = sanitize_dup(e->decoded, e->decoded_len);
		if (clean != NULL) {
			snprintf(line, sizeof line, help_tr("Decoded challenge: \"%s\""), clean);
			explain_wrap(o, line, 4);
			free(clean);
		}
	}
	explain_heading(o, help_tr("What to do"));
	explain_wrap(o, e->fix, 4);
	if (e->enhanced[0] != '\0' && e->code != 0) {
		snprintf(line, sizeof line, help_tr("Enhanced code %s: %s"), e->enhanced,
			 e->enhanced_title);
		explain_heading(o, line);
		explain_wrap(o, e->enhanced_meaning, 4);
		int subject = 0;
		sscanf(e->enhanced, "%*d.%d", &subject);
		snprintf(line, sizeof line, help_tr("Subject %d. %s"), subject,
			 e->enhanced_subject);
		explain_wrap(o, line, 4);
	} else if (e->code == 0) {
		explain_heading(o, help_tr("Subject"));
		explain_wrap(o, e->enhanced_subject, 4);
	}
	if (e->n_matches > 0) {
		explain_heading(o, help_tr("What the server's text says"));
		for (size_t i = 0; i < e->n_matches; i++) {
			snprintf(line, sizeof line, "%s: %s", e->matches[i].title,
				 e->matches[i].meaning);
			explain_wrap(o, line, 4);
			snprintf(line, sizeof line, help_tr("What to do: %s"),
				 e->matches[i].action);
			explain_wrap(o, line, 6);
		}
	}
	explain_heading(o, help_tr("References"));
	line[0] = '\0';
	for (size_t i = 0; i < e->n_refs; i++) {
		if (i > 0)
			strncat(line, "; ", sizeof line - strlen(line) - 1);
		strncat(line, e->refs[i], sizeof line - strlen(line) - 1);
	}
	explain_wrap(o, line, 4);
}

/* Print s as a JSON string (s is ours or already sanitized: valid UTF-8). */
static void
explain_json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* Print raw server bytes as a sanitized JSON string. */
static void
explain_json_raw(const char *s, size_t len)
{
	char *clean = sanitize_dup(s, len);
	explain_json_str(clean != NULL ? clean : "");
	free(clean);
}

/* Print one "key": "value" pair; comma first unless first. */
static void
explain_json_kv(const char *key, const char *value, int first)
{
	printf("%s\"%s\":", first ? "" : ",", key);
	explain_json_str(value);
}

/* Print one explanation as a JSON object. */
static void
explain_json(const struct help_explanation *e)
{
	printf("{\"code\":%d,\"known\":%s", e->code, e->known ? "true" : "false");
	printf(",\"class\":{\"digit\":%d", (int)e->cls);
	explain_json_kv("name", e->class_name, 0);
	explain_json_kv("meaning", e->class_meaning, 0);
	putchar('}');
	explain_json_kv("title", e->title, 0);
	explain_json_kv("meaning", e->meaning, 0);
	fputs(",\"when\":[", stdout);
	for (size_t i = 0; i < e->n_when; i++) {
		printf("%s{", i ? "," : "");
		explain_json_kv("after", e->when[i].after, 1);
		explain_json_kv("text", e->when[i].text, 0);
		putchar('}');
	}
	putchar(']');
	explain_json_kv("context", e->context, 0);
	explain_json_kv("fix", e->fix, 0);
	if (e->decoded_ok) {
		fputs(",\"decoded\":", stdout);
		explain_json_raw(e->decoded, e->decoded_len);
	}
	if (e->enhanced[0] != '\0') {
		fputs(",\"enhanced\":{", stdout);
		explain_json_kv("code", e->enhanced, 1);
		printf(",\"registered\":%s", e->enhanced_known ? "true" : "false");
		explain_json_kv("title", e->enhanced_title, 0);
		explain_json_kv("meaning", e->enhanced_meaning, 0);
		explain_json_kv("subject", e->enhanced_subject, 0);
		explain_json_kv("provider", e->enhanced_provider, 0);
		explain_json_kv("basic", e->enhanced_basic, 0);
		putchar('}');
	}
	fputs(",\"matches\":[", stdout);
	for (size_t i = 0; i < e->n_matches; i++) {
		printf("%s{", i ? "," : "");
		explain_json_kv("id", e->matches[i].id, 1);
		explain_json_kv("provider", e->matches[i].provider, 0);
		explain_json_kv("title", e->matches[i].title, 0);
		explain_json_kv("meaning", e->matches[i].meaning, 0);
		explain_json_kv("action", e->matches[i].action, 0);
		putchar('}');
	}
	fputs("],\"references\":[", stdout);
	for (size_t i = 0; i < e->n_refs; i++) {
		if (i > 0)
			putchar(',');
		explain_json_str(e->refs[i]);
	}
	fputs("]}", stdout);
}

/* Print the comparison of two explanations. */
static void
explain_comparison(const struct explain_opts *o, const struct help_explanation *a,
		   const struct help_explanation *b, const char *na, const char *nb)
{
	struct help_comparison c;
	help_compare(a, b, &c);
	if (o->json) {
		fputs(",\"comparison\":{\"differences\":[", stdout);
		for (size_t i = 0; i < c.n_diffs; i++) {
			if (i > 0)
				putchar(',');
			explain_json_str(c.diffs[i]);
		}
		fputs("],\"when\":[", stdout);
		explain_json_str(c.meet_a);
		putchar(',');
		explain_json_str(c.meet_b);
		fputs("]}", stdout);
		return;
	}
	char line[1200];
	explain_heading(o, help_tr("Key differences"));
	for (size_t i = 0; i < c.n_diffs; i++) {
		snprintf(line, sizeof line, "- %s", c.diffs[i]);
		explain_wrap_hang(o, line, 4, 6);
	}
	explain_heading(o, help_tr("When you meet each"));
	snprintf(line, sizeof line, "%s: %s", na, c.meet_a);
	explain_wrap_hang(o, line, 4, 6);
	snprintf(line, sizeof line, "%s: %s", nb, c.meet_b);
	explain_wrap_hang(o, line, 4, 6);
}

/* Context for the transcript walk. */
struct explain_walk {
	struct explain_opts *o;
	struct help_explanation e;
	size_t n;
};

/* Explain one reply of a transcript. */
static int
explain_walk_one(const struct help_annotation *a, void *arg)
{
	struct explain_walk *w = arg;
	const struct explain_opts *o = w->o;
	if (help_explain(&a->reply, &a->ctx, &w->e) != 0)
		return 0;
	w->n++;
	char reply[64];
	if (w->e.enhanced[0] != '\0')
		snprintf(reply, sizeof reply, "%d %s ", a->reply.code, w->e.enhanced);
	else
		snprintf(reply, sizeof reply, "%d ", a->reply.code);
	if (o->json) {
		printf("%s{\"line\":%zu,\"last_line\":%zu", w->n > 1 ? "," : "", a->first_line,
		       a->last_line);
		explain_json_kv("after", help_cmd_name(a->ctx.after), 0);
		fputs(",\"command\":", stdout);
		explain_json_raw(a->command, strlen(a->command));
		fputs(",\"reply\":", stdout);
		char *text = sanitize_dup(a->reply.text, a->reply.text_len);
		size_t need = strlen(reply) + (text != NULL ? strlen(text) : 0) + 1;
		char *full = malloc(need);
		if (full != NULL) {
			snprintf(full, need, "%s%s", reply, text != NULL ? text : "");
			explain_json_str(full);
		} else {
			explain_json_str(reply);
		}
		free(full);
		free(text);
		fputs(",\"explanation\":", stdout);
		explain_json(&w->e);
		putchar('}');
		return 0;
	}
	char label[128];
	if (a->first_line == a->last_line)
		snprintf(label, sizeof label, help_tr("line %zu: "), a->first_line);
	else
		snprintf(label, sizeof label, help_tr("lines %zu-%zu: "), a->first_line,
			 a->last_line);
	strncat(label, reply, sizeof label - strlen(label) - 1);
	size_t tl = a->reply.text_len < 400 ? a->reply.text_len : 400;
	explain_wrap_raw(o, label, a->reply.text, tl, 1);
	char line[1200];
	if (a->command[0] != '\0') {
		char *cmd = sanitize_dup(a->command, strlen(a->command));
		snprintf(line, sizeof line, help_tr("Answers: %s"), cmd != NULL ? cmd : "");
		free(cmd);
	} else {
		snprintf(line, sizeof line, help_tr("Answers: %s"), help_cmd_name(a->ctx.after));
	}
	explain_wrap(o, line, 4);
	snprintf(line, sizeof line, "%s. %s", w->e.title,
		 w->e.context[0] ? w->e.context : w->e.meaning);
	explain_wrap(o, line, 4);
	if (w->e.enhanced[0] != '\0') {
		snprintf(line, sizeof line, "%s: %s", w->e.enhanced, w->e.enhanced_meaning);
		explain_wrap(o, line, 4);
	}
	if (w->e.decoded_ok) {
		char *clean = sanitize_dup(w->e.decoded, w->e.decoded_len);
		snprintf(line, sizeof line, help_tr("Decoded challenge: \"%s\""),
			 clean != NULL ? clean : "");
		free(clean);
		explain_wrap(o, line, 4);
	}
	for (size_t i = 0; i < w->e.n_matches; i++) {
		snprintf(line, sizeof line, "%s: %s %s", w->e.matches[i].title,
			 w->e.matches[i].meaning, w->e.matches[i].action);
		explain_wrap(o, line, 4);
	}
	if (w->e.cls != HELP_CLASS_POSITIVE) {
		snprintf(line, sizeof line, help_tr("What to do: %s"), w->e.fix);
		explain_wrap(o, line, 4);
	}
	putchar('\n');
	return 0;
}

/* Explain every reply of a transcript file (or stdin). */
static int
explain_transcript(struct explain_opts *o)
{
	FILE *f = strcmp(o->transcript, "-") == 0 ? stdin : fopen(o->transcript, "r");
	if (f == NULL) {
		fprintf(stderr, "ehlo explain: ");
		fprintf(stderr, help_tr("cannot read %s"), o->transcript);
		fputc('\n', stderr);
		return EHLO_EXIT_USAGE;
	}
	struct help_annotator *an = malloc(sizeof *an);
	struct explain_walk *w = malloc(sizeof *w);
	if (an == NULL || w == NULL) {
		free(an);
		free(w);
		if (f != stdin)
			fclose(f);
		return EHLO_EXIT_INTERNAL;
	}
	help_annotator_init(an);
	w->o = o;
	w->n = 0;
	if (o->json)
		printf("{\"lang\":\"%s\",\"replies\":[", help_lang_tag());
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct help_annotation a;
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (help_annotator_line(an, line, (size_t)n, &a))
			explain_walk_one(&a, w);
	}
	free(line);
	int err = ferror(f);
	if (f != stdin)
		fclose(f);
	if (o->json)
		printf("],\"count\":%zu}\n", w->n);
	else if (w->n == 0)
		fprintf(stderr, "ehlo explain: %s\n",
			help_tr("no SMTP replies found in the transcript"));
	free(an);
	free(w);
	return err ? EHLO_EXIT_INTERNAL : EHLO_EXIT_OK;
}

/* Parse the options; returns -1 (message printed) on a usage error, 1 for --help. */
static int
explain_parse_opts(int argc, char **argv, struct explain_opts *o)
{
	int only_args = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (only_args || a[0] != '-' || a[1] == '\0' || (a[1] >= '0' && a[1] <= '9')) {
			if (o->nargs == EXPLAIN_MAX_ARGS) {
				fprintf(stderr, "ehlo explain: %s\n",
					help_tr("too many arguments"));
				return -1;
			}
			o->args[o->nargs++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			return 1;
		} else if (strcmp(a, "--tls") == 0) {
			o->ctx.tls = HELP_YES;
		} else if (strcmp(a, "--no-tls") == 0) {
			o->ctx.tls = HELP_NO;
		} else if (strcmp(a, "--auth") == 0) {
			o->ctx.auth = HELP_YES;
		} else if (strcmp(a, "--starttls-offered") == 0) {
			o->ctx.starttls_offered = HELP_YES;
		} else if (strcmp(a, "--after") == 0 || strcmp(a, "--mech") == 0 ||
			   strcmp(a, "--format") == 0 || strcmp(a, "--transcript") == 0) {
			if (next == NULL) {
				fprintf(stderr, "ehlo explain: ");
				fprintf(stderr, help_tr("%s needs a value"), a);
				fputc('\n', stderr);
				return -1;
			}
			i++;
			if (strcmp(a, "--after") == 0) {
				o->ctx.after = help_cmd_parse(next, strlen(next));
				if (o->ctx.after == HELP_CMD_UNKNOWN) {
					fprintf(stderr, "ehlo explain: ");
					fprintf(stderr, help_tr("unknown command '%s' for --after"),
						next);
					fputc('\n', stderr);
					return -1;
				}
			} else if (strcmp(a, "--mech") == 0) {
				snprintf(o->ctx.sasl_mech, sizeof o->ctx.sasl_mech, "%s", next);
			} else if (strcmp(a, "--format") == 0) {
				if (strcmp(next, "json") == 0) {
					o->json = 1;
				} else if (strcmp(next, "text") == 0) {
					o->json = 0;
				} else {
					fprintf(stderr, "ehlo explain: ");
					fprintf(stderr,
						help_tr("unknown format '%s' (use text or json)"),
						next);
					fputc('\n', stderr);
					return -1;
				}
			} else {
				o->transcript = next;
			}
		} else {
			fprintf(stderr, "ehlo explain: ");
			fprintf(stderr, help_tr("unknown option '%s'"), a);
			fputc('\n', stderr);
			return -1;
		}
	}
	return 0;
}

/* ehlo explain. */
int
explain_main(int argc, char **argv)
{
	static struct explain_opts o;
	memset(&o, 0, sizeof o);
	o.width = EXPLAIN_WIDTH;
	int rc = explain_parse_opts(argc, argv, &o);
	if (rc == 1) {
		explain_usage(stdout);
		return EHLO_EXIT_OK;
	}
	if (rc < 0) {
		explain_usage(stderr);
		return EHLO_EXIT_USAGE;
	}
	/* Any NO_COLOR, even empty, turns colour off. */
	const char *nc = getenv("NO_COLOR");
	o.color = !o.json && isatty(STDOUT_FILENO) && nc == NULL;
	if (o.transcript != NULL) {
		if (o.nargs > 0) {
			fprintf(stderr, "ehlo explain: %s\n",
				help_tr("give either --transcript or codes, not both"));
			return EHLO_EXIT_USAGE;
		}
		return explain_transcript(&o);
	}
	if (o.nargs == 0) {
		explain_usage(stderr);
		return EHLO_EXIT_USAGE;
	}
	static struct help_reply replies[EXPLAIN_MAX_ARGS];
	static struct help_explanation ex[EXPLAIN_MAX_ARGS];
	for (int i = 0; i < o.nargs; i++) {
		enum help_parse pe = help_arg_parse(o.args[i], strlen(o.args[i]), &replies[i]);
		if (pe == HELP_PARSE_OK && replies[i].code == 334 &&
		    o.ctx.after == HELP_CMD_UNKNOWN)
			o.ctx.after = HELP_CMD_AUTH;
		if (pe != HELP_PARSE_OK || help_explain(&replies[i], &o.ctx, &ex[i]) != 0) {
			fprintf(stderr, "ehlo explain: '");
			explain_put_raw(stderr, o.args[i], strlen(o.args[i]));
			fprintf(stderr, "': %s\n",
				help_parse_error(pe != HELP_PARSE_OK ? pe : HELP_PARSE_NOT_CODE));
			return EHLO_EXIT_USAGE;
		}
	}
	if (o.json) {
		printf("{\"lang\":\"%s\",\"explanations\":[", help_lang_tag());
		for (int i = 0; i < o.nargs; i++) {
			printf("%s{\"input\":", i ? "," : "");
			explain_json_raw(o.args[i], strlen(o.args[i]));
			fputs(",\"explanation\":", stdout);
			explain_json(&ex[i]);
			putchar('}');
		}
		putchar(']');
		if (o.nargs == 2)
			explain_comparison(&o, &ex[0], &ex[1], o.args[0], o.args[1]);
		fputs("}\n", stdout);
		return EHLO_EXIT_OK;
	}
	for (int i = 0; i < o.nargs; i++) {
		if (i > 0)
			putchar('\n');
		if (replies[i].text != NULL && replies[i].text_len > 0) {
			explain_wrap_raw(&o, help_tr("Reply: "), o.args[i], strlen(o.args[i]), 0);
			putchar('\n');
		}
		explain_text(&o, &ex[i]);
	}
	if (o.nargs == 2) {
		char na[64], nb[64];
		snprintf(na, sizeof na, "%s", ex[0].code ? "" : ex[0].enhanced);
		snprintf(nb, sizeof nb, "%s", ex[1].code ? "" : ex[1].enhanced);
		if (ex[0].code)
			snprintf(na, sizeof na, "%d", ex[0].code);
		if (ex[1].code)
			snprintf(nb, sizeof nb, "%d", ex[1].code);
		explain_comparison(&o, &ex[0], &ex[1], na, nb);
	}
	return EHLO_EXIT_OK;
}
