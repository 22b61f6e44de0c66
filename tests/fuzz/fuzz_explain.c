/*
 * fuzz_explain.c: libFuzzer target for libehlo-help's parsers: the reply-line and argument
 * parsers, the explainer on what they accept (334 decoding and the regex patterns included),
 * the comparison, and the transcript annotator fed the whole input as a transcript, both in
 * one buffer and line by line. Checks that every string in an explanation is non-NULL and
 * NUL-terminated and that the annotator's line numbers make sense.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "help.h"

static struct help_explanation fuzz_a, fuzz_b;
static struct help_comparison fuzz_cmp;
static struct help_annotator fuzz_an;

/* Touch every string of an explanation so ASan sees a bad pointer. */
static size_t
fuzz_touch(const struct help_explanation *e)
{
	size_t n = strlen(e->class_name) + strlen(e->title) + strlen(e->meaning) + strlen(e->fix) +
		   strlen(e->context) + strlen(e->enhanced_title) + strlen(e->enhanced_meaning) +
		   strlen(e->decoded);
	for (size_t i = 0; i < e->n_when; i++)
		n += strlen(e->when[i].text) + strlen(e->when[i].after);
	for (size_t i = 0; i < e->n_matches; i++)
		n += strlen(e->matches[i].title) + strlen(e->matches[i].action);
	for (size_t i = 0; i < e->n_refs; i++)
		n += strlen(e->refs[i]);
	if (e->n_when == 0 || e->n_when > HELP_MAX_WHEN || e->n_matches > HELP_MAX_PATTERNS)
		abort();
	return n;
}

/* Explain what an annotation found, as the CLI does. */
static int
fuzz_each(const struct help_annotation *a, void *arg)
{
	size_t *count = arg;
	if (a->first_line == 0 || a->last_line < a->first_line)
		abort();
	if (help_explain(&a->reply, &a->ctx, &fuzz_a) == 0)
		fuzz_touch(&fuzz_a);
	(*count)++;
	return 0;
}

/* The entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	static int ready;
	if (!ready) {
		help_locale_init("en");
		ready = 1;
	}
	/* The first line as a reply line and as a command-line argument. */
	const char *nl = memchr(s, '\n', size);
	size_t first = nl != NULL ? (size_t)(nl - s) : size;
	struct help_reply r;
	struct help_context ctx = {0};
	if (size > 0) {
		ctx.after = (enum help_cmd)(data[0] % HELP_CMD_COUNT);
		ctx.tls = (enum help_tri)(data[size - 1] % 3);
		strcpy(ctx.sasl_mech, size > 8 && data[1] & 1 ? "LOGIN" : "XOAUTH2");
	}
	int ok_a = 0;
	if (help_reply_parse(s, first, &r) == HELP_PARSE_OK) {
		if (r.code < 200 || r.code > 599)
			abort();
		ok_a = help_explain(&r, &ctx, &fuzz_a) == 0;
		if (!ok_a)
			abort();
		fuzz_touch(&fuzz_a);
	}
	if (help_arg_parse(s, first, &r) == HELP_PARSE_OK && help_explain(&r, &ctx, &fuzz_b) == 0) {
		fuzz_touch(&fuzz_b);
		if (ok_a) {
			help_compare(&fuzz_a, &fuzz_b, &fuzz_cmp);
			for (size_t i = 0; i < fuzz_cmp.n_diffs; i++)
				(void)strlen(fuzz_cmp.diffs[i]);
			(void)strlen(fuzz_cmp.meet_a);
		}
	}
	struct help_item it;
	if (help_command(s, first, &it) == 0)
		(void)strlen(it.text);
	if (help_keyword(s, first, &it) == 0)
		(void)strlen(it.text);
	unsigned char out[256];
	(void)help_base64_decode(s, first, out, sizeof out);
	/* The whole input as a transcript, in one walk and line by line: same replies. */
	size_t walk = 0;
	size_t found = help_annotate(s, size, fuzz_each, &walk);
	if (found != walk)
		abort();
	help_annotator_init(&fuzz_an);
	size_t pos = 0, lines = 0;
	struct help_annotation a;
	while (pos < size) {
		const char *e = memchr(s + pos, '\n', size - pos);
		size_t end = e != NULL ? (size_t)(e - s) : size;
		lines += help_annotator_line(&fuzz_an, s + pos, end - pos, &a);
		pos = e != NULL ? end + 1 : size;
	}
	if (lines != found)
		abort();
	return 0;
}
