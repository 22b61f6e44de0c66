/*
 * loop.c: the poll loop and the signal self-pipe (see loop.h).
 */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct loop_stats loop_stats;

static int loop_pipe[2] = {-1, -1};
static const int loop_signals[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGCHLD};

/* The signal handler: one byte into the pipe, nothing else (async-signal-safe). */
static void
loop_on_signal(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;

	if (loop_pipe[1] >= 0)
		(void)!write(loop_pipe[1], &b, 1);
	errno = saved;
}

/* Set up the self-pipe and handlers. */
int
loop_init(void)
{
	struct sigaction sa;

	if (loop_pipe[0] >= 0)
		return 0;
	if (pipe(loop_pipe) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		int fl = fcntl(loop_pipe[i], F_GETFL);
		if (fl < 0 || fcntl(loop_pipe[i], F_SETFL, fl | O_NONBLOCK) != 0 ||
		    fcntl(loop_pipe[i], F_SETFD, FD_CLOEXEC) != 0)
			return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = loop_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(loop_signals) / sizeof(loop_signals[0]); i++)
		if (sigaction(loop_signals[i], &sa, NULL) != 0)
			return -1;
	/* A server closing mid-write must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Restore the handlers and close the pipe. */
void
loop_fini(void)
{
	for (size_t i = 0; i < sizeof(loop_signals) / sizeof(loop_signals[0]); i++)
		signal(loop_signals[i], SIG_DFL);
	for (int i = 0; i < 2; i++) {
		if (loop_pipe[i] >= 0)
			close(loop_pipe[i]);
		loop_pipe[i] = -1;
	}
}

/* Milliseconds on the monotonic clock. */
unsigned long long
loop_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (unsigned long long)ts.tv_sec * 1000ULL +
	       (unsigned long long)ts.tv_nsec / 1000000ULL;
}

/* Run until done. */
void
loop_run(const struct loop_hooks *h, struct drive *d)
{
	while (h->done == NULL || !h->done(h->arg)) {
		struct pollfd fds[3];
		nfds_t n = 0;
		int in_slot = -1, sock_slot = -1;
		int timeout = h->timeout_ms != NULL ? h->timeout_ms(h->arg) : -1;

		fds[n].fd = loop_pipe[0];
		fds[n].events = POLLIN;
		n++;
		if (h->input_fd >= 0 && (h->want_input == NULL || h->want_input(h->arg))) {
			in_slot = (int)n;
			fds[n].fd = h->input_fd;
			fds[n].events = POLLIN;
			n++;
		}
		int sfd = drive_fd(d);
		if (sfd >= 0) {
			sock_slot = (int)n;
			fds[n].fd = sfd;
			fds[n].events = POLLIN | (drive_wants_write(d) ? POLLOUT : 0);
			n++;
		}
		/* A connect or handshake in progress has a deadline of its own. */
		int dt = drive_timeout_ms(d);
		if (dt >= 0 && (timeout < 0 || dt < timeout))
			timeout = dt;
		if (h->busy_input != NULL && h->busy_input(h->arg))
			timeout = 0;
		int r = poll(fds, n, timeout);
		struct timespec busy0, busy1;
		clock_gettime(CLOCK_MONOTONIC, &busy0);
		loop_stats.iterations++;
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && (fds[0].revents & POLLIN)) {
			unsigned char sig[64];
			ssize_t got;
			while ((got = read(loop_pipe[0], sig, sizeof(sig))) > 0)
				for (ssize_t i = 0; i < got; i++)
					if (h->on_signal != NULL)
						h->on_signal(h->arg, sig[i]);
		}
		if (r > 0 && sock_slot >= 0 && drive_fd(d) == sfd) {
			short re = fds[sock_slot].revents;
			if (re & POLLOUT)
				drive_writable(d);
			if ((re & (POLLIN | POLLHUP | POLLERR)) && drive_fd(d) == sfd)
				drive_readable(d);
		}
		drive_step(d);
		if (r > 0 && in_slot >= 0 &&
		    (fds[in_slot].revents & (POLLIN | POLLHUP | POLLERR)) && h->on_input != NULL)
			h->on_input(h->arg);
		else if (r == 0 && h->busy_input != NULL && h->busy_input(h->arg) &&
			 h->on_input != NULL)
			h->on_input(h->arg);
		if (h->on_tick != NULL)
			h->on_tick(h->arg);
		clock_gettime(CLOCK_MONOTONIC, &busy1);
		long long us = (long long)(busy1.tv_sec - busy0.tv_sec) * 1000000 +
			       (busy1.tv_nsec - busy0.tv_nsec) / 1000;
		if (us > 0 && (unsigned long long)us > loop_stats.max_busy_us)
			loop_stats.max_busy_us = (unsigned long long)us;
	}
}

/* Write the counters to EHLO_STATS. */
void
loop_stats_write(void)
{
	const char *path = getenv("EHLO_STATS");

	if (path == NULL || path[0] == '\0')
		return;
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return;
	struct timespec cpu = {0, 0};
	/* The main thread only: the in-process practice server runs in a thread of its own. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		ru.ru_maxrss = 0;
	fprintf(f,
		"iterations %llu\nredraws %llu\nlines %llu\nreplies %llu\nkeys %llu\n"
		"max_busy_us %llu\ncpu_ms %lld\nmaxrss_kb %ld\n",
		loop_stats.iterations, loop_stats.redraws, loop_stats.lines, loop_stats.replies,
		loop_stats.keys, loop_stats.max_busy_us,
		(long long)cpu.tv_sec * 1000 + cpu.tv_nsec / 1000000, (long)ru.ru_maxrss);
	fclose(f);
}
