/*
 * plain.h: `ehlo --plain`: the explorer as lines on stdout, for screen readers, logs and
 * scripted class demos. A readline prompt when stdin is a terminal, plain line reading when
 * it is a pipe (then each line waits for the reply to the one before, as a person would).
 */
#ifndef EHLO_PLAIN_H
#define EHLO_PLAIN_H

#include "drive.h"

struct plain;

/* A plain front end's state (NULL when memory runs out), and its end. */
struct plain *plain_new(void);
void plain_free(struct plain *p);

/* The view to give drive_new, with p as its argument. */
void plain_view(struct drive_view *v, void *arg);

/* Connect and run until the input ends or /quit; intro (may be NULL) first. Exit code. */
int plain_main(struct plain *p, struct drive *d, const char *intro);

#endif
