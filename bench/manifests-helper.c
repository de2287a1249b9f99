/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifests-helper.c: bench/manifests.sh's helper (not part of k3sguard).
 *   gen DIR NDIRS NFILES SIZE   write NDIRS*NFILES files of SIZE bytes (random
 *                               printable YAML-ish content) under DIR
 *   latency DIR N               write DIR/lat-<i>.yaml N times; after each
 *                               close(), time until the watcher's alert line
 *                               for it arrives on stdin; print p50/p99/max (ms)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
gen(const char *dir, int ndirs, int nfiles, int size)
{
	char *buf = malloc((size_t)size + 1), path[4096];
	unsigned seed = 12345;

	for (int d = 0; d < ndirs; d++) {
		snprintf(path, sizeof(path), "%s/app-%03d", dir, d);
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return perror(path), 1;
		for (int f = 0; f < nfiles; f++) {
			int n = snprintf(buf, (size_t)size, "# app %d file %d\nkind: ConfigMap\ndata:\n  x: \"", d, f);
			int fd;

			for (; n < size - 2; n++) {
				seed = seed * 1103515245u + 12345u;
				buf[n] = (char)('a' + (seed >> 16) % 26);
			}
			buf[n++] = '"';
			buf[n++] = '\n';
			snprintf(path, sizeof(path), "%s/app-%03d/cm-%03d.yaml", dir, d, f);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (fd < 0 || write(fd, buf, (size_t)n) != n || close(fd) < 0)
				return perror(path), 1;
		}
	}
	free(buf);
	return 0;
}

static int
latency(const char *dir, int n)
{
	double *lat = calloc((size_t)n, sizeof(double));
	char path[4096], want[128], *line = NULL;
	size_t cap = 0;

	for (int i = 0; i < n; i++) {
		char body[64];
		int len = snprintf(body, sizeof(body), "n: %d\n", i), fd;
		double t0;

		snprintf(path, sizeof(path), "%s/lat-%04d.yaml", dir, i);
		snprintf(want, sizeof(want), "\"path\":\"lat-%04d.yaml\"", i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, body, (size_t)len) != len || close(fd) < 0)
			return perror(path), 1;
		t0 = now_ms();
		for (;;) {
			if (getline(&line, &cap, stdin) < 0) {
				fprintf(stderr, "watcher output ended at write %d\n", i);
				return 1;
			}
			if (strstr(line, want) && strstr(line, "\"event\":\"drift\""))
				break;
		}
		lat[i] = now_ms() - t0;
		usleep(2000);	/* one write at a time, as an attacker would */
	}
	qsort(lat, (size_t)n, sizeof(double), cmp_d);
	printf("%.3f %.3f %.3f\n", lat[n / 2], lat[(n * 99) / 100 - (n >= 100 ? 1 : 0)], lat[n - 1]);
	free(lat);
	free(line);
	return 0;
}

/* A whole number in [1, 10^9], or exit 64 naming it. */
static int
count(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 1000000000) {
		fprintf(stderr, "manifests-helper: '%s' is not a count from 1 to 10^9\n", s);
		exit(64);
	}
	return (int)v;
}

int
main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "gen"))
		return gen(argv[2], count(argv[3]), count(argv[4]), count(argv[5]));
	if (argc == 4 && !strcmp(argv[1], "latency"))
		return latency(argv[2], count(argv[3]));
	fprintf(stderr, "usage: manifests-helper gen DIR NDIRS NFILES SIZE | latency DIR N\n");
	return 64;
}
