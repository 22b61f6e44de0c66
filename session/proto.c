/*
 * proto.c: the SMTP client protocol core, sans I/O.
 *
 * A struct proto holds the state (one enum, changed only by proto_set_state), the reply
 * parser, the capabilities, a FIFO of the commands sent and not yet answered (a ring that
 * grows up to PROTO_FIFO_CAP, so pipelined replies meet their commands in order), and the
 * wire bytes waiting for the transport (capped at PROTO_OUTPUT_CAP). Every command and
 * reply line goes to the transcript when one is attached; secret lines are flagged there
 * and masked in events, so a password never leaves this file in clear.
 *
 * Choices the header leaves open:
 * - A greeting that is not 2xx (554, 521, 421) means the server refuses service: the state
 *   goes to QUIT, since only QUIT makes sense after it (RFC 5321 3.1). Commands are still
 *   accepted so the user can send that QUIT and see what the server does.
 * - Commands are classified by their verb alone ("MAIL" without "FROM:" is still MAIL: the
 *   server answers it as MAIL, with 501).
 * - After 220 to STARTTLS, a feed of zero bytes returns 0 (or the error, when bytes came
 *   behind the 220 in its own buffer); any byte is an injection error event, after which every feed returns -1. Bytes left after the 220 in the same feed
 *   buffer are caught even when the caller starts TLS without feeding them.
 * - After proto_data_sent the state stays DATA until the reply to the final dot, but
 *   commands may be queued again (PIPELINING allows them after the dot).
 */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transcript.h"

#define PROTO_MECH_MAX 32
#define PROTO_SHOWN_MAX (PROTO_CMD_RFC_MAX + 3)
#define PROTO_INJECT_SHOW 48
#define PROTO_MASK "****"

/* A command sent and not yet answered. */
struct proto_sent {
	enum proto_cmd cmd;
	bool last; /* BDAT ... LAST */
	unsigned auth_step;
	char auth_mech[PROTO_MECH_MAX];
	char shown[PROTO_SHOWN_MAX]; /* masked when secret */
};

struct proto {
	enum proto_state state;
	struct reply_parser rp;
	struct transcript *t;
	struct caps caps;
	bool tls;
	bool authed;
	bool data_sent;		 /* the final dot went out; its reply is due */
	struct proto_sent *fifo; /* ring: head, count, alloc */
	size_t head, count, alloc;
	char *out; /* wire bytes for the transport */
	size_t outlen, outcap;
	char auth_mech[PROTO_MECH_MAX]; /* the exchange in progress */
	unsigned auth_step;
	bool injected; /* bytes came after 220 to STARTTLS, not yet reported */
	size_t injected_len;
	size_t injected_tail; /* of those, the bytes noted behind the 220 in its own feed */
	char injected_seen[PROTO_INJECT_SHOW];
	size_t injected_seenlen;
};

static const char *const proto_state_names[PROTO_STATE_COUNT] = {
	[PROTO_BANNER] = "BANNER",     [PROTO_CONNECTED] = "CONNECTED", [PROTO_READY] = "READY",
	[PROTO_TLS_WAIT] = "TLS_WAIT", [PROTO_AUTH] = "AUTH",		[PROTO_MAIL] = "MAIL",
	[PROTO_RCPT] = "RCPT",	       [PROTO_DATA] = "DATA",		[PROTO_QUIT] = "QUIT",
	[PROTO_CLOSED] = "CLOSED",     [PROTO_ERROR] = "ERROR",
};

static const char *const proto_cmd_names[PROTO_CMD_COUNT] = {
	[PROTO_CMD_GREETING] = "greeting",
	[PROTO_CMD_HELO] = "HELO",
	[PROTO_CMD_EHLO] = "EHLO",
	[PROTO_CMD_MAIL] = "MAIL",
	[PROTO_CMD_RCPT] = "RCPT",
	[PROTO_CMD_DATA] = "DATA",
	[PROTO_CMD_DATA_END] = "end of data",
	[PROTO_CMD_BDAT] = "BDAT",
	[PROTO_CMD_RSET] = "RSET",
	[PROTO_CMD_VRFY] = "VRFY",
	[PROTO_CMD_EXPN] = "EXPN",
	[PROTO_CMD_HELP] = "HELP",
	[PROTO_CMD_NOOP] = "NOOP",
	[PROTO_CMD_QUIT] = "QUIT",
	[PROTO_CMD_STARTTLS] = "STARTTLS",
	[PROTO_CMD_AUTH] = "AUTH",
	[PROTO_CMD_AUTH_DATA] = "AUTH response",
	[PROTO_CMD_UNKNOWN] = "unknown command",
};

/* The verbs a typed line may start with; the rest are PROTO_CMD_UNKNOWN. */
static const struct {
	const char *verb;
	enum proto_cmd cmd;
} proto_verbs[] = {
	{"HELO", PROTO_CMD_HELO}, {"EHLO", PROTO_CMD_EHLO},	    {"MAIL", PROTO_CMD_MAIL},
	{"RCPT", PROTO_CMD_RCPT}, {"DATA", PROTO_CMD_DATA},	    {"BDAT", PROTO_CMD_BDAT},
	{"RSET", PROTO_CMD_RSET}, {"VRFY", PROTO_CMD_VRFY},	    {"EXPN", PROTO_CMD_EXPN},
	{"HELP", PROTO_CMD_HELP}, {"NOOP", PROTO_CMD_NOOP},	    {"QUIT", PROTO_CMD_QUIT},
	{"AUTH", PROTO_CMD_AUTH}, {"STARTTLS", PROTO_CMD_STARTTLS},
};

/* Fill err when the caller gave room for it. */
static void
proto_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* Current state. */
enum proto_state
proto_state(const struct proto *p)
{
	return p->state;
}

/* A state's name ("READY"). */
const char *
proto_state_name(enum proto_state s)
{
	if ((unsigned)s >= PROTO_STATE_COUNT || proto_state_names[s] == NULL)
		return "?";
	return proto_state_names[s];
}

/* A command's name ("MAIL", "end of data"). */
const char *
proto_cmd_name(enum proto_cmd c)
{
	if ((unsigned)c >= PROTO_CMD_COUNT || proto_cmd_names[c] == NULL)
		return "?";
	return proto_cmd_names[c];
}

/* The command a typed line is, by its verb (case-insensitive). */
enum proto_cmd
proto_cmd_classify(const char *line, size_t len)
{
	size_t vlen = 0;

	if (line == NULL)
		return PROTO_CMD_UNKNOWN;
	while (vlen < len && line[vlen] != ' ')
		vlen++;
	for (size_t i = 0; i < sizeof(proto_verbs) / sizeof(proto_verbs[0]); i++) {
		if (strlen(proto_verbs[i].verb) == vlen &&
		    strncasecmp(line, proto_verbs[i].verb, vlen) == 0)
			return proto_verbs[i].cmd;
	}
	return PROTO_CMD_UNKNOWN;
}

/* The one state setter: records "state change from X to Y" in the transcript. */
void
proto_set_state(struct proto *p, enum proto_state s)
{
	if (p->state == s)
		return;
	if (p->t != NULL)
		transcript_addf(p->t, TRANSCRIPT_INFO, "state change from %s to %s",
				proto_state_name(p->state), proto_state_name(s));
	p->state = s;
}

/* Append a command to the FIFO, growing the ring up to its cap. NULL when full. */
static struct proto_sent *
proto_fifo_push(struct proto *p)
{
	struct proto_sent *e;

	if (p->count == PROTO_FIFO_CAP)
		return NULL;
	if (p->count == p->alloc) {
		size_t n = p->alloc ? p->alloc * 2 : 16;
		struct proto_sent *nf;

		if (n > PROTO_FIFO_CAP)
			n = PROTO_FIFO_CAP;
		nf = malloc(n * sizeof(*nf));
		if (nf == NULL)
			return NULL;
		for (size_t i = 0; i < p->count; i++)
			nf[i] = p->fifo[(p->head + i) % p->alloc];
		free(p->fifo);
		p->fifo = nf;
		p->alloc = n;
		p->head = 0;
	}
	e = &p->fifo[(p->head + p->count) % p->alloc];
	memset(e, 0, sizeof(*e));
	p->count++;
	return e;
}

/* The oldest command waiting for a reply, or NULL. */
static struct proto_sent *
proto_fifo_head(struct proto *p)
{
	return p->count ? &p->fifo[p->head] : NULL;
}

/* Drop the oldest command. */
static void
proto_fifo_pop(struct proto *p)
{
	if (p->count == 0)
		return;
	p->head = (p->head + 1) % p->alloc;
	p->count--;
}

/* Forget every command waiting (after STARTTLS, on close). */
static void
proto_fifo_clear(struct proto *p)
{
	p->head = 0;
	p->count = 0;
}

/* A new session core, in PROTO_BANNER with the greeting expected. */
struct proto *
proto_new(void)
{
	struct proto *p = calloc(1, sizeof(*p));
	struct proto_sent *g;

	if (p == NULL)
		return NULL;
	p->state = PROTO_BANNER;
	reply_parser_init(&p->rp);
	caps_clear(&p->caps);
	g = proto_fifo_push(p);
	if (g == NULL) {
		free(p);
		return NULL;
	}
	g->cmd = PROTO_CMD_GREETING;
	return p;
}

/* Free it. */
void
proto_free(struct proto *p)
{
	if (p == NULL)
		return;
	reply_parser_free(&p->rp);
	free(p->fifo);
	if (p->out != NULL)
		memset(p->out, 0, p->outcap); /* AUTH lines went through here */
	free(p->out);
	free(p);
}

/* Record every line and event in t (may be NULL). */
void
proto_set_transcript(struct proto *p, struct transcript *t)
{
	p->t = t;
}

/* What the server advertised. */
const struct caps *
proto_caps(const struct proto *p)
{
	return &p->caps;
}

/* True once TLS is up. */
bool
proto_tls_active(const struct proto *p)
{
	return p->tls;
}

/* True after 235 to AUTH. */
bool
proto_authenticated(const struct proto *p)
{
	return p->authed;
}

/* Commands sent and not yet answered. */
size_t
proto_pending(const struct proto *p)
{
	return p->count;
}

/* Bytes waiting to be written. */
const char *
proto_output(const struct proto *p, size_t *len)
{
	if (len != NULL)
		*len = p->outlen;
	return p->out;
}

/* The transport wrote n bytes. */
void
proto_output_consumed(struct proto *p, size_t n)
{
	if (n >= p->outlen) {
		if (p->out != NULL)
			memset(p->out, 0, p->outlen);
		p->outlen = 0;
		return;
	}
	memmove(p->out, p->out + n, p->outlen - n);
	memset(p->out + p->outlen - n, 0, n);
	p->outlen -= n;
}

/* Room for n more output bytes, within PROTO_OUTPUT_CAP. */
static bool
proto_out_reserve(struct proto *p, size_t n)
{
	size_t want, ncap;
	char *no;

	if (n > PROTO_OUTPUT_CAP - p->outlen)
		return false;
	want = p->outlen + n;
	if (want <= p->outcap)
		return true;
	ncap = p->outcap ? p->outcap : 1024;
	while (ncap < want)
		ncap *= 2;
	if (ncap > PROTO_OUTPUT_CAP)
		ncap = PROTO_OUTPUT_CAP;
	/* Not realloc: the old block may hold AUTH lines and is wiped before it goes. */
	no = malloc(ncap);
	if (no == NULL)
		return false;
	if (p->outlen > 0)
		memcpy(no, p->out, p->outlen);
	if (p->out != NULL)
		memset(p->out, 0, p->outcap);
	free(p->out);
	p->out = no;
	p->outcap = ncap;
	return true;
}

/* Append bytes reserved with proto_out_reserve. */
static void
proto_out_put(struct proto *p, const char *s, size_t n)
{
	memcpy(p->out + p->outlen, s, n);
	p->outlen += n;
}

/* Why no command can be queued in this state, or NULL when one can. */
static const char *
proto_refuse(const struct proto *p)
{
	switch (p->state) {
	case PROTO_ERROR:
		return "the session ended with a protocol error";
	case PROTO_CLOSED:
		return "the connection is closed";
	case PROTO_TLS_WAIT:
		return "the server answered 220 to STARTTLS: the TLS handshake must come first";
	case PROTO_DATA:
		if (!p->data_sent)
			return "the server is waiting for the message (354): send it and its "
			       "final dot";
		return NULL;
	default:
		return NULL;
	}
}

/* Split an AUTH line: the mechanism is line[*ms..*me), the payload starts at *payload. */
static void
proto_auth_split(const char *line, size_t len, size_t *ms, size_t *me, size_t *payload)
{
	size_t i = 4; /* after "AUTH" */

	while (i < len && line[i] == ' ')
		i++;
	*ms = i;
	while (i < len && line[i] != ' ')
		i++;
	*me = i;
	while (i < len && line[i] == ' ')
		i++;
	*payload = i;
}

/*
 * Queue a command line (without CRLF). Inside an AUTH exchange (after 334) a line is an
 * answer to the challenge, and always secret.
 */
int
proto_command(struct proto *p, const char *line, size_t len, unsigned flags, char *err,
	      size_t errlen)
{
	const char *why = proto_refuse(p);
	struct proto_sent *e;
	enum proto_cmd cmd;
	bool secret = (flags & PROTO_SECRET) != 0;
	char msg[96];

	if (why != NULL) {
		proto_err(err, errlen, why);
		return -1;
	}
	if (line == NULL) {
		proto_err(err, errlen, "no command");
		return -1;
	}
	if (len > PROTO_CMD_CAP) {
		snprintf(msg, sizeof(msg), "command longer than %d bytes", PROTO_CMD_CAP);
		proto_err(err, errlen, msg);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\r' || line[i] == '\n' || line[i] == '\0') {
			snprintf(msg, sizeof(msg), "command holds a %s byte at offset %zu",
				 line[i] == '\r'   ? "CR"
				 : line[i] == '\n' ? "LF"
						   : "NUL",
				 i);
			proto_err(err, errlen, msg);
			return -1;
		}
	}
	cmd = p->state == PROTO_AUTH ? PROTO_CMD_AUTH_DATA : proto_cmd_classify(line, len);
	if (len > PROTO_CMD_RFC_MAX && cmd != PROTO_CMD_AUTH && cmd != PROTO_CMD_AUTH_DATA) {
		snprintf(msg, sizeof(msg), "command longer than %d bytes (RFC 5321 4.5.3.1.4)",
			 PROTO_CMD_RFC_MAX);
		proto_err(err, errlen, msg);
		return -1;
	}
	if (p->count >= PROTO_FIFO_CAP) {
		snprintf(msg, sizeof(msg), "too many commands waiting for replies (%d)",
			 PROTO_FIFO_CAP);
		proto_err(err, errlen, msg);
		return -1;
	}
	if (!proto_out_reserve(p, len + 2)) {
		proto_err(err, errlen, "the output buffer is full");
		return -1;
	}
	e = proto_fifo_push(p);
	if (e == NULL) {
		proto_err(err, errlen, "out of memory");
		return -1;
	}
	proto_out_put(p, line, len);
	proto_out_put(p, "\r\n", 2);
	e->cmd = cmd;
	if (cmd == PROTO_CMD_AUTH) {
		size_t ms, me, payload, mlen;

		proto_auth_split(line, len, &ms, &me, &payload);
		mlen = me - ms < PROTO_MECH_MAX ? me - ms : PROTO_MECH_MAX - 1;
		memcpy(p->auth_mech, line + ms, mlen);
		p->auth_mech[mlen] = '\0';
		p->auth_step = 0;
		/* "AUTH MECH" is not secret; an initial response always is. */
		if (payload < len) {
			secret = true;
			snprintf(e->shown, sizeof(e->shown), "%.*s %s", (int)(me < 64 ? me : 64),
				 line, PROTO_MASK);
		} else if (secret) {
			snprintf(e->shown, sizeof(e->shown), "%.*s", (int)(me < 64 ? me : 64),
				 line);
		}
	} else if (cmd == PROTO_CMD_AUTH_DATA) {
		secret = true;
		p->auth_step++;
		snprintf(e->shown, sizeof(e->shown), "%s", PROTO_MASK);
	} else if (secret) {
		snprintf(e->shown, sizeof(e->shown), "%s", PROTO_MASK);
	}
	if (!secret && e->shown[0] == '\0')
		snprintf(e->shown, sizeof(e->shown), "%.*s",
			 (int)(len < PROTO_SHOWN_MAX ? len : PROTO_SHOWN_MAX - 1), line);
	if (cmd == PROTO_CMD_AUTH || cmd == PROTO_CMD_AUTH_DATA) {
		memcpy(e->auth_mech, p->auth_mech, sizeof(e->auth_mech));
		e->auth_step = p->auth_step;
	}
	if (p->t != NULL)
		transcript_add(p->t, TRANSCRIPT_CLIENT,
			       (secret ? TRANSCRIPT_SECRET : 0u) | (p->tls ? TRANSCRIPT_TLS : 0u),
			       line, len);
	return 0;
}

/* After 354: the body and its final dot went out; the next reply answers them. */
int
proto_data_sent(struct proto *p, unsigned long long body_bytes, char *err, size_t errlen)
{
	struct proto_sent *e;

	if (p->state != PROTO_DATA || p->data_sent) {
		proto_err(err, errlen, "no message is being sent (the server has not said 354)");
		return -1;
	}
	e = proto_fifo_push(p);
	if (e == NULL) {
		proto_err(err, errlen, "too many commands waiting for replies");
		return -1;
	}
	e->cmd = PROTO_CMD_DATA_END;
	snprintf(e->shown, sizeof(e->shown), ".");
	p->data_sent = true;
	if (p->t != NULL) {
		transcript_addf(p->t, TRANSCRIPT_INFO, "message sent: %llu bytes", body_bytes);
		transcript_add(p->t, TRANSCRIPT_CLIENT, p->tls ? TRANSCRIPT_TLS : 0u, ".", 1);
	}
	return 0;
}

/* Queue "BDAT n [LAST]" followed by the chunk itself. */
int
proto_bdat(struct proto *p, const char *chunk, size_t len, bool last, char *err, size_t errlen)
{
	const char *why = proto_refuse(p);
	char head[64];
	struct proto_sent *e;
	int n;

	if (why != NULL) {
		proto_err(err, errlen, why);
		return -1;
	}
	if (chunk == NULL && len > 0) {
		proto_err(err, errlen, "no chunk");
		return -1;
	}
	n = snprintf(head, sizeof(head), "BDAT %zu%s", len, last ? " LAST" : "");
	if (n < 0 || (size_t)n >= sizeof(head)) {
		proto_err(err, errlen, "internal error");
		return -1;
	}
	if (p->count >= PROTO_FIFO_CAP) {
		proto_err(err, errlen, "too many commands waiting for replies");
		return -1;
	}
	if (len > PROTO_OUTPUT_CAP || !proto_out_reserve(p, (size_t)n + 2 + len)) {
		proto_err(err, errlen,
			  "the output buffer is full: send the chunk in smaller parts");
		return -1;
	}
	e = proto_fifo_push(p);
	if (e == NULL) {
		proto_err(err, errlen, "out of memory");
		return -1;
	}
	e->cmd = PROTO_CMD_BDAT;
	e->last = last;
	snprintf(e->shown, sizeof(e->shown), "%s", head);
	proto_out_put(p, head, (size_t)n);
	proto_out_put(p, "\r\n", 2);
	if (len > 0)
		proto_out_put(p, chunk, len);
	if (p->t != NULL) {
		transcript_add(p->t, TRANSCRIPT_CLIENT, p->tls ? TRANSCRIPT_TLS : 0u, head,
			       (size_t)n);
		transcript_addf(p->t, TRANSCRIPT_INFO, "%zu bytes of message data", len);
	}
	return 0;
}

/* Start an event with the state as it is. */
static void
proto_event_start(struct proto *p, struct proto_event *ev, enum proto_event_kind kind)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->answers = PROTO_CMD_UNKNOWN;
	ev->before = p->state;
	ev->after = p->state;
}

/* Fill an event's command fields from a FIFO entry. */
static void
proto_event_command(struct proto_event *ev, const struct proto_sent *e)
{
	ev->answers = e->cmd;
	snprintf(ev->command, sizeof(ev->command), "%s", e->shown);
	snprintf(ev->auth_mech, sizeof(ev->auth_mech), "%s", e->auth_mech);
	ev->auth_step = e->auth_step;
}

/* Make ev an error event, end the session and record the error. */
static void
proto_fail(struct proto *p, struct proto_event *ev, enum proto_error_class cls, const char *msg)
{
	struct proto_sent *head = proto_fifo_head(p);

	proto_event_start(p, ev, PROTO_EV_ERROR);
	if (head != NULL)
		proto_event_command(ev, head);
	ev->error_class = cls;
	snprintf(ev->error, sizeof(ev->error), "%s", msg);
	if (p->t != NULL)
		transcript_addf(p->t, TRANSCRIPT_ERROR, "%s", msg);
	proto_set_state(p, PROTO_ERROR);
	ev->after = p->state;
}

/* The injection error: what came after 220 to STARTTLS, shown escaped. */
static void
proto_fail_injection(struct proto *p, struct proto_event *ev)
{
	char shown[PROTO_INJECT_SHOW * 4 + 1], msg[PROTO_ERROR_MAX];

	reply_escape(p->injected_seen, p->injected_seenlen, shown, sizeof(shown));
	snprintf(msg, sizeof(msg),
		 "the server sent data before TLS started: \"%.*s\"%s (%zu bytes)", 120, shown,
		 p->injected_len > p->injected_seenlen ? "..." : "", p->injected_len);
	p->injected = false;
	proto_fail(p, ev, PROTO_ERR_INJECTION, msg);
}

/* Remember bytes that came after 220 to STARTTLS. */
static void
proto_note_injected(struct proto *p, const char *buf, size_t len)
{
	size_t keep = PROTO_INJECT_SHOW - p->injected_seenlen;

	if (keep > len)
		keep = len;
	memcpy(p->injected_seen + p->injected_seenlen, buf, keep);
	p->injected_seenlen += keep;
	p->injected_len += len;
	p->injected = true;
}

/* Send each line of a reply to the transcript, as received (line ends dropped). */
static void
proto_log_reply(struct proto *p, const struct reply *r)
{
	size_t start = 0;
	unsigned flags = p->tls ? TRANSCRIPT_TLS : 0u;

	if (p->t == NULL)
		return;
	for (size_t i = 0; i < r->rawlen; i++) {
		size_t end = i;

		if (r->raw[i] != '\n')
			continue;
		if (end > start && r->raw[end - 1] == '\r')
			end--;
		transcript_add(p->t, TRANSCRIPT_SERVER, flags, r->raw + start, end - start);
		start = i + 1;
	}
}

/* The state a reply moves to, given the command it answers. */
static void
proto_apply_reply(struct proto *p, const struct proto_sent *e, const struct reply *r)
{
	int code = r->code, cls = code / 100;

	switch (e->cmd) {
	case PROTO_CMD_GREETING:
		/* Not 2xx: the server refuses service; only QUIT is left (RFC 5321 3.1). */
		proto_set_state(p, cls == 2 ? PROTO_CONNECTED : PROTO_QUIT);
		break;
	case PROTO_CMD_EHLO:
		if (code == 250) {
			caps_parse(&p->caps, r);
			proto_set_state(p, PROTO_READY);
		}
		break;
	case PROTO_CMD_HELO:
		if (code == 250) {
			caps_clear(&p->caps); /* HELO: no extensions */
			proto_set_state(p, PROTO_READY);
		}
		break;
	case PROTO_CMD_STARTTLS:
		if (code == 220)
			proto_set_state(p, PROTO_TLS_WAIT);
		break;
	case PROTO_CMD_AUTH:
	case PROTO_CMD_AUTH_DATA:
		if (code == 334) {
			proto_set_state(p, PROTO_AUTH);
		} else if (code == 235) {
			p->authed = true;
			if (p->t != NULL)
				transcript_addf(p->t, TRANSCRIPT_INFO, "authenticated (%s)",
						e->auth_mech);
			proto_set_state(p, PROTO_READY);
		} else if (p->state == PROTO_AUTH) {
			proto_set_state(p, PROTO_READY);
		}
		break;
	case PROTO_CMD_MAIL:
		if (cls == 2)
			proto_set_state(p, PROTO_MAIL);
		break;
	case PROTO_CMD_RCPT:
		if (cls == 2)
			proto_set_state(p, PROTO_RCPT);
		break;
	case PROTO_CMD_DATA:
		if (code == 354) {
			p->data_sent = false;
			proto_set_state(p, PROTO_DATA);
		}
		break;
	case PROTO_CMD_DATA_END:
		/* Accepted or not, the transaction is over (RFC 5321 4.2.5). */
		p->data_sent = false;
		proto_set_state(p, PROTO_READY);
		break;
	case PROTO_CMD_BDAT:
		/* A failed chunk leaves the transaction for RSET to end (RFC 3030 2). */
		if (cls == 2 && e->last)
			proto_set_state(p, PROTO_READY);
		break;
	case PROTO_CMD_RSET:
		if (code == 250 && (p->state == PROTO_MAIL || p->state == PROTO_RCPT ||
				    p->state == PROTO_DATA || p->state == PROTO_AUTH))
			proto_set_state(p, PROTO_READY);
		break;
	case PROTO_CMD_QUIT:
		if (code == 221)
			proto_set_state(p, PROTO_QUIT);
		break;
	default:
		break;
	}
}

/* A whole reply arrived: match it to its command and move the state. */
static void
proto_on_reply(struct proto *p, struct reply *r, struct proto_event *ev)
{
	struct proto_sent *e = proto_fifo_head(p);

	proto_event_start(p, ev, PROTO_EV_REPLY);
	ev->reply = *r;
	memset(r, 0, sizeof(*r));
	proto_log_reply(p, &ev->reply);
	if (e == NULL) {
		ev->unsolicited = true;
		if (ev->reply.code != 421) {
			ev->error_class = PROTO_ERR_SEQUENCE;
			snprintf(ev->error, sizeof(ev->error),
				 "a %d reply nobody asked for: no command was waiting",
				 ev->reply.code);
			if (p->t != NULL)
				transcript_addf(p->t, TRANSCRIPT_ERROR, "%s", ev->error);
		}
	} else {
		proto_event_command(ev, e);
		proto_apply_reply(p, e, &ev->reply);
		proto_fifo_pop(p);
	}
	/* 421 may come at any time, answering anything or nothing: the server is leaving. */
	if (ev->reply.code == 421)
		proto_set_state(p, PROTO_QUIT);
	ev->after = p->state;
}

/*
 * Feed server bytes. Returns 1 with *ev filled when an event is ready, 0 when all input
 * was consumed with no event, -1 when no more bytes are accepted.
 */
int
proto_feed(struct proto *p, const char *buf, size_t len, size_t *used, struct proto_event *ev)
{
	size_t dummy, u = 0;
	struct reply r;
	enum reply_result res;

	if (used == NULL)
		used = &dummy;
	*used = 0;
	if (p->injected) {
		/* The first injected_tail bytes are those noted behind the 220: a caller
		 * feeding the rest of its buffer again must not have them counted twice. */
		size_t seen = len < p->injected_tail ? len : p->injected_tail;

		p->injected_tail = 0;
		if (len > seen)
			proto_note_injected(p, buf + seen, len - seen);
		*used = len;
		proto_fail_injection(p, ev);
		return 1;
	}
	if (p->state == PROTO_ERROR || p->state == PROTO_CLOSED)
		return -1;
	if (len == 0)
		return 0;
	if (buf == NULL)
		return -1;
	if (p->state == PROTO_TLS_WAIT) {
		proto_note_injected(p, buf, len);
		*used = len;
		proto_fail_injection(p, ev);
		return 1;
	}
	res = reply_parser_feed(&p->rp, buf, len, &u, &r);
	*used = u;
	if (res == REPLY_NEED_MORE)
		return 0;
	if (res == REPLY_ERROR) {
		proto_fail(p, ev, PROTO_ERR_SYNTAX, reply_parser_error(&p->rp));
		return 1;
	}
	proto_on_reply(p, &r, ev);
	/* Plaintext right behind the 220 would be read as if it came over TLS. */
	if (p->state == PROTO_TLS_WAIT && u < len) {
		proto_note_injected(p, buf + u, len - u);
		p->injected_tail = len - u;
	}
	return 1;
}

/* The server closed the connection: an error event when commands were pending. */
int
proto_closed(struct proto *p, struct proto_event *ev)
{
	enum proto_state was = p->state;
	struct proto_sent *e = proto_fifo_head(p);
	bool partial = reply_parser_busy(&p->rp);
	char msg[PROTO_ERROR_MAX];

	if (p->injected) {
		proto_fail_injection(p, ev);
		proto_fifo_clear(p);
		proto_set_state(p, PROTO_CLOSED);
		ev->after = p->state;
		return 1;
	}
	if (was == PROTO_CLOSED)
		return 0;
	proto_event_start(p, ev, PROTO_EV_ERROR);
	if (p->t != NULL)
		transcript_addf(p->t, TRANSCRIPT_INFO, "connection closed by the server");
	if (was == PROTO_ERROR || (was == PROTO_QUIT && !partial) || (e == NULL && !partial)) {
		if (e != NULL && p->t != NULL)
			transcript_addf(p->t, TRANSCRIPT_INFO, "%zu commands got no reply",
					p->count);
		proto_fifo_clear(p);
		proto_set_state(p, PROTO_CLOSED);
		return 0;
	}
	if (e == NULL)
		snprintf(msg, sizeof(msg),
			 "the server closed the connection in the middle of a reply");
	else if (e->cmd == PROTO_CMD_GREETING)
		snprintf(msg, sizeof(msg), "the server closed the connection before its greeting");
	else if (p->count > 1)
		snprintf(msg, sizeof(msg),
			 "the server closed the connection with no reply to %s \"%.*s\" (and %zu "
			 "more commands)",
			 proto_cmd_name(e->cmd), 160, e->shown, p->count - 1);
	else
		snprintf(msg, sizeof(msg),
			 "the server closed the connection with no reply to %s \"%.*s\"",
			 proto_cmd_name(e->cmd), 160, e->shown);
	if (e != NULL)
		proto_event_command(ev, e);
	ev->error_class = PROTO_ERR_CLOSED;
	snprintf(ev->error, sizeof(ev->error), "%s", msg);
	if (p->t != NULL)
		transcript_addf(p->t, TRANSCRIPT_ERROR, "%s", msg);
	proto_fifo_clear(p);
	proto_set_state(p, PROTO_CLOSED);
	ev->after = p->state;
	return 1;
}

/* The TLS handshake finished: forget capabilities and parser state; EHLO is due again. */
void
proto_tls_started(struct proto *p)
{
	if (p->state == PROTO_BANNER && !p->tls) {
		/* Implicit TLS (port 465): the greeting is still to come, over TLS. */
		p->tls = true;
		if (p->t != NULL)
			transcript_addf(p->t, TRANSCRIPT_INFO, "TLS started before the greeting");
		return;
	}
	if (p->state != PROTO_TLS_WAIT)
		return;
	if (p->injected) {
		/* The next proto_feed or proto_closed reports it. */
		return;
	}
	if (p->count > 0 && p->t != NULL)
		transcript_addf(p->t, TRANSCRIPT_INFO,
				"%zu commands sent after STARTTLS are forgotten: the server "
				"discards them",
				p->count);
	proto_fifo_clear(p);
	caps_clear(&p->caps);
	reply_parser_reset(&p->rp);
	p->tls = true;
	p->authed = false;
	p->auth_mech[0] = '\0';
	p->auth_step = 0;
	if (p->t != NULL)
		transcript_addf(p->t, TRANSCRIPT_INFO,
				"TLS started: what the server advertised in clear is forgotten");
	proto_set_state(p, PROTO_CONNECTED);
}

/* Free the reply an event holds. */
void
proto_event_free(struct proto_event *ev)
{
	if (ev == NULL)
		return;
	reply_free(&ev->reply);
}
