/*
 * help.c: see help.h. (Being written.)
 */
#include "help.h"
