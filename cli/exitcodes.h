/*
 * exitcodes.h: the exit codes every ehlo command uses; documented in --help and README.
 */
#ifndef EHLO_EXITCODES_H
#define EHLO_EXITCODES_H

enum ehlo_exit {
	EHLO_EXIT_OK = 0,         /* delivered, or stopped where --quit-after said */
	EHLO_EXIT_INTERNAL = 1,   /* out of memory or another fault of ours */
	EHLO_EXIT_USAGE = 2,      /* bad options or arguments */
	EHLO_EXIT_CONNECT = 3,    /* could not resolve or connect */
	EHLO_EXIT_TLS = 4,        /* TLS failed, verification included */
	EHLO_EXIT_AUTH = 5,       /* AUTH failed or was refused */
	EHLO_EXIT_TEMPFAIL = 6,   /* the server rejected with a 4xx */
	EHLO_EXIT_PERMFAIL = 7,   /* the server rejected with a 5xx */
	EHLO_EXIT_PROTOCOL = 8,   /* protocol error or timeout */
};

#endif
