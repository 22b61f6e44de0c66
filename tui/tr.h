/*
 * tr.h: gettext markers for the explorer's own words. English msgids in the sources, the
 * Spanish in po/es.po, looked up through help/ (help_tr), which owns the language.
 */
#ifndef EHLO_TUI_TR_H
#define EHLO_TUI_TR_H

#include "help.h"

/* Mark a string for translation where it is defined (a static table); translate at use. */
#define N_(s) (s)

/* Translate now; format_arg lets the compiler check printf formats through the call. */
static inline const char *__attribute__((format_arg(1))) tui_tr(const char *msgid)
{
	return help_tr(msgid);
}

#define _(s) tui_tr(s)

#endif
