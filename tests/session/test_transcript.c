/*
 * test_transcript.c: unit tests of session/transcript.c. (Being written.)
 */
#include <criterion/criterion.h>

#include "transcript.h"
