/*
 * caps.c: see caps.h. (Being written.)
 */
#include "caps.h"
