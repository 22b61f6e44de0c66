/*
 * sasl.c: see sasl.h. (Being written.)
 */
#include "sasl.h"
