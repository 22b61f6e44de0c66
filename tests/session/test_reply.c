/*
 * test_reply.c: unit tests of session/reply.c. (Being written.)
 */
#include <criterion/criterion.h>

#include "reply.h"
