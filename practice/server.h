/*
 * server.h: the practice server. (Being written.)
 */
#ifndef EHLO_PRACTICE_SERVER_H
#define EHLO_PRACTICE_SERVER_H
int server_placeholder(void);
#endif
