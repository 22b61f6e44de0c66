/*
 * inproc.c: the in-process practice server (see inproc.h).
 */
#include "inproc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "tr.h"

struct inproc {
	struct server *srv;
	char port[16];
	char cafile[1024];
	char about[512];
};

/* Write the certificate to a private temporary file (mkstemp makes it 0600). */
static int
inproc_write_pem(struct inproc *p, const char *pem)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(p->cafile, sizeof(p->cafile), "%s/ehlo-practice-XXXXXX",
		 tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
	int fd = mkstemp(p->cafile);
	if (fd < 0) {
		p->cafile[0] = '\0';
		return -1;
	}
	size_t len = strlen(pem), off = 0;
	while (off < len) {
		ssize_t n = write(fd, pem + off, len - off);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	return close(fd);
}

/* Start it. */
struct inproc *
inproc_start(const char *scenario, char *err, size_t errlen)
{
	struct server_options o;
	struct inproc *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		snprintf(err, errlen, _("out of memory"));
		return NULL;
	}
	server_options_init(&o);
	o.listen = "127.0.0.1:0";
	o.scenario = scenario;
	o.log = NULL;
	p->srv = server_new(&o, err, errlen);
	if (p->srv == NULL) {
		free(p);
		return NULL;
	}
	if (server_listen(p->srv, err, errlen) != 0) {
		inproc_stop(p);
		return NULL;
	}
	snprintf(p->port, sizeof(p->port), "%d", server_port(p->srv));
	const char *pem = server_cert_pem(p->srv);
	if (pem == NULL || inproc_write_pem(p, pem) != 0) {
		snprintf(err, errlen,
			 _("cannot write the practice certificate to a temporary file"));
		inproc_stop(p);
		return NULL;
	}
	if (server_start(p->srv) != 0) {
		snprintf(err, errlen, _("cannot start the practice server's thread"));
		inproc_stop(p);
		return NULL;
	}
	snprintf(p->about, sizeof(p->about),
		 _("practice server on 127.0.0.1 port %s (scenario %s); demo account: %s / %s"),
		 p->port, scenario != NULL ? scenario : "default", SERVER_DEMO_USER,
		 SERVER_DEMO_PASSWORD);
	return p;
}

/* The port. */
const char *
inproc_port(const struct inproc *p)
{
	return p->port;
}

/* The certificate file. */
const char *
inproc_cafile(const struct inproc *p)
{
	return p->cafile;
}

/* A sentence for the user. */
const char *
inproc_about(const struct inproc *p)
{
	return p->about;
}

/* Stop it and clean up. */
void
inproc_stop(struct inproc *p)
{
	if (p == NULL)
		return;
	if (p->srv != NULL) {
		server_stop(p->srv);
		server_free(p->srv);
	}
	if (p->cafile[0] != '\0')
		unlink(p->cafile);
	free(p);
}
