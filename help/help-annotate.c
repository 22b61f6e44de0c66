/*
 * help-annotate.c: reads a transcript line by line (swaks' "<-  " / " -> " form, plain
 * "S:" / "C:" logs, or ehlo's JSON Lines) and finds every whole reply with the command it
 * answers and the state it came in (TLS, AUTH, STARTTLS offered), so each can be explained.
 * Commands are matched to replies first in, first out, so pipelined sessions work.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "help-int.h"

/* Start an annotator. */
void
help_annotator_init(struct help_annotator *an)
{
	memset(an, 0, sizeof *an);
	an->ctx.tls = HELP_NO;
	an->ctx.auth = HELP_NO;
}

/* Append text to a capped buffer, adding a space between pieces. */
static void
help_an_append(char *buf, size_t *len, size_t cap, const char *text, size_t tl)
{
	if (*len > 0 && *len + 1 < cap)
		buf[(*len)++] = ' ';
	if (*len + tl >= cap)
		tl = cap - 1 - *len;
	memcpy(buf + *len, text, tl);
	*len += tl;
	buf[*len] = '\0';
}

/* Encode code point cp as UTF-8 into out (4 bytes room); returns bytes written. */
static size_t
help_an_utf8(unsigned long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		cp = 0xfffd;
	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

/*
 * Read a JSON string at s[*i] (the opening quote) into out (capped, NUL-terminated);
 * *i ends after the closing quote. Returns -1 when it is not a well-formed string.
 */
static int
help_an_json_string(const char *s, size_t len, size_t *i, char *out, size_t cap, size_t *outlen)
{
	size_t o = 0;
	if (*i >= len || s[*i] != '"')
		return -1;
	(*i)++;
	while (*i < len) {
		char c = s[(*i)++];
		char tmp[4];
		size_t tn = 0;
		if (c == '"') {
			if (out != NULL)
				out[o] = '\0';
			if (outlen != NULL)
				*outlen = o;
			return 0;
		}
		if (c == '\\') {
			if (*i >= len)
				return -1;
			char e = s[(*i)++];
			switch (e) {
			case 'n':
				tmp[tn++] = '\n';
				break;
			case 'r':
				tmp[tn++] = '\r';
				break;
			case 't':
				tmp[tn++] = '\t';
				break;
			case 'b':
				tmp[tn++] = '\b';
				break;
			case 'f':
				tmp[tn++] = '\f';
				break;
			case 'u': {
				unsigned long cp = 0;
				if (*i + 4 > len)
					return -1;
				for (int k = 0; k < 4; k++) {
					char h = s[(*i)++];
					cp <<= 4;
					if (h >= '0' && h <= '9')
						cp |= (unsigned long)(h - '0');
					else if (h >= 'a' && h <= 'f')
						cp |= (unsigned long)(h - 'a' + 10);
					else if (h >= 'A' && h <= 'F')
						cp |= (unsigned long)(h - 'A' + 10);
					else
						return -1;
				}
				tn = help_an_utf8(cp, tmp);
				break;
			}
			default:
				tmp[tn++] = e;
			}
		} else {
			tmp[tn++] = c;
		}
		if (out != NULL && o + tn < cap) {
			memcpy(out + o, tmp, tn);
			o += tn;
		}
	}
	return -1;
}

/*
 * Pick "dir", "tls" and "text" out of one flat JSON object. Returns 0 when both dir and
 * text were found.
 */
static int
help_an_json(struct help_annotator *an, const char *s, size_t len, char *dir, size_t dircap,
	     int *tls, size_t *textlen)
{
	size_t i = 0;
	int have_dir = 0, have_text = 0;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (i >= len || s[i++] != '{')
		return -1;
	for (;;) {
		char key[16];
		while (i < len && (isspace((unsigned char)s[i]) || s[i] == ','))
			i++;
		if (i >= len || s[i] == '}')
			break;
		if (help_an_json_string(s, len, &i, key, sizeof key, NULL) != 0)
			return -1;
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len || s[i++] != ':')
			return -1;
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len)
			return -1;
		if (s[i] == '"') {
			if (strcmp(key, "dir") == 0) {
				if (help_an_json_string(s, len, &i, dir, dircap, NULL) != 0)
					return -1;
				have_dir = 1;
			} else if (strcmp(key, "text") == 0) {
				if (help_an_json_string(s, len, &i, an->linebuf, sizeof an->linebuf,
							textlen) != 0)
					return -1;
				have_text = 1;
			} else if (help_an_json_string(s, len, &i, NULL, 0, NULL) != 0) {
				return -1;
			}
		} else if (s[i] == '{' || s[i] == '[') {
			return -1;
		} else {
			size_t start = i;
			while (i < len && s[i] != ',' && s[i] != '}' &&
			       !isspace((unsigned char)s[i]))
				i++;
			if (strcmp(key, "tls") == 0)
				*tls = i - start == 4 && strncmp(s + start, "true", 4) == 0;
		}
	}
	return have_dir && have_text ? 0 : -1;
}

/* Push a command on the pipeline queue (dropping the oldest when full). */
static void
help_an_push(struct help_annotator *an, enum help_cmd cmd, const char *text, size_t len)
{
	if (an->npending == HELP_PIPE_MAX) {
		memmove(an->pending, an->pending + 1, (HELP_PIPE_MAX - 1) * sizeof an->pending[0]);
		memmove(an->pending_text, an->pending_text + 1,
			(HELP_PIPE_MAX - 1) * sizeof an->pending_text[0]);
		an->npending--;
	}
	if (len >= HELP_CMD_TEXT_MAX)
		len = HELP_CMD_TEXT_MAX - 1;
	an->pending[an->npending] = cmd;
	memcpy(an->pending_text[an->npending], text, len);
	an->pending_text[an->npending][len] = '\0';
	an->npending++;
}

/* Take the oldest command off the queue into an->cur_cmd. */
static enum help_cmd
help_an_pop(struct help_annotator *an)
{
	if (an->npending == 0) {
		an->cur_cmd[0] = '\0';
		return HELP_CMD_UNKNOWN;
	}
	enum help_cmd c = an->pending[0];
	memcpy(an->cur_cmd, an->pending_text[0], sizeof an->cur_cmd);
	memmove(an->pending, an->pending + 1, (an->npending - 1) * sizeof an->pending[0]);
	memmove(an->pending_text, an->pending_text + 1,
		(an->npending - 1) * sizeof an->pending_text[0]);
	an->npending--;
	return c;
}

/* A line the client sent. */
static void
help_an_client(struct help_annotator *an, const char *t, size_t len)
{
	while (len > 0 && (t[len - 1] == '\r' || t[len - 1] == '\n'))
		len--;
	if (an->in_data) {
		if (len == 1 && t[0] == '.') {
			an->in_data = 0;
			help_an_push(an, HELP_CMD_DATA_END, "", 0);
		}
		return;
	}
	if (an->in_auth)
		return; /* a SASL response, not a command */
	size_t w = 0;
	while (w < len && !isspace((unsigned char)t[w]))
		w++;
	enum help_cmd cmd = help_cmd_parse(t, w);
	if (cmd == HELP_CMD_GREETING || cmd == HELP_CMD_DATA_END)
		cmd = HELP_CMD_UNKNOWN;
	size_t keep = len;
	if (cmd == HELP_CMD_AUTH) {
		/* Keep "AUTH MECH"; the initial response is a secret. */
		size_t m = w;
		while (m < len && isspace((unsigned char)t[m]))
			m++;
		size_t ms = m;
		while (m < len && !isspace((unsigned char)t[m]))
			m++;
		keep = m;
		size_t ml = m - ms;
		if (ml >= sizeof an->ctx.sasl_mech)
			ml = sizeof an->ctx.sasl_mech - 1;
		memcpy(an->ctx.sasl_mech, t + ms, ml);
		an->ctx.sasl_mech[ml] = '\0';
	}
	if (cmd == HELP_CMD_BDAT) {
		for (size_t i = w; i + 4 <= len; i++)
			if (strncasecmp(t + i, "LAST", 4) == 0)
				cmd = HELP_CMD_DATA_END;
	}
	help_an_push(an, cmd, t, keep);
}

/* A reply is complete: fill out and update the session state. */
static void
help_an_complete(struct help_annotator *an, struct help_annotation *out)
{
	enum help_cmd after;
	int code = an->code;
	if (!an->saw_reply && an->npending == 0) {
		after = HELP_CMD_GREETING;
		an->cur_cmd[0] = '\0';
	} else if (code == 334 && an->npending > 0 && an->pending[0] == HELP_CMD_AUTH) {
		after = HELP_CMD_AUTH;
		memcpy(an->cur_cmd, an->pending_text[0], sizeof an->cur_cmd);
	} else {
		after = help_an_pop(an);
	}
	an->saw_reply = 1;
	memset(out, 0, sizeof *out);
	out->first_line = an->first_line;
	out->last_line = an->line_no;
	out->format = an->format;
	help_reply_parse(an->first, an->first_len, &out->reply);
	out->reply.more = 0;
	memcpy(an->done, an->text, an->text_len + 1);
	out->reply.text = an->done;
	out->reply.text_len = an->text_len;
	out->ctx = an->ctx;
	out->ctx.after = after;
	out->command = an->cur_cmd;
	/* State for the replies that follow. */
	an->in_auth = code == 334;
	if (after == HELP_CMD_STARTTLS && code == 220)
		an->ctx.tls = HELP_YES;
	if ((after == HELP_CMD_EHLO || after == HELP_CMD_HELO) && code / 100 == 2 &&
	    an->ctx.tls != HELP_YES)
		an->ctx.starttls_offered = an->saw_starttls ? HELP_YES : HELP_NO;
	if (after == HELP_CMD_AUTH && code == 235)
		an->ctx.auth = HELP_YES;
	if (after == HELP_CMD_DATA && code == 354)
		an->in_data = 1;
	if (code == 503 && after == HELP_CMD_DATA)
		an->in_data = 0;
	an->code = 0;
	an->first_len = 0;
	an->text_len = 0;
	an->text[0] = '\0';
	an->saw_starttls = 0;
}

/* A line the server sent. */
static int
help_an_server(struct help_annotator *an, const char *t, size_t len, struct help_annotation *out)
{
	struct help_reply r;
	while (len > 0 && (t[len - 1] == '\r' || t[len - 1] == '\n'))
		len--;
	if (help_reply_parse(t, len, &r) != HELP_PARSE_OK)
		return 0;
	if (an->code == 0 || an->code != r.code) {
		an->code = r.code;
		an->first_line = an->line_no;
		an->text_len = 0;
		an->text[0] = '\0';
		an->saw_starttls = 0;
		size_t n = len < sizeof an->first - 1 ? len : sizeof an->first - 1;
		memcpy(an->first, t, n);
		an->first[n] = '\0';
		an->first_len = n;
	}
	/* Each line's own enhanced code is left out of the joined text. */
	const char *txt = r.text;
	size_t tl = r.text_len;
	if (tl >= 8 && strncasecmp(txt, "STARTTLS", 8) == 0 && (tl == 8 || txt[8] == ' '))
		an->saw_starttls = 1;
	help_an_append(an->text, &an->text_len, sizeof an->text, txt, tl);
	if (r.more)
		return 0;
	help_an_complete(an, out);
	return 1;
}

/* Feed one transcript line; see help.h. */
int
help_annotator_line(struct help_annotator *an, const char *line, size_t len,
		    struct help_annotation *out)
{
	an->line_no++;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len >= 4 && (strncmp(line, "<-  ", 4) == 0 || strncmp(line, "<~  ", 4) == 0 ||
			 strncmp(line, "<** ", 4) == 0 || strncmp(line, "<~* ", 4) == 0)) {
		an->format = HELP_FORMAT_SWAKS;
		if (line[1] == '~')
			an->ctx.tls = HELP_YES;
		return help_an_server(an, line + 4, len - 4, out);
	}
	if (len >= 4 && (strncmp(line, " -> ", 4) == 0 || strncmp(line, " ~> ", 4) == 0 ||
			 strncmp(line, "**> ", 4) == 0)) {
		an->format = HELP_FORMAT_SWAKS;
		help_an_client(an, line + 4, len - 4);
		return 0;
	}
	if (len == 3 && (strncmp(line, " ->", 3) == 0 || strncmp(line, " ~>", 3) == 0)) {
		help_an_client(an, "", 0); /* an empty message line */
		return 0;
	}
	if (len >= 2 && (line[0] == 'S' || line[0] == 'C') && line[1] == ':') {
		size_t skip = len > 2 && line[2] == ' ' ? 3 : 2;
		an->format = HELP_FORMAT_PLAIN;
		if (line[0] == 'S')
			return help_an_server(an, line + skip, len - skip, out);
		help_an_client(an, line + skip, len - skip);
		return 0;
	}
	size_t i = 0;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	if (i < len && line[i] == '{') {
		char dir[16];
		int tls = 0;
		size_t tl = 0;
		if (help_an_json(an, line, len, dir, sizeof dir, &tls, &tl) != 0)
			return 0;
		an->format = HELP_FORMAT_JSON;
		if (tls)
			an->ctx.tls = HELP_YES;
		if (strcmp(dir, "server") == 0)
			return help_an_server(an, an->linebuf, tl, out);
		if (strcmp(dir, "client") == 0)
			help_an_client(an, an->linebuf, tl);
	}
	return 0;
}

/* Walk a whole buffer; see help.h. */
size_t
help_annotate(const char *buf, size_t len, int (*fn)(const struct help_annotation *, void *),
	      void *arg)
{
	struct help_annotator ann;
	struct help_annotator *an = &ann;
	struct help_annotation a;
	size_t found = 0;
	help_annotator_init(an);
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - buf) : len;
		if (help_annotator_line(an, buf + pos, end - pos, &a)) {
			found++;
			if (fn != NULL && fn(&a, arg) != 0)
				break;
		}
		pos = nl != NULL ? end + 1 : len;
	}
	return found;
}
