/*
 * scenario.c: the scenario table behind scenario.h. The texts are what
 * `ehlo serve --list-scenarios` prints, so they name the replies a student will see.
 */
#include <string.h>

#include "scenario.h"

/* One row of the table. */
struct scenario_row {
	const char *name;
	const char *summary;
	const char *about;
};

/* The scenarios, in enum order. */
static const struct scenario_row scenario_rows[SCENARIO_COUNT] = {
	[SCENARIO_DEFAULT] =
		{"default", "accepts every well-formed message",
		 "Accepts every well-formed transaction. STARTTLS and AUTH (PLAIN, LOGIN,\n"
		 "CRAM-MD5) are offered but not required. Messages are kept in memory and,\n"
		 "with --maildir DIR, written to DIR/new. Nothing is ever relayed."},
	[SCENARIO_SUBMISSION] =
		{"submission", "port 587 rules: STARTTLS, then AUTH, then MAIL",
		 "Behaves like a submission server on port 587. Before STARTTLS, AUTH is not\n"
		 "advertised and AUTH or MAIL get \"530 5.7.0 Must issue a STARTTLS command\n"
		 "first\". After STARTTLS, MAIL before AUTH gets \"530 5.7.0 Authentication\n"
		 "required\". Log in with an account from --user (or the demo account)."},
	[SCENARIO_GREYLIST] =
		{"greylist", "first try of a client/sender/recipient triple gets 451 4.7.1",
		 "Greylisting: the first RCPT of each (client address, sender, recipient)\n"
		 "triple gets \"451 4.7.1 ... Greylisted\"; the same triple is accepted once\n"
		 "--greylist-delay seconds have passed since that first try (default 60;\n"
		 "0 lets the very next retry through). Real senders retry later; try again."},
	[SCENARIO_UNKNOWN_USER] =
		{"unknown-user", "550 5.1.1 for recipients that do not exist",
		 "Only known mailboxes exist: the account names (--user, or the demo account),\n"
		 "postmaster, abuse, and every --mailbox NAME. Any other recipient gets\n"
		 "\"550 5.1.1 <addr>: Recipient address rejected: User unknown in local\n"
		 "recipient table\". The domain part is not checked."},
	[SCENARIO_RELAY_DENIED] =
		{"relay-denied", "554 5.7.1 for domains that are not local",
		 "Accepts mail only for local domains: localhost, example.com, example.org,\n"
		 "example.net and [127.0.0.1] (replace the list with --local-domain D,\n"
		 "repeatable). Other recipients get \"554 5.7.1 <addr>: Relay access denied\"\n"
		 "unless the client authenticated first, as on a real MTA."},
	[SCENARIO_MAILBOX_FULL] =
		{"mailbox-full", "452 4.2.2 for every recipient but postmaster",
		 "Every recipient except postmaster gets \"452 4.2.2 <addr>: Recipient\n"
		 "address rejected: Mailbox full\", a temporary failure: the sender keeps\n"
		 "the message and retries. DATA with no accepted recipient gets 554 5.5.1."},
	[SCENARIO_SIZE_LIMIT] =
		{"size-limit", "SIZE 10240 advertised, 552 5.3.4 above it",
		 "Advertises SIZE 10240 (or --size-limit BYTES). MAIL with a larger SIZE=\n"
		 "gets \"552 5.3.4 Message size exceeds fixed limit\"; a larger message sent\n"
		 "without SIZE= is read to its end and then refused with the same reply."},
	[SCENARIO_SLOW] =
		{"slow", "every reply delayed (1500 ms, --delay MS)",
		 "Waits before every reply, the greeting included: 1500 ms, or --delay MS.\n"
		 "Shows why clients need timeouts and why PIPELINING saves round trips."},
	[SCENARIO_FLAKY] =
		{"flaky", "421 or a dropped connection at random points",
		 "At random points (about one command in eight) answers \"421 4.4.2 ... Error:\n"
		 "timeout exceeded\" and closes, or just drops the connection without a word.\n"
		 "The dice are seeded (--seed N, printed at start): the Nth connection of a\n"
		 "run behaves the same in every run with the same seed."},
	[SCENARIO_TEMPFAIL] =
		{"tempfail", "451 4.3.0 after the final dot",
		 "Accepts the whole transaction, then answers the final dot with\n"
		 "\"451 4.3.0 Error: queue file write error\": the message is NOT accepted,\n"
		 "the sender must keep it and try again later."},
	[SCENARIO_SHUTDOWN] =
		{"shutdown", "421 4.3.2 greeting: service not available",
		 "Greets with \"421 4.3.2 Service not available, closing transmission\n"
		 "channel\" and closes, as a server going down for maintenance does."},
};

/* The scenario's name. */
const char *
scenario_name(enum scenario_id id)
{
	return (unsigned)id < SCENARIO_COUNT ? scenario_rows[id].name : "?";
}

/* One line on what it does. */
const char *
scenario_summary(enum scenario_id id)
{
	return (unsigned)id < SCENARIO_COUNT ? scenario_rows[id].summary : "";
}

/* The longer description. */
const char *
scenario_about(enum scenario_id id)
{
	return (unsigned)id < SCENARIO_COUNT ? scenario_rows[id].about : "";
}

/* Look a scenario up by name. */
int
scenario_find(const char *name, enum scenario_id *id)
{
	for (int i = 0; i < SCENARIO_COUNT; i++) {
		if (strcmp(scenario_rows[i].name, name) == 0) {
			*id = (enum scenario_id)i;
			return 0;
		}
	}
	return -1;
}

/* The size limit a scenario brings. */
unsigned long
scenario_size_limit(enum scenario_id id)
{
	return id == SCENARIO_SIZE_LIMIT ? SCENARIO_SIZE_SMALL : SCENARIO_SIZE_DEFAULT;
}

/* The reply delay a scenario brings. */
int
scenario_delay_ms(enum scenario_id id)
{
	return id == SCENARIO_SLOW ? SCENARIO_DELAY_DEFAULT_MS : 0;
}
