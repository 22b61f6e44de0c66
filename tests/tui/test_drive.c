/*
 * test_drive.c: unit tests of the session driver and the line router with no terminal,
 * against a scripted server on 127.0.0.1 (a thread, port 0): replies matched to the
 * command they answer, DATA typed by hand (dot-stuffing and the lone "."), an AUTH typed
 * by hand (the answer is a secret: masked in the view and in the transcript), /auth PLAIN
 * through the front, STARTTLS with injected bytes after the 220 (refused), and the close.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drive.h"
#include "front.h"
#include "transcript.h"

#define TD_STEPS 16
#define TD_RX 65536

/* One step of the script: wait for a line starting with expect (NULL: none), then send. */
struct td_step {
	const char *expect;
	const char *send;
};

struct td_server {
	int lfd;
	char port[16];
	struct td_step steps[TD_STEPS];
	pthread_t thread;
	char rx[TD_RX]; /* every byte received */
	size_t rxlen;
	pthread_mutex_t lock;
};

/* The server thread: one connection, the script, then close. */
static void *
td_run(void *arg)
{
	struct td_server *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	size_t seen = 0; /* bytes of rx already matched */

	if (fd < 0)
		return NULL;
	for (size_t i = 0; i < TD_STEPS && (s->steps[i].expect || s->steps[i].send); i++) {
		if (s->steps[i].expect != NULL) {
			for (;;) {
				pthread_mutex_lock(&s->lock);
				char *hit = NULL;
				s->rx[s->rxlen] = '\0';
				hit = strstr(s->rx + seen, s->steps[i].expect);
				char *eol = hit != NULL ? strstr(hit, "\r\n") : NULL;
				if (eol != NULL)
					seen = (size_t)(eol + 2 - s->rx);
				pthread_mutex_unlock(&s->lock);
				if (eol != NULL)
					break;
				char buf[4096];
				struct pollfd p = {fd, POLLIN, 0};
				if (poll(&p, 1, 5000) <= 0)
					goto out;
				ssize_t n = read(fd, buf, sizeof(buf));
				if (n <= 0)
					goto out;
				pthread_mutex_lock(&s->lock);
				if (s->rxlen + (size_t)n < TD_RX - 1) {
					memcpy(s->rx + s->rxlen, buf, (size_t)n);
					s->rxlen += (size_t)n;
				}
				pthread_mutex_unlock(&s->lock);
			}
		}
		if (s->steps[i].send != NULL &&
		    write(fd, s->steps[i].send, strlen(s->steps[i].send)) < 0)
			break;
	}
out:
	usleep(100000);
	close(fd);
	return NULL;
}

/* Start a scripted server on 127.0.0.1, port 0. */
static void
td_start(struct td_server *s, const struct td_step *steps, size_t n)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	memcpy(s->steps, steps, n * sizeof(*steps));
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(s->lfd, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s->lfd, 1), 0);
	cr_assert_eq(getsockname(s->lfd, (struct sockaddr *)&a, &alen), 0);
	snprintf(s->port, sizeof(s->port), "%d", ntohs(a.sin_port));
	cr_assert_eq(pthread_create(&s->thread, NULL, td_run, s), 0);
}

/* Wait for the thread and close. */
static void
td_stop(struct td_server *s)
{
	pthread_join(s->thread, NULL);
	close(s->lfd);
}

/* What the view saw. */
struct td_view {
	char lines[64][600];
	enum drive_kind kinds[64];
	size_t nlines;
	int codes[32];
	enum proto_cmd answers[32];
	size_t nreplies;
};

/* The driver's line callback: keep the line. */
static void
td_on_line(void *arg, enum drive_kind kind, unsigned flags, const char *text, size_t len)
{
	struct td_view *v = arg;

	(void)flags;
	if (v->nlines < 64) {
		snprintf(v->lines[v->nlines], sizeof(v->lines[0]), "%.*s", (int)len, text);
		v->kinds[v->nlines++] = kind;
	}
}

/* The driver's reply callback: keep the code and what it answers. */
static void
td_on_reply(void *arg, const struct drive_reply *r)
{
	struct td_view *v = arg;

	if (v->nreplies < 32) {
		v->codes[v->nreplies] = r->reply->code;
		v->answers[v->nreplies++] = r->answers;
	}
}

/* A driver connected to the scripted server. */
static struct drive *
td_drive(struct td_server *s, struct td_view *v, struct drive_view *dv)
{
	struct drive_options o;

	memset(v, 0, sizeof(*v));
	memset(dv, 0, sizeof(*dv));
	dv->arg = v;
	dv->line = td_on_line;
	dv->reply = td_on_reply;
	memset(&o, 0, sizeof(o));
	o.host = "127.0.0.1";
	o.port = s->port;
	o.ehlo_name = "test.example";
	o.timeout_ms = 3000;
	struct drive *d = drive_new(&o, dv);
	cr_assert_not_null(d);
	cr_assert_eq(drive_connect(d), 0);
	return d;
}

/* Run the driver's side of the loop until n replies came (or 3 s). */
static void
td_pump(struct drive *d, struct td_view *v, size_t n)
{
	for (int i = 0; i < 300 && v->nreplies < n && drive_fd(d) >= 0; i++) {
		struct pollfd p = {drive_fd(d), POLLIN | (drive_wants_write(d) ? POLLOUT : 0), 0};
		if (poll(&p, 1, 10) > 0) {
			if (p.revents & POLLOUT)
				drive_writable(d);
			if (p.revents & (POLLIN | POLLHUP | POLLERR))
				drive_readable(d);
		}
	}
	cr_assert_geq(v->nreplies, n, "waited for %zu replies, got %zu", n, v->nreplies);
}

/* Type a line as the user would. */
static void
td_type(struct drive *d, const char *line)
{
	char err[DRIVE_ERROR_MAX];

	cr_assert_eq(drive_input(d, line, strlen(line), err, sizeof(err)), 0, "%s", err);
}

/* True when some line of the view contains s. */
static bool
td_saw(const struct td_view *v, const char *s)
{
	for (size_t i = 0; i < v->nlines; i++)
		if (strstr(v->lines[i], s) != NULL)
			return true;
	return false;
}

Test(drive, replies_answer_their_commands_and_data_is_stuffed)
{
	static const struct td_step steps[] = {
		{NULL, "220 td ESMTP\r\n"},
		{"EHLO test.example", "250-td\r\n250-PIPELINING\r\n250 SIZE 1000\r\n"},
		{"MAIL FROM:<a@b>", "250 2.1.0 ok\r\n"},
		{"RCPT TO:<c@d>", "250 2.1.5 ok\r\n"},
		{"DATA", "354 go ahead\r\n"},
		{"\r\n.\r\n", "250 2.0.0 queued\r\n"},
		{"QUIT", "221 bye\r\n"},
	};
	struct td_server s;
	struct td_view v;
	struct drive_view dv;

	td_start(&s, steps, sizeof(steps) / sizeof(steps[0]));
	struct drive *d = td_drive(&s, &v, &dv);
	td_pump(d, &v, 1);
	cr_assert_eq(v.answers[0], PROTO_CMD_GREETING);
	td_type(d, "EHLO test.example");
	td_pump(d, &v, 2);
	cr_assert_eq(v.answers[1], PROTO_CMD_EHLO);
	cr_assert(drive_caps(d)->pipelining);
	cr_assert_str_eq(drive_state_words(d), "ready");
	td_type(d, "MAIL FROM:<a@b>");
	td_type(d, "RCPT TO:<c@d>");
	td_pump(d, &v, 4);
	cr_assert_eq(v.answers[2], PROTO_CMD_MAIL);
	cr_assert_eq(v.answers[3], PROTO_CMD_RCPT);
	td_type(d, "DATA");
	td_pump(d, &v, 5);
	cr_assert(drive_in_data(d));
	cr_assert(!drive_busy(d), "body lines must not wait for replies");
	td_type(d, "Subject: t");
	td_type(d, "");
	td_type(d, ".hidden dot");
	td_type(d, "QUIT"); /* inside DATA this is message text, not a command */
	td_type(d, ".");
	cr_assert(!drive_in_data(d));
	td_pump(d, &v, 6);
	cr_assert_eq(v.codes[5], 250);
	cr_assert_eq(v.answers[5], PROTO_CMD_DATA_END);
	td_type(d, "QUIT");
	td_pump(d, &v, 7);
	cr_assert_eq(v.answers[6], PROTO_CMD_QUIT);
	td_stop(&s);
	cr_assert(strstr(s.rx, "DATA\r\nSubject: t\r\n\r\n..hidden dot\r\nQUIT\r\n.\r\nQUIT\r\n") !=
			  NULL,
		  "wire bytes: %s", s.rx);
	cr_assert(td_saw(&v, "sent as \"..\""), "the stuffed dot is explained");
	drive_free(d);
}

Test(drive, a_streamed_body_is_normalized_and_stuffed)
{
	static const struct td_step steps[] = {
		{NULL, "220 td\r\n"},
		{"DATA", "354 go\r\n"},
		{"\r\n.\r\n", "250 2.0.0 queued\r\n"},
	};
	struct td_server s;
	struct td_view v;
	struct drive_view dv;
	char err[DRIVE_ERROR_MAX];
	static const char body[] = "Subject: s\n\nline\n.\n..two\rbare\nend";

	td_start(&s, steps, sizeof(steps) / sizeof(steps[0]));
	struct drive *d = td_drive(&s, &v, &dv);
	td_pump(d, &v, 1);
	cr_assert_eq(drive_data_feed(d, "x", 1), -1, "no body before 354");
	td_type(d, "DATA");
	td_pump(d, &v, 2);
	/* In two pieces: the output must not depend on where the body is cut. */
	cr_assert_eq(drive_data_feed(d, body, 13), 13);
	cr_assert_eq(drive_data_feed(d, body + 13, sizeof(body) - 1 - 13),
		     (long)(sizeof(body) - 1 - 13));
	cr_assert_eq(drive_data_finish(d, err, sizeof(err)), 0, "%s", err);
	cr_assert(!drive_in_data(d));
	td_pump(d, &v, 3);
	cr_assert_eq(v.answers[2], PROTO_CMD_DATA_END);
	td_stop(&s);
	cr_assert(strstr(s.rx, "DATA\r\nSubject: s\r\n\r\nline\r\n..\r\n...two\r\nbare\r\n"
			       "end\r\n.\r\n") != NULL,
		  "wire bytes: %s", s.rx);
	drive_free(d);
}

Test(drive, auth_typed_by_hand_is_masked)
{
	static const struct td_step steps[] = {
		{NULL, "220 td\r\n"},
		{"AUTH LOGIN", "334 VXNlcm5hbWU6\r\n"},
		{"c3R1ZGVudA==", "334 UGFzc3dvcmQ6\r\n"},
		{"c2VjcmV0cGFzcw==", "235 2.7.0 ok\r\n"},
	};
	struct td_server s;
	struct td_view v;
	struct drive_view dv;

	td_start(&s, steps, sizeof(steps) / sizeof(steps[0]));
	struct drive *d = td_drive(&s, &v, &dv);
	td_pump(d, &v, 1);
	cr_assert(!drive_line_is_secret(d, "AUTH LOGIN", 10));
	cr_assert(drive_line_is_secret(d, "AUTH PLAIN AGEAYg==", 19));
	td_type(d, "AUTH LOGIN");
	td_pump(d, &v, 2);
	cr_assert(drive_wants_secret(d), "after 334 the next line is a secret");
	cr_assert(td_saw(&v, "decoded: Username:"));
	td_type(d, "c3R1ZGVudA==");
	td_pump(d, &v, 3);
	cr_assert(td_saw(&v, "decoded: Password:"));
	td_type(d, "c2VjcmV0cGFzcw==");
	td_pump(d, &v, 4);
	cr_assert_eq(v.codes[3], 235);
	cr_assert(drive_authenticated(d));
	cr_assert(!drive_wants_secret(d));
	cr_assert(!td_saw(&v, "c2VjcmV0cGFzcw=="), "the secret reached the view");
	cr_assert(td_saw(&v, "****"));
	struct transcript *t = drive_transcript(d);
	for (size_t i = 0; i < transcript_count(t); i++) {
		const struct transcript_event *e = transcript_get(t, i);
		cr_assert(e->text == NULL || strstr(e->text, "c2VjcmV0cGFzcw==") == NULL,
			  "the secret reached the transcript");
	}
	td_stop(&s);
	drive_free(d);
}

/* Messages of the front go to the same view. */
Test(drive, slash_auth_through_the_front)
{
	static const struct td_step steps[] = {
		{NULL, "220 td\r\n"},
		{"EHLO x", "250-td\r\n250 AUTH PLAIN LOGIN\r\n"},
		/* \0student\0pw in base64 */
		{"AUTH PLAIN AHN0dWRlbnQAcHc=", "235 2.7.0 ok\r\n"},
	};
	struct td_server s;
	struct td_view v;
	struct drive_view dv;
	struct front f;

	td_start(&s, steps, sizeof(steps) / sizeof(steps[0]));
	struct drive *d = td_drive(&s, &v, &dv);
	front_init(&f, d, &dv);
	td_pump(d, &v, 1);
	cr_assert_eq(front_enter(&f, "EHLO x"), FRONT_OK);
	td_pump(d, &v, 2);
	cr_assert_str_eq(drive_auth_pick(d), "PLAIN");
	cr_assert(front_historic(&f, "EHLO x"));
	cr_assert_eq(front_enter(&f, "/auth PLAIN"), FRONT_OK);
	cr_assert_eq(f.mode, FRONT_USER);
	cr_assert(!front_historic(&f, "student"),
		  "answers to ehlo's questions stay out of history");
	cr_assert_eq(front_enter(&f, "student"), FRONT_OK);
	cr_assert(front_hidden(&f));
	cr_assert_str_eq(front_prompt(&f), "password: ");
	cr_assert_eq(front_enter(&f, "pw"), FRONT_OK);
	cr_assert(!front_hidden(&f));
	td_pump(d, &v, 3);
	cr_assert(drive_authenticated(d));
	cr_assert_str_eq(drive_auth_user(d), "student");
	cr_assert(td_saw(&v, "AUTH PLAIN ****"));
	cr_assert(!td_saw(&v, "AHN0dWRlbnQAcHc="));
	cr_assert_eq(front_enter(&f, "/quit"), FRONT_QUIT);
	cr_assert_eq(front_enter(&f, "/explain 550"), FRONT_EXPLAIN);
	cr_assert_str_eq(f.arg, "550");
	td_stop(&s);
	drive_free(d);
}

Test(drive, bytes_after_starttls_220_are_refused)
{
	static const struct td_step steps[] = {
		{NULL, "220 td\r\n"},
		{"STARTTLS", "220 go\r\n250 injected\r\n"},
	};
	struct td_server s;
	struct td_view v;
	struct drive_view dv;

	td_start(&s, steps, sizeof(steps) / sizeof(steps[0]));
	struct drive *d = td_drive(&s, &v, &dv);
	td_pump(d, &v, 1);
	td_type(d, "STARTTLS");
	td_pump(d, &v, 2);
	for (int i = 0; i < 100 && drive_connected(d); i++)
		usleep(10000);
	cr_assert(!drive_connected(d), "the session must stop");
	cr_assert(!drive_tls(d));
	bool found = false;
	for (size_t i = 0; i < v.nlines; i++)
		if (v.kinds[i] == DRIVE_ERROR && (strstr(v.lines[i], "STARTTLS") != NULL ||
						  strstr(v.lines[i], "inject") != NULL))
			found = true;
	cr_assert(found, "the injection is named");
	td_stop(&s);
	drive_free(d);
}

Test(drive, not_connected_and_bad_lines)
{
	struct drive_options o;
	char err[DRIVE_ERROR_MAX];

	memset(&o, 0, sizeof(o));
	o.host = "127.0.0.1";
	o.port = "1";
	struct drive *d = drive_new(&o, NULL);
	cr_assert_not_null(d);
	cr_assert_eq(drive_input(d, "NOOP", 4, err, sizeof(err)), -1);
	cr_assert(strstr(err, "not connected") != NULL);
	cr_assert_str_eq(drive_state_words(d), "not connected");
	cr_assert_eq(drive_connect(d), -1, "nothing listens on port 1");
	cr_assert(!drive_connected(d));
	drive_free(d);
}
