/*
 * test_proto.c: unit tests of session/proto.c. (Being written.)
 */
#include <criterion/criterion.h>

#include "proto.h"
