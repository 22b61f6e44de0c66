/*
 * test_sanitize.c: unit tests of session/sanitize.c. (Being written.)
 */
#include <criterion/criterion.h>

#include "sanitize.h"
