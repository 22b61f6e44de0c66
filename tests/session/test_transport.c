/*
 * test_transport.c: unit tests of session/transport.c. (Being written.)
 */
#include <criterion/criterion.h>

#include "transport.h"
