/*
 * transcript.c: see transcript.h. (Being written.)
 */
#include "transcript.h"
