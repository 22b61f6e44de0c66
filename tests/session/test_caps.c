/*
 * test_caps.c: unit tests of session/caps.c. (Being written.)
 */
#include <criterion/criterion.h>

#include "caps.h"
