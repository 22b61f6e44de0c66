/*
 * hist.h: the command history kept across runs, in $XDG_STATE_HOME/ehlo/history (or
 * ~/.local/state/ehlo/history), mode 0600. Only lines the front end allows (never secrets)
 * are added; lines that look like credentials are dropped again when the file is read.
 */
#ifndef EHLO_HIST_H
#define EHLO_HIST_H

#include <stdbool.h>
#include <stddef.h>

#define HIST_KEEP 1000

/* The history file's path into buf (directories created, 0700). -1 when there is no home. */
int hist_path(char *buf, size_t cap);

/* True when a line must never be kept ("AUTH PLAIN <credentials>"). */
bool hist_is_secret(const char *line);

/* Load the file into readline's history (missing file: nothing). */
void hist_load(const char *path);

/* Add a line to readline's history (skipping repeats and secrets). */
void hist_add(const char *line);

/* Write readline's history to path, mode 0600. 0 or -1. */
int hist_save(const char *path);

#endif
