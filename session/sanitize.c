/*
 * sanitize.c: see sanitize.h. (Being written.)
 */
#include "sanitize.h"
