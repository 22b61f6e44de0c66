/*
 * help.h: the knowledge base and the explainer. (Being written.)
 */
#ifndef EHLO_HELP_H
#define EHLO_HELP_H
int help_placeholder(void);
#endif
