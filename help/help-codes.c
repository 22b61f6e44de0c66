/*
 * help-codes.c: the basic reply codes (RFC 5321 4.2.2 and the extensions that add codes)
 * and what each means after each command that produces it. English msgids; Spanish in
 * po/es.po.
 */
#include <stddef.h>

#include "help-int.h"

/* Every basic code SMTP defines, in order. */
const struct help_basic help_basic_table[] = {
	{211, N_("System status"),
	 N_("A status report about the server, usually in answer to HELP with an argument. The "
	    "text is meant for people, not programs."),
	 N_("Nothing to fix: read the text."), "RFC 5321 4.2.2"},
	{214, N_("Help message"),
	 N_("Help text from the server: how to use it, or the commands it knows. Meant for a "
	    "person at a terminal."),
	 N_("Nothing to fix. Use EHLO, not HELP, to learn what the server supports."),
	 "RFC 5321 4.2.2, 4.1.1.8"},
	{220, N_("Service ready"),
	 N_("The server is ready: either the greeting when you connect, or the go-ahead to start "
	    "the TLS handshake after STARTTLS."),
	 N_("Greet the server with EHLO and your host name. After STARTTLS, start TLS now and send "
	    "EHLO again once it is up."),
	 "RFC 5321 4.2.2, 3.1; RFC 3207 4"},
	{221, N_("Closing connection"),
	 N_("The server says goodbye and will close the connection, normally because you sent "
	    "QUIT."),
	 N_("Nothing to fix: the session is over. Close your side too."),
	 "RFC 5321 4.2.2, 4.1.1.10"},
	{235, N_("Authentication succeeded"),
	 N_("AUTH worked: the server knows who you are, and mail you send from now on is sent as "
	    "that user."),
	 N_("Start a transaction with MAIL FROM. Do not send AUTH again in this session."),
	 "RFC 4954 6"},
	{250, N_("Requested action completed"),
	 N_("The command worked. What exactly that means depends on the command it answers."),
	 N_("Go on with the next step of the transaction."), "RFC 5321 4.2.2"},
	{251, N_("User not local; will forward"),
	 N_("The recipient is accepted, but it is not a mailbox of this server: the server will "
	    "forward the message to the address it knows."),
	 N_("Nothing to fix. You may update the address you have for this person."),
	 "RFC 5321 4.2.2, 3.4"},
	{252, N_("Cannot verify the user, but will try delivery"),
	 N_("The server will not confirm whether the address exists (usually to stop address "
	    "harvesting), but it will accept mail for it."),
	 N_("Nothing to fix: VRFY tells you nothing here. Send the mail and watch for a bounce."),
	 "RFC 5321 4.2.2, 3.5.3"},
	{334, N_("Authentication challenge"),
	 N_("A step inside AUTH: the server sends a base64 challenge (possibly empty) and waits "
	    "for "
	    "your base64 answer on a line of its own."),
	 N_("Answer the challenge as your mechanism requires, or send \"*\" to cancel."),
	 "RFC 4954 4"},
	{354, N_("Start mail input"),
	 N_("The answer to DATA: the server now reads your message (headers, a blank line, the "
	    "body) until a line that holds only a period, that is <CRLF>.<CRLF>."),
	 N_("Send the message. Double any period that starts a line (dot-stuffing): a lone period "
	    "inside the body would end it early. Finish with a line holding only \".\"."),
	 "RFC 5321 4.2.2, 4.1.1.4"},
	{421, N_("Service not available, closing connection"),
	 N_("The server is shutting this session down: overloaded, going down, too many "
	    "connections from you, or your IP is throttled. It can come at any moment, even "
	    "unasked."),
	 N_("Temporary: reconnect later, and slow down if you send a lot. If it comes at once on "
	    "every connection, read the text: it often names a block list or a rate limit."),
	 "RFC 5321 4.2.2, 3.8"},
	{432, N_("A password transition is needed"),
	 N_("The server cannot use this mechanism for the account yet: it first needs the password "
	    "once in plain form (AUTH PLAIN under TLS) to set up the mechanism's credentials."),
	 N_("Authenticate once with PLAIN over TLS; after that the mechanism you chose will work."),
	 "RFC 4954 6"},
	{450, N_("Mailbox unavailable (temporary)"),
	 N_("The mailbox cannot take mail right now: busy, locked, or a temporary policy such as "
	    "greylisting or a rate limit."),
	 N_("Retry later; a normal mail server does this on its own. For greylisting the second "
	    "try after a few minutes is accepted."),
	 "RFC 5321 4.2.2"},
	{451, N_("Local error in processing"),
	 N_("The server hit an error of its own (a failing disk, a DNS or database lookup that "
	    "timed out, a filter that crashed) and aborted the action."),
	 N_("Retry later. If it persists, the receiving side's admin has to look at their logs."),
	 "RFC 5321 4.2.2"},
	{452, N_("Insufficient system storage"),
	 N_("The server has no room right now, or you gave more recipients than it takes in one "
	    "transaction."),
	 N_("Retry later. If it answered RCPT, send the recipients refused so far in a new "
	    "transaction after this one."),
	 "RFC 5321 4.2.2, 4.5.3.1.10; RFC 1870"},
	{454, N_("TLS or authentication temporarily unavailable"),
	 N_("STARTTLS or AUTH cannot be done right now because of a problem on the server (missing "
	    "certificate, authentication back end down). Some servers also use 454 for \"relay "
	    "access denied\"."),
	 N_("Retry later. Do not fall back to sending a password without TLS."),
	 "RFC 3207 4; RFC 4954 6"},
	{455, N_("Server unable to accommodate parameters"),
	 N_("The server understood the MAIL or RCPT parameters but cannot satisfy them now."),
	 N_("Retry later, or retry without the parameter."), "RFC 5321 4.2.2"},
	{500, N_("Syntax error, command unrecognized"),
	 N_("The server did not understand the line: an unknown or misspelt command, or a line too "
	    "long."),
	 N_("Check the spelling of the command and that the line ends with CRLF. Commands are four "
	    "letters (plus STARTTLS)."),
	 "RFC 5321 4.2.2"},
	{501, N_("Syntax error in parameters or arguments"),
	 N_("The command is known but its arguments are wrong: a malformed address (missing angle "
	    "brackets), an unknown parameter, bad base64 in AUTH, or AUTH cancelled with \"*\"."),
	 N_("Fix the arguments: MAIL FROM:<a@example.org>, RCPT TO:<b@example.org>, with the "
	    "brackets and no space after the colon."),
	 "RFC 5321 4.2.2; RFC 4954 4"},
	{502, N_("Command not implemented"),
	 N_("The server knows the command exists but does not offer it (often VRFY, EXPN, HELP, "
	    "or EHLO on very old servers)."),
	 N_("Do without it: use another command (HELO if EHLO is refused) or another way to get "
	    "the information."),
	 "RFC 5321 4.2.2"},
	{503, N_("Bad sequence of commands"),
	 N_("The command is fine but comes at the wrong time: RCPT before MAIL, DATA with no "
	    "accepted recipient, MAIL before EHLO, a second AUTH."),
	 N_("Follow the order EHLO, (STARTTLS, EHLO), (AUTH), MAIL, RCPT..., DATA. Use RSET to "
	    "start "
	    "a transaction over."),
	 "RFC 5321 4.2.2, 4.1.4"},
	{504, N_("Command parameter not implemented"),
	 N_("The command is known but the parameter is not supported, typically an AUTH mechanism "
	    "the server does not offer."),
	 N_("Use only what the EHLO reply lists (for AUTH, one of the mechanisms after the AUTH "
	    "keyword)."),
	 "RFC 5321 4.2.2; RFC 4954 4"},
	{521, N_("Host does not accept mail"),
	 N_("This host never accepts mail: it says so at once, in the greeting."),
	 N_("Do not retry here. Check the domain's MX records: you may be talking to the wrong "
	    "host."),
	 "RFC 7504 3"},
	{530, N_("Must issue STARTTLS first / authentication required"),
	 N_("The server refuses the command until a security step is done: either TLS (STARTTLS) "
	    "or "
	    "authentication (AUTH)."),
	 N_("Send STARTTLS (if offered), then EHLO again, then AUTH with your account, and only "
	    "then "
	    "MAIL."),
	 "RFC 3207 4; RFC 4954 6"},
	{534, N_("Authentication mechanism is too weak"),
	 N_("The server will not accept this mechanism for this account, or for this account "
	    "without TLS."),
	 N_("Use a stronger mechanism from the EHLO list, start TLS first, or (Gmail) use an app "
	    "password or OAuth."),
	 "RFC 4954 6"},
	{535, N_("Authentication credentials invalid"),
	 N_("AUTH failed: the user name or password (or token) is wrong, or the account may not "
	    "log "
	    "in this way."),
	 N_("Check the user name (often the full address) and the password. Providers with "
	    "two-step "
	    "login need an app password or OAuth."),
	 "RFC 4954 6"},
	{538, N_("Encryption required for this mechanism"),
	 N_("The mechanism is only allowed over an encrypted connection (historic code)."),
	 N_("Run STARTTLS first, then EHLO and AUTH again."), "RFC 4954 6"},
	{550, N_("Mailbox unavailable or refused by policy"),
	 N_("A permanent refusal: the mailbox does not exist or may not be used, or a policy "
	    "(anti-spam, relay, authentication) rejects the sender, the recipient or the message."),
	 N_("Read the text and the enhanced code: they say which. Do not retry unchanged; fix the "
	    "address, authenticate, or fix the sender's SPF/DKIM/DMARC or reputation."),
	 "RFC 5321 4.2.2"},
	{551, N_("User not local; please try another path"),
	 N_("The recipient is not here and the server will not forward; the text may give the "
	    "right address."),
	 N_("Send to the address the text gives, if any, after checking it."),
	 "RFC 5321 4.2.2, 3.4"},
	{552, N_("Storage allocation exceeded"),
	 N_("Too big: the message exceeds the size limit, or the mailbox is full. Also used for "
	    "too many recipients, which clients must treat as temporary."),
	 N_("Make the message smaller (the EHLO SIZE keyword gives the limit) or ask the recipient "
	    "to free space."),
	 "RFC 5321 4.2.2, 4.5.3.1.10; RFC 1870"},
	{553, N_("Mailbox name not allowed"),
	 N_("The address is refused because of how it is written: bad syntax, or a name this "
	    "server does not allow (for example a sender not owned by your account)."),
	 N_("Check the address for typos, brackets and forbidden characters. When sending "
	    "authenticated, use a From address your account owns."),
	 "RFC 5321 4.2.2"},
	{554, N_("Transaction failed / no SMTP service here"),
	 N_("A permanent failure. As the greeting it means this host will not talk SMTP with you "
	    "(it then answers 503 to everything but QUIT); after the message it means the message "
	    "was rejected."),
	 N_("Read the text: block lists, spam filters and policy rejections use it. Fix the cause "
	    "(listing, content, authentication) before sending again."),
	 "RFC 5321 4.2.2, 3.1; RFC 3207 4"},
	{555, N_("MAIL or RCPT parameters not recognized"),
	 N_("You used a MAIL FROM or RCPT TO parameter (SIZE=, BODY=, NOTIFY=...) that the server "
	    "does not support."),
	 N_("Send only parameters whose keyword appears in the EHLO reply."),
	 "RFC 5321 4.2.2, 4.1.1.11"},
	{556, N_("Domain does not accept mail"),
	 N_("The recipient's domain publishes a \"null MX\": it declares that it receives no mail "
	    "at all."),
	 N_("The address cannot work: check it with the recipient by another channel."),
	 "RFC 7504 3.2; RFC 7505"},
};
const size_t help_basic_table_len = sizeof help_basic_table / sizeof help_basic_table[0];

#define C_(x) HELP_CMD_##x
#define ANY HELP_UNKNOWN
#define YES HELP_YES
#define NO HELP_NO

/* What each code means after each command; rows with a state condition come first. */
const struct help_ctxrow help_ctx_table[] = {
	{211, C_(HELP), ANY, ANY, N_("HELP with an argument: a status or information reply."), NULL,
	 ANY},
	{214, C_(HELP), ANY, ANY, N_("HELP: the server's help text."), NULL, ANY},
	{220, C_(GREETING), ANY, ANY,
	 N_("The greeting: the server is ready for your EHLO. The text usually names the host and "
	    "its software."),
	 NULL, ANY},
	{220, C_(STARTTLS), ANY, ANY,
	 N_("STARTTLS accepted: start the TLS handshake now. Everything said before is forgotten; "
	    "after the handshake send EHLO again."),
	 N_("Do the TLS handshake, check the certificate, then send EHLO again: capabilities may "
	    "change under TLS (AUTH often appears only then)."),
	 ANY},
	{221, C_(QUIT), ANY, ANY, N_("QUIT: the server closes the connection."), NULL, ANY},
	{235, C_(AUTH), ANY, ANY,
	 N_("AUTH: the credentials were accepted; this session is now authenticated."), NULL, ANY},
	{250, C_(EHLO), ANY, ANY,
	 N_("EHLO: the server greets you back; the following lines list its extensions (SIZE, "
	    "STARTTLS, AUTH...)."),
	 N_("Read the keywords: they say what you may use (STARTTLS, AUTH mechanisms, maximum "
	    "SIZE). Then STARTTLS, AUTH or MAIL."),
	 ANY},
	{250, C_(HELO), ANY, ANY,
	 N_("HELO: the server greets you back. No extensions with HELO: no STARTTLS, no AUTH."),
	 N_("Send MAIL FROM, or EHLO instead if you need extensions."), ANY},
	{250, C_(MAIL), ANY, ANY,
	 N_("MAIL FROM: the sender is accepted and a transaction has begun."),
	 N_("Give the recipients, one RCPT TO each."), ANY},
	{250, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: this recipient is accepted (which does not yet prove the mailbox exists)."),
	 N_("Add more recipients, or send DATA."), ANY},
	{250, C_(DATA_END), ANY, ANY,
	 N_("The final dot: the server has taken the message and is now responsible for "
	    "delivering it. The text often holds a queue id worth noting."),
	 N_("Done. Send another MAIL FROM for a new message, or QUIT."), ANY},
	{250, C_(BDAT), ANY, ANY,
	 N_("BDAT: the chunk was received (with LAST: the whole message)."),
	 N_("Send the next chunk, or after LAST, a new MAIL or QUIT."), ANY},
	{250, C_(RSET), ANY, ANY,
	 N_("RSET: the transaction in progress is cancelled; sender and recipients are forgotten."),
	 N_("Start again with MAIL FROM."), ANY},
	{250, C_(NOOP), ANY, ANY, N_("NOOP: the server is alive; nothing else happened."), NULL,
	 ANY},
	{250, C_(VRFY), ANY, ANY, N_("VRFY: the address is a valid local mailbox."), NULL, ANY},
	{250, C_(EXPN), ANY, ANY, N_("EXPN: the lines list the members of the mailing list."), NULL,
	 ANY},
	{251, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: accepted, but the server will forward it to another address."), NULL, ANY},
	{251, C_(VRFY), ANY, ANY, N_("VRFY: the user is not local; the server gives the address."),
	 NULL, ANY},
	{252, C_(VRFY), ANY, ANY, N_("VRFY: the server will neither confirm nor deny the address."),
	 NULL, ANY},
	{252, C_(EXPN), ANY, ANY, N_("EXPN: the server will not show the list's members."), NULL,
	 ANY},
	{334, C_(AUTH), ANY, ANY,
	 N_("AUTH: a challenge from the server; it waits for your answer in base64."), NULL, ANY},
	{354, C_(DATA), ANY, ANY, N_("DATA: send the message now and end it with <CRLF>.<CRLF>."),
	 NULL, ANY},
	{421, C_(GREETING), ANY, ANY,
	 N_("As the greeting: the server refuses this connection now (too busy, too many "
	    "connections from your IP, or a temporary block)."),
	 N_("Try again later; if you open many connections at once, open fewer."), ANY},
	{421, C_(UNKNOWN), ANY, ANY,
	 N_("In the middle of a session: the server is closing the connection (shutting down, "
	    "timeout, or too many errors or messages)."),
	 N_("Reconnect later; mail not yet accepted with 250 after the final dot must be sent "
	    "again."),
	 ANY},
	{421, C_(DATA_END), ANY, ANY,
	 N_("After the final dot: the message was NOT accepted and the server hung up (often rate "
	    "limiting or content scanning trouble)."),
	 N_("Send the message again later, more slowly."), ANY},
	{432, C_(AUTH), ANY, ANY, N_("AUTH: this mechanism needs one PLAIN login under TLS first."),
	 NULL, ANY},
	{450, C_(MAIL), ANY, ANY,
	 N_("MAIL FROM: the sender cannot be accepted right now (temporary policy, rate limit, "
	    "sender domain lookup failing)."),
	 NULL, ANY},
	{450, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: this mailbox cannot take mail right now; greylisting often answers here."),
	 N_("Retry later (greylisting: after a few minutes, from the same IP with the same sender "
	    "and recipient)."),
	 ANY},
	{450, C_(DATA_END), ANY, ANY,
	 N_("After the final dot: the message was not accepted this time (often a temporary "
	    "content or rate check)."),
	 N_("Keep the message and send it again later."), ANY},
	{451, C_(MAIL), ANY, ANY,
	 N_("MAIL FROM: the server could not check the sender now (for example a DNS lookup of "
	    "its domain failed)."),
	 NULL, ANY},
	{451, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: a local error while checking the recipient; often greylisting too."), NULL,
	 ANY},
	{451, C_(DATA), ANY, ANY, N_("DATA: the server cannot take a message now."), NULL, ANY},
	{451, C_(DATA_END), ANY, ANY,
	 N_("After the final dot: the message was not accepted because of an error on the server "
	    "(scanner, queue, disk)."),
	 N_("Keep the message and send it again later."), ANY},
	{452, C_(MAIL), ANY, ANY,
	 N_("MAIL FROM: not enough room now, often for the SIZE you declared."), NULL, ANY},
	{452, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: too many recipients in this transaction (or no room for this one)."),
	 N_("Send DATA for the recipients already accepted; put the others in a new transaction."),
	 ANY},
	{452, C_(DATA_END), ANY, ANY, N_("After the final dot: no room to store the message now."),
	 N_("Keep the message and send it again later."), ANY},
	{454, C_(STARTTLS), ANY, ANY,
	 N_("STARTTLS: TLS cannot be started now (server-side certificate or TLS trouble)."),
	 N_("Retry later. Do not send credentials over the plain connection instead."), ANY},
	{454, C_(AUTH), ANY, ANY,
	 N_("AUTH: authentication failed for a temporary reason (the server's password back end is "
	    "not answering)."),
	 N_("Retry later; your password may well be right."), ANY},
	{454, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: some servers (Postfix) answer \"Relay access denied\" with 454: you are not "
	    "allowed to send to that domain through this server."),
	 N_("Authenticate first (AUTH), or send to the recipient domain's own MX."), ANY},
	{455, C_(MAIL), ANY, ANY, N_("MAIL FROM: a parameter cannot be accommodated now."), NULL,
	 ANY},
	{455, C_(RCPT), ANY, ANY, N_("RCPT TO: a parameter cannot be accommodated now."), NULL,
	 ANY},
	{500, C_(UNKNOWN), ANY, ANY,
	 N_("Any line the server cannot parse as a command: a typo, a command it does not know, or "
	    "a line that is too long."),
	 NULL, ANY},
	{500, C_(AUTH), ANY, ANY, N_("AUTH: the authentication line was too long (5.5.6)."),
	 N_("Send the initial response after a 334 instead of on the AUTH line."), ANY},
	{500, C_(DATA_END), ANY, ANY,
	 N_("After the message: the server read part of the message as commands; the end of data "
	    "was probably not <CRLF>.<CRLF> (bare LF line ends?)."),
	 N_("Send CRLF line ends and dot-stuff the body."), ANY},
	{501, C_(HELO), ANY, ANY, N_("HELO: the host name argument is missing or invalid."),
	 N_("Send HELO with your host's fully qualified name or an address literal like "
	    "[192.0.2.1]."),
	 ANY},
	{501, C_(EHLO), ANY, ANY, N_("EHLO: the host name argument is missing or invalid."),
	 N_("Send EHLO with your host's fully qualified name or an address literal like "
	    "[192.0.2.1]."),
	 ANY},
	{501, C_(MAIL), ANY, ANY, N_("MAIL FROM: the sender address or a parameter is malformed."),
	 N_("Write it as MAIL FROM:<address> with the angle brackets."), ANY},
	{501, C_(RCPT), ANY, ANY, N_("RCPT TO: the recipient address or a parameter is malformed."),
	 N_("Write it as RCPT TO:<address> with the angle brackets."), ANY},
	{501, C_(AUTH), ANY, ANY,
	 N_("AUTH: the answer was not valid base64, or you cancelled the exchange with \"*\"."),
	 N_("Encode the answer in base64 (no line breaks) and try again."), ANY},
	{502, C_(EHLO), ANY, ANY, N_("EHLO: a very old server that knows only HELO."),
	 N_("Use HELO; extensions such as STARTTLS and AUTH are not available."), ANY},
	{502, C_(VRFY), ANY, ANY, N_("VRFY: disabled here, as on most servers."), NULL, ANY},
	{502, C_(EXPN), ANY, ANY, N_("EXPN: disabled here, as on most servers."), NULL, ANY},
	{502, C_(HELP), ANY, ANY, N_("HELP: the server offers no help text."), NULL, ANY},
	{502, C_(UNKNOWN), ANY, ANY, N_("Any command the server chose not to implement."), NULL,
	 ANY},
	{503, C_(MAIL), ANY, ANY,
	 N_("MAIL FROM: out of order: no EHLO yet, a transaction already open, or authentication "
	    "needed first."),
	 N_("Send EHLO first, or RSET to close the open transaction."), ANY},
	{503, C_(RCPT), ANY, ANY, N_("RCPT TO: no MAIL FROM was accepted yet."),
	 N_("Send MAIL FROM first."), ANY},
	{503, C_(DATA), ANY, ANY,
	 N_("DATA: no recipient was accepted, so there is nobody to send to."),
	 N_("Get at least one RCPT TO accepted (250) before DATA."), ANY},
	{503, C_(AUTH), ANY, ANY,
	 N_("AUTH again: this session is already authenticated, and RFC 4954 allows one "
	    "successful AUTH per session."),
	 N_("Carry on with MAIL FROM: you are logged in. To change user, QUIT and reconnect."),
	 YES},
	{503, C_(AUTH), ANY, ANY,
	 N_("AUTH: you are already authenticated, or a transaction is in progress, or the server "
	    "wants STARTTLS first."),
	 NULL, ANY},
	{503, C_(UNKNOWN), ANY, ANY,
	 N_("Any command out of order. After a 554 greeting the server answers 503 to everything "
	    "but QUIT."),
	 N_("Check the order of the session; after a 554 greeting, send QUIT: there is no service "
	    "on this connection."),
	 ANY},
	{504, C_(AUTH), ANY, ANY, N_("AUTH: the server does not support that mechanism (5.5.4)."),
	 N_("Choose a mechanism from the AUTH line of the EHLO reply."), ANY},
	{504, C_(EHLO), ANY, ANY, N_("EHLO: a parameter of the command is not supported."), NULL,
	 ANY},
	{504, C_(VRFY), ANY, ANY, N_("VRFY: the argument form is not supported."), NULL, ANY},
	{504, C_(EXPN), ANY, ANY, N_("EXPN: the argument form is not supported."), NULL, ANY},
	{504, C_(HELP), ANY, ANY, N_("HELP: no help for that topic."), NULL, ANY},
	{521, C_(GREETING), ANY, ANY, N_("The greeting: this host does not accept mail at all."),
	 NULL, ANY},
	{530, C_(MAIL), NO, YES,
	 N_("MAIL FROM before STARTTLS: the server requires TLS first, and it offers STARTTLS."),
	 N_("Send STARTTLS, then EHLO again, then (if needed) AUTH, then MAIL."), ANY},
	{530, C_(MAIL), YES, ANY,
	 N_("MAIL FROM under TLS: TLS is done, so what is missing is authentication."),
	 N_("Authenticate with AUTH using a mechanism from the EHLO reply, then send MAIL again."),
	 ANY},
	{530, C_(MAIL), ANY, ANY,
	 N_("MAIL FROM after a successful AUTH: the server still wants something, usually TLS "
	    "for authenticated mail, or this account may not send from here."),
	 N_("Use STARTTLS (or port 465) before AUTH, and check the account's sending rights."),
	 YES},
	{530, C_(MAIL), ANY, ANY,
	 N_("MAIL FROM: a security step is missing: TLS (\"Must issue a STARTTLS command first\") "
	    "or authentication (\"Authentication required\"); the text says which."),
	 NULL, ANY},
	{530, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: this server only takes mail for this recipient from authenticated users."),
	 N_("Authenticate with AUTH first."), ANY},
	{530, C_(AUTH), NO, ANY,
	 N_("AUTH before STARTTLS: the server will not take a password over a plain connection."),
	 N_("Send STARTTLS, EHLO again, then AUTH."), ANY},
	{530, C_(UNKNOWN), ANY, ANY,
	 N_("Almost any command: the server wants TLS or authentication before it."), NULL, ANY},
	{534, C_(AUTH), ANY, ANY, N_("AUTH: the chosen mechanism is too weak for this account."),
	 NULL, ANY},
	{535, C_(AUTH), ANY, ANY, N_("AUTH: the credentials were checked and refused."), NULL, ANY},
	{538, C_(AUTH), ANY, ANY, N_("AUTH: this mechanism needs TLS first."), NULL, ANY},
	{550, C_(EHLO), ANY, ANY,
	 N_("EHLO: the server refuses the name you gave (for example its own name, or a name "
	    "that does not resolve)."),
	 N_("Send your real fully qualified host name, one that resolves in DNS."), ANY},
	{550, C_(MAIL), ANY, ANY,
	 N_("MAIL FROM: the sender is refused (blocked domain, sender not allowed, failed "
	    "sender verification)."),
	 N_("Use a sender address your domain really owns and that can receive bounces."), ANY},
	{550, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: this recipient is refused: no such user (5.1.1), relay denied (5.7.1), or a "
	    "policy block on your IP."),
	 N_("Check the address. If the text says relaying is denied, authenticate first or send "
	    "to the domain's own MX."),
	 ANY},
	{550, C_(DATA_END), ANY, ANY,
	 N_("After the final dot: the message itself was rejected (spam or virus filter, "
	    "SPF/DKIM/DMARC failure, policy). It was not delivered."),
	 N_("Read the enhanced code and text, fix the cause (authentication records, content, "
	    "reputation), then send again."),
	 ANY},
	{550, C_(VRFY), ANY, ANY, N_("VRFY: no such mailbox here."), NULL, ANY},
	{550, C_(EXPN), ANY, ANY, N_("EXPN: no such list here, or expansion is refused."), NULL,
	 ANY},
	{551, C_(RCPT), ANY, ANY, N_("RCPT TO: the user is not here; use the address in the text."),
	 NULL, ANY},
	{551, C_(VRFY), ANY, ANY, N_("VRFY: the user is not here; the text may give the address."),
	 NULL, ANY},
	{552, C_(MAIL), ANY, ANY,
	 N_("MAIL FROM with SIZE=: the declared size is over the server's limit."),
	 N_("Make the message smaller than the SIZE value in the EHLO reply."), ANY},
	{552, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: too many recipients, or the mailbox is full. For too many recipients treat "
	    "it as temporary."),
	 N_("Send to the accepted recipients now and the rest in another transaction; for a full "
	    "mailbox, tell the recipient."),
	 ANY},
	{552, C_(DATA_END), ANY, ANY,
	 N_("After the final dot: the message is over the size limit, or the mailbox is full."),
	 N_("Send a smaller message (link to big files instead of attaching them)."), ANY},
	{553, C_(MAIL), ANY, ANY,
	 N_("MAIL FROM: the sender address is not allowed (syntax, or not owned by your account)."),
	 N_("Use the address of the account you logged in with, written as <user@domain>."), ANY},
	{553, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: the recipient address is not acceptable as written."),
	 N_("Check the address syntax."), ANY},
	{553, C_(VRFY), ANY, ANY, N_("VRFY: the name is not acceptable as written."), NULL, ANY},
	{554, C_(GREETING), ANY, ANY,
	 N_("The greeting: no SMTP service for you here (often your IP is on a block list). Every "
	    "command but QUIT will get 503."),
	 N_("Send QUIT. Check the text and whether your IP is listed on a block list."), ANY},
	{554, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: refused, often \"Relay access denied\" or a block list entry for your IP."),
	 N_("Authenticate to relay, or check block lists for your IP."), ANY},
	{554, C_(DATA), ANY, ANY,
	 N_("DATA: no valid recipients, or the server refuses the transaction."), NULL, ANY},
	{554, C_(DATA_END), ANY, ANY,
	 N_("After the final dot: the message was rejected (spam, virus, policy) and will not be "
	    "delivered."),
	 N_("Read the text, fix the cause, then send again."), ANY},
	{554, C_(UNKNOWN), YES, ANY,
	 N_("Any command after TLS was negotiated: the server refuses it for lack of security "
	    "(RFC 3207), for example a cipher or client certificate it will not accept."),
	 N_("QUIT, and connect again with the TLS settings the server requires."), ANY},
	{554, C_(STARTTLS), ANY, ANY,
	 N_("STARTTLS: TLS is refused for this connection, or the server demands a level of "
	    "security it cannot get."),
	 NULL, ANY},
	{555, C_(MAIL), ANY, ANY, N_("MAIL FROM: a parameter is not recognized (SIZE=, BODY=...)."),
	 N_("Drop parameters the EHLO reply does not announce."), ANY},
	{555, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: a parameter is not recognized (NOTIFY=, ORCPT=...)."),
	 N_("Drop parameters the EHLO reply does not announce (DSN)."), ANY},
	{556, C_(RCPT), ANY, ANY,
	 N_("RCPT TO: the recipient's domain declares that it accepts no mail (null MX)."), NULL,
	 ANY},
};
const size_t help_ctx_table_len = sizeof help_ctx_table / sizeof help_ctx_table[0];

/* Find a basic code (the table is sorted). */
const struct help_basic *
help_basic_find(int code)
{
	size_t lo = 0, hi = help_basic_table_len;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (help_basic_table[mid].code == code)
			return &help_basic_table[mid];
		if (help_basic_table[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Codes in the table. */
size_t
help_basic_count(void)
{
	return help_basic_table_len;
}

/* The i-th code of the table. */
int
help_basic_code(size_t i)
{
	return i < help_basic_table_len ? help_basic_table[i].code : 0;
}
