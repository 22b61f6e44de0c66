/*
 * proto.c: see proto.h. (Being written.)
 */
#include "proto.h"
