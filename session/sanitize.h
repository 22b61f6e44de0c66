/*
 * sanitize.h: make bytes from a server safe to show on a terminal or write to a log.
 *
 * Printable ASCII and well-formed UTF-8 pass; C0 controls become caret marks ("^[" for
 * ESC), DEL becomes "^?", C1 controls, bidi overrides and invalid UTF-8 become
 * "<U+0085>" or "\xNN" marks. Nothing the server sends can move the cursor, change the
 * title or clear the screen. Tabs are kept as spaces.
 */
#ifndef EHLO_SANITIZE_H
#define EHLO_SANITIZE_H

#include <stddef.h>

/* Output bytes needed for len input bytes, with the NUL. */
#define SANITIZE_BOUND(len) ((len) * 4 + 1)

/*
 * Write the visible form of in[0..len) to out (always NUL-terminated when outcap > 0).
 * Truncates at a character boundary when out is too small. Returns bytes written.
 */
size_t sanitize(const char *in, size_t len, char *out, size_t outcap);

/* Same, into a malloc'd string the caller frees; NULL only when memory runs out. */
char *sanitize_dup(const char *in, size_t len);

#endif
