/*
 * help-items.c: the SMTP commands a user can type and the EHLO keywords a server can
 * announce, each with its syntax, a title, a short explanation and the RFC.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "help-int.h"

/* The commands, in the order of a session. */
const struct help_itemrow help_command_table[] = {
	{"EHLO", "EHLO domain", N_("Extended hello"),
	 N_("Opens the session and asks for the extensions: the reply lists keywords such as SIZE, "
	    "STARTTLS and AUTH. Give your host's fully qualified name. Send it again after "
	    "STARTTLS."),
	 "RFC 5321 4.1.1.1"},
	{"HELO", "HELO domain", N_("Hello (old form)"),
	 N_("The original greeting, without extensions: no STARTTLS, no AUTH, no SIZE. Use it only "
	    "when EHLO is refused."),
	 "RFC 5321 4.1.1.1"},
	{"STARTTLS", "STARTTLS", N_("Switch to TLS"),
	 N_("Asks to upgrade the connection to TLS. After 220 the TLS handshake starts; then "
	    "everything is forgotten and you send EHLO again."),
	 "RFC 3207"},
	{"AUTH", "AUTH mechanism [initial-response]", N_("Authenticate"),
	 N_("Logs in with a SASL mechanism from the EHLO list (PLAIN, LOGIN, XOAUTH2...). "
	    "Challenges come as 334 and answers go in base64; 235 means success. Use it only "
	    "under TLS."),
	 "RFC 4954"},
	{"MAIL", "MAIL FROM:<address> [parameters]", N_("Start a transaction: the sender"),
	 N_("Gives the envelope sender, where bounces go (it may differ from the From header). "
	    "<> is the null sender used by bounces. Parameters: SIZE=, BODY=8BITMIME, SMTPUTF8, "
	    "RET=, ENVID=."),
	 "RFC 5321 4.1.1.2"},
	{"RCPT", "RCPT TO:<address> [parameters]", N_("Add a recipient"),
	 N_("Gives one envelope recipient; repeat it for each. The To and Cc headers are not "
	    "used for delivery: only RCPT counts. Parameters: NOTIFY=, ORCPT= (DSN)."),
	 "RFC 5321 4.1.1.3"},
	{"DATA", "DATA", N_("Send the message"),
	 N_("After 354, send headers, an empty line and the body, then a line holding only a "
	    "period. Lines starting with a period get one more (dot-stuffing)."),
	 "RFC 5321 4.1.1.4"},
	{"BDAT", "BDAT size [LAST]", N_("Send the message in chunks"),
	 N_("With CHUNKING: sends exactly size octets of the message, no dot-stuffing and no "
	    "terminator; LAST marks the final chunk."),
	 "RFC 3030"},
	{"RSET", "RSET", N_("Reset the transaction"),
	 N_("Cancels the transaction in progress (sender, recipients, data) but keeps the "
	    "connection and the EHLO state."),
	 "RFC 5321 4.1.1.5"},
	{"VRFY", "VRFY string", N_("Verify an address"),
	 N_("Asks whether an address is a valid mailbox. Most servers disable it (502) or answer "
	    "252 to avoid revealing users."),
	 "RFC 5321 4.1.1.6"},
	{"EXPN", "EXPN string", N_("Expand a mailing list"),
	 N_("Asks for the members of a mailing list. Almost always disabled, for privacy."),
	 "RFC 5321 4.1.1.7"},
	{"HELP", "HELP [string]", N_("Ask for help"),
	 N_("Asks the server for help text (214). It is meant for people; programs use the EHLO "
	    "reply."),
	 "RFC 5321 4.1.1.8"},
	{"NOOP", "NOOP", N_("Do nothing"),
	 N_("Changes nothing; the server answers 250. Useful to check the connection is alive."),
	 "RFC 5321 4.1.1.9"},
	{"QUIT", "QUIT", N_("End the session"),
	 N_("Asks the server to close the connection; it answers 221. A transaction not finished "
	    "with 250 after the final dot is abandoned."),
	 "RFC 5321 4.1.1.10"},
};
const size_t help_command_table_len = sizeof help_command_table / sizeof help_command_table[0];

/* The EHLO keywords (SMTP service extensions). */
const struct help_itemrow help_keyword_table[] = {
	{"SIZE", "SIZE [max-octets]", N_("Message size limit"),
	 N_("The largest message the server takes, in octets (0 or none: no fixed limit). Declare "
	    "yours with MAIL FROM:<...> SIZE=n to be refused early."),
	 "RFC 1870"},
	{"PIPELINING", "PIPELINING", N_("Command pipelining"),
	 N_("The client may send several commands (MAIL, RCPTs, DATA) without waiting for each "
	    "reply; replies come back in order."),
	 "RFC 2920"},
	{"8BITMIME", "8BITMIME", N_("8-bit message bodies"),
	 N_("The body may contain bytes over 127 when MAIL FROM says BODY=8BITMIME."), "RFC 6152"},
	{"STARTTLS", "STARTTLS", N_("TLS upgrade available"),
	 N_("The server can switch this connection to TLS with the STARTTLS command."), "RFC 3207"},
	{"AUTH", "AUTH mechanism...", N_("Authentication"),
	 N_("The server accepts AUTH with the listed SASL mechanisms (PLAIN, LOGIN, CRAM-MD5, "
	    "XOAUTH2, SCRAM-SHA-256...). Often shown only after STARTTLS."),
	 "RFC 4954"},
	{"ENHANCEDSTATUSCODES", "ENHANCEDSTATUSCODES", N_("Enhanced status codes"),
	 N_("Replies carry a class.subject.detail code (like 5.1.1) after the three digits, more "
	    "precise than the basic code."),
	 "RFC 2034; RFC 3463"},
	{"DSN", "DSN", N_("Delivery status notifications"),
	 N_("The client may ask for delivery reports: RET= and ENVID= on MAIL, NOTIFY= and ORCPT= "
	    "on RCPT."),
	 "RFC 3461"},
	{"CHUNKING", "CHUNKING", N_("Chunked message transfer"),
	 N_("The client may send the message with BDAT in counted chunks instead of DATA."),
	 "RFC 3030"},
	{"BINARYMIME", "BINARYMIME", N_("Binary message bodies"),
	 N_("With CHUNKING, bodies may be binary (BODY=BINARYMIME): no line structure required."),
	 "RFC 3030"},
	{"SMTPUTF8", "SMTPUTF8", N_("Internationalized email"),
	 N_("Addresses and headers may be UTF-8 when MAIL FROM carries the SMTPUTF8 parameter."),
	 "RFC 6531"},
	{"REQUIRETLS", "REQUIRETLS", N_("Require TLS all the way"),
	 N_("The client may demand (MAIL FROM ... REQUIRETLS) that every hop uses verified TLS, or "
	    "the message bounces."),
	 "RFC 8689"},
	{"DELIVERBY", "DELIVERBY [min-seconds]", N_("Deliver by a deadline"),
	 N_("The client may set a delivery deadline with BY= on MAIL FROM."), "RFC 2852"},
	{"MT-PRIORITY", "MT-PRIORITY [profile]", N_("Message priority"),
	 N_("The client may give the message a priority with MT-PRIORITY= on MAIL FROM."),
	 "RFC 6710"},
	{"LIMITS", "LIMITS MAILMAX=n RCPTMAX=n RCPTDOMAINMAX=n", N_("Announced limits"),
	 N_("The server states its limits: transactions per session (MAILMAX), recipients per "
	    "transaction (RCPTMAX), domains per transaction (RCPTDOMAINMAX)."),
	 "RFC 9422"},
	{"ETRN", "ETRN", N_("Remote queue starting"),
	 N_("A client may ask the server to flush mail queued for a domain (ETRN domain)."),
	 "RFC 1985"},
	{"ATRN", "ATRN", N_("Authenticated turn"),
	 N_("An authenticated client may ask the roles to be reversed to receive its queued mail "
	    "(On-Demand Mail Relay)."),
	 "RFC 2645"},
	{"BURL", "BURL [imap]", N_("Message by reference"),
	 N_("A submission client may send the message by an IMAP URL instead of its content."),
	 "RFC 4468"},
	{"FUTURERELEASE", "FUTURERELEASE max-interval max-datetime", N_("Future release"),
	 N_("The client may ask that the message be held and released later (HOLDFOR= or "
	    "HOLDUNTIL= on MAIL FROM)."),
	 "RFC 4865"},
	{"NO-SOLICITING", "NO-SOLICITING [keywords]", N_("No soliciting"),
	 N_("The server lists solicitation keywords under which it refuses unsolicited mail."),
	 "RFC 3865"},
	{"MTRK", "MTRK", N_("Message tracking"),
	 N_("The client may ask for message tracking (MTRK= on MAIL FROM)."), "RFC 3885"},
	{"CONPERM", "CONPERM", N_("Content conversion permission"),
	 N_("The client may say whether the content may be converted in transit (CONPERM=)."),
	 "RFC 4141"},
	{"CONNEG", "CONNEG", N_("Content negotiation"),
	 N_("The server can report the recipient's content capabilities (for fax-like content "
	    "negotiation)."),
	 "RFC 4141"},
	{"RRVS", "RRVS", N_("Require recipient valid since"),
	 N_("The client may ask that delivery fail if the mailbox changed owner since a date "
	    "(RRVS= on RCPT)."),
	 "RFC 7293"},
	{"CHECKPOINT", "CHECKPOINT", N_("Checkpoint and restart"),
	 N_("An interrupted transfer may resume where it stopped (TRANSID= on MAIL FROM)."),
	 "RFC 1845"},
	{"VRFY", "VRFY", N_("VRFY enabled"),
	 N_("The server says VRFY works here (it is often disabled)."), "RFC 5321 4.1.1.6"},
	{"EXPN", "EXPN", N_("EXPN enabled"),
	 N_("The server says EXPN (list expansion) works here."), "RFC 5321 4.1.1.7"},
	{"HELP", "HELP", N_("HELP available"), N_("The server offers help text with HELP."),
	 "RFC 5321 4.1.1.8"},
	{"XCLIENT", "XCLIENT attribute...", N_("Postfix: override client attributes"),
	 N_("A trusted proxy may tell Postfix the real client's name and address. Vendor "
	    "extension."),
	 "Postfix XCLIENT_README"},
	{"XFORWARD", "XFORWARD attribute...", N_("Postfix: forward client attributes"),
	 N_("A trusted filter may pass the original client's details on to Postfix for logging. "
	    "Vendor extension."),
	 "Postfix XFORWARD_README"},
	{"VERB", "VERB", N_("Sendmail: verbose mode"),
	 N_("Sendmail shows delivery details during the session. Vendor extension."), "Sendmail"},
	{"ONEX", "ONEX", N_("Sendmail: one transaction"),
	 N_("Sendmail: only one transaction in this session. Vendor extension."), "Sendmail"},
	{"X-EXPS", "X-EXPS mechanism...", N_("Exchange: legacy authentication"),
	 N_("Old Microsoft Exchange servers offer their authentication (GSSAPI, NTLM) under this "
	    "name between Exchange servers. Vendor extension."),
	 "Microsoft Exchange"},
	{"X-LINK2STATE", "X-LINK2STATE", N_("Exchange: link state routing"),
	 N_("Old Microsoft Exchange servers exchange routing information with this. Vendor "
	    "extension."),
	 "Microsoft Exchange"},
	{"XEXCH50", "XEXCH50", N_("Exchange: extra message properties"),
	 N_("Old Microsoft Exchange servers pass Exchange-specific properties with this. Vendor "
	    "extension."),
	 "Microsoft Exchange"},
};
const size_t help_keyword_table_len = sizeof help_keyword_table / sizeof help_keyword_table[0];

/* Copy a table row, translated. */
static void
help_item_fill(const struct help_itemrow *row, struct help_item *out)
{
	out->name = row->name;
	out->syntax = row->syntax;
	out->title = _(row->title);
	out->text = _(row->text);
	out->rfc = row->rfc;
}

/* Length of the first word of name[0..len) (up to a space, '=' or ':'). */
static size_t
help_item_word(const char *name, size_t len)
{
	size_t n = 0;
	while (n < len && !isspace((unsigned char)name[n]) && name[n] != '=' && name[n] != ':')
		n++;
	return n;
}

/* Find name in a table; -1 when absent. */
static int
help_item_find(const struct help_itemrow *t, size_t tlen, const char *name, size_t len,
	       struct help_item *out)
{
	while (len > 0 && isspace((unsigned char)*name)) {
		name++;
		len--;
	}
	/* The legacy "250-AUTH=LOGIN PLAIN" form names AUTH. */
	size_t w = help_item_word(name, len);
	for (size_t i = 0; i < tlen; i++) {
		if (strlen(t[i].name) == w && strncasecmp(t[i].name, name, w) == 0) {
			help_item_fill(&t[i], out);
			return 0;
		}
	}
	return -1;
}

/* Look up a command; see help.h. */
int
help_command(const char *name, size_t len, struct help_item *out)
{
	return help_item_find(help_command_table, help_command_table_len, name, len, out);
}

/* Look up an EHLO keyword; see help.h. */
int
help_keyword(const char *name, size_t len, struct help_item *out)
{
	return help_item_find(help_keyword_table, help_keyword_table_len, name, len, out);
}

/* Commands in the table. */
size_t
help_command_count(void)
{
	return help_command_table_len;
}

/* The i-th command. */
void
help_command_at(size_t i, struct help_item *out)
{
	help_item_fill(&help_command_table[i < help_command_table_len ? i : 0], out);
}

/* Keywords in the table. */
size_t
help_keyword_count(void)
{
	return help_keyword_table_len;
}

/* The i-th keyword. */
void
help_keyword_at(size_t i, struct help_item *out)
{
	help_item_fill(&help_keyword_table[i < help_keyword_table_len ? i : 0], out);
}
