/*
 * lines.c: the session pane's model (see lines.h). A ring of entries; a reply is owned by
 * the first of its server lines and freed with it. Positions given to callers are indexes
 * from the oldest kept line; internally the ring keeps a running base so that dropping old
 * lines shifts the bottom and the selection with it.
 */
#include "lines.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sanitize.h"

struct lines {
	struct lines_entry *ring;
	size_t cap;
	size_t alloc;
	size_t head; /* oldest entry */
	size_t count;
	size_t pending; /* server lines at the end not yet given to a reply */
	struct timespec start;
	bool following; /* the bottom follows the newest line */
	size_t bottom;	/* when not following */
	bool selecting;
	size_t selected; /* index of the first line of the selected reply */
	const struct lines_reply *newest;
	unsigned long long replies;
};

/* The i-th entry, oldest first. */
static struct lines_entry *
lines_at(const struct lines *l, size_t i)
{
	return &l->ring[(l->head + i) % l->alloc];
}

/* A new model. */
struct lines *
lines_new(size_t cap)
{
	struct lines *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->cap = cap > 0 ? cap : LINES_CAP_DEFAULT;
	l->following = true;
	clock_gettime(CLOCK_MONOTONIC, &l->start);
	return l;
}

/* Free one reply. */
static void
lines_reply_free(struct lines_reply *r)
{
	if (r == NULL)
		return;
	free(r->line);
	free(r->keywords);
	free(r->command);
	free(r->decoded);
	free(r);
}

/* Free what an entry holds. */
static void
lines_entry_free(struct lines *l, struct lines_entry *e)
{
	free(e->text);
	if (e->owner) {
		if (l->newest == e->reply)
			l->newest = NULL;
		lines_reply_free(e->reply);
	}
	memset(e, 0, sizeof(*e));
}

/* Forget every line. */
void
lines_clear(struct lines *l)
{
	for (size_t i = 0; i < l->count; i++)
		lines_entry_free(l, lines_at(l, i));
	l->head = 0;
	l->count = 0;
	l->pending = 0;
	l->following = true;
	l->selecting = false;
	l->newest = NULL;
}

/* Free it. */
void
lines_free(struct lines *l)
{
	if (l == NULL)
		return;
	lines_clear(l);
	free(l->ring);
	free(l);
}

/* Drop the oldest line; positions move down by one. */
static void
lines_drop_oldest(struct lines *l)
{
	struct lines_entry *e = lines_at(l, 0);

	/* Lines of a reply whose owner goes lose their reply too. */
	if (e->owner) {
		struct lines_reply *r = e->reply;
		for (size_t i = 1; i < l->count && lines_at(l, i)->reply == r; i++)
			lines_at(l, i)->reply = NULL;
	}
	lines_entry_free(l, e);
	l->head = (l->head + 1) % l->alloc;
	l->count--;
	if (l->bottom > 0)
		l->bottom--;
	if (l->selecting) {
		if (l->selected == 0)
			l->selecting = false;
		else
			l->selected--;
	}
}

/* Add a line. */
int
lines_add(struct lines *l, enum drive_kind kind, unsigned flags, const char *text, size_t len)
{
	struct timespec now;
	char *safe = sanitize_dup(text != NULL ? text : "", text != NULL ? len : 0);

	if (safe == NULL)
		return -1;
	if (l->count == l->cap)
		lines_drop_oldest(l);
	if (l->count == l->alloc) {
		size_t n = l->alloc == 0 ? 1024 : l->alloc * 2;
		if (n > l->cap)
			n = l->cap;
		struct lines_entry *ring = calloc(n, sizeof(*ring));
		if (ring == NULL) {
			free(safe);
			return -1;
		}
		for (size_t i = 0; i < l->count; i++)
			ring[i] = *lines_at(l, i);
		free(l->ring);
		l->ring = ring;
		l->alloc = n;
		l->head = 0;
	}
	struct lines_entry *e = lines_at(l, l->count);
	memset(e, 0, sizeof(*e));
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long us = (long long)(now.tv_sec - l->start.tv_sec) * 1000000 +
		       (now.tv_nsec - l->start.tv_nsec) / 1000;
	e->usec = us > 0 ? (unsigned long long)us : 0;
	e->kind = kind;
	e->flags = flags;
	e->text = safe;
	e->len = strlen(safe);
	l->count++;
	if (kind == DRIVE_SERVER)
		l->pending++;
	else if (kind != DRIVE_NOTE)
		l->pending = 0;
	return 0;
}

/* A malloc'd copy of s, NULL for NULL. */
static char *
lines_strdup(const char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s);
	char *d = malloc(n + 1);
	if (d != NULL)
		memcpy(d, s, n + 1);
	return d;
}

/* A reply arrived: gather the server lines into it. */
struct lines_reply *
lines_add_reply(struct lines *l, const struct drive_reply *r)
{
	struct lines_reply *lr = calloc(1, sizeof(*lr));
	const struct reply *rp = r->reply;
	char buf[LINES_REPLY_TEXT_MAX];
	size_t n;

	if (lr == NULL)
		return NULL;
	lr->code = rp->code;
	if (rp->nlines > 0)
		snprintf(lr->enhanced, sizeof(lr->enhanced), "%s", rp->lines[0].enhanced);
	/* "CODE text text": the reply's text joined, as one line for the explainer. */
	n = (size_t)snprintf(buf, sizeof(buf), "%d", rp->code);
	for (size_t i = 0; i < rp->nlines && n + 2 < sizeof(buf); i++) {
		size_t room = sizeof(buf) - n - 1;
		size_t take = rp->lines[i].len < room - 1 ? rp->lines[i].len : room - 1;
		buf[n++] = ' ';
		memcpy(buf + n, rp->lines[i].text, take);
		n += take;
		/* Only the first line carries the enhanced code the explainer should read. */
		if (i == 0 && rp->nlines > 1 && lr->enhanced[0] == '\0' &&
		    r->answers == PROTO_CMD_EHLO)
			break;
	}
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\r' || buf[i] == '\n' || buf[i] == '\0')
			buf[i] = ' ';
	lr->line = lines_strdup(buf);
	if (r->answers == PROTO_CMD_EHLO && rp->nlines > 1) {
		n = 0;
		for (size_t i = 1; i < rp->nlines && n + 2 < sizeof(buf); i++) {
			size_t room = sizeof(buf) - n - 2;
			size_t take = rp->lines[i].len < room ? rp->lines[i].len : room;
			memcpy(buf + n, rp->lines[i].text, take);
			n += take;
			buf[n++] = '\n';
		}
		buf[n] = '\0';
		lr->keywords = lines_strdup(buf);
	}
	lr->command = r->command != NULL ? sanitize_dup(r->command, strlen(r->command)) : NULL;
	lr->answers = r->answers;
	lr->unsolicited = r->unsolicited;
	lr->tls = r->tls;
	lr->authenticated = r->authenticated;
	lr->starttls_offered = r->caps != NULL && r->caps->valid && r->caps->starttls;
	if (r->auth_mech != NULL)
		snprintf(lr->auth_mech, sizeof(lr->auth_mech), "%s", r->auth_mech);
	if (r->challenge != NULL)
		lr->decoded = sanitize_dup(r->challenge, r->challenge_len);
	lr->number = ++l->replies;
	if (lr->line == NULL) {
		lines_reply_free(lr);
		return NULL;
	}

	/* The server lines at the end belong to it; the oldest of them owns it. */
	size_t k = l->pending <= l->count ? l->pending : l->count;
	if (k == 0) {
		/* No line to hang it on (cleared just now): give it an empty server line. */
		if (lines_add(l, DRIVE_SERVER, 0, "", 0) != 0) {
			lines_reply_free(lr);
			return NULL;
		}
		k = 1;
	}
	/* Walk back over the last k server lines (notes may sit between them). */
	struct lines_entry *first = NULL;
	for (size_t i = l->count; i > 0 && k > 0; i--) {
		struct lines_entry *e = lines_at(l, i - 1);
		if (e->kind != DRIVE_SERVER)
			continue;
		e->reply = lr;
		first = e;
		k--;
	}
	if (first != NULL)
		first->owner = true;
	l->pending = 0;
	l->newest = lr;
	return lr;
}

/* Lines kept. */
size_t
lines_count(const struct lines *l)
{
	return l->count;
}

/* The i-th line, oldest first. */
const struct lines_entry *
lines_get(const struct lines *l, size_t i)
{
	return i < l->count ? lines_at(l, i) : NULL;
}

/* The reply whose explanation is shown. */
const struct lines_reply *
lines_current(const struct lines *l)
{
	if (l->selecting && l->selected < l->count)
		return lines_at(l, l->selected)->reply;
	return l->newest;
}

/* True while walking back through replies. */
bool
lines_selecting(const struct lines *l)
{
	return l->selecting;
}

/* Index of the first line of the selected reply. */
size_t
lines_selected_index(const struct lines *l)
{
	return l->selected;
}

/* Move the selection to the previous or next reply. */
bool
lines_select(struct lines *l, int dir)
{
	size_t i;

	if (l->count == 0)
		return false;
	if (!l->selecting) {
		if (dir > 0)
			return false;
		i = l->count; /* start after the newest line */
	} else {
		i = l->selected;
	}
	if (dir < 0) {
		while (i > 0) {
			i--;
			if (lines_at(l, i)->owner)
				goto found;
		}
		return false;
	}
	for (i = i + 1; i < l->count; i++)
		if (lines_at(l, i)->owner)
			goto found;
	lines_follow(l);
	return true;
found:
	l->selecting = true;
	l->selected = i;
	/* Keep the selected reply visible: bottom at its last line. */
	size_t last = i;
	while (last + 1 < l->count && lines_at(l, last + 1)->reply == lines_at(l, i)->reply)
		last++;
	l->following = last + 1 >= l->count;
	l->bottom = last;
	return true;
}

/* Follow the newest reply and line again. */
void
lines_follow(struct lines *l)
{
	l->selecting = false;
	l->following = true;
}

/* The index of the line at the bottom of the pane. */
size_t
lines_bottom(const struct lines *l)
{
	if (l->count == 0)
		return 0;
	if (l->following || l->bottom >= l->count)
		return l->count - 1;
	return l->bottom;
}

/* True when the newest line is at the bottom. */
bool
lines_at_end(const struct lines *l)
{
	return l->following || l->count == 0 || l->bottom + 1 >= l->count;
}

/* Scroll by delta lines (negative: back in time). */
void
lines_scroll(struct lines *l, long delta)
{
	long b = (long)lines_bottom(l) + delta;

	if (l->count == 0)
		return;
	if (b < 0)
		b = 0;
	if ((size_t)b >= l->count - 1) {
		l->following = true;
		return;
	}
	l->following = false;
	l->bottom = (size_t)b;
}

/* Case-insensitive substring test. */
static bool
lines_contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	if (nlen == 0 || nlen > hlen)
		return false;
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (strncasecmp(hay + i, needle, nlen) == 0)
			return true;
	return false;
}

/* Search backwards for needle. */
bool
lines_find(struct lines *l, const char *needle, bool again)
{
	size_t nlen = strlen(needle);
	size_t i = again ? lines_bottom(l) : l->count;

	while (i > 0) {
		i--;
		struct lines_entry *e = lines_at(l, i);
		if (!lines_contains(e->text, e->len, needle, nlen))
			continue;
		l->following = false;
		l->bottom = i;
		if (e->reply != NULL) {
			size_t first = i;
			while (first > 0 && lines_at(l, first)->owner == false &&
			       lines_at(l, first - 1)->reply == e->reply)
				first--;
			l->selecting = true;
			l->selected = first;
		}
		return true;
	}
	return false;
}

/* Replies received since the start. */
unsigned long long
lines_reply_total(const struct lines *l)
{
	return l->replies;
}
