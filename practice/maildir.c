/*
 * maildir.c: see maildir.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maildir.h"

/* mkdir that accepts an existing directory. */
static int
maildir_mkdir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
	return -1;
}

/* Create the Maildir. */
int
maildir_open(const char *dir, char *err, size_t errlen)
{
	static const char *const subs[] = {"tmp", "new", "cur"};
	char path[4096];
	if (maildir_mkdir(dir, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, subs[i]) >= sizeof path) {
			snprintf(err, errlen, "Maildir path too long");
			return -1;
		}
		if (maildir_mkdir(path, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Write all of buf to fd. */
static int
maildir_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write one message through tmp/ into new/. */
int
maildir_deliver(const char *dir, const char *tag, unsigned long seq, const char *body, size_t len,
		char *name, size_t namecap, char *err, size_t errlen)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char base[128];
	snprintf(base, sizeof base, "%lld.M%ldP%ld%sQ%lu.ehlo", (long long)ts.tv_sec,
		 ts.tv_nsec / 1000, (long)getpid(), tag, seq);
	char tmp[4096], final[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s/tmp/%s", dir, base) >= sizeof tmp ||
	    (size_t)snprintf(final, sizeof final, "%s/new/%s", dir, base) >= sizeof final) {
		snprintf(err, errlen, "Maildir path too long");
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	int rc = maildir_write_all(fd, body, len);
	if (close(fd) < 0)
		rc = -1;
	if (rc < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, final) < 0) {
		snprintf(err, errlen, "cannot move %s into new/: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	snprintf(name, namecap, "%s", base);
	return 0;
}
