/*
 * server.c: see server.h. Holds the listening socket, the epoll set, a self-pipe to stop
 * the loop, the list of connections (each: socket, optional SSL, input buffer, a struct
 * smtpd, its timers), the greylist table, and the last messages kept in memory.
 *
 * Only the loop thread touches connections; the mutex guards what other threads may read
 * (counters and kept messages). Nothing the client sent reaches the log unsanitized.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "cert.h"
#include "maildir.h"
#include "sanitize.h"
#include "scenario.h"
#include "server.h"
#include "smtpd.h"

/* Bytes read from a client and not yet taken by its session. */
#define SERVER_IN_CAP 16384
/* Bytes of message bodies all sessions may hold at once. */
#define SERVER_MEM_CAP (512UL * 1024 * 1024)
/* Greylist table: open addressing, cleared when this full. */
#define SERVER_GREY_SLOTS 16384
#define SERVER_GREY_FULL 12000
#define SERVER_EVENTS 256

enum server_tls_state {
	SERVER_TLS_NONE,
	SERVER_TLS_HANDSHAKE,
	SERVER_TLS_ACTIVE,
};

struct server_conn {
	struct server *srv;
	int fd;
	unsigned long id;
	char peer[80];
	char ip[64];
	SSL *ssl;
	enum server_tls_state tls;
	bool greet_after_tls; /* --tls-on-connect: greet once the handshake is done */
	struct smtpd *sd;
	size_t inlen;
	long long last_active; /* monotonic ms */
	long long wake_at;     /* a held reply goes out then; 0: none */
	uint32_t events;       /* the epoll interest set now */
	bool eof;
	bool read_full;	     /* the last read stopped at a full buffer */
	bool want_out;	     /* output waits for the socket to take it */
	bool tls_want_write; /* OpenSSL needs the socket writable to go on */
	bool failed;
	int err; /* errno of the failure */
	struct server_conn *prev, *next;
	char in[SERVER_IN_CAP]; /* last: only the fields before it are cleared */
};

struct server_grey {
	uint64_t hash;
	long long first_seen; /* monotonic ms */
};

struct server {
	struct server_options opt;
	char **owned; /* strings copied from the options */
	size_t nowned;
	enum scenario_id scenario;
	struct smtpd_account accounts[SERVER_USERS_MAX];
	size_t naccounts;
	const char *local_domains[SERVER_LIST_MAX];
	struct smtpd_config cfg;
	struct smtpd_hooks hooks;
	size_t mem_used;

	SSL_CTX *tls_ctx;
	char *cert_pem;

	int lfd;
	int ep;
	int wake[2];
	volatile sig_atomic_t stopping;
	char address[96];
	int port;
	int max_connections;
	long long idle_ms;
	long long greylist_ms;

	struct server_conn *conns;
	size_t nconns;
	unsigned long next_id;
	size_t nwaiting; /* connections with a held reply */
	long long last_sweep;
	long long started;

	struct server_grey *grey;
	size_t ngrey;

	pthread_mutex_t lock; /* guards stats and kept */
	struct server_stats stats;
	struct server_message kept[SERVER_KEEP_MESSAGES];
	size_t nkept;
	size_t kept_next;
	unsigned long seq;

	pthread_t thread;
	bool threaded;
};

/* The local domains relay-denied accepts unless told otherwise. */
static const char *const server_default_domains[] = {
	"localhost", "example.com", "example.org", "example.net", "[127.0.0.1]",
};

/* Milliseconds on the monotonic clock. */
static long long
server_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True when there is somewhere to log to. */
static bool
server_logging(const struct server *srv)
{
	return srv->opt.log != NULL || srv->opt.log_fn != NULL;
}

/* Hand one finished log line (no newline) to the callback or the file. */
static void
server_emit(struct server *srv, const char *line)
{
	if (srv->opt.log_fn != NULL)
		srv->opt.log_fn(srv->opt.log_ctx, line);
	else if (srv->opt.log != NULL)
		fprintf(srv->opt.log, "%s\n", line);
}

/* Log a formatted line even in quiet mode (warnings, Maildir errors). */
static void __attribute__((format(printf, 2, 3)))
server_warn(struct server *srv, const char *fmt, ...)
{
	if (!server_logging(srv))
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	server_emit(srv, buf);
}

/* Log a line about a connection (not in quiet mode); the text holds no client bytes. */
static void __attribute__((format(printf, 3, 4)))
server_note(struct server *srv, unsigned long id, const char *fmt, ...)
{
	if (!server_logging(srv) || srv->opt.quiet)
		return;
	char buf[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char line[800];
	if (id != 0)
		snprintf(line, sizeof line, "[%lu] -- %s", id, buf);
	else
		snprintf(line, sizeof line, "-- %s", buf);
	server_emit(srv, line);
}

/* The smtpd log hook: sanitize and log, with the session id. */
static void
server_log_hook(void *ctx, unsigned long id, enum smtpd_log kind, const char *text, size_t len)
{
	struct server *srv = ctx;
	if (!server_logging(srv) || (srv->opt.quiet && kind != SMTPD_LOG_SUMMARY))
		return;
	static const char *const prefix[] = {
		[SMTPD_LOG_CLIENT] = "C: ",
		[SMTPD_LOG_SERVER] = "S: ",
		[SMTPD_LOG_NOTE] = "-- ",
		[SMTPD_LOG_SUMMARY] = "== ",
	};
	char buf[SANITIZE_BOUND(1024)];
	sanitize(text, len > 1024 ? 1024 : len, buf, sizeof buf);
	char line[SANITIZE_BOUND(1024) + 48];
	snprintf(line, sizeof line, "[%lu] %s%s%s", id, prefix[kind], buf, len > 1024 ? "..." : "");
	server_emit(srv, line);
}

/* 64-bit FNV-1a. */
static uint64_t
server_hash(const char *key, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return h | 1;
}

/* The greylist hook: remember each triple's first try. */
static long
server_greylist_hook(void *ctx, const char *key, size_t len)
{
	struct server *srv = ctx;
	uint64_t h = server_hash(key, len);
	long long now = server_now_ms();
	if (srv->ngrey >= SERVER_GREY_FULL) {
		memset(srv->grey, 0, SERVER_GREY_SLOTS * sizeof *srv->grey);
		srv->ngrey = 0;
	}
	size_t i = (size_t)(h % SERVER_GREY_SLOTS);
	while (srv->grey[i].hash != 0 && srv->grey[i].hash != h)
		i = (i + 1) % SERVER_GREY_SLOTS;
	if (srv->grey[i].hash == 0) {
		srv->grey[i].hash = h;
		srv->grey[i].first_seen = now;
		srv->ngrey++;
		return (long)(srv->greylist_ms / 1000);
	}
	long long elapsed = now - srv->grey[i].first_seen;
	if (elapsed >= srv->greylist_ms)
		return -1;
	return (long)((srv->greylist_ms - elapsed + 999) / 1000);
}

/* Print a message line by line, sanitized, marked "M:" and capped. */
static void
server_show_message(struct server *srv, unsigned long id, const char *body, size_t len)
{
	if (!server_logging(srv))
		return;
	size_t i = 0;
	int lines = 0;
	while (i < len && lines < 200) {
		const char *end = memchr(body + i, '\n', len - i);
		size_t n = end ? (size_t)(end - (body + i)) : len - i;
		size_t shown = n > 0 && body[i + n - 1] == '\r' ? n - 1 : n;
		if (shown > 998)
			shown = 998;
		char buf[SANITIZE_BOUND(998)];
		sanitize(body + i, shown, buf, sizeof buf);
		char line[SANITIZE_BOUND(998) + 32];
		snprintf(line, sizeof line, "[%lu] M: %s", id, buf);
		server_emit(srv, line);
		lines++;
		i += n + (end ? 1 : 0);
	}
	if (i < len) {
		char line[96];
		snprintf(line, sizeof line, "[%lu] M: ... (%zu more octets not shown)", id,
			 len - i);
		server_emit(srv, line);
	}
}

/* The deliver hook: a Maildir file if asked, a copy in memory, a queue id. */
static int
server_deliver_hook(void *ctx, const struct smtpd_envelope *env, const char *body, size_t len,
		    char *id, size_t idcap)
{
	struct server *srv = ctx;
	srv->seq++;
	snprintf(id, idcap, "%04llX%06lX", (unsigned long long)(srv->started & 0xFFFF), srv->seq);
	if (srv->opt.maildir != NULL) {
		char name[256], err[SERVER_ERROR_MAX];
		char tag[32];
		snprintf(tag, sizeof tag, "S%d", srv->port);
		if (maildir_deliver(srv->opt.maildir, tag, srv->seq, body, len, name, sizeof name,
				    err, sizeof err) < 0) {
			server_warn(srv, "[%lu] -- Maildir: %s", env->session_id, err);
			return -1;
		}
		server_note(srv, env->session_id, "written to %s/new/%s", srv->opt.maildir, name);
	}
	if (srv->opt.show_messages)
		server_show_message(srv, env->session_id, body, len);
	size_t keep = len < SERVER_KEEP_BODY ? len : SERVER_KEEP_BODY;
	char *copy = malloc(keep + 1);
	pthread_mutex_lock(&srv->lock);
	struct server_message *m = &srv->kept[srv->kept_next];
	free((char *)m->body);
	memset(m, 0, sizeof *m);
	m->session_id = env->session_id;
	snprintf(m->queue_id, sizeof m->queue_id, "%s", id);
	snprintf(m->from, sizeof m->from, "%s", env->from);
	snprintf(m->rcpt, sizeof m->rcpt, "%s", env->nrcpts ? env->rcpts[0] : "");
	m->nrcpts = env->nrcpts;
	m->size = len;
	m->tls = env->tls;
	m->bdat = env->bdat;
	if (copy != NULL) {
		memcpy(copy, body, keep);
		copy[keep] = '\0';
		m->body = copy;
		m->body_len = keep;
	}
	srv->kept_next = (srv->kept_next + 1) % SERVER_KEEP_MESSAGES;
	if (srv->nkept < SERVER_KEEP_MESSAGES)
		srv->nkept++;
	srv->stats.messages++;
	pthread_mutex_unlock(&srv->lock);
	return 0;
}

/* Defaults for every option. */
void
server_options_init(struct server_options *o)
{
	memset(o, 0, sizeof *o);
	o->listen = "127.0.0.1:2525";
	o->scenario = "default";
	o->hostname = "localhost";
	o->log = stdout;
	o->delay_ms = -1;
	o->greylist_delay = -1;
}

/* Keep a copy of an option string, owned by the server. */
static const char *
server_own(struct server *srv, const char *s)
{
	if (s == NULL)
		return NULL;
	char **owned = realloc(srv->owned, (srv->nowned + 1) * sizeof *owned);
	if (owned == NULL)
		return NULL;
	srv->owned = owned;
	char *copy = strdup(s);
	if (copy == NULL)
		return NULL;
	srv->owned[srv->nowned++] = copy;
	return copy;
}

/* True when s holds a CR, LF or a control byte. */
static bool
server_has_controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 32 || *s == 127)
			return true;
	return false;
}

/* Split the NAME:PASSWORD accounts. */
static int
server_accounts(struct server *srv, char *err, size_t errlen)
{
	if (srv->opt.nusers == 0) {
		srv->accounts[0].name = SERVER_DEMO_USER;
		srv->accounts[0].password = SERVER_DEMO_PASSWORD;
		srv->naccounts = 1;
		return 0;
	}
	for (size_t i = 0; i < srv->opt.nusers && i < SERVER_USERS_MAX; i++) {
		const char *u = server_own(srv, srv->opt.users[i]);
		char *colon = u ? strchr(u, ':') : NULL;
		if (colon == NULL || colon == u || server_has_controls(u)) {
			snprintf(err, errlen, "--user wants NAME:PASSWORD (account %zu)", i + 1);
			return -1;
		}
		*colon = '\0';
		srv->accounts[srv->naccounts].name = u;
		srv->accounts[srv->naccounts].password = colon + 1;
		srv->naccounts++;
	}
	return 0;
}

/* A server from options. */
struct server *
server_new(const struct server_options *o, char *err, size_t errlen)
{
	struct server *srv = calloc(1, sizeof *srv);
	if (srv == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->opt = *o;
	srv->lfd = -1;
	srv->ep = -1;
	srv->wake[0] = srv->wake[1] = -1;
	pthread_mutex_init(&srv->lock, NULL);
	srv->started = server_now_ms();
	srv->opt.listen = server_own(srv, o->listen ? o->listen : "127.0.0.1:2525");
	srv->opt.hostname = server_own(srv, o->hostname ? o->hostname : "localhost");
	srv->opt.maildir = server_own(srv, o->maildir);
	if (srv->opt.listen == NULL || srv->opt.hostname == NULL ||
	    (o->maildir != NULL && srv->opt.maildir == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (server_has_controls(srv->opt.hostname) || strchr(srv->opt.hostname, ' ') != NULL) {
		snprintf(err, errlen, "the host name must be one word");
		goto fail;
	}
	if (scenario_find(o->scenario ? o->scenario : "default", &srv->scenario) < 0) {
		snprintf(err, errlen, "unknown scenario '%s' (see --list-scenarios)", o->scenario);
		goto fail;
	}
	if (server_accounts(srv, err, errlen) < 0)
		goto fail;
	if (o->nlocal_domains > 0) {
		for (size_t i = 0; i < o->nlocal_domains && i < SERVER_LIST_MAX; i++)
			srv->local_domains[i] = server_own(srv, o->local_domains[i]);
		srv->cfg.nlocal_domains = o->nlocal_domains;
	} else {
		for (size_t i = 0; i < 5; i++)
			srv->local_domains[i] = server_default_domains[i];
		srv->cfg.nlocal_domains = 5;
	}
	for (size_t i = 0; i < o->nmailboxes && i < SERVER_LIST_MAX; i++)
		srv->opt.mailboxes[i] = server_own(srv, o->mailboxes[i]);
	if (srv->opt.maildir != NULL && maildir_open(srv->opt.maildir, err, errlen) < 0)
		goto fail;
	if (!o->seed_set) {
		unsigned char r[4];
		if (RAND_bytes(r, sizeof r) != 1)
			memset(r, 7, sizeof r);
		srv->opt.seed = ((unsigned long long)r[0] << 8 | r[1]) % 100000;
	}
	srv->tls_ctx = cert_server_ctx(o->tls_cert, o->tls_key, &srv->cert_pem, err, errlen);
	if (srv->tls_ctx == NULL)
		goto fail;
	srv->max_connections = o->max_connections > 0 ? o->max_connections : 1000;
	srv->idle_ms = (o->idle_timeout > 0 ? o->idle_timeout : 300) * 1000LL;
	srv->greylist_ms =
		(o->greylist_delay >= 0 ? o->greylist_delay : SCENARIO_GREYLIST_DEFAULT_S) * 1000LL;
	srv->grey = calloc(SERVER_GREY_SLOTS, sizeof *srv->grey);
	if (srv->grey == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	srv->cfg = (struct smtpd_config){
		.scenario = srv->scenario,
		.hostname = srv->opt.hostname,
		.accounts = srv->accounts,
		.naccounts = srv->naccounts,
		.local_domains = srv->local_domains,
		.nlocal_domains = srv->cfg.nlocal_domains,
		.mailboxes = srv->opt.mailboxes,
		.nmailboxes = o->nmailboxes < SERVER_LIST_MAX ? o->nmailboxes : SERVER_LIST_MAX,
		.size_limit =
			o->size_limit > 0 ? o->size_limit : scenario_size_limit(srv->scenario),
		.delay_ms = o->delay_ms >= 0 ? o->delay_ms : scenario_delay_ms(srv->scenario),
		.tls_available = !o->tls_on_connect,
		.log_lines = (o->log != NULL || o->log_fn != NULL) && !o->quiet,
		.seed = srv->opt.seed,
		.mem_used = &srv->mem_used,
		.mem_cap = SERVER_MEM_CAP,
	};
	srv->hooks = (struct smtpd_hooks){
		.log = server_log_hook,
		.deliver = server_deliver_hook,
		.greylist = server_greylist_hook,
		.ctx = srv,
	};
	return srv;
fail:
	server_free(srv);
	return NULL;
}

/* Split "ADDR:PORT" or "[V6]:PORT". */
static int
server_split_listen(const char *spec, char *host, size_t hostcap, char *port, size_t portcap)
{
	const char *colon;
	const char *h = spec;
	size_t hlen;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (close == NULL || close[1] != ':')
			return -1;
		h = spec + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL)
			return -1;
		hlen = (size_t)(colon - spec);
	}
	const char *p = colon + 1;
	size_t plen = strlen(p);
	if (hlen == 0 || hlen >= hostcap || plen == 0 || plen >= portcap || plen > 5)
		return -1;
	for (size_t i = 0; i < plen; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	if (atoi(p) > 65535)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memcpy(port, p, plen + 1);
	return 0;
}

/* Make a descriptor non-blocking and close-on-exec. */
static int
server_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* The same for a socket fresh from accept(), whose file status flags are known to be 0. */
static int
server_nonblock_accepted(int fd)
{
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Raise the soft descriptor limit to the hard one, so 1000+ connections fit. */
static void
server_raise_nofile(struct server *srv)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)srv->max_connections + 64 > rl.rlim_cur) {
		int fit = rl.rlim_cur > 128 ? (int)(rl.rlim_cur - 64) : 64;
		server_warn(srv,
			    "-- only %lu file descriptors allowed: --max-connections lowered to %d",
			    (unsigned long)rl.rlim_cur, fit);
		srv->max_connections = fit;
	}
}

/* Add a descriptor to the epoll set. */
static int
server_epoll_add(struct server *srv, int fd, void *ptr, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};
	return epoll_ctl(srv->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Bind and listen. */
int
server_listen(struct server *srv, char *err, size_t errlen)
{
	char host[256], port[8];
	if (server_split_listen(srv->opt.listen, host, sizeof host, port, sizeof port) < 0) {
		snprintf(err, errlen,
			 "--listen wants ADDRESS:PORT, e.g. 127.0.0.1:2525 or [::1]:0");
		return -1;
	}
	server_raise_nofile(srv);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	int saved = 0;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 4096) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", srv->opt.listen, strerror(saved));
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char ip[INET6_ADDRSTRLEN] = "?";
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
			srv->port = ntohs(s6->sin6_port);
			snprintf(srv->address, sizeof srv->address, "[%s]:%d", ip, srv->port);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
			srv->port = ntohs(s4->sin_port);
			snprintf(srv->address, sizeof srv->address, "%s:%d", ip, srv->port);
		}
	}
	srv->lfd = fd;
	srv->ep = epoll_create1(EPOLL_CLOEXEC);
	if (srv->ep < 0 || server_nonblock(fd) < 0 || pipe(srv->wake) < 0 ||
	    server_nonblock(srv->wake[0]) < 0 || server_nonblock(srv->wake[1]) < 0 ||
	    server_epoll_add(srv, fd, &srv->lfd, EPOLLIN) < 0 ||
	    server_epoll_add(srv, srv->wake[0], &srv->wake, EPOLLIN) < 0) {
		snprintf(err, errlen, "cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The bound port. */
int
server_port(const struct server *srv)
{
	return srv->port;
}

/* The bound address. */
const char *
server_address(const struct server *srv)
{
	return srv->address;
}

/* The certificate, PEM. */
const char *
server_cert_pem(const struct server *srv)
{
	return srv->cert_pem;
}

/* The flaky seed. */
unsigned long long
server_seed(const struct server *srv)
{
	return srv->opt.seed;
}

/* How many accounts. */
size_t
server_account_count(const struct server *srv)
{
	return srv->naccounts;
}

/* An account's name. */
const char *
server_account_name(const struct server *srv, size_t i)
{
	return i < srv->naccounts ? srv->accounts[i].name : NULL;
}

/* Put a connection on or off the list of held replies. */
static void
server_conn_set_wake(struct server_conn *c, long long at)
{
	if (c->wake_at == 0 && at != 0)
		c->srv->nwaiting++;
	else if (c->wake_at != 0 && at == 0)
		c->srv->nwaiting--;
	c->wake_at = at;
}

/* Close a connection and free it. */
static void
server_conn_close(struct server_conn *c, const char *why)
{
	struct server *srv = c->srv;
	server_note(srv, c->id, "%s; %lu message%s accepted in this session", why,
		    smtpd_messages(c->sd), smtpd_messages(c->sd) == 1 ? "" : "s");
	server_conn_set_wake(c, 0);
	/* close() takes the socket out of the epoll set: it is never duplicated. */
	if (c->ssl != NULL) {
		if (c->tls == SERVER_TLS_ACTIVE)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->fd);
	smtpd_free(c->sd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	srv->nconns--;
	pthread_mutex_lock(&srv->lock);
	srv->stats.open = srv->nconns;
	pthread_mutex_unlock(&srv->lock);
	free(c);
}

/* Map an SSL result: 0 retry later (flags set), -1 failed or closed. */
static int
server_ssl_retry(struct server_conn *c, int ret, bool *eof)
{
	int e = SSL_get_error(c->ssl, ret);
	c->tls_want_write = false;
	if (e == SSL_ERROR_WANT_READ)
		return 0;
	if (e == SSL_ERROR_WANT_WRITE) {
		c->tls_want_write = true;
		return 0;
	}
	if (e == SSL_ERROR_ZERO_RETURN && eof != NULL) {
		*eof = true;
		return 0;
	}
	ERR_clear_error();
	return -1;
}

/* Read what the socket has, as far as the input buffer goes. */
static void
server_conn_read(struct server_conn *c)
{
	c->read_full = false;
	while (c->inlen < SERVER_IN_CAP && !c->eof && !c->failed) {
		size_t room = SERVER_IN_CAP - c->inlen;
		if (c->tls == SERVER_TLS_ACTIVE) {
			int n = SSL_read(c->ssl, c->in + c->inlen, (int)room);
			if (n > 0) {
				c->inlen += (size_t)n;
				c->last_active = server_now_ms();
				c->read_full = c->inlen == SERVER_IN_CAP;
				continue;
			}
			if (server_ssl_retry(c, n, &c->eof) < 0)
				c->failed = true;
			return;
		}
		ssize_t n = recv(c->fd, c->in + c->inlen, room, 0);
		if (n > 0) {
			c->inlen += (size_t)n;
			c->last_active = server_now_ms();
			if ((size_t)n < room)
				return;
			c->read_full = true;
			return;
		}
		if (n == 0) {
			c->eof = true;
		} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			c->failed = true;
			c->err = errno;
		}
		return;
	}
}

/* Write queued output until the socket pushes back. */
static void
server_conn_flush(struct server_conn *c)
{
	size_t len;
	const char *out = smtpd_output(c->sd, &len);
	c->want_out = false;
	while (len > 0 && !c->failed) {
		if (c->tls == SERVER_TLS_ACTIVE) {
			int n = SSL_write(c->ssl, out, (int)len);
			if (n > 0) {
				smtpd_output_consume(c->sd, (size_t)n);
			} else {
				if (server_ssl_retry(c, n, NULL) < 0)
					c->failed = true;
				else
					c->want_out = true;
				return;
			}
		} else {
			ssize_t n = send(c->fd, out, len, MSG_NOSIGNAL);
			if (n > 0) {
				smtpd_output_consume(c->sd, (size_t)n);
			} else if (n < 0 &&
				   (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
				c->want_out = true;
				return;
			} else {
				c->failed = true;
				c->err = errno;
				return;
			}
		}
		out = smtpd_output(c->sd, &len);
	}
}

/* Set the epoll interest from what the connection waits for. */
static void
server_conn_interest(struct server_conn *c)
{
	uint32_t want = 0;
	if (c->tls == SERVER_TLS_HANDSHAKE) {
		want = c->tls_want_write ? EPOLLOUT : EPOLLIN;
	} else {
		if (!c->eof && c->inlen < SERVER_IN_CAP)
			want |= EPOLLIN;
		if (c->want_out || c->tls_want_write)
			want |= EPOLLOUT;
	}
	if (want == c->events)
		return;
	struct epoll_event ev = {.events = want, .data.ptr = c};
	if (epoll_ctl(c->srv->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = want;
}

/* Go on with a TLS handshake: 1 done, 0 not yet, -1 failed. */
static int
server_conn_handshake(struct server_conn *c)
{
	int ret = SSL_accept(c->ssl);
	if (ret == 1) {
		c->tls = SERVER_TLS_ACTIVE;
		c->tls_want_write = false;
		server_note(c->srv, c->id, "TLS handshake done: %s, %s", SSL_get_version(c->ssl),
			    SSL_get_cipher_name(c->ssl));
		smtpd_tls_started(c->sd);
		if (c->greet_after_tls) {
			c->greet_after_tls = false;
			smtpd_greet(c->sd);
		}
		return 1;
	}
	int e = SSL_get_error(c->ssl, ret);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		c->tls_want_write = e == SSL_ERROR_WANT_WRITE;
		return 0;
	}
	unsigned long code = ERR_get_error();
	char buf[256] = "the client closed the connection";
	if (code != 0)
		ERR_error_string_n(code, buf, sizeof buf);
	ERR_clear_error();
	server_note(c->srv, c->id, "TLS handshake failed: %s", buf);
	return -1;
}

/* Start TLS on a connection. -1 when OpenSSL cannot. */
static int
server_conn_start_tls(struct server_conn *c)
{
	c->ssl = SSL_new(c->srv->tls_ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return -1;
	c->tls = SERVER_TLS_HANDSHAKE;
	return 0;
}

/* Do everything a connection can do now: read, feed, TLS, write, close. */
static void
server_conn_progress(struct server_conn *c, bool readable)
{
	struct server *srv = c->srv;
	if (c->tls == SERVER_TLS_HANDSHAKE) {
		int r = server_conn_handshake(c);
		if (r < 0) {
			server_conn_close(c, "closed");
			return;
		}
		if (r == 0) {
			server_conn_interest(c);
			return;
		}
		readable = true;
	}
	/* OpenSSL may have stopped a read for want of a writable socket: retry on any event. */
	if (readable || c->tls == SERVER_TLS_ACTIVE)
		server_conn_read(c);
	for (int round = 0; round < 64 && !c->failed; round++) {
		size_t used = 0;
		if (c->inlen > 0) {
			used = smtpd_feed(c->sd, c->in, c->inlen);
			if (used > 0) {
				memmove(c->in, c->in + used, c->inlen - used);
				c->inlen -= used;
			}
		}
		if (smtpd_dropped(c->sd)) {
			server_conn_close(c, "dropped on purpose (flaky scenario)");
			return;
		}
		if (smtpd_want_tls(c->sd)) {
			server_conn_flush(c);
			if (c->want_out || c->failed)
				break;
			if (c->inlen > 0) {
				/* Commands sent before the handshake could be an attacker's (the
				 * CVE-2011-0411 class): they are thrown away, never run. */
				server_note(srv, c->id,
					    "discarded %zu octets the client sent after STARTTLS, "
					    "before "
					    "the TLS handshake (plaintext injection defence)",
					    c->inlen);
				c->inlen = 0;
			}
			if (server_conn_start_tls(c) < 0) {
				server_conn_close(c, "closed: cannot start TLS");
				return;
			}
			int r = server_conn_handshake(c);
			if (r < 0) {
				server_conn_close(c, "closed");
				return;
			}
			if (r == 0) {
				server_conn_interest(c);
				return;
			}
			server_conn_read(c);
			continue;
		}
		/* Room was made: the socket (or OpenSSL's buffer) may hold more. */
		bool more = used > 0 && !c->eof &&
			    (c->read_full || (c->ssl != NULL && SSL_pending(c->ssl) > 0));
		if (!more || smtpd_paused(c->sd) || smtpd_closing(c->sd))
			break;
		size_t before = c->inlen;
		server_conn_read(c);
		if (c->inlen == before)
			break;
	}
	if (smtpd_paused(c->sd)) {
		if (c->wake_at == 0)
			server_conn_set_wake(c, server_now_ms() + srv->cfg.delay_ms);
	} else {
		server_conn_flush(c);
	}
	if (c->failed) {
		char why[128];
		snprintf(why, sizeof why, "connection lost (%s)",
			 c->err ? strerror(c->err) : "TLS error");
		server_conn_close(c, why);
		return;
	}
	size_t pending;
	smtpd_output(c->sd, &pending);
	if (smtpd_closing(c->sd) && pending == 0 && !smtpd_paused(c->sd)) {
		server_conn_close(c, "closed");
		return;
	}
	if (c->eof && !smtpd_paused(c->sd) && pending == 0) {
		server_conn_close(c, "the client closed the connection");
		return;
	}
	server_conn_interest(c);
}

/* Accept every waiting connection. */
static void
server_accept(struct server *srv)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept(srv->lfd, (struct sockaddr *)&ss, &sl);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				server_note(srv, 0, "out of file descriptors: a connection waits");
			return;
		}
		if (server_nonblock_accepted(fd) < 0) {
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		char ip[INET6_ADDRSTRLEN] = "?";
		int port = 0;
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
			port = ntohs(s6->sin6_port);
		} else if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
			port = ntohs(s4->sin_port);
		}
		unsigned long id = ++srv->next_id;
		pthread_mutex_lock(&srv->lock);
		srv->stats.connections++;
		bool busy = srv->nconns >= (size_t)srv->max_connections;
		if (busy)
			srv->stats.refused++;
		pthread_mutex_unlock(&srv->lock);
		if (busy) {
			char line[160];
			int n = snprintf(
				line, sizeof line,
				"421 4.7.0 %s Error: too many connections, try again later\r\n",
				srv->opt.hostname);
			if (!srv->opt.tls_on_connect && n > 0)
				(void)!send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
			server_note(
				srv, id,
				"refused %s port %d: already %zu connections (--max-connections)",
				ip, port, srv->nconns);
			close(fd);
			continue;
		}
		struct server_conn *c = malloc(sizeof *c);
		struct smtpd *sd = c ? smtpd_new(&srv->cfg, &srv->hooks, id, ip) : NULL;
		if (sd == NULL) {
			free(c);
			close(fd);
			continue;
		}
		memset(c, 0, offsetof(struct server_conn, in));
		c->inlen = 0;
		c->prev = c->next = NULL;
		c->srv = srv;
		c->fd = fd;
		c->id = id;
		c->sd = sd;
		snprintf(c->ip, sizeof c->ip, "%s", ip);
		snprintf(c->peer, sizeof c->peer, "%s port %d", ip, port);
		c->last_active = server_now_ms();
		c->events = EPOLLIN;
		if (server_epoll_add(srv, fd, c, EPOLLIN) < 0) {
			smtpd_free(sd);
			free(c);
			close(fd);
			continue;
		}
		c->next = srv->conns;
		if (srv->conns != NULL)
			srv->conns->prev = c;
		srv->conns = c;
		srv->nconns++;
		pthread_mutex_lock(&srv->lock);
		srv->stats.open = srv->nconns;
		pthread_mutex_unlock(&srv->lock);
		server_note(srv, id, "connection from %s", c->peer);
		if (srv->opt.tls_on_connect) {
			c->greet_after_tls = true;
			if (server_conn_start_tls(c) < 0) {
				server_conn_close(c, "closed: cannot start TLS");
				continue;
			}
		} else {
			smtpd_greet(sd);
		}
		server_conn_progress(c, false);
	}
}

/* Release held replies that are due, and time out idle connections. */
static void
server_timers(struct server *srv, long long now)
{
	if (srv->nwaiting > 0) {
		struct server_conn *next;
		for (struct server_conn *c = srv->conns; c != NULL; c = next) {
			next = c->next;
			if (c->wake_at == 0 || c->wake_at > now)
				continue;
			server_conn_set_wake(c, 0);
			server_conn_flush(c);
			smtpd_resume(c->sd);
			server_conn_progress(c, true);
		}
	}
	if (now - srv->last_sweep < 1000)
		return;
	srv->last_sweep = now;
	struct server_conn *next;
	for (struct server_conn *c = srv->conns; c != NULL; c = next) {
		next = c->next;
		if (now - c->last_active < srv->idle_ms)
			continue;
		if (c->tls == SERVER_TLS_HANDSHAKE) {
			server_conn_close(c, "TLS handshake timed out");
			continue;
		}
		smtpd_timeout(c->sd);
		server_conn_flush(c);
		server_conn_close(c, "closed after the idle timeout");
	}
}

/* How long epoll may wait. */
static int
server_wait_ms(struct server *srv, long long now)
{
	long long wait = 1000 - (now - srv->last_sweep);
	if (srv->nwaiting > 0) {
		for (struct server_conn *c = srv->conns; c != NULL; c = c->next)
			if (c->wake_at != 0 && c->wake_at - now < wait)
				wait = c->wake_at - now;
	}
	if (wait < 0)
		wait = 0;
	if (wait > 1000)
		wait = 1000;
	return (int)wait;
}

/* The event loop. */
int
server_run(struct server *srv)
{
	if (srv->lfd < 0)
		return -1;
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	struct epoll_event evs[SERVER_EVENTS];
	srv->last_sweep = server_now_ms();
	while (!srv->stopping) {
		int n = epoll_wait(srv->ep, evs, SERVER_EVENTS,
				   server_wait_ms(srv, server_now_ms()));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &srv->lfd) {
				server_accept(srv);
			} else if (p == &srv->wake) {
				char buf[64];
				while (read(srv->wake[0], buf, sizeof buf) > 0)
					;
				srv->stopping = 1;
			} else {
				struct server_conn *c = p;
				uint32_t e = evs[i].events;
				/* Both directions gone and nothing left to read: level-triggered
				 * epoll would report it again and again (a held reply waits). */
				if ((e & EPOLLHUP) && c->eof)
					server_conn_close(c, "connection lost");
				else
					server_conn_progress(
						c, (e & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0);
			}
		}
		server_timers(srv, server_now_ms());
		if (srv->opt.log != NULL)
			fflush(srv->opt.log);
	}
	while (srv->conns != NULL)
		server_conn_close(srv->conns, "closed: the server stops");
	if (srv->opt.log != NULL)
		fflush(srv->opt.log);
	return 0;
}

/* The thread body. */
static void *
server_thread_main(void *arg)
{
	server_run(arg);
	return NULL;
}

/* Run in a thread of its own. */
int
server_start(struct server *srv)
{
	if (srv->lfd < 0 || srv->threaded)
		return -1;
	if (pthread_create(&srv->thread, NULL, server_thread_main, srv) != 0)
		return -1;
	srv->threaded = true;
	return 0;
}

/* Ask the loop to end. */
void
server_request_stop(struct server *srv)
{
	if (srv->wake[1] >= 0)
		(void)!write(srv->wake[1], "x", 1);
}

/* Stop and join. */
void
server_stop(struct server *srv)
{
	server_request_stop(srv);
	if (srv->threaded) {
		pthread_join(srv->thread, NULL);
		srv->threaded = false;
	}
}

/* Free everything. */
void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	if (srv->threaded)
		server_stop(srv);
	while (srv->conns != NULL)
		server_conn_close(srv->conns, "closed: the server stops");
	if (srv->lfd >= 0)
		close(srv->lfd);
	if (srv->ep >= 0)
		close(srv->ep);
	for (int i = 0; i < 2; i++)
		if (srv->wake[i] >= 0)
			close(srv->wake[i]);
	SSL_CTX_free(srv->tls_ctx);
	free(srv->cert_pem);
	free(srv->grey);
	for (size_t i = 0; i < SERVER_KEEP_MESSAGES; i++)
		free((char *)srv->kept[i].body);
	for (size_t i = 0; i < srv->nowned; i++) {
		OPENSSL_cleanse(srv->owned[i], strlen(srv->owned[i]));
		free(srv->owned[i]);
	}
	free(srv->owned);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}

/* Counters. */
void
server_get_stats(struct server *srv, struct server_stats *st)
{
	pthread_mutex_lock(&srv->lock);
	*st = srv->stats;
	pthread_mutex_unlock(&srv->lock);
}

/* Walk the kept messages, oldest first. */
size_t
server_messages(struct server *srv, void (*fn)(const struct server_message *m, void *ctx),
		void *ctx)
{
	pthread_mutex_lock(&srv->lock);
	size_t n = srv->nkept;
	size_t start = (srv->kept_next + SERVER_KEEP_MESSAGES - n) % SERVER_KEEP_MESSAGES;
	for (size_t i = 0; i < n; i++)
		fn(&srv->kept[(start + i) % SERVER_KEEP_MESSAGES], ctx);
	pthread_mutex_unlock(&srv->lock);
	return n;
}

/* How many scenarios. */
size_t
server_scenario_count(void)
{
	return SCENARIO_COUNT;
}

/* A scenario's name. */
const char *
server_scenario_name(size_t i)
{
	return scenario_name((enum scenario_id)i);
}

/* A scenario's summary. */
const char *
server_scenario_summary(size_t i)
{
	return scenario_summary((enum scenario_id)i);
}

/* A scenario's description. */
const char *
server_scenario_about(size_t i)
{
	return scenario_about((enum scenario_id)i);
}
