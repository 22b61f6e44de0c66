/*
 * test_sasl.c: unit tests of session/sasl.c. (Being written.)
 */
#include <criterion/criterion.h>

#include "sasl.h"
