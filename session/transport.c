/*
 * transport.c: see transport.h. (Being written.)
 */
#include "transport.h"
