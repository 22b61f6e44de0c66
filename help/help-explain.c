/*
 * help-explain.c: turns a parsed reply and its context into a help_explanation, and two
 * explanations into a help_comparison. Codes outside the tables are read by their digits
 * (basic) or by class and subject (enhanced), so every valid input gets an explanation.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "help-int.h"

/* Class names and meanings, by first digit. */
static const struct {
	const char *name;
	const char *meaning;
} help_classes[6] = {
	[2] = {N_("Positive completion (2xx)"),
	       N_("The server did what was asked; this step is finished.")},
	[3] = {N_("Positive intermediate (3xx)"),
	       N_("So far so good, but the server is waiting for more from you before the command "
		  "is complete.")},
	[4] = {N_("Transient negative (4xx)"),
	       N_("It failed this time but may work later: the client keeps the message and "
		  "retries; nothing is lost yet.")},
	[5] = {N_("Permanent negative (5xx)"),
	       N_("It failed and repeating the same command will fail again: change something "
		  "first. A mail server returns the message to its sender.")},
};

/* What the second digit of a basic code is about (RFC 5321 4.2.1). */
static const char *const help_second_digit[10] = {
	N_("syntax: the command was understood or not"),
	N_("information: replies to requests for status or help"),
	N_("connections: the transmission channel"),
	N_("not assigned a meaning by the RFC"),
	N_("not assigned a meaning by the RFC"),
	N_("the mail system: the state of the receiver for the requested action"),
	N_("outside RFC 5321, which defines only 0 to 5; the code counts by its first digit"),
	N_("outside RFC 5321, which defines only 0 to 5; the code counts by its first digit"),
	N_("outside RFC 5321, which defines only 0 to 5; the code counts by its first digit"),
	N_("outside RFC 5321, which defines only 0 to 5; the code counts by its first digit"),
};

/* Enhanced code subjects (RFC 3463 3): what they cover and what to look at. */
static const struct {
	const char *meaning;
	const char *fix;
} help_subjects[8] = {
	{N_("Other or undefined: only the class is known."),
	 N_("Read the server's text: it is the only detail you have.")},
	{N_("Addressing: something about the sender or recipient address."),
	 N_("Check the address for typos and that the domain and mailbox exist.")},
	{N_("Mailbox: the recipient's mailbox exists but has a problem (full, disabled)."),
	 N_("The recipient must act (free space, re-enable the account); tell them by another "
	    "channel.")},
	{N_("Mail system: the receiving system as a whole (full, not accepting, misconfigured)."),
	 N_("It is the receiving side's problem: retry later or contact its postmaster.")},
	{N_("Network and routing: reaching the destination (DNS, MX, connections, loops)."),
	 N_("Check the destination's DNS and MX records and the path to it.")},
	{N_("Mail delivery protocol: the SMTP dialogue itself (commands, syntax, sequence)."),
	 N_("Check the commands the client sent: their order, syntax and parameters.")},
	{N_("Message content or media: the message's format or encoding."),
	 N_("Change the message: its size, encoding or MIME structure.")},
	{N_("Security or policy: authentication, encryption, anti-spam and permission rules."),
	 N_("Check authentication, TLS, SPF/DKIM/DMARC and the sending IP's reputation, or ask "
	    "the receiving side's admin which rule you hit.")},
};

/* Hand-written differences for the pairs people confuse; order of a and b does not matter. */
static const struct {
	int a, b;
	const char *text;
} help_pairs[] = {
	{235, 354,
	 N_("235 closes the AUTH exchange: you are logged in and MAIL may follow. 354 comes in the "
	    "middle of DATA: send the headers and body now and end with a line holding only a "
	    "period.")},
	{220, 221,
	 N_("220 opens: the greeting, or the go-ahead for the TLS handshake after STARTTLS. 221 "
	    "closes: the answer to QUIT, after which the server hangs up.")},
	{250, 251,
	 N_("250 accepts the recipient as local; 251 accepts it but says the server will forward "
	    "it elsewhere. Both are successes.")},
	{251, 551,
	 N_("251 means the server forwards the mail for you; 551 means it will not, and the "
	    "text may name the address to use instead.")},
	{421, 554,
	 N_("421 is temporary: the server is closing now but you may come back later. 554 as a "
	    "greeting means this host gives no SMTP service to you at all.")},
	{450, 550,
	 N_("Both say the mailbox is unavailable. 450 is temporary (busy, greylisting): retry "
	    "later. 550 is permanent (no such user, policy): retrying the same will fail.")},
	{451, 550,
	 N_("451 is a processing error on the server's side, worth retrying. 550 is a final "
	    "refusal of this mailbox or message.")},
	{452, 552,
	 N_("452 is temporary lack of room (or too many recipients: send the rest later). 552 "
	    "is permanent: the message or mailbox exceeds a fixed limit.")},
	{530, 535,
	 N_("530 says you must do something first (STARTTLS, or authenticate) before this "
	    "command. 535 says you did try to authenticate and the credentials were wrong.")},
	{500, 501,
	 N_("500 means the command itself was not recognized. 501 means the command was known "
	    "but its arguments were wrong.")},
	{502, 504,
	 N_("502 means the server does not implement the command at all. 504 means it knows the "
	    "command but not the parameter or AUTH mechanism you asked for.")},
	{503, 530,
	 N_("503 means the commands came in the wrong order (RCPT before MAIL, DATA with no "
	    "recipient). 530 means a security step is missing: STARTTLS or AUTH.")},
	{550, 553,
	 N_("550 refuses a mailbox that is well written but unavailable or not allowed. 553 "
	    "refuses the address because of how it is written.")},
	{334, 235,
	 N_("334 is a step inside AUTH: the server sends a challenge and waits for your answer. "
	    "235 is the end: authentication succeeded.")},
	{454, 530,
	 N_("454 is a temporary failure of TLS or authentication on the server's side; try "
	    "again later. 530 is the server's rule: do STARTTLS or AUTH before this command.")},
	{521, 554,
	 N_("Both refuse service at the greeting. 521 (RFC 7504) says plainly that this host "
	    "never accepts mail; 554 is the older, more general refusal.")},
	{250, 354,
	 N_("250 completes a command. 354 answers DATA only and is not a completion: the "
	    "server is now reading your message until the line with a single period.")},
};

/* Append src to dst (capacity cap), cutting at a UTF-8 character boundary. */
static void
help_append(char *dst, size_t cap, const char *src)
{
	size_t dl = strlen(dst);
	size_t sl = strlen(src);
	if (dl + 1 >= cap)
		return;
	if (dl + sl + 1 > cap) {
		sl = cap - dl - 1;
		while (sl > 0 && ((unsigned char)src[sl] & 0xc0) == 0x80)
			sl--;
	}
	memcpy(dst + dl, src, sl);
	dst[dl + sl] = '\0';
}

/* Does a context row's state condition hold? */
static int
help_ctx_holds(const struct help_ctxrow *row, const struct help_context *ctx)
{
	if (row->tls != HELP_UNKNOWN && ctx->tls != row->tls)
		return 0;
	if (row->starttls != HELP_UNKNOWN && ctx->starttls_offered != row->starttls)
		return 0;
	if (row->auth != HELP_UNKNOWN && ctx->auth != row->auth)
		return 0;
	return 1;
}

/* Fill the "when you see it" items and the context text of a basic code. */
static void
help_explain_when(int code, const struct help_context *ctx, struct help_explanation *out)
{
	const struct help_ctxrow *best = NULL, *any = NULL;
	int best_score = -1;
	if (ctx->after != HELP_CMD_UNKNOWN) {
		for (size_t i = 0; i < help_ctx_table_len; i++) {
			const struct help_ctxrow *row = &help_ctx_table[i];
			if (row->code == code && row->cmd == HELP_CMD_UNKNOWN && any == NULL &&
			    help_ctx_holds(row, ctx))
				any = row;
			if (row->code != code || row->cmd != ctx->after ||
			    !help_ctx_holds(row, ctx))
				continue;
			int score = (row->tls != HELP_UNKNOWN) + (row->starttls != HELP_UNKNOWN) +
				    (row->auth != HELP_UNKNOWN);
			if (score > best_score) {
				best = row;
				best_score = score;
			}
		}
	}
	if (best == NULL)
		best = any;
	if (best != NULL) {
		out->n_when = 1;
		out->when[0].cmd = best->cmd;
		out->when[0].after = help_cmd_name(best->cmd);
		out->when[0].text = _(best->when);
		out->context = out->when[0].text;
		if (best->next != NULL)
			out->fix = _(best->next);
		return;
	}
	for (size_t i = 0; i < help_ctx_table_len && out->n_when < HELP_MAX_WHEN; i++) {
		const struct help_ctxrow *row = &help_ctx_table[i];
		if (row->code != code)
			continue;
		struct help_when *w = &out->when[out->n_when++];
		w->cmd = row->cmd;
		w->after = help_cmd_name(row->cmd);
		w->text = _(row->when);
	}
	if (out->n_when == 0) {
		struct help_when *w = &out->when[out->n_when++];
		w->cmd = HELP_CMD_UNKNOWN;
		w->after = help_cmd_name(HELP_CMD_UNKNOWN);
		w->text = _(N_("Any command can get a reply of this class; no command is known "
			       "for producing this exact code."));
	}
	if (ctx->after != HELP_CMD_UNKNOWN) {
		snprintf(out->buf_context, sizeof out->buf_context,
			 _(N_("%s does not usually get this code; read it by its class.")),
			 help_cmd_name(ctx->after));
		out->context = out->buf_context;
	}
}

/* What a decoded 334 challenge asks for, given the mechanism. */
static const char *
help_explain_334(const struct help_context *ctx, struct help_explanation *out, size_t rawlen)
{
	const char *mech = ctx->sasl_mech;
	const char *d = out->decoded;
	if (rawlen == 0) {
		if (strcasecmp(mech, "PLAIN") == 0)
			return _(N_("An empty challenge: PLAIN waits for one line, the base64 of "
				    "authorization id, NUL, user name, NUL, password."));
		return _(N_("An empty challenge: the server waits for your first response, in "
			    "base64. An empty response is sent as \"=\"; \"*\" cancels."));
	}
	if (!out->decoded_ok)
		return _(
			N_("The challenge is not valid base64, which RFC 4954 requires; the server "
			   "is at fault. Send \"*\" to cancel."));
	if (strncasecmp(d, "username", 8) == 0 || strncasecmp(d, "user name", 9) == 0)
		return _(N_("LOGIN asks for the user name (\"Username:\"): send it base64-encoded "
			    "on a line of its own."));
	if (strncasecmp(d, "password", 8) == 0)
		return _(N_("LOGIN asks for the password (\"Password:\"): send it base64-encoded. "
			    "ehlo keeps it out of transcripts."));
	if (strcasecmp(mech, "XOAUTH2") == 0 || strcasecmp(mech, "OAUTHBEARER") == 0 || d[0] == '{')
		return _(
			N_("The token was refused: the decoded JSON gives the status and the scope "
			   "the server wanted. Answer with an empty line; the server then ends "
			   "with 535."));
	if (strcasecmp(mech, "CRAM-MD5") == 0 || d[0] == '<')
		return _(N_("CRAM-MD5 sends a one-time challenge: answer with base64 of the user "
			    "name, a space and the hex HMAC-MD5 of this challenge keyed with the "
			    "password."));
	if (strncasecmp(mech, "SCRAM", 5) == 0 || strncmp(d, "r=", 2) == 0)
		return _(
			N_("SCRAM's server-first message: the nonce (r=), salt (s=) and iteration "
			   "count (i=). Answer with the client-final message holding your proof."));
	return _(N_("A SASL challenge: the decoded text is shown; answer in base64 as the "
		    "mechanism requires, or \"*\" to cancel."));
}

/* Fill the enhanced-code fields. */
static void
help_explain_enhanced(const struct help_reply *r, struct help_explanation *out)
{
	snprintf(out->enhanced, sizeof out->enhanced, "%d.%d.%d", r->enh_class % 10,
		 r->enh_subject % 1000, r->enh_detail % 1000);
	out->enhanced_subject = r->enh_subject < 8
					? _(help_subjects[r->enh_subject].meaning)
					: _(N_("A subject the registry does not define."));
	const struct help_enhrow *row = help_enh_find(r->enh_subject, r->enh_detail);
	if (row != NULL) {
		out->enhanced_known = 1;
		out->enhanced_title = _(row->title);
		out->enhanced_meaning = _(row->meaning);
		out->enhanced_basic = row->basic;
		if (out->n_refs < HELP_MAX_REFS && row->refs[0] != '\0')
			out->refs[out->n_refs++] = row->refs;
		return;
	}
	for (size_t i = 0; i < help_enhrange_table_len; i++) {
		const struct help_enhrange *g = &help_enhrange_table[i];
		if ((g->cls == 0 || g->cls == r->enh_class) && g->subject == r->enh_subject &&
		    r->enh_detail >= g->lo && r->enh_detail <= g->hi) {
			out->enhanced_provider = g->provider;
			snprintf(out->buf_enhanced, sizeof out->buf_enhanced,
				 _(N_("A %s code, not in the IANA registry")), g->provider);
			out->enhanced_title = out->buf_enhanced;
			out->enhanced_meaning = _(g->meaning);
			return;
		}
	}
	snprintf(out->buf_enhanced, sizeof out->buf_enhanced,
		 _(N_("Detail %d: not in the IANA registry, read by class and subject")),
		 r->enh_detail);
	out->enhanced_title = out->buf_enhanced;
	out->enhanced_meaning = out->enhanced_subject;
}

/* Explain a reply; see help.h. */
int
help_explain(const struct help_reply *r, const struct help_context *ctx,
	     struct help_explanation *out)
{
	static const struct help_context none;
	if (ctx == NULL)
		ctx = &none;
	out->code = 0;
	out->known = 0;
	out->n_when = out->n_matches = out->n_refs = 0;
	out->decoded_ok = 0;
	out->decoded_len = 0;
	out->decoded[0] = out->enhanced[0] = '\0';
	out->buf_title[0] = out->buf_meaning[0] = out->buf_enhanced[0] = '\0';
	out->buf_context[0] = '\0';
	out->class_name = out->class_meaning = out->title = out->meaning = "";
	out->context = out->fix = "";
	out->enhanced_known = 0;
	out->enhanced_title = out->enhanced_meaning = out->enhanced_subject = "";
	out->enhanced_provider = "";
	out->enhanced_basic = "";
	int has_code = r->code >= 200 && r->code <= 599;
	int has_enh = r->enh_class == 2 || r->enh_class == 4 || r->enh_class == 5;
	if (!has_code && !has_enh)
		return -1;
	int cls = has_code ? r->code / 100 : r->enh_class;
	out->cls = (enum help_class)cls;
	out->class_name = _(help_classes[cls].name);
	out->class_meaning = _(help_classes[cls].meaning);
	if (has_enh)
		help_explain_enhanced(r, out);
	if (has_code) {
		out->code = r->code;
		const struct help_basic *row = help_basic_find(r->code);
		if (row != NULL) {
			out->known = 1;
			out->title = _(row->title);
			out->meaning = _(row->meaning);
			out->fix = _(row->fix);
			/* The basic code's RFC comes before the enhanced code's. */
			if (out->n_refs < HELP_MAX_REFS) {
				memmove(out->refs + 1, out->refs,
					out->n_refs * sizeof out->refs[0]);
				out->refs[0] = row->refs;
				out->n_refs++;
			}
		} else {
			snprintf(out->buf_title, sizeof out->buf_title,
				 _(N_("Code %d: not defined by SMTP, read by its digits")),
				 r->code);
			out->title = out->buf_title;
			snprintf(out->buf_meaning, sizeof out->buf_meaning,
				 _(N_("First digit %d: %s Second digit %d: %s.")), cls,
				 _(help_classes[cls].meaning), (r->code / 10) % 10,
				 _(help_second_digit[(r->code / 10) % 10]));
			out->meaning = out->buf_meaning;
			out->fix =
				cls == 2   ? _(N_("Carry on as after any success of this class."))
				: cls == 3 ? _(N_("The server waits for more input; send what the "
						  "command in progress needs."))
				: cls == 4
					? _(N_("Treat it as a temporary failure: retry later."))
					: _(N_("Treat it as a permanent failure: do not repeat the "
					       "same command unchanged."));
			if (out->n_refs < HELP_MAX_REFS)
				out->refs[out->n_refs++] = "RFC 5321 4.2.1";
		}
		help_explain_when(r->code, ctx, out);
		if (r->code == 334) {
			size_t tl = r->text_len;
			while (tl > 0 && (r->text[tl - 1] == ' ' || r->text[tl - 1] == '\r'))
				tl--;
			long n = tl > 0 ? help_base64_decode(r->text, tl,
							     (unsigned char *)out->decoded,
							     sizeof out->decoded - 1)
					: -1;
			if (n >= 0) {
				out->decoded[n] = '\0';
				out->decoded_len = (size_t)n;
				out->decoded_ok = 1;
			}
			out->context = help_explain_334(ctx, out, tl);
		}
	} else {
		out->title = out->enhanced_title;
		out->meaning = out->enhanced_meaning;
		out->fix = r->enh_subject < 8 ? _(help_subjects[r->enh_subject].fix)
					      : _(help_subjects[0].fix);
		if (r->enh_class == 2) {
			out->fix = _(N_("Nothing to fix: this reports a success."));
		} else if (r->enh_class == 4) {
			snprintf(out->buf_meaning, sizeof out->buf_meaning, "%s %s",
				 _(N_("Temporary: a later retry may succeed.")), out->fix);
			out->fix = out->buf_meaning;
		}
		struct help_when *w = &out->when[out->n_when++];
		w->cmd = HELP_CMD_UNKNOWN;
		w->after = help_cmd_name(HELP_CMD_UNKNOWN);
		w->text = _(N_("After the three-digit code of a 2xx, 4xx or 5xx reply, once the "
			       "server has listed ENHANCEDSTATUSCODES in its EHLO reply; also in "
			       "bounce messages (DSNs)."));
		if (out->enhanced_basic[0] != '\0' && strcmp(out->enhanced_basic, "Any") != 0) {
			snprintf(out->buf_context, sizeof out->buf_context,
				 _(N_("With basic code %s, as IANA lists it. %s")),
				 out->enhanced_basic, w->text);
			w->text = out->buf_context;
		}
		if (out->n_refs < HELP_MAX_REFS)
			out->refs[out->n_refs++] = "RFC 3463; RFC 5248";
	}
	if (r->text != NULL && r->text_len > 0)
		help_patterns_match(r->text, r->text_len, out);
	return 0;
}

/* Add a difference to the comparison. */
static void
help_diff(struct help_comparison *out, const char *text)
{
	if (out->n_diffs < HELP_MAX_DIFFS)
		out->diffs[out->n_diffs++] = text;
}

/* Summarize where one code is met: its when items, each already labelled. */
static void
help_meet(const struct help_explanation *e, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (size_t i = 0; i < e->n_when; i++) {
		if (i > 0)
			help_append(buf, cap, " ");
		help_append(buf, cap, e->when[i].text);
	}
}

/* Compare two explanations; see help.h. */
int
help_compare(const struct help_explanation *a, const struct help_explanation *b,
	     struct help_comparison *out)
{
	out->n_diffs = 0;
	for (size_t i = 0; i < sizeof help_pairs / sizeof help_pairs[0]; i++) {
		if ((help_pairs[i].a == a->code && help_pairs[i].b == b->code) ||
		    (help_pairs[i].a == b->code && help_pairs[i].b == a->code))
			help_diff(out, _(help_pairs[i].text));
	}
	const char *la = a->code ? NULL : a->enhanced;
	const char *lb = b->code ? NULL : b->enhanced;
	char na[24], nb[24];
	snprintf(na, sizeof na, "%d", a->code);
	snprintf(nb, sizeof nb, "%d", b->code);
	if (la != NULL)
		snprintf(na, sizeof na, "%s", la);
	if (lb != NULL)
		snprintf(nb, sizeof nb, "%s", lb);
	char *buf = out->buf[out->n_diffs];
	if (a->cls != b->cls) {
		snprintf(buf, HELP_TEXT_MAX, _(N_("Class: %s is %s; %s is %s.")), na, a->class_name,
			 nb, b->class_name);
		help_diff(out, buf);
		buf = out->buf[out->n_diffs];
		if ((a->cls == HELP_CLASS_TRANSIENT && b->cls == HELP_CLASS_PERMANENT) ||
		    (a->cls == HELP_CLASS_PERMANENT && b->cls == HELP_CLASS_TRANSIENT)) {
			const char *t = a->cls == HELP_CLASS_TRANSIENT ? na : nb;
			const char *p = a->cls == HELP_CLASS_TRANSIENT ? nb : na;
			snprintf(
				buf, HELP_TEXT_MAX,
				_(N_("After %s a client keeps the message and retries later; after "
				     "%s it gives up and the sender gets a bounce.")),
				t, p);
			help_diff(out, buf);
		} else if (a->cls == HELP_CLASS_INTERMEDIATE || b->cls == HELP_CLASS_INTERMEDIATE) {
			const char *m = a->cls == HELP_CLASS_INTERMEDIATE ? na : nb;
			snprintf(buf, HELP_TEXT_MAX,
				 _(N_("%s is not an end: the server waits for more from the client "
				      "before the command completes.")),
				 m);
			help_diff(out, buf);
		}
	} else {
		snprintf(buf, HELP_TEXT_MAX, _(N_("Same class: both are %s.")), a->class_name);
		help_diff(out, buf);
	}
	buf = out->buf[out->n_diffs < HELP_MAX_DIFFS ? out->n_diffs : 0];
	if (out->n_diffs < HELP_MAX_DIFFS && strcmp(a->title, b->title) != 0) {
		snprintf(buf, HELP_TEXT_MAX, _(N_("Meaning: %s is \"%s\"; %s is \"%s\".")), na,
			 a->title, nb, b->title);
		help_diff(out, buf);
	}
	buf = out->buf[out->n_diffs < HELP_MAX_DIFFS ? out->n_diffs : 0];
	if (out->n_diffs < HELP_MAX_DIFFS && a->enhanced[0] != '\0' && b->enhanced[0] != '\0' &&
	    strcmp(a->enhanced, b->enhanced) != 0 && a->code != 0 && b->code != 0) {
		snprintf(buf, HELP_TEXT_MAX, _(N_("Enhanced codes: %s is %s; %s is %s.")),
			 a->enhanced, a->enhanced_title, b->enhanced, b->enhanced_title);
		help_diff(out, buf);
	}
	help_meet(a, out->buf_meet_a, sizeof out->buf_meet_a);
	help_meet(b, out->buf_meet_b, sizeof out->buf_meet_b);
	out->meet_a = out->buf_meet_a;
	out->meet_b = out->buf_meet_b;
	return 0;
}
