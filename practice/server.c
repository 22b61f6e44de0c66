/*
 * server.c: see server.h. (Being written.)
 */
#include "server.h"
