/*
 * reply.c: see reply.h. (Being written.)
 */
#include "reply.h"
