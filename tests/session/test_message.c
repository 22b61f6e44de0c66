/*
 * test_message.c: unit tests of session/message.c. (Being written.)
 */
#include <criterion/criterion.h>

#include "message.h"
