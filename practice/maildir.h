/*
 * maildir.h: write accepted messages to a Maildir (DIR/tmp, DIR/new, DIR/cur), the
 * way qmail defined it: the file is written whole in tmp/, then renamed into new/, so a
 * reader never sees half a message. The bytes are the message exactly as received after
 * dot-unstuffing: no header is added.
 */
#ifndef EHLO_PRACTICE_MAILDIR_H
#define EHLO_PRACTICE_MAILDIR_H

#include <stddef.h>

/* Create DIR and its tmp/, new/, cur/ (mode 0700) where missing. 0, or -1 with err. */
int maildir_open(const char *dir, char *err, size_t errlen);

/*
 * Write one message. tag and seq make the file name unique within this process; the
 * name written (under new/) goes to name. 0, or -1 with err.
 */
int maildir_deliver(const char *dir, const char *tag, unsigned long seq, const char *body,
		    size_t len, char *name, size_t namecap, char *err, size_t errlen);

#endif
