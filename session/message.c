/*
 * message.c: see message.h. (Being written.)
 */
#include "message.h"
