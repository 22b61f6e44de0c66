/*
 * transcript.h: the record of a session. Every event has a monotonic timestamp (since the
 * transcript started) and a direction. Secrets are masked where they are made (the caller
 * passes TRANSCRIPT_SECRET and the text is replaced before it is stored), so no writer can
 * leak them. Events are kept in memory (capped) for the explorer and written as they come
 * to the attached sinks: readable text in swaks' style, and JSON Lines.
 */
#ifndef EHLO_TRANSCRIPT_H
#define EHLO_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum transcript_dir {
	TRANSCRIPT_CLIENT,  /* " -> " a command we sent (" ~> " under TLS) */
	TRANSCRIPT_SERVER,  /* "<-  " a reply line ("<~  " under TLS) */
	TRANSCRIPT_INFO,    /* "=== " what ehlo did or saw (connected, TLS summary, state change) */
	TRANSCRIPT_ERROR,   /* "*** " an error */
	TRANSCRIPT_DIR_COUNT
};

#define TRANSCRIPT_SECRET 0x01  /* mask the text: "<secret>" or the part after the mechanism */
#define TRANSCRIPT_SECRET_TEXT "<secret>"
#define TRANSCRIPT_TLS 0x02     /* the line went over TLS */
#define TRANSCRIPT_TRUNCATED 0x04 /* set by transcript_add: the text was cut at TRANSCRIPT_TEXT_CAP */

#define TRANSCRIPT_EVENTS_CAP 200000   /* kept in memory; older ones are dropped first */
#define TRANSCRIPT_TEXT_CAP 4096       /* bytes of one event's text kept */

struct transcript_event {
	unsigned long long usec;   /* since the transcript started */
	enum transcript_dir dir;
	unsigned flags;
	char *text;                /* masked already when secret; raw server bytes otherwise */
	size_t len;
};

struct transcript;

/* A new empty transcript; its clock starts now. */
struct transcript *transcript_new(void);

/* Free it (sinks are not closed). */
void transcript_free(struct transcript *t);

/* Write each event as it comes to f, as text or as JSON Lines (either may be NULL). */
void transcript_set_text_sink(struct transcript *t, FILE *f);
void transcript_set_json_sink(struct transcript *t, FILE *f);

/*
 * Add an event. With TRANSCRIPT_SECRET the text is masked before it is stored: an
 * "AUTH MECH payload" line keeps "AUTH MECH" and masks the rest as "****"; any other secret
 * line becomes "<secret>" (not even its length is kept). A trailing CR/LF is not stored (a line end is not text).
 * Text over TRANSCRIPT_TEXT_CAP is cut and the event gets TRANSCRIPT_TRUNCATED.
 */
void transcript_add(struct transcript *t, enum transcript_dir dir, unsigned flags, const char *text,
                    size_t len);

/* printf-style TRANSCRIPT_INFO or TRANSCRIPT_ERROR event. */
void transcript_addf(struct transcript *t, enum transcript_dir dir, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Events kept in memory, oldest first. */
size_t transcript_count(const struct transcript *t);
const struct transcript_event *transcript_get(const struct transcript *t, size_t i);

/*
 * Write one event in the text form (prefix, sanitized text, " [truncated]" when cut) or as
 * one JSON line: {"t":1.234567,"dir":"client|server|info|error","tls":false,"secret":false,
 * "text":"..."} ("truncated":true before "text" when cut). JSON text is escaped (\u00XX for
 * controls) and invalid UTF-8 becomes U+FFFD, so the file is always valid UTF-8.
 */
void transcript_write_text(FILE *f, const struct transcript_event *ev);
void transcript_write_json(FILE *f, const struct transcript_event *ev);

/*
 * Write every event kept to path (created or truncated, mode 0600 even if it existed).
 * -1 with errno on failure.
 */
int transcript_save(const struct transcript *t, const char *path, bool json);

#endif
