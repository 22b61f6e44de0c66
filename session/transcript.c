/*
 * transcript.c: the session record. Events live in a ring that grows by doubling up to
 * TRANSCRIPT_EVENTS_CAP and then drops the oldest; each event owns a copy of its text,
 * capped at TRANSCRIPT_TEXT_CAP bytes. Secret text is masked while the copy is made, so the
 * clear text never lands in this heap, in a sink or in a saved file.
 */
#include "transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sanitize.h"

struct transcript {
	struct timespec start;
	FILE *text_sink;
	FILE *json_sink;
	struct transcript_event *ring; /* alloc slots; head is the oldest once it wraps */
	size_t alloc;
	size_t head;
	size_t count;
};

#define TRANSCRIPT_MASK "****"
#define TRANSCRIPT_TRUNC_MARK " [truncated]"

/* The monotonic clock now, as a timespec; a zero time if the clock fails. */
static struct timespec
transcript_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
	}
	return ts;
}

/* A new empty transcript; its clock starts now. */
struct transcript *
transcript_new(void)
{
	struct transcript *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->start = transcript_now();
	return t;
}

/* Free it (sinks are not closed). */
void
transcript_free(struct transcript *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->count; i++)
		free(t->ring[(t->head + i) % t->alloc].text);
	free(t->ring);
	free(t);
}

/* Attach the text sink. */
void
transcript_set_text_sink(struct transcript *t, FILE *f)
{
	t->text_sink = f;
}

/* Attach the JSON Lines sink. */
void
transcript_set_json_sink(struct transcript *t, FILE *f)
{
	t->json_sink = f;
}

/* Microseconds since the transcript started (0 if the clock went backwards). */
static unsigned long long
transcript_elapsed(const struct transcript *t)
{
	struct timespec now = transcript_now();
	long long sec = (long long)now.tv_sec - (long long)t->start.tv_sec;
	long long nsec = (long long)now.tv_nsec - (long long)t->start.tv_nsec;
	long long usec = sec * 1000000LL + nsec / 1000;

	return usec < 0 ? 0 : (unsigned long long)usec;
}

/* Length of text without its line end, so a stored event never carries CR or LF at the end. */
static size_t
transcript_strip_eol(const char *text, size_t len)
{
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	return len;
}

/*
 * The masked form of a secret line, into out (TRANSCRIPT_TEXT_CAP + 1 bytes). Only the
 * "AUTH MECH" prefix is ever read into the new text.
 */
static size_t
transcript_mask(const char *text, size_t len, char *out, size_t outcap)
{
	size_t mech_end;
	int n;

	if (len > 5 && strncasecmp(text, "AUTH ", 5) == 0) {
		mech_end = 5;
		while (mech_end < len && text[mech_end] != ' ')
			mech_end++;
		/* The mechanism name is not secret; a long "name" is not a name: mask it too. */
		if (mech_end > 5 && mech_end - 5 <= 40) {
			bool payload = false;

			for (size_t i = mech_end; i < len; i++)
				if (text[i] != ' ')
					payload = true;
			if (!payload && mech_end + 1 < outcap) {
				memcpy(out, text, mech_end);
				out[mech_end] = '\0';
				return mech_end;
			}
			if (mech_end + sizeof(" " TRANSCRIPT_MASK) < outcap) {
				memcpy(out, text, mech_end);
				memcpy(out + mech_end, " " TRANSCRIPT_MASK,
				       sizeof(" " TRANSCRIPT_MASK));
				return mech_end + sizeof(" " TRANSCRIPT_MASK) - 1;
			}
		}
	}
	/* Not even the length: a base64 password's length tells how long the password is. */
	n = snprintf(out, outcap, "%s", TRANSCRIPT_SECRET_TEXT);
	if (n < 0)
		return 0;
	return (size_t)n < outcap ? (size_t)n : outcap - 1;
}

/* The slot for a new event: grows the ring or recycles the oldest. NULL on no memory. */
static struct transcript_event *
transcript_slot(struct transcript *t)
{
	struct transcript_event *ev;

	if (t->count == t->alloc && t->alloc < TRANSCRIPT_EVENTS_CAP) {
		/* Not wrapped yet (head is 0 until the cap is reached), so realloc keeps order. */
		size_t n = t->alloc == 0 ? 64 : t->alloc * 2;
		struct transcript_event *r;

		if (n > TRANSCRIPT_EVENTS_CAP)
			n = TRANSCRIPT_EVENTS_CAP;
		r = realloc(t->ring, n * sizeof(*r));
		if (r == NULL)
			return NULL;
		t->ring = r;
		t->alloc = n;
	}
	if (t->count < t->alloc) {
		ev = &t->ring[(t->head + t->count) % t->alloc];
		t->count++;
		return ev;
	}
	ev = &t->ring[t->head];
	free(ev->text);
	ev->text = NULL;
	t->head = (t->head + 1) % t->alloc;
	return ev;
}

/* Send one stored event to the attached sinks. */
static void
transcript_emit(struct transcript *t, const struct transcript_event *ev)
{
	if (t->text_sink != NULL) {
		transcript_write_text(t->text_sink, ev);
		fflush(t->text_sink);
	}
	if (t->json_sink != NULL) {
		transcript_write_json(t->json_sink, ev);
		fflush(t->json_sink);
	}
}

/* Add an event, masking secret text before anything is stored. */
void
transcript_add(struct transcript *t, enum transcript_dir dir, unsigned flags, const char *text,
	       size_t len)
{
	char masked[TRANSCRIPT_TEXT_CAP + 1];
	struct transcript_event *ev;
	const char *src = text;
	size_t n;

	if (t == NULL || (unsigned)dir >= TRANSCRIPT_DIR_COUNT)
		return;
	if (text == NULL)
		len = 0;
	len = transcript_strip_eol(text, len);
	flags &= ~(unsigned)TRANSCRIPT_TRUNCATED;
	if (flags & TRANSCRIPT_SECRET) {
		len = transcript_mask(text, len, masked, sizeof(masked));
		src = masked;
	}
	n = len;
	if (n > TRANSCRIPT_TEXT_CAP) {
		n = TRANSCRIPT_TEXT_CAP;
		flags |= TRANSCRIPT_TRUNCATED;
	}
	ev = transcript_slot(t);
	if (ev == NULL)
		return;
	ev->usec = transcript_elapsed(t);
	ev->dir = dir;
	ev->flags = flags;
	ev->text = malloc(n + 1);
	ev->len = 0;
	if (ev->text != NULL) {
		if (n > 0)
			memcpy(ev->text, src, n);
		ev->text[n] = '\0';
		ev->len = n;
	} else {
		ev->flags |= TRANSCRIPT_TRUNCATED;
	}
	if (src == masked)
		memset(masked, 0, sizeof(masked));
	transcript_emit(t, ev);
}

/* printf-style event; the formatted text is capped like any other. */
void
transcript_addf(struct transcript *t, enum transcript_dir dir, const char *fmt, ...)
{
	char buf[TRANSCRIPT_TEXT_CAP + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > TRANSCRIPT_TEXT_CAP) {
		/* Added whole-cap so transcript_add sees more than the cap and marks truncation. */
		char big[TRANSCRIPT_TEXT_CAP + 2];

		memcpy(big, buf, TRANSCRIPT_TEXT_CAP);
		big[TRANSCRIPT_TEXT_CAP] = 'x';
		transcript_add(t, dir, 0, big, TRANSCRIPT_TEXT_CAP + 1);
		return;
	}
	transcript_add(t, dir, 0, buf, (size_t)n);
}

/* Events kept in memory. */
size_t
transcript_count(const struct transcript *t)
{
	return t == NULL ? 0 : t->count;
}

/* The i-th event kept, oldest first; NULL past the end. */
const struct transcript_event *
transcript_get(const struct transcript *t, size_t i)
{
	if (t == NULL || i >= t->count)
		return NULL;
	return &t->ring[(t->head + i) % t->alloc];
}

/* The swaks-style prefix of an event. */
static const char *
transcript_prefix(const struct transcript_event *ev)
{
	bool tls = (ev->flags & TRANSCRIPT_TLS) != 0;

	switch (ev->dir) {
	case TRANSCRIPT_CLIENT:
		return tls ? " ~> " : " -> ";
	case TRANSCRIPT_SERVER:
		return tls ? "<~  " : "<-  ";
	case TRANSCRIPT_INFO:
		return "=== ";
	case TRANSCRIPT_ERROR:
	default:
		return "*** ";
	}
}

/* One event as a text line, through the sanitizer. */
void
transcript_write_text(FILE *f, const struct transcript_event *ev)
{
	char buf[SANITIZE_BOUND(TRANSCRIPT_TEXT_CAP)];
	size_t len = ev->text != NULL ? ev->len : 0;

	sanitize(ev->text != NULL ? ev->text : "", len, buf, sizeof(buf));
	fprintf(f, "%s%s%s\n", transcript_prefix(ev), buf,
		(ev->flags & TRANSCRIPT_TRUNCATED) ? TRANSCRIPT_TRUNC_MARK : "");
}

/*
 * Length of the well-formed UTF-8 sequence at s[0..len), or 0 when it is not one
 * (overlong forms, surrogates and code points past U+10FFFF are not well formed).
 */
static size_t
transcript_utf8_len(const unsigned char *s, size_t len)
{
	unsigned c = s[0];
	size_t need;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

/* Write s[0..len) as the inside of a JSON string: escaped, and always valid UTF-8. */
static void
transcript_json_string(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t n;

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc((int)c, f);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
		} else if ((n = transcript_utf8_len(p + i, len - i)) == 0) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD for each byte that is not UTF-8 */
			i++;
		} else {
			fwrite(p + i, 1, n, f);
			i += n;
		}
	}
}

/* One event as a JSON line. */
void
transcript_write_json(FILE *f, const struct transcript_event *ev)
{
	static const char *const dirs[TRANSCRIPT_DIR_COUNT] = {"client", "server", "info", "error"};
	const char *dir = (unsigned)ev->dir < TRANSCRIPT_DIR_COUNT ? dirs[ev->dir] : "error";

	fprintf(f, "{\"t\":%llu.%06llu,\"dir\":\"%s\",\"tls\":%s,\"secret\":%s,",
		ev->usec / 1000000, ev->usec % 1000000, dir,
		(ev->flags & TRANSCRIPT_TLS) ? "true" : "false",
		(ev->flags & TRANSCRIPT_SECRET) ? "true" : "false");
	if (ev->flags & TRANSCRIPT_TRUNCATED)
		fputs("\"truncated\":true,", f);
	fputs("\"text\":\"", f);
	if (ev->text != NULL)
		transcript_json_string(f, ev->text, ev->len);
	fputs("\"}\n", f);
}

/* Write every event kept to path, mode 0600 even when the file was there before. */
int
transcript_save(const struct transcript *t, const char *path, bool json)
{
	FILE *f;
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0600) != 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	for (size_t i = 0; i < transcript_count(t); i++) {
		if (json)
			transcript_write_json(f, transcript_get(t, i));
		else
			transcript_write_text(f, transcript_get(t, i));
	}
	if (ferror(f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	if (fclose(f) != 0)
		return -1;
	return 0;
}
