/*
 * loop.h: the one event loop of both front ends: poll over the terminal (or stdin), the
 * server socket and a self-pipe that turns SIGWINCH, SIGINT, SIGTERM, SIGHUP and SIGCHLD
 * into readable bytes. Nothing polls on a short timer: an idle session sleeps in poll
 * until a byte, a signal or the next timer the front end asked for (the status bar clock).
 * Counters for the bench are kept here and written at exit when EHLO_STATS names a file.
 */
#ifndef EHLO_LOOP_H
#define EHLO_LOOP_H

#include <stdbool.h>

#include "drive.h"

/* Counters for bench/ (EHLO_STATS=file). */
struct loop_stats {
	unsigned long long iterations; /* poll wake-ups */
	unsigned long long redraws;    /* screen updates actually done (doupdate) */
	unsigned long long lines;      /* lines added to the session */
	unsigned long long replies;
	unsigned long long keys;	/* keys or input bytes handled */
	unsigned long long max_busy_us; /* longest stretch between two polls: bounds key latency */
};

extern struct loop_stats loop_stats;

/* What a front end plugs into the loop; every hook may be NULL. */
struct loop_hooks {
	void *arg;
	int input_fd;		       /* -1: do not watch */
	bool (*want_input)(void *arg); /* false: leave input_fd alone for now */
	void (*on_input)(void *arg);
	void (*on_signal)(void *arg, int signo);
	int (*timeout_ms)(void *arg);  /* -1: no timer */
	bool (*busy_input)(void *arg); /* input is buffered already: do not sleep */
	void (*on_tick)(void *arg);    /* after each wake-up: redraw once, run timers */
	bool (*done)(void *arg);
};

/* Set up the self-pipe and the signal handlers. 0 or -1. */
int loop_init(void);

/* Restore the default signal handlers and close the pipe. */
void loop_fini(void);

/* Run until hooks->done says so. d may have no connection at times. */
void loop_run(const struct loop_hooks *hooks, struct drive *d);

/* Milliseconds on the monotonic clock. */
unsigned long long loop_now_ms(void);

/* Write the counters to the file named by EHLO_STATS, if set. */
void loop_stats_write(void);

#endif
