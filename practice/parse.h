/*
 * parse.h: the practice server's parsers. They take buffers, never sockets, so unit tests
 * and the fuzzer drive them directly: command verbs, MAIL/RCPT paths with their ESMTP
 * parameters, address syntax (RFC 5321 4.1.2, RFC 6531 for UTF-8), line splitting, and
 * the DATA decoder that removes dot-stuffing and watches for bare CR, bare LF and NUL.
 *
 * The DATA decoder accepts only <CRLF>.<CRLF> as the end of a message: every other
 * sequence of the SMTP smuggling family stays inside the message and is counted, so the
 * server can refuse the message in words and stay in sync with the client.
 */
#ifndef EHLO_PRACTICE_PARSE_H
#define EHLO_PRACTICE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* A command line is at most 512 octets with its CRLF (RFC 5321 4.5.3.1.4). */
#define PARSE_LINE_MAX 512
/* A path is at most 256 octets with its brackets; the address inside is shorter. */
#define PARSE_ADDR_MAX 256
#define PARSE_LOCAL_MAX 64
#define PARSE_DOMAIN_MAX 255
#define PARSE_PARAMS_MAX 8
#define PARSE_KEY_MAX 32
#define PARSE_VALUE_MAX 128

enum parse_verb {
	PARSE_VERB_UNKNOWN,
	PARSE_VERB_EMPTY,
	PARSE_VERB_HELO,
	PARSE_VERB_EHLO,
	PARSE_VERB_MAIL,
	PARSE_VERB_RCPT,
	PARSE_VERB_DATA,
	PARSE_VERB_BDAT,
	PARSE_VERB_RSET,
	PARSE_VERB_NOOP,
	PARSE_VERB_VRFY,
	PARSE_VERB_EXPN,
	PARSE_VERB_HELP,
	PARSE_VERB_QUIT,
	PARSE_VERB_STARTTLS,
	PARSE_VERB_AUTH,
};

enum parse_result {
	PARSE_OK = 0,
	PARSE_ERR_SYNTAX,   /* no "FROM:"/"TO:", no angle brackets, junk after the path */
	PARSE_ERR_ADDRESS,  /* the address inside the brackets is malformed */
	PARSE_ERR_TOO_LONG, /* address, local part or domain over its limit */
	PARSE_ERR_PARAM,    /* a parameter is malformed, or too many of them */
};

struct parse_param {
	char key[PARSE_KEY_MAX + 1];
	char value[PARSE_VALUE_MAX + 1];
	bool has_value;
};

/* A MAIL FROM or RCPT TO argument taken apart. */
struct parse_path {
	char addr[PARSE_ADDR_MAX + 1]; /* without brackets or source route; "" for <> */
	size_t addr_len;
	size_t at;	/* index of the '@' in addr, or addr_len when there is none */
	bool null_path; /* <> */
	bool eight_bit; /* the address holds bytes >= 0x80 (needs SMTPUTF8) */
	struct parse_param params[PARSE_PARAMS_MAX];
	size_t nparams;
};

/* States of the DATA decoder (names in parse_data_state_name). */
enum parse_data_state {
	PARSE_DATA_BOL,	  /* at the start of a line */
	PARSE_DATA_TEXT,  /* inside a line */
	PARSE_DATA_CR,	  /* a CR seen, its LF not yet */
	PARSE_DATA_DOT,	  /* a '.' at the start of a line */
	PARSE_DATA_DOTCR, /* ".<CR>" at the start of a line */
	PARSE_DATA_END,	  /* <CRLF>.<CRLF> seen */
};

/* The DATA decoder: feed it bytes after 354, it gives back the message unstuffed. */
struct parse_data {
	enum parse_data_state state;
	size_t bare_lf;	     /* LF without CR before it */
	size_t bare_cr;	     /* CR without LF after it */
	size_t nul;	     /* NUL bytes */
	size_t fake_ends;    /* lone dots next to a bare CR or LF: ends a lax server would see */
	size_t lines;	     /* lines ended by CRLF */
	bool after_bare;     /* the previous byte was a bare CR or LF */
	bool dot_after_bare; /* ... and then came a '.' */
};

/*
 * Find the end of the first line in buf[0..len): true when an LF is there, with *linelen
 * the line's length without its CRLF (or bare LF) and *consumed the bytes through the LF.
 */
bool parse_line(const char *buf, size_t len, size_t *linelen, size_t *consumed);

/*
 * Split a command line (without CRLF) into its verb and argument. The verb is matched
 * case-insensitively and must be followed by a space or the end; *arg points past the
 * spaces after it, trailing spaces dropped.
 */
enum parse_verb parse_verb(const char *line, size_t len, const char **arg, size_t *arglen);

/* The verb as SMTP spells it ("MAIL"), "" for unknown. */
const char *parse_verb_name(enum parse_verb verb);

/*
 * Parse a MAIL or RCPT argument: keyword is "FROM:" or "TO:" (case-insensitive, a space
 * after the colon tolerated), then <path>, then ESMTP parameters separated by spaces.
 */
enum parse_result parse_path(const char *arg, size_t len, const char *keyword,
			     struct parse_path *out);

/* Check an address (local@domain, or a bare local part when allow_local_only). */
enum parse_result parse_address(const char *addr, size_t len, bool allow_local_only,
				bool *eight_bit);

/* Find a parameter by key, case-insensitively; NULL when absent. */
const struct parse_param *parse_param_find(const struct parse_path *p, const char *key);

/* Parse a decimal number of at most 18 digits; -1 on anything else. */
int parse_number(const char *s, size_t len, unsigned long long *out);

/* Start decoding a message. */
void parse_data_init(struct parse_data *d);

/*
 * Decode in[0..len): the unstuffed bytes are appended to out (room for len + 2 needed),
 * *outlen advanced. Stops right after <CRLF>.<CRLF> with *done set; returns bytes used.
 * The final CRLF before the dot belongs to the message; the dot line does not.
 */
size_t parse_data_feed(struct parse_data *d, const char *in, size_t len, char *out, size_t *outlen,
		       bool *done);

/* A short name for a decoder state ("start of line"). */
const char *parse_data_state_name(enum parse_data_state state);

#endif
