/*
 * scenario.h: the practice server's scenarios, each a way real servers behave that a class
 * should meet once: a table of names, one-line summaries and longer descriptions for
 * `ehlo serve --list-scenarios`, and the defaults each one brings (size limit, delay).
 */
#ifndef EHLO_PRACTICE_SCENARIO_H
#define EHLO_PRACTICE_SCENARIO_H

#include <stddef.h>

enum scenario_id {
	SCENARIO_DEFAULT,
	SCENARIO_SUBMISSION,
	SCENARIO_GREYLIST,
	SCENARIO_UNKNOWN_USER,
	SCENARIO_RELAY_DENIED,
	SCENARIO_MAILBOX_FULL,
	SCENARIO_SIZE_LIMIT,
	SCENARIO_SLOW,
	SCENARIO_FLAKY,
	SCENARIO_TEMPFAIL,
	SCENARIO_SHUTDOWN,
	SCENARIO_COUNT
};

/* Defaults shared by the server and the CLI help. */
#define SCENARIO_SIZE_DEFAULT 10240000UL /* Postfix's message_size_limit */
#define SCENARIO_SIZE_SMALL 10240UL	 /* size-limit: 10 KiB, easy to exceed */
#define SCENARIO_DELAY_DEFAULT_MS 1500	 /* slow: per reply */
#define SCENARIO_GREYLIST_DEFAULT_S 60	 /* greylist: retry allowed after */

/* The scenario's name ("unknown-user"). */
const char *scenario_name(enum scenario_id id);

/* One line on what it does. */
const char *scenario_summary(enum scenario_id id);

/* A paragraph: what the server does, which replies to expect, which options change it. */
const char *scenario_about(enum scenario_id id);

/* Look a scenario up by name; -1 when unknown. */
int scenario_find(const char *name, enum scenario_id *id);

/* The message size limit it advertises unless --size-limit says otherwise. */
unsigned long scenario_size_limit(enum scenario_id id);

/* The delay before each reply in milliseconds unless --delay says otherwise. */
int scenario_delay_ms(enum scenario_id id);

#endif
