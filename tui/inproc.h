/*
 * inproc.h: the practice server started inside the explorer (`ehlo` with no host, or
 * `ehlo practice`): a free loopback port, its own thread, and its certificate written to a
 * private temporary file that the driver trusts as --cafile.
 */
#ifndef EHLO_INPROC_H
#define EHLO_INPROC_H

#include <stddef.h>

struct inproc;

/* Start it with a scenario (NULL: the default). NULL with err filled on failure. */
struct inproc *inproc_start(const char *scenario, char *err, size_t errlen);

/* The port it listens on (text), and the PEM file of its certificate. */
const char *inproc_port(const struct inproc *p);
const char *inproc_cafile(const struct inproc *p);

/* A sentence for the user: where it runs, the scenario and the demo account. */
const char *inproc_about(const struct inproc *p);

/* Stop it, remove the certificate file, free (NULL is fine). */
void inproc_stop(struct inproc *p);

#endif
