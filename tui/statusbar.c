/*
 * statusbar.c: the status bar (server, TLS, AUTH, session state, elapsed time) on the top
 * row, and the key help line above the command line (or a message in its place).
 */
#include <stdio.h>
#include <string.h>

#include "screen-int.h"
#include "tr.h"
#include "wrap.h"

/* Draw the status bar. */
void
statusbar_draw(struct screen *s)
{
	char buf[1024], tls[160], auth[300];
	const struct screen_rect *r = &s->status;
	struct drive *d = s->d;
	unsigned long long ms = drive_elapsed_ms(d);

	if (drive_tls(d)) {
		const struct transport_tls_summary *t = drive_tls_summary(d);
		snprintf(tls, sizeof(tls), "%s %s", t != NULL ? t->protocol : "TLS",
			 t != NULL && t->verified ? _("verified") : _("NOT VERIFIED"));
	} else {
		snprintf(tls, sizeof(tls), "%s", _("no TLS"));
	}
	if (drive_authenticated(d))
		snprintf(auth, sizeof(auth), "AUTH %s",
			 drive_auth_user(d)[0] != '\0' ? drive_auth_user(d) : _("ok"));
	else
		snprintf(auth, sizeof(auth), "%s", _("no AUTH"));
	if (drive_connected(d)) {
		char tail[96];
		size_t used = (size_t)snprintf(buf, sizeof(buf), " ehlo  %s:%s | %s | %s | %s",
					       drive_host(d), drive_port(d), tls, auth,
					       drive_state_words(d));
		/* What does not fit goes from the right: the count first, then the clock. */
		snprintf(tail, sizeof(tail), " | %02llu:%02llu:%02llu", ms / 3600000,
			 ms / 60000 % 60, ms / 1000 % 60);
		size_t t1 = strlen(tail);
		snprintf(tail + t1, sizeof(tail) - t1, _(" | %llu replies"), drive_reply_count(d));
		int w = wrap_width(buf, strnlen(buf, sizeof(buf)));
		if (w + wrap_width(tail, strlen(tail)) > r->w)
			tail[w + wrap_width(tail, t1) > r->w ? 0 : t1] = '\0';
		if (used < sizeof(buf))
			snprintf(buf + used, sizeof(buf) - used, "%s", tail);
	} else if (drive_connecting(d)) {
		/* The clock runs while connecting: a dead host is seen to be waited on. */
		snprintf(buf, sizeof(buf), " ehlo  %s:%s | %s... | %02llu:%02llu:%02llu",
			 drive_host(d), drive_port(d), drive_state_words(d), ms / 3600000,
			 ms / 60000 % 60, ms / 1000 % 60);
	} else {
		snprintf(buf, sizeof(buf), " ehlo  %s:%s | %s", drive_host(d), drive_port(d),
			 drive_state_words(d));
	}
	/* The host came from our command line, but it is shown like any other text. */
	char safe[2048];
	size_t n = 0;
	for (const char *p = buf; *p != '\0' && n + 1 < sizeof(safe); p++)
		safe[n++] = (*p >= 0 && *p < 32) || *p == 127 ? '?' : *p;
	safe[n] = '\0';
	attrset(screen_attr(s, SCREEN_PAIR_STATUS, A_REVERSE) | (s->color ? 0 : A_REVERSE));
	mvhline(r->y, r->x, ' ', r->w);
	screen_text(r->y, r->x, safe, n, r->w);
	attrset(A_NORMAL);
}

/* Draw the key help line, or the message waiting there. */
void
statusbar_keys_draw(struct screen *s)
{
	const struct screen_rect *r = &s->keys;
	const char *text = s->message[0] != '\0' ? s->message
			   : s->help_open	 ? _(" any key: close help   PgUp/PgDn: scroll")
					  : _(" F1 help  F2/F3 replies  F4 newest  PgUp/PgDn  F5 "
					      "times  Tab complete  "
					      "/quit");

	mvhline(r->y, r->x, ' ', r->w);
	attrset(s->message[0] != '\0' ? A_BOLD : A_DIM);
	screen_text(r->y, r->x, text, strlen(text), r->w);
	attrset(A_NORMAL);
}
