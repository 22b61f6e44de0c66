/*
 * explain-bench.c: how fast libehlo-help explains a transcript. Reads a transcript file,
 * walks it with help_annotate and explains every reply (patterns and all), several times,
 * and prints lines per second and replies per second. Built and run by explain-throughput.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "help.h"

/* Explain one reply; count it. */
static int
bench_each(const struct help_annotation *a, void *arg)
{
	static struct help_explanation e;
	size_t *n = arg;
	if (help_explain(&a->reply, &a->ctx, &e) == 0)
		*n += e.n_matches + 1;
	return 0;
}

/* Seconds since an arbitrary point. */
static double
bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* usage: explain-bench FILE [LANG] */
int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: explain-bench FILE [en|es]\n");
		return 2;
	}
	if (help_locale_init(argc > 2 ? argv[2] : "en") != 0)
		return 2;
	FILE *f = fopen(argv[1], "rb");
	if (f == NULL) {
		perror(argv[1]);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)len + 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		return 1;
	}
	fclose(f);
	size_t lines = 0;
	for (long i = 0; i < len; i++)
		lines += buf[i] == '\n';
	const int rounds = 5;
	size_t replies = 0, touched = 0;
	double best = 1e9;
	for (int r = 0; r < rounds; r++) {
		double t0 = bench_now();
		replies = help_annotate(buf, (size_t)len, bench_each, &touched);
		double dt = bench_now() - t0;
		if (dt < best)
			best = dt;
	}
	printf("%zu lines, %zu replies, best of %d: %.3f s = %.0f lines/s, %.0f replies/s "
	       "(%.2f us per reply)\n",
	       lines, replies, rounds, best, (double)lines / best, (double)replies / best,
	       best * 1e6 / (double)replies);
	free(buf);
	return 0;
}
