/*
 * wrap.h: display widths and line breaking for text already made safe by sanitize():
 * printable ASCII and valid UTF-8. Used by every pane so that wrapping and cutting never
 * split a character and never overrun a column count. No curses here.
 */
#ifndef EHLO_WRAP_H
#define EHLO_WRAP_H

#include <stddef.h>

/* Columns the text takes (0 for a NULL or empty text). */
int wrap_width(const char *s, size_t len);

/* Bytes of s that fit in cols columns, never splitting a character; *used gets the columns. */
size_t wrap_fit(const char *s, size_t len, int cols, int *used);

/*
 * Bytes of s to put on one row of cols columns, breaking after a space when one is near
 * (word wrap), else where the columns end. At least one character when cols > 0 and len > 0.
 * *skip gets the spaces to drop at the start of the next row.
 */
size_t wrap_row(const char *s, size_t len, int cols, size_t *skip);

/* Rows s takes when wrapped at cols (at least 1). */
int wrap_rows(const char *s, size_t len, int cols);

#endif
