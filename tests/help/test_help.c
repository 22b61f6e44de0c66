/*
 * test_help.c: unit tests of libehlo-help: every table entry explained in English and
 * Spanish with no empty section, the context variants, comparisons, provider patterns on
 * real-world reply lines, the parsers, base64 and transcript annotation.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "help-int.h"
#include "help.h"

/* Set the language for a test, failing loudly if the catalogue is missing. */
static void
lang(const char *tag)
{
	cr_assert_eq(help_locale_init(tag), 0, "help_locale_init(%s)", tag);
	if (strcmp(tag, "es") == 0)
		cr_assert_str_eq(help_tr("What it means"), "Qué significa",
				 "Spanish catalogue not found (EHLO_LOCALEDIR=%s)",
				 getenv("EHLO_LOCALEDIR") ? getenv("EHLO_LOCALEDIR") : "");
}

/* Non-empty string check with a label. */
static void
nonempty(const char *s, const char *what, const char *code)
{
	cr_assert(s != NULL && s[0] != '\0', "%s of %s is empty", what, code);
}

/* Explain a line (or code) parsed with help_arg_parse. */
static void
explain_arg(const char *arg, const struct help_context *ctx, struct help_explanation *e)
{
	struct help_reply r;
	cr_assert_eq(help_arg_parse(arg, strlen(arg), &r), HELP_PARSE_OK, "parse %s", arg);
	cr_assert_eq(help_explain(&r, ctx, e), 0, "explain %s", arg);
}

/* Check every section of a basic-code explanation. */
static void
check_full(const struct help_explanation *e, const char *label)
{
	nonempty(e->class_name, "class", label);
	nonempty(e->class_meaning, "class meaning", label);
	nonempty(e->title, "title", label);
	nonempty(e->meaning, "meaning", label);
	nonempty(e->fix, "fix", label);
	cr_assert(e->n_when >= 1, "no when for %s", label);
	for (size_t i = 0; i < e->n_when; i++) {
		nonempty(e->when[i].text, "when", label);
		nonempty(e->when[i].after, "when.after", label);
	}
	cr_assert(e->n_refs >= 1, "no references for %s", label);
	for (size_t i = 0; i < e->n_refs; i++)
		nonempty(e->refs[i], "reference", label);
}

/* Every basic code in both languages; Spanish text differs from English. */
Test(tables, basic_codes_both_languages)
{
	cr_assert_eq(help_basic_count(), 34);
	static struct help_explanation en, es;
	for (size_t i = 0; i < help_basic_count(); i++) {
		char code[8];
		snprintf(code, sizeof code, "%d", help_basic_code(i));
		lang("en");
		explain_arg(code, NULL, &en);
		check_full(&en, code);
		cr_assert_eq(en.known, 1, "%s should be known", code);
		char meaning_en[HELP_TEXT_MAX * 2];
		snprintf(meaning_en, sizeof meaning_en, "%s", en.meaning);
		lang("es");
		explain_arg(code, NULL, &es);
		check_full(&es, code);
		cr_assert_str_neq(es.meaning, meaning_en, "%s meaning not translated", code);
		cr_assert_eq(es.n_when, en.n_when);
	}
	lang("en");
}

/* The codes SMTP-FACTS lists, all present. */
Test(tables, basic_codes_complete)
{
	static const int want[] = {211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432,
				   450, 451, 452, 454, 455, 500, 501, 502, 503, 504, 521, 530,
				   534, 535, 538, 550, 551, 552, 553, 554, 555, 556};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		cr_assert_not_null(help_basic_find(want[i]), "%d missing", want[i]);
}

/* Every IANA enhanced code, in each class where it can occur, in both languages. */
Test(tables, enhanced_codes_both_languages)
{
	cr_assert_eq(help_enhanced_count(), 81, "the IANA registry has 81 codes");
	static struct help_explanation e;
	const char *langs[] = {"en", "es"};
	for (int l = 0; l < 2; l++) {
		lang(langs[l]);
		for (size_t i = 0; i < help_enhanced_count(); i++) {
			int s, d;
			help_enhanced_at(i, &s, &d);
			for (int cls = 2; cls <= 5; cls++) {
				if (cls == 3)
					continue;
				char code[24];
				snprintf(code, sizeof code, "%d.%d.%d", cls, s, d);
				explain_arg(code, NULL, &e);
				cr_assert_str_eq(e.enhanced, code);
				cr_assert_eq(e.enhanced_known, 1, "%s not registered", code);
				nonempty(e.enhanced_title, "enhanced title", code);
				nonempty(e.enhanced_meaning, "enhanced meaning", code);
				nonempty(e.enhanced_subject, "subject", code);
				nonempty(e.title, "title", code);
				nonempty(e.fix, "fix", code);
				cr_assert(e.n_when == 1 && e.n_refs >= 1, "%s sections", code);
			}
		}
	}
	lang("en");
	/* The registry's ends. */
	explain_arg("5.7.30", NULL, &e);
	cr_assert_str_eq(e.enhanced_title, "REQUIRETLS support required");
	explain_arg("4.0.0", NULL, &e);
	cr_assert_eq(e.enhanced_known, 1);
}

/* Unregistered details fall back to providers or to class and subject. */
Test(tables, enhanced_fallbacks)
{
	static struct help_explanation e;
	lang("en");
	explain_arg("5.7.606", NULL, &e);
	cr_assert_eq(e.enhanced_known, 0);
	cr_assert_str_eq(e.enhanced_provider, "Microsoft 365");
	cr_assert(strstr(e.enhanced_meaning, "sender.office.com") != NULL);
	explain_arg("4.7.512", NULL, &e);
	cr_assert_str_eq(e.enhanced_provider, "Microsoft 365");
	cr_assert(strstr(e.enhanced_meaning, "throttling") != NULL);
	explain_arg("5.7.708", NULL, &e);
	cr_assert(strstr(e.enhanced_meaning, "not accepted") != NULL);
	explain_arg("5.1.99", NULL, &e);
	cr_assert_eq(e.enhanced_known, 0);
	cr_assert_str_eq(e.enhanced_provider, "");
	cr_assert(strstr(e.enhanced_title, "99") != NULL);
	cr_assert(strstr(e.enhanced_meaning, "Addressing") != NULL);
	explain_arg("5.9.1", NULL, &e);
	nonempty(e.enhanced_subject, "subject", "5.9.1");
	lang("es");
	explain_arg("5.7.606", NULL, &e);
	cr_assert(strstr(e.enhanced_title, "IANA") != NULL);
	cr_assert(strstr(e.enhanced_title, "Microsoft 365") != NULL);
	cr_assert(strstr(e.enhanced_title, "Not in") == NULL);
	lang("en");
}

/* Every context row in both languages: the row is what comes back in its context. */
Test(tables, context_rows_both_languages)
{
	static struct help_explanation e;
	const char *langs[] = {"en", "es"};
	for (int l = 0; l < 2; l++) {
		lang(langs[l]);
		for (size_t i = 0; i < help_ctx_table_len; i++) {
			const struct help_ctxrow *row = &help_ctx_table[i];
			struct help_context ctx = {0};
			ctx.after = row->cmd == HELP_CMD_UNKNOWN ? HELP_CMD_NOOP : row->cmd;
			ctx.tls = row->tls;
			ctx.starttls_offered = row->starttls;
			ctx.auth = row->auth;
			struct help_reply r = {.code = row->code};
			char label[32];
			snprintf(label, sizeof label, "%d after %d", row->code, row->cmd);
			cr_assert_eq(help_explain(&r, &ctx, &e), 0);
			check_full(&e, label);
			nonempty(e.context, "context", label);
			if (row->cmd != HELP_CMD_UNKNOWN) {
				cr_assert_eq(e.n_when, 1, "%s", label);
				/* The chosen row is this one or a more specific one. */
				cr_assert_eq(e.when[0].cmd, row->cmd, "%s", label);
			}
			if (row->next != NULL && row->tls == HELP_UNKNOWN &&
			    row->starttls == HELP_UNKNOWN && row->auth == HELP_UNKNOWN)
				cr_assert_str_eq(e.fix, help_tr(row->next), "%s", label);
		}
	}
	lang("en");
}

/* Commands and keywords: all there, both languages, lookups by name and as typed. */
Test(tables, commands_and_keywords)
{
	static const char *cmds[] = {"HELO", "EHLO", "MAIL", "RCPT", "DATA", "BDAT",	 "RSET",
				     "VRFY", "EXPN", "HELP", "NOOP", "QUIT", "STARTTLS", "AUTH"};
	static const char *kws[] = {"SIZE",	     "PIPELINING", "8BITMIME",
				    "STARTTLS",	     "AUTH",	   "ENHANCEDSTATUSCODES",
				    "DSN",	     "CHUNKING",   "BINARYMIME",
				    "SMTPUTF8",	     "REQUIRETLS", "DELIVERBY",
				    "MT-PRIORITY",   "LIMITS",	   "ETRN",
				    "ATRN",	     "BURL",	   "FUTURERELEASE",
				    "NO-SOLICITING", "MTRK",	   "CONPERM",
				    "CONNEG",	     "RRVS",	   "CHECKPOINT",
				    "VRFY",	     "EXPN",	   "HELP",
				    "XCLIENT",	     "XFORWARD",   "VERB",
				    "ONEX",	     "X-EXPS",	   "X-LINK2STATE",
				    "XEXCH50"};
	struct help_item it, es;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		lang("en");
		cr_assert_eq(help_command(cmds[i], strlen(cmds[i]), &it), 0, "%s", cmds[i]);
		nonempty(it.title, "title", cmds[i]);
		nonempty(it.text, "text", cmds[i]);
		nonempty(it.syntax, "syntax", cmds[i]);
		nonempty(it.rfc, "rfc", cmds[i]);
		lang("es");
		cr_assert_eq(help_command(cmds[i], strlen(cmds[i]), &es), 0);
		cr_assert_str_neq(es.text, it.text, "%s not translated", cmds[i]);
	}
	cr_assert_eq(help_command_count(), sizeof cmds / sizeof cmds[0]);
	for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++) {
		lang("en");
		cr_assert_eq(help_keyword(kws[i], strlen(kws[i]), &it), 0, "%s", kws[i]);
		nonempty(it.title, "title", kws[i]);
		nonempty(it.text, "text", kws[i]);
		nonempty(it.rfc, "rfc", kws[i]);
		lang("es");
		cr_assert_eq(help_keyword(kws[i], strlen(kws[i]), &es), 0);
		cr_assert_str_neq(es.text, it.text, "%s not translated", kws[i]);
	}
	cr_assert_eq(help_keyword_count(), sizeof kws / sizeof kws[0]);
	lang("en");
	const char *typed = "mail FROM:<a@example.org> SIZE=100";
	cr_assert_eq(help_command(typed, strlen(typed), &it), 0);
	cr_assert_str_eq(it.name, "MAIL");
	cr_assert_eq(help_keyword("AUTH=LOGIN PLAIN", 16, &it), 0);
	cr_assert_str_eq(it.name, "AUTH");
	cr_assert_eq(help_keyword("SIZE 35882577", 13, &it), 0);
	cr_assert_eq(help_keyword("X-UNKNOWN", 9, &it), -1);
	cr_assert_eq(help_command("FOO", 3, &it), -1);
}

/* Context: 220 greeting vs after STARTTLS, 421 greeting vs mid-session, 221. */
Test(context, greeting_and_starttls)
{
	static struct help_explanation a, b;
	struct help_context c1 = {.after = HELP_CMD_GREETING};
	struct help_context c2 = {.after = HELP_CMD_STARTTLS};
	lang("en");
	explain_arg("220 mx.example.org ESMTP", &c1, &a);
	explain_arg("220 2.0.0 Ready to start TLS", &c2, &b);
	cr_assert(strstr(a.context, "greeting") != NULL);
	cr_assert(strstr(b.context, "TLS handshake") != NULL);
	cr_assert(strstr(b.fix, "EHLO again") != NULL);
	explain_arg("421 4.7.0 Try again later", &c1, &a);
	struct help_context mid = {.after = HELP_CMD_RCPT};
	explain_arg("421 4.4.2 Timeout exceeded", &mid, &b);
	cr_assert(strstr(a.context, "As the greeting") != NULL);
	cr_assert(strstr(b.context, "middle of a session") != NULL);
	struct help_context q = {.after = HELP_CMD_QUIT};
	explain_arg("221 2.0.0 Bye", &q, &a);
	cr_assert(strstr(a.context, "QUIT") != NULL);
}

/* Context: 250 after EHLO, MAIL, RCPT, the final dot, RSET and NOOP are all different. */
Test(context, two_fifty_per_command)
{
	static const enum help_cmd cmds[] = {HELP_CMD_EHLO,	HELP_CMD_MAIL, HELP_CMD_RCPT,
					     HELP_CMD_DATA_END, HELP_CMD_RSET, HELP_CMD_NOOP};
	static struct help_explanation e[6];
	lang("en");
	for (int i = 0; i < 6; i++) {
		struct help_context c = {.after = cmds[i]};
		explain_arg("250 2.0.0 OK", &c, &e[i]);
		cr_assert_eq(e[i].n_when, 1);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(e[i].context, e[j].context, "%d vs %d", i, j);
	}
	cr_assert(strstr(e[3].context, "responsible") != NULL);
	cr_assert(strstr(e[1].fix, "RCPT TO") != NULL);
	/* Without context: every command that can produce it. */
	static struct help_explanation all;
	explain_arg("250", NULL, &all);
	cr_assert(all.n_when >= 8, "250 lists %zu commands", all.n_when);
}

/* Context: 334 per mechanism with the challenge decoded. */
Test(context, sasl_challenges)
{
	static struct help_explanation e;
	struct help_context c = {.after = HELP_CMD_AUTH};
	lang("en");
	snprintf(c.sasl_mech, sizeof c.sasl_mech, "LOGIN");
	explain_arg("334 VXNlcm5hbWU6", &c, &e);
	cr_assert_eq(e.decoded_ok, 1);
	cr_assert_str_eq(e.decoded, "Username:");
	cr_assert(strstr(e.context, "user name") != NULL);
	explain_arg("334 UGFzc3dvcmQ6", &c, &e);
	cr_assert_str_eq(e.decoded, "Password:");
	cr_assert_eq(e.decoded_len, 9);
	cr_assert(strstr(e.context, "password") != NULL);
	explain_arg("334 VXNlciBOYW1lAA==", &c, &e); /* aiosmtpd: "User Name\0" */
	cr_assert_eq(e.decoded_len, 10);
	cr_assert(strstr(e.context, "user name") != NULL);
	snprintf(c.sasl_mech, sizeof c.sasl_mech, "CRAM-MD5");
	explain_arg("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+", &c, &e);
	cr_assert_str_eq(e.decoded, "<1896.697170952@postoffice.reston.mci.net>");
	cr_assert(strstr(e.context, "HMAC-MD5") != NULL);
	snprintf(c.sasl_mech, sizeof c.sasl_mech, "PLAIN");
	explain_arg("334 ", &c, &e);
	cr_assert_eq(e.decoded_ok, 0);
	cr_assert(strstr(e.context, "NUL") != NULL);
	snprintf(c.sasl_mech, sizeof c.sasl_mech, "XOAUTH2");
	explain_arg("334 eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haW"
		    "wuZ29vZ2xlLmNvbS8ifQ==",
		    &c, &e);
	cr_assert(strncmp(e.decoded, "{\"status\":\"400\"", 15) == 0);
	cr_assert(strstr(e.context, "empty line") != NULL);
	explain_arg("334 not*base64", &c, &e);
	cr_assert_eq(e.decoded_ok, 0);
	cr_assert(strstr(e.context, "not valid base64") != NULL);
	lang("es");
	snprintf(c.sasl_mech, sizeof c.sasl_mech, "LOGIN");
	explain_arg("334 VXNlcm5hbWU6", &c, &e);
	cr_assert(strstr(e.context, "nombre de usuario") != NULL);
	lang("en");
}

/* Context: 354, 450/451/452 after RCPT vs the final dot, 454 STARTTLS vs AUTH. */
Test(context, transient_codes)
{
	static struct help_explanation a, b;
	lang("en");
	struct help_context d = {.after = HELP_CMD_DATA};
	explain_arg("354 End data with <CR><LF>.<CR><LF>", &d, &a);
	cr_assert(strstr(a.context, "<CRLF>.<CRLF>") != NULL);
	const char *codes[] = {"450", "451", "452"};
	for (int i = 0; i < 3; i++) {
		struct help_context r = {.after = HELP_CMD_RCPT};
		struct help_context e = {.after = HELP_CMD_DATA_END};
		explain_arg(codes[i], &r, &a);
		explain_arg(codes[i], &e, &b);
		cr_assert(strstr(a.context, "RCPT") != NULL, "%s", codes[i]);
		cr_assert(strstr(b.context, "final dot") != NULL, "%s", codes[i]);
		cr_assert(strstr(b.fix, "again later") != NULL, "%s: %s", codes[i], b.fix);
	}
	struct help_context s = {.after = HELP_CMD_STARTTLS};
	struct help_context au = {.after = HELP_CMD_AUTH};
	explain_arg("454 4.7.0 TLS not available due to local problem", &s, &a);
	explain_arg("454 4.7.0 Temporary authentication failure", &au, &b);
	cr_assert(strstr(a.context, "STARTTLS") != NULL);
	cr_assert(strstr(b.context, "temporary") != NULL);
	cr_assert_str_neq(a.fix, b.fix);
}

/* Context: 500-504 name the command; 530 STARTTLS first vs authentication required. */
Test(context, errors_and_530)
{
	static struct help_explanation a, b;
	lang("en");
	struct help_context ce = {.after = HELP_CMD_EHLO};
	explain_arg("502 5.5.1 Command not implemented", &ce, &a);
	cr_assert(strstr(a.context, "HELO") != NULL);
	struct help_context cr = {.after = HELP_CMD_RCPT};
	explain_arg("503 5.5.1 Error: need MAIL command", &cr, &a);
	cr_assert(strstr(a.context, "MAIL FROM") != NULL);
	struct help_context ca = {.after = HELP_CMD_AUTH};
	explain_arg("504 5.5.4 Unrecognized authentication type", &ca, &a);
	cr_assert(strstr(a.context, "mechanism") != NULL);
	struct help_context cm = {.after = HELP_CMD_MAIL};
	explain_arg("501 5.1.7 Bad sender address syntax", &cm, &a);
	cr_assert(strstr(a.context, "MAIL FROM") != NULL);
	explain_arg("500 5.5.2 Error: command not recognized", &cm, &a);
	cr_assert(strstr(a.context, "parse") != NULL, "500 falls back to any command");
	/* 530 before TLS with STARTTLS offered vs 530 under TLS. */
	struct help_context plain = {
		.after = HELP_CMD_MAIL, .tls = HELP_NO, .starttls_offered = HELP_YES};
	struct help_context tls = {.after = HELP_CMD_MAIL, .tls = HELP_YES};
	explain_arg("530 5.7.0 Must issue a STARTTLS command first", &plain, &a);
	explain_arg("530 5.7.0 Authentication required", &tls, &b);
	cr_assert(strstr(a.context, "requires TLS") != NULL);
	cr_assert(strstr(a.fix, "STARTTLS") != NULL);
	cr_assert(strstr(b.context, "authentication") != NULL);
	cr_assert(strstr(b.fix, "AUTH") != NULL);
	/* AUTH state: a second AUTH, and 530 after a successful AUTH. */
	struct help_context again = {.after = HELP_CMD_AUTH, .auth = HELP_YES};
	explain_arg("503 5.5.1 Error: already authenticated", &again, &a);
	cr_assert(strstr(a.context, "already authenticated") != NULL);
	explain_arg("503 5.5.1 Error: already authenticated", &ca, &b);
	cr_assert_str_neq(a.context, b.context);
	struct help_context authed = {.after = HELP_CMD_MAIL, .auth = HELP_YES};
	explain_arg("530 5.7.0 Must issue a STARTTLS command first", &authed, &a);
	cr_assert(strstr(a.context, "successful AUTH") != NULL);
	explain_arg("535 5.7.8 Error: authentication failed", &ca, &a);
	cr_assert(strstr(a.context, "refused") != NULL);
}

/* Context: 550 after MAIL / RCPT / the final dot; 552 SIZE vs RCPT; 554 greeting vs end. */
Test(context, permanent_codes)
{
	static struct help_explanation e[3];
	lang("en");
	enum help_cmd c3[] = {HELP_CMD_MAIL, HELP_CMD_RCPT, HELP_CMD_DATA_END};
	for (int i = 0; i < 3; i++) {
		struct help_context c = {.after = c3[i]};
		explain_arg("550 5.7.1 Rejected", &c, &e[i]);
	}
	cr_assert(strstr(e[0].context, "sender") != NULL);
	cr_assert(strstr(e[1].context, "recipient") != NULL);
	cr_assert(strstr(e[2].context, "message itself") != NULL);
	struct help_context m = {.after = HELP_CMD_MAIL};
	struct help_context r = {.after = HELP_CMD_RCPT};
	explain_arg("552 5.3.4 Message size exceeds fixed limit", &m, &e[0]);
	explain_arg("552 5.5.3 Too many recipients", &r, &e[1]);
	cr_assert(strstr(e[0].context, "SIZE") != NULL);
	cr_assert(strstr(e[1].context, "temporary") != NULL);
	struct help_context g = {.after = HELP_CMD_GREETING};
	struct help_context d = {.after = HELP_CMD_DATA_END};
	explain_arg("554 mx.example.org ESMTP not accepting messages", &g, &e[0]);
	explain_arg("554 5.7.1 Message rejected", &d, &e[1]);
	cr_assert(strstr(e[0].context, "503") != NULL);
	cr_assert(strstr(e[1].context, "rejected") != NULL);
}

/* Unknown but well-formed codes are read by their digits; no unusual command claimed. */
Test(context, unknown_codes)
{
	static struct help_explanation e;
	lang("en");
	explain_arg("299", NULL, &e);
	cr_assert_eq(e.known, 0);
	cr_assert_eq(e.cls, HELP_CLASS_POSITIVE);
	cr_assert(strstr(e.title, "299") != NULL);
	cr_assert(strstr(e.meaning, "Second digit 9") != NULL);
	check_full(&e, "299");
	explain_arg("459", NULL, &e);
	cr_assert(strstr(e.meaning, "mail system") != NULL);
	check_full(&e, "459");
	struct help_context c = {.after = HELP_CMD_NOOP};
	explain_arg("235", &c, &e);
	cr_assert(strstr(e.context, "NOOP") != NULL, "unusual pairing noted: %s", e.context);
}

/* Comparisons: pair text, class, retry semantics, when you meet each. */
Test(compare, pairs)
{
	static struct help_explanation a, b;
	static struct help_comparison c;
	lang("en");
	explain_arg("235", NULL, &a);
	explain_arg("354", NULL, &b);
	cr_assert_eq(help_compare(&a, &b, &c), 0);
	cr_assert(c.n_diffs >= 3);
	cr_assert(strstr(c.diffs[0], "logged in") != NULL);
	int saw_class = 0, saw_wait = 0;
	for (size_t i = 0; i < c.n_diffs; i++) {
		saw_class |= strstr(c.diffs[i], "Positive intermediate") != NULL;
		saw_wait |= strstr(c.diffs[i], "354 is not an end") != NULL;
	}
	cr_assert(saw_class && saw_wait);
	cr_assert(strstr(c.meet_a, "AUTH") != NULL);
	cr_assert(strstr(c.meet_b, "DATA") != NULL);
	/* Order does not matter for the pair text. */
	cr_assert_eq(help_compare(&b, &a, &c), 0);
	cr_assert(strstr(c.diffs[0], "logged in") != NULL);
	explain_arg("450", NULL, &a);
	explain_arg("550", NULL, &b);
	help_compare(&a, &b, &c);
	int saw_retry = 0;
	for (size_t i = 0; i < c.n_diffs; i++)
		saw_retry |= strstr(c.diffs[i], "After 450 a client keeps the message") != NULL;
	cr_assert(saw_retry);
	/* Same class, no pair text: still differences. */
	explain_arg("211", NULL, &a);
	explain_arg("252", NULL, &b);
	help_compare(&a, &b, &c);
	cr_assert(c.n_diffs >= 2);
	cr_assert(strstr(c.diffs[0], "Same class") != NULL);
	/* Enhanced codes compare too. */
	explain_arg("5.1.1", NULL, &a);
	explain_arg("4.2.2", NULL, &b);
	help_compare(&a, &b, &c);
	cr_assert(strstr(c.diffs[0], "5.1.1") != NULL);
	lang("es");
	explain_arg("235", NULL, &a);
	explain_arg("354", NULL, &b);
	help_compare(&a, &b, &c);
	cr_assert(strstr(c.diffs[0], "sesión") != NULL);
	lang("en");
}

/* Real-world reply lines and the pattern each must match. */
static const struct {
	const char *line;
	const char *id;
} real_lines[] = {
	{"550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender and "
	 "Gmail users, and has been blocked. The sender must authenticate with at least one of SPF "
	 "or DKIM. For this message, DKIM checks did not pass and SPF check for [example.com] did "
	 "not pass with ip: [192.0.2.10]. To best protect our users from spam, the message has "
	 "been "
	 "blocked. Please visit https://support.google.com/mail/answer/81126#authentication for "
	 "more information. a1si123456qka.123 - gsmtp",
	 "gmail-unauthenticated"},
	{"550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC "
	 "policy. Please contact the administrator of example.com domain if this was a legitimate "
	 "mail. To learn about the DMARC initiative, go to "
	 "https://support.google.com/mail/?p=DmarcRejection x7si1.2 - gsmtp",
	 "gmail-dmarc"},
	{"550-5.1.1 The email account that you tried to reach does not exist. Please try "
	 "double-checking the recipient's email address for typos or unnecessary spaces. "
	 "https://support.google.com/mail/?p=NoSuchUser b5si9 - gsmtp",
	 "gmail-no-such-user"},
	{"550-5.2.1 The email account that you tried to reach is disabled. "
	 "https://support.google.com/mail/?p=DisabledUser z1si3 - gsmtp",
	 "gmail-disabled"},
	{"452-4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to "
	 "https://support.google.com/mail/?p=OverQuotaTemp q8si1 - gsmtp",
	 "gmail-over-quota"},
	{"450-4.2.1 The user you are trying to contact is receiving mail at a rate that prevents "
	 "additional messages from being delivered. "
	 "https://support.google.com/mail/?p=ReceivingRate "
	 "k2si4 - gsmtp",
	 "gmail-receiving-rate"},
	{"421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your "
	 "IP address. To protect our users from spam, mail sent from your IP address has been "
	 "temporarily rate limited. https://support.google.com/mail/?p=UnsolicitedRateLimitError "
	 "p3si5 - gsmtp",
	 "gmail-unsolicited-rate"},
	{"550-5.7.1 [2001:db8::25] Our system has detected that this message does not meet IPv6 "
	 "sending guidelines regarding PTR records and authentication. "
	 "https://support.google.com/mail/?p=IPv6AuthError h1si2 - gsmtp",
	 "gmail-ipv6-ptr"},
	{"534-5.7.9 Application-specific password required. Learn more at "
	 "https://support.google.com/mail/?p=InvalidSecondFactor e6sm1 - gsmtp",
	 "gmail-app-password"},
	{"535-5.7.8 Username and Password not accepted. Learn more at "
	 "https://support.google.com/mail/?p=BadCredentials m9sm2 - gsmtp",
	 "gmail-bad-credentials"},
	{"552-5.7.0 This message was blocked because its content presents a potential security "
	 "issue. Please visit https://support.google.com/mail/?p=BlockedMessage to review our "
	 "message content and attachment content guidelines. r4si7 - gsmtp",
	 "gmail-security-content"},
	{"550 5.7.606 Access denied, banned sending IP [192.0.2.44]. To request removal from this "
	 "list please visit https://sender.office.com/ and follow the directions.",
	 "ms-banned-ip"},
	{"550 5.7.1 Unfortunately, messages from [192.0.2.44] weren't sent. Please contact your "
	 "Internet service provider since part of their network is on our block list (S3150). You "
	 "can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
	 "ms-block-list"},
	{"550 5.4.1 Recipient address rejected: Access denied. [AM7EUR03FT012.eop-EUR03.prod."
	 "protection.outlook.com]",
	 "ms-recipient-access-denied"},
	{"530 5.7.57 Client not authenticated to send mail. "
	 "[DB8PR06CA0011.eurprd06.prod.outlook.com]",
	 "ms-client-not-authenticated"},
	{"550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.",
	 "ms-traffic-not-accepted"},
	{"451 4.7.500 Server busy. Please try again later from [192.0.2.44]. (S77714) "
	 "[VI1EUR04FT035.eop-eur04.prod.protection.outlook.com]",
	 "ms-server-busy"},
	{"550 5.7.520 Access denied, Your organization does not allow external forwarding. Please "
	 "contact your administrator for further assistance. AS(7555)",
	 "ms-external-forwarding"},
	{"421 4.7.0 [TSS04] Messages from 192.0.2.44 temporarily deferred due to unexpected volume "
	 "or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
	 "yahoo-tss04"},
	{"421 4.7.0 [TS02] Messages from 192.0.2.44 temporarily deferred - 4.16.50; see "
	 "https://postmaster.yahooinc.com/error-codes",
	 "yahoo-ts01-02"},
	{"421 4.7.1 [TS03] All messages from 192.0.2.44 will be permanently deferred; Retrying "
	 "will "
	 "NOT succeed. See https://postmaster.yahooinc.com/error-codes",
	 "yahoo-ts03"},
	{"553 5.7.2 [TSS09] All messages from 192.0.2.44 will be permanently deferred; Retrying "
	 "will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
	 "yahoo-tss09"},
	{"554 delivery error: dd This user doesn't have a yahoo.com account (nobody@yahoo.com) "
	 "[0] - mta1234.mail.gq1.yahoo.com",
	 "yahoo-no-account"},
	{"554 5.7.9 Message not accepted for policy reasons.  See "
	 "https://postmaster.yahooinc.com/error-codes",
	 "yahoo-policy"},
	{"450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted, see "
	 "http://postgrey.schweikert.ch/help/example.org.html",
	 "greylisting"},
	{"451 4.7.1 Please try again later (greylisting)", "greylisting"},
	{"554 5.7.1 <bob@elsewhere.example>: Relay access denied", "relay-denied"},
	{"550 5.7.1 Unable to relay for bob@elsewhere.example", "relay-denied"},
	{"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual "
	 "mailbox table",
	 "user-unknown"},
	{"550 5.1.1 <nobody@example.org>... User unknown", "user-unknown"},
	{"553 5.7.1 <alice@example.com>: Sender address rejected: not owned by user "
	 "bob@example.org",
	 "sender-rejected"},
	{"554 5.7.1 Service unavailable; Client host [192.0.2.44] blocked using zen.spamhaus.org; "
	 "https://www.spamhaus.org/query/ip/192.0.2.44",
	 "dnsbl"},
	{"550 5.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.44]",
	 "missing-ptr"},
	{"504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
	 "helo-rejected"},
	{"550 5.7.23 The message was rejected because of Sender Policy Framework violation", "spf"},
	{"550 5.7.1 Message rejected: SPF fail - not authorized", "spf"},
	{"550 5.7.20 Message rejected: no valid DKIM signature", "dkim"},
	{"550 5.7.1 Email rejected per DMARC policy for example.com", "dmarc"},
	{"521 5.5.2 mx.example.org Error: bare <LF> received", "bare-lf"},
	{"553 5.6.0 Bare linefeed (LF) not allowed", "bare-lf"},
	{"530 5.7.0 Must issue a STARTTLS command first", "starttls-required"},
	{"530 5.7.0 Authentication required", "auth-required"},
	{"421 4.7.0 mx.example.org Error: too many connections from 192.0.2.44",
	 "too-many-connections"},
	{"450 4.7.1 Rate limit exceeded, try again later", "rate-limit"},
	{"552 5.2.2 <bob@example.org>: Mailbox full", "quota"},
	{"452 4.2.2 Quota exceeded (mailbox for user is full)", "quota"},
	{"552 5.3.4 Message size exceeds fixed maximum message size", "size-limit"},
	{"554 5.5.0 Error: improper command pipelining after EHLO from unknown[192.0.2.44]",
	 "pipelining-violation"},
	{"454 4.5.0 SMTP protocol violation, no commands allowed to pipeline after STARTTLS, see "
	 "RFC 3207 x3sm4 - gsmtp",
	 "pipelining-violation"},
	{"554 5.7.1 Message rejected: virus found (Eicar-Signature)", "virus"},
	{"550 5.7.1 Message rejected as spam by Content Filtering.", "spam-content"},
	{"554 5.7.1 Spam message rejected; score 12.3 > 5.0", "spam-content"},
	{"250 2.0.0 Ok: queued as 4Z1x2y3Qk9z", "queued-as"},
	{"250 2.0.0 OK  1701616000 d9-20020a05600c1c0900b0040b4a5b8d11si1234567wms.123 - gsmtp",
	 "gmail-accepted"},
};

/* Does the explanation carry the pattern id? */
static int
has_match(const struct help_explanation *e, const char *id)
{
	for (size_t i = 0; i < e->n_matches; i++)
		if (strcmp(e->matches[i].id, id) == 0)
			return 1;
	return 0;
}

/* Every real-world line matches its pattern, in both languages; every pattern is tested. */
Test(patterns, real_world_lines)
{
	static struct help_explanation e;
	const char *langs[] = {"en", "es"};
	for (int l = 0; l < 2; l++) {
		lang(langs[l]);
		for (size_t i = 0; i < sizeof real_lines / sizeof real_lines[0]; i++) {
			explain_arg(real_lines[i].line, NULL, &e);
			cr_assert(has_match(&e, real_lines[i].id),
				  "%s did not match %s (%zu matches)", real_lines[i].line,
				  real_lines[i].id, e.n_matches);
			for (size_t k = 0; k < e.n_matches; k++) {
				nonempty(e.matches[k].title, "pattern title", e.matches[k].id);
				nonempty(e.matches[k].meaning, "pattern meaning", e.matches[k].id);
				nonempty(e.matches[k].action, "pattern action", e.matches[k].id);
				nonempty(e.matches[k].provider, "pattern provider",
					 e.matches[k].id);
			}
		}
	}
	lang("en");
	cr_assert(help_pattern_count() >= 30);
	for (size_t p = 0; p < help_pattern_count(); p++) {
		int tested = 0;
		for (size_t i = 0; i < sizeof real_lines / sizeof real_lines[0]; i++)
			tested |= strcmp(real_lines[i].id, help_pattern_id(p)) == 0;
		cr_assert(tested, "pattern %s has no real-world line", help_pattern_id(p));
	}
}

/* Patterns do not fire on plain replies, and respect the class. */
Test(patterns, no_false_positives)
{
	static struct help_explanation e;
	lang("en");
	const char *plain[] = {"250 2.1.0 Ok",
			       "250 2.1.5 Ok",
			       "354 End data with <CR><LF>.<CR><LF>",
			       "221 2.0.0 Bye",
			       "220 mx.example.org ESMTP Postfix (Debian/GNU)",
			       "250-mx.example.org",
			       "220 2.0.0 Ready to start TLS",
			       "250 2.7.0 Authentication successful"};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		explain_arg(plain[i], NULL, &e);
		cr_assert_eq(e.n_matches, 0, "%s matched %s", plain[i],
			     e.n_matches ? e.matches[0].id : "");
	}
	/* Greylisting is a 4xx thing: a 5xx mentioning it is not greylisting. */
	explain_arg("550 5.7.1 greylisting is disabled here", NULL, &e);
	cr_assert(!has_match(&e, "greylisting"));
	/* The Gmail line gets basic, enhanced and provider explanations at once. */
	explain_arg(real_lines[0].line, NULL, &e);
	cr_assert_eq(e.code, 550);
	cr_assert_str_eq(e.enhanced, "5.7.26");
	cr_assert_str_eq(e.enhanced_title, "Multiple authentication checks failed");
	cr_assert_str_eq(e.matches[0].provider, "Gmail");
	/* "To best protect our users from spam" is not a spam verdict. */
	cr_assert(!has_match(&e, "spam-content"));
	/* A Gmail security block is not a content-filter spam verdict either. */
	explain_arg(real_lines[10].line, NULL, &e);
	cr_assert(has_match(&e, "gmail-security-content"));
	cr_assert(!has_match(&e, "spam-content"));
}

/* Reply and argument parsing, with the RFC 5321 test vectors. */
Test(parse, replies_and_args)
{
	struct help_reply r;
	cr_assert_eq(help_reply_parse("250\r\n", 5, &r), HELP_PARSE_OK);
	cr_assert_eq(r.code, 250);
	cr_assert_eq(r.text_len, 0);
	cr_assert_eq(help_reply_parse("250-First line", 14, &r), HELP_PARSE_OK);
	cr_assert_eq(r.more, 1);
	cr_assert_eq(help_reply_parse("250-234 Text beginning with numbers", 35, &r),
		     HELP_PARSE_OK);
	cr_assert_eq(r.enh_class, 0);
	cr_assert_eq(help_reply_parse("199 x", 5, &r), HELP_PARSE_BAD_CODE);
	cr_assert_eq(help_reply_parse("600", 3, &r), HELP_PARSE_BAD_CODE);
	cr_assert_eq(help_reply_parse("2500", 4, &r), HELP_PARSE_NOT_CODE);
	cr_assert_eq(help_reply_parse("25", 2, &r), HELP_PARSE_NOT_CODE);
	cr_assert_eq(help_reply_parse("", 0, &r), HELP_PARSE_EMPTY);
	const char *l = "550 5.1.1 <x@example.org>: User unknown";
	cr_assert_eq(help_reply_parse(l, strlen(l), &r), HELP_PARSE_OK);
	cr_assert_eq(r.enh_class, 5);
	cr_assert_eq(r.enh_subject, 1);
	cr_assert_eq(r.enh_detail, 1);
	cr_assert_eq(strncmp(r.text, "<x@", 3), 0);
	/* The class must match the code's first digit to count as an enhanced code. */
	l = "250 5.0.0 odd";
	cr_assert_eq(help_reply_parse(l, strlen(l), &r), HELP_PARSE_OK);
	cr_assert_eq(r.enh_class, 0);
	l = "250 2.0.0";
	cr_assert_eq(help_reply_parse(l, strlen(l), &r), HELP_PARSE_OK);
	cr_assert_eq(r.enh_class, 2);
	cr_assert_eq(r.text_len, 0);
	cr_assert_eq(help_arg_parse(" 5.7.26 ", 8, &r), HELP_PARSE_OK);
	cr_assert_eq(r.code, 0);
	cr_assert_eq(r.enh_detail, 26);
	cr_assert_eq(help_arg_parse("6.1.1", 5, &r), HELP_PARSE_BAD_ENHANCED);
	cr_assert_eq(help_arg_parse("5.1.1234", 8, &r), HELP_PARSE_BAD_ENHANCED);
	cr_assert_eq(help_arg_parse("abc", 3, &r), HELP_PARSE_NOT_CODE);
	cr_assert_eq(help_arg_parse("299", 3, &r), HELP_PARSE_OK);
	cr_assert_str_neq(help_parse_error(HELP_PARSE_BAD_CODE), "");
	cr_assert_eq(help_cmd_parse("rcpt", 4), HELP_CMD_RCPT);
	cr_assert_eq(help_cmd_parse("END", 3), HELP_CMD_DATA_END);
	cr_assert_eq(help_cmd_parse("greeting", 8), HELP_CMD_GREETING);
	cr_assert_eq(help_cmd_parse("XYZZY", 5), HELP_CMD_UNKNOWN);
}

/* Base64 decoding (RFC 4648 vectors and the SASL ones). */
Test(parse, base64)
{
	unsigned char out[64];
	cr_assert_eq(help_base64_decode("", 0, out, sizeof out), 0);
	cr_assert_eq(help_base64_decode("Zg==", 4, out, sizeof out), 1);
	cr_assert_eq(out[0], 'f');
	cr_assert_eq(help_base64_decode("Zm9vYmFy", 8, out, sizeof out), 6);
	cr_assert_eq(memcmp(out, "foobar", 6), 0);
	long n = help_base64_decode("dGVzdAB0ZXN0ADEyMzQ=", 20, out, sizeof out);
	cr_assert_eq(n, 14);
	cr_assert_eq(memcmp(out,
			    "test\0test\000"
			    "1234",
			    14),
		     0);
	cr_assert_eq(help_base64_decode("Zm9v!", 5, out, sizeof out), -1);
	cr_assert_eq(help_base64_decode("Zg==Zg", 6, out, sizeof out), -1);
	cr_assert_eq(help_base64_decode("Zm9vYmFy", 8, out, 3), -1);
	cr_assert_eq(help_base64_decode("Z", 1, out, sizeof out), -1);
}

/* Collected replies of one annotate run. */
struct collected {
	size_t n;
	int code[32];
	enum help_cmd after[32];
	enum help_tri tls[32];
	enum help_tri starttls[32];
	char text[32][128];
	char command[32][64];
	size_t first[32], last[32];
};

/* help_annotate callback: keep what the tests check. */
static int
collect(const struct help_annotation *a, void *arg)
{
	struct collected *c = arg;
	if (c->n >= 32)
		return 1;
	c->code[c->n] = a->reply.code;
	c->after[c->n] = a->ctx.after;
	c->tls[c->n] = a->ctx.tls;
	c->starttls[c->n] = a->ctx.starttls_offered;
	snprintf(c->text[c->n], sizeof c->text[0], "%.*s", (int)a->reply.text_len, a->reply.text);
	snprintf(c->command[c->n], sizeof c->command[0], "%s", a->command);
	c->first[c->n] = a->first_line;
	c->last[c->n] = a->last_line;
	c->n++;
	return 0;
}

/* A swaks transcript: greeting, multi-line EHLO, STARTTLS, AUTH LOGIN, DATA, QUIT. */
Test(annotate, swaks)
{
	const char *t = "=== Trying 127.0.0.1:2525...\n"
			"=== Connected to 127.0.0.1.\n"
			"<-  220 mx.example.org ESMTP\n"
			" -> EHLO client.example.org\n"
			"<-  250-mx.example.org\n"
			"<-  250-SIZE 10240000\n"
			"<-  250-STARTTLS\n"
			"<-  250 8BITMIME\n"
			" -> STARTTLS\n"
			"<-  220 2.0.0 Ready to start TLS\n"
			"=== TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256\n"
			" ~> EHLO client.example.org\n"
			"<~  250-mx.example.org\n"
			"<~  250 AUTH LOGIN PLAIN\n"
			" ~> AUTH LOGIN\n"
			"<~  334 VXNlcm5hbWU6\n"
			" ~> Ym9i\n"
			"<~  334 UGFzc3dvcmQ6\n"
			" ~> c2VjcmV0\n"
			"<~  235 2.7.0 Authentication successful\n"
			" ~> MAIL FROM:<b@example.org>\n"
			"<~  250 2.1.0 Ok\n"
			" ~> RCPT TO:<a@example.org>\n"
			"<~  550 5.1.1 <a@example.org>: Recipient address rejected: User unknown\n"
			" ~> RCPT TO:<c@example.org>\n"
			"<~  250 2.1.5 Ok\n"
			" ~> DATA\n"
			"<~  354 End data with <CR><LF>.<CR><LF>\n"
			" ~> Subject: test\n"
			" ~> \n"
			" ~> MAIL FROM: this is body text, not a command\n"
			" ~> .\n"
			"<~  250 2.0.0 Ok: queued as 4Z1x2y3Qk9z\n"
			" ~> QUIT\n"
			"<~  221 2.0.0 Bye\n"
			"=== Connection closed with remote host.\n";
	static struct collected c;
	memset(&c, 0, sizeof c);
	cr_assert_eq(help_annotate(t, strlen(t), collect, &c), 13);
	static const int codes[] = {220, 250, 220, 250, 334, 334, 235,
				    250, 550, 250, 354, 250, 221};
	static const enum help_cmd after[] = {HELP_CMD_GREETING, HELP_CMD_EHLO, HELP_CMD_STARTTLS,
					      HELP_CMD_EHLO,	 HELP_CMD_AUTH, HELP_CMD_AUTH,
					      HELP_CMD_AUTH,	 HELP_CMD_MAIL, HELP_CMD_RCPT,
					      HELP_CMD_RCPT,	 HELP_CMD_DATA, HELP_CMD_DATA_END,
					      HELP_CMD_QUIT};
	cr_assert_eq(c.code[0], 220);
	for (size_t i = 0; i < 13; i++) {
		cr_assert_eq(c.code[i], codes[i], "reply %zu: %d", i, c.code[i]);
		cr_assert_eq(c.after[i], after[i], "reply %zu after %d", i, c.after[i]);
	}
	cr_assert_str_eq(c.text[1], "mx.example.org SIZE 10240000 STARTTLS 8BITMIME");
	cr_assert_eq(c.first[1], 5);
	cr_assert_eq(c.last[1], 8);
	cr_assert_eq(c.tls[2], HELP_NO);
	cr_assert_eq(c.tls[3], HELP_YES);
	cr_assert_eq(c.starttls[2], HELP_YES);
	cr_assert_str_eq(c.command[4], "AUTH LOGIN");
	cr_assert_str_eq(c.command[8], "RCPT TO:<a@example.org>");
	cr_assert_str_eq(c.command[11], "");
	cr_assert_str_eq(c.text[8], "<a@example.org>: Recipient address rejected: User unknown");
}

/* A plain C:/S: log with PIPELINING: replies pair with commands in order. */
Test(annotate, plain_pipelined)
{
	const char *t = "S: 220 mx.example.org ESMTP\r\n"
			"C: EHLO me.example.org\r\n"
			"S: 250-mx.example.org\r\n"
			"S: 250 PIPELINING\r\n"
			"C: MAIL FROM:<b@example.org>\r\n"
			"C: RCPT TO:<x@example.org>\r\n"
			"C: RCPT TO:<y@example.org>\r\n"
			"C: DATA\r\n"
			"S: 250 2.1.0 Ok\r\n"
			"S: 450 4.2.0 <x@example.org>: Recipient address rejected: Greylisted\r\n"
			"S: 250 2.1.5 Ok\r\n"
			"S: 354 Go ahead\r\n"
			"C: hello\r\n"
			"C: .\r\n"
			"S: 250 2.0.0 Ok: queued\r\n"
			"C: AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n"
			"S: 503 5.5.1 Error: MAIL transaction in progress\r\n"
			"S: 421 4.4.2 mx.example.org Error: timeout exceeded\r\n";
	static struct collected c;
	memset(&c, 0, sizeof c);
	cr_assert_eq(help_annotate(t, strlen(t), collect, &c), 9);
	cr_assert_eq(c.after[0], HELP_CMD_GREETING);
	cr_assert_eq(c.after[2], HELP_CMD_MAIL);
	cr_assert_eq(c.after[3], HELP_CMD_RCPT);
	cr_assert_str_eq(c.command[3], "RCPT TO:<x@example.org>");
	cr_assert_str_eq(c.command[4], "RCPT TO:<y@example.org>");
	cr_assert_eq(c.after[5], HELP_CMD_DATA);
	cr_assert_eq(c.after[6], HELP_CMD_DATA_END);
	/* The AUTH initial response is a secret: the command is cut after the mechanism. */
	cr_assert_str_eq(c.command[7], "AUTH PLAIN");
	cr_assert(strstr(c.command[7], "AHRpbQ") == NULL);
	cr_assert_eq(c.starttls[7], HELP_NO);
	/* Unasked 421: nothing pending. */
	cr_assert_eq(c.code[8], 421);
	cr_assert_eq(c.after[8], HELP_CMD_UNKNOWN);
}

/* ehlo's own JSON Lines, escapes and TLS flag included; junk lines are skipped. */
Test(annotate, json_lines)
{
	const char *t =
		"{\"t\":0.001,\"dir\":\"info\",\"tls\":false,\"secret\":false,\"text\":"
		"\"connected\"}\n"
		"{\"t\":0.002,\"dir\":\"server\",\"tls\":false,\"secret\":false,\"text\":\"220 "
		"mx \\u00e9 \\\"q\\\"\"}\n"
		"not json at all\n"
		"{\"dir\":\"server\",\"text\":\n"
		"{\"t\":0.003,\"dir\":\"client\",\"tls\":false,\"secret\":false,\"text\":"
		"\"STARTTLS\"}\n"
		"{\"t\":0.004,\"dir\":\"server\",\"tls\":false,\"secret\":false,\"text\":\"220 go "
		"ahead\"}\n"
		"{\"t\":0.005,\"dir\":\"client\",\"tls\":true,\"secret\":false,\"text\":\"EHLO "
		"x\"}\n"
		"{\"t\":0.006,\"dir\":\"server\",\"tls\":true,\"secret\":false,\"text\":\"250 "
		"mx\"}\n";
	static struct collected c;
	memset(&c, 0, sizeof c);
	cr_assert_eq(help_annotate(t, strlen(t), collect, &c), 3);
	cr_assert_str_eq(c.text[0], "mx \xc3\xa9 \"q\"");
	cr_assert_eq(c.after[1], HELP_CMD_STARTTLS);
	cr_assert_eq(c.after[2], HELP_CMD_EHLO);
	cr_assert_eq(c.tls[2], HELP_YES);
	cr_assert_eq(c.first[2], 8);
}

/* The incremental annotator gives the same as the buffer walk, line by line. */
Test(annotate, incremental)
{
	static struct help_annotator an;
	struct help_annotation a;
	help_annotator_init(&an);
	cr_assert_eq(help_annotator_line(&an, "<-  554 5.7.1 no service", 24, &a), 1);
	cr_assert_eq(a.ctx.after, HELP_CMD_GREETING);
	cr_assert_eq(a.reply.code, 554);
	cr_assert_eq(a.reply.enh_class, 5);
	cr_assert_eq(help_annotator_line(&an, " -> HELO x", 10, &a), 0);
	cr_assert_eq(help_annotator_line(&an, "<-  503 5.5.1 bad sequence", 26, &a), 1);
	cr_assert_eq(a.ctx.after, HELP_CMD_HELO);
	cr_assert_str_eq(a.command, "HELO x");
	/* A continuation line with another code starts a new reply. */
	cr_assert_eq(help_annotator_line(&an, "<-  250-a", 9, &a), 0);
	cr_assert_eq(help_annotator_line(&an, "<-  251 b", 9, &a), 1);
	cr_assert_eq(a.reply.code, 251);
}
