/*
 * screen.h: the full-screen explorer: status bar, session pane, explanation panel, key help
 * line and readline command line, in one ncurses screen over the shared event loop.
 */
#ifndef EHLO_SCREEN_H
#define EHLO_SCREEN_H

#include "drive.h"

struct screen;

/* A screen's state (curses is not started yet); NULL when memory runs out. */
struct screen *screen_new(void);

/* Free it. */
void screen_free(struct screen *s);

/* The view to give drive_new, with s as its argument. */
void screen_view(struct drive_view *v, void *arg);

/* Start curses, connect, run until /quit; intro (may be NULL) is shown first. Exit code. */
int screen_main(struct screen *s, struct drive *d, const char *intro);

#endif
