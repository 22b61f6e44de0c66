/*
 * help-patterns.c: texts of real servers (Gmail, Microsoft 365, Yahoo/AOL and what every MTA
 * says) that tell more than the code: what the text means and what to do. Each pattern is a
 * POSIX extended regex, compiled once, run only when a cheap literal hint is in the text.
 */
#include <regex.h>
#include <string.h>

#include "help-int.h"

#define GMAIL "Gmail"
#define MS "Microsoft 365 / Outlook"
#define YAHOO "Yahoo / AOL"

/* Provider patterns first: at most HELP_MAX_PATTERNS match, in this order. */
const struct help_pattern help_pattern_table[] = {
	{"gmail-unauthenticated", GMAIL, "unauthenticated", "unauthenticated.*gsmtp", 5, NULL,
	 N_("Gmail: the message is not authenticated"),
	 N_("Gmail requires senders to pass SPF or DKIM (bulk senders: both, plus DMARC). This "
	    "message passed neither in a way that aligns with the From domain."),
	 N_("Publish an SPF record that lists the sending IP, sign with DKIM for the From domain, "
	    "and publish DMARC. Check with a message to a Gmail account: \"Show original\".")},
	{"gmail-dmarc", GMAIL, "dmarc", "dmarc policy.*gsmtp|gsmtp.*dmarc policy", 5, NULL,
	 N_("Gmail: rejected by the sender domain's DMARC policy"),
	 N_("The From domain publishes DMARC p=reject, and this message failed both SPF and DKIM "
	    "alignment, so Gmail follows the domain's own instruction."),
	 N_("Send through servers the domain authorizes (SPF) and sign with its DKIM key; for "
	    "mailing lists and forwarders, rewrite the From or use ARC.")},
	{"gmail-no-such-user", GMAIL, "does not exist",
	 "account that you tried to reach does not exist", 5, NULL, N_("Gmail: no such account"),
	 N_("There is no Gmail or Google Workspace account with this address."),
	 N_("Check the spelling of the address with the person by another channel.")},
	{"gmail-disabled", GMAIL, "disabled|inactive",
	 "account that you tried to reach is (disabled|inactive)", 0, NULL,
	 N_("Gmail: the account is disabled"),
	 N_("The Google account exists but is disabled or inactive and takes no mail."),
	 N_("Reach the person another way; retrying will not help.")},
	{"gmail-over-quota", GMAIL, "quota|storage",
	 "(over quota|out of storage|exceeded (their|the) storage).*gsmtp", 0, NULL,
	 N_("Gmail: the recipient's storage is full"),
	 N_("The recipient's Google storage (mail, Drive and Photos together) is full."),
	 N_("Nothing to fix on your side: the recipient must free space. A mail server keeps "
	    "retrying for a few days.")},
	{"gmail-receiving-rate", GMAIL, "receiving mail at a rate",
	 "receiving mail at a rate that prevents", 4, NULL,
	 N_("Gmail: the recipient is receiving too much mail"),
	 N_("The recipient gets mail faster than Gmail lets into one mailbox."),
	 N_("Retry later and slowly; a normal queue does this by itself.")},
	{"gmail-unsolicited-rate", GMAIL, "unsolicited|unusual rate",
	 "unusual rate of unsolicited mail|likely unsolicited mail", 0, NULL,
	 N_("Gmail: looks like spam, or too much of it from your IP"),
	 N_("Gmail saw an unusual rate of unsolicited mail from this IP or domain, or judged this "
	    "message likely spam."),
	 N_("Slow down, authenticate (SPF, DKIM, DMARC), honour unsubscribes, and check the "
	    "domain's reputation in Google Postmaster Tools.")},
	{"gmail-ipv6-ptr", GMAIL, "ipv6", "ipv6 sending guidelines", 0, NULL,
	 N_("Gmail: IPv6 sender without PTR or authentication"),
	 N_("Over IPv6 Gmail demands a PTR record that matches the host name and SPF or DKIM "
	    "authentication."),
	 N_("Add a PTR (reverse DNS) for the sending IPv6 address whose name resolves back to it, "
	    "or send over IPv4.")},
	{"gmail-app-password", GMAIL, "application-specific password",
	 "application-specific password required", 0, NULL, N_("Gmail: an app password is needed"),
	 N_("The account uses 2-Step Verification, so its normal password cannot be used for "
	    "SMTP."),
	 N_("Create an app password in the Google account's security settings, or use OAuth "
	    "(XOAUTH2).")},
	{"gmail-bad-credentials", GMAIL, "not accepted", "username and password not accepted", 0,
	 NULL, N_("Gmail: user name and password not accepted"),
	 N_("The login failed: wrong password, or an account that may not use password login."),
	 N_("Use the full address as user name and an app password (or OAuth) instead of the "
	    "account password.")},
	{"gmail-security-content", GMAIL, "security issue", "potential security issue", 0, NULL,
	 N_("Gmail: blocked for a security risk in the content"),
	 N_("Gmail found something dangerous in the message, often an attachment type it blocks "
	    "(.exe, .js, macros) or a link."),
	 N_("Remove the attachment or share it through a link to a file service.")},
	{"ms-banned-ip", MS, "banned sending ip", "banned sending ip", 5, NULL,
	 N_("Microsoft: sending IP banned"),
	 N_("The IP address you send from is on Microsoft's block list (5.7.606 to 5.7.649)."),
	 N_("The IP's owner can request delisting at sender.office.com; otherwise send through "
	    "another, well-kept server.")},
	{"ms-block-list", MS, "block list|(s3",
	 "part of their network is on our block list|\\(S3[0-9]{3}\\)", 0, NULL,
	 N_("Outlook.com: your IP (or its network) is on Microsoft's block list"),
	 N_("Consumer Outlook/Hotmail refuses mail from this IP or its neighbourhood for "
	    "reputation reasons (S3150 and similar codes)."),
	 N_("Open a delisting request with Microsoft's sender support, and check SPF, DKIM and "
	    "complaint rates (Microsoft SNDS).")},
	{"ms-recipient-access-denied", MS, "access denied",
	 "recipient address rejected: access denied", 5, NULL,
	 N_("Microsoft 365: recipient unknown to the directory"),
	 N_("Directory-based edge blocking: the recipient is not a valid address in the tenant's "
	    "directory, so Microsoft refuses it at the door (usually 5.4.1)."),
	 N_("Check the address. If it is right, the recipient's admin must add it or fix the "
	    "domain's accepted-domain settings.")},
	{"ms-client-not-authenticated", MS, "client not authenticated",
	 "client not authenticated to send", 5, NULL,
	 N_("Microsoft 365: authenticate before sending"),
	 N_("SMTP client submission to Microsoft 365 needs AUTH; an anonymous MAIL FROM is refused "
	    "(5.7.57)."),
	 N_("Use port 587 with STARTTLS, AUTH with the mailbox's credentials, and SMTP AUTH "
	    "enabled "
	    "for that mailbox.")},
	{"ms-traffic-not-accepted", MS, "traffic not accepted", "traffic not accepted from this ip",
	 5, NULL, N_("Microsoft 365: traffic not accepted from this IP"),
	 N_("Microsoft refuses traffic from this IP for the sending tenant (5.7.708), often a new "
	    "tenant on an IP of poor reputation."),
	 N_("Send through a connector or a relay with a good reputation; the tenant's admin can "
	    "ask Microsoft support.")},
	{"ms-server-busy", MS, "server busy", "server busy\\. please try again later", 4, NULL,
	 N_("Microsoft 365: throttled, try later"),
	 N_("Microsoft is throttling mail from this IP (4.7.500 to 4.7.699), often because of its "
	    "low or unknown reputation."),
	 N_("Let the queue retry; keep volumes steady and authenticated.")},
	{"ms-external-forwarding", MS, "external forwarding", "does not allow external forwarding",
	 5, NULL, N_("Microsoft 365: external forwarding disabled"),
	 N_("The organization's outbound policy forbids automatic forwarding to outside "
	    "addresses."),
	 N_("The tenant's admin must allow forwarding for this mailbox, or forward another way.")},
	{"yahoo-tss04", YAHOO, "[tss04]", "\\[TSS04\\]", 4, NULL,
	 N_("Yahoo: temporarily deferred (volume or complaints)"),
	 N_("Yahoo/AOL slow down mail from this IP because of unexpected volume or user "
	    "complaints."),
	 N_("Retry later and slower, and look at complaint rates (Yahoo's complaint feedback "
	    "loop).")},
	{"yahoo-ts01-02", YAHOO, "[ts0", "\\[TS0[12]\\]", 4, NULL,
	 N_("Yahoo: temporarily deferred"),
	 N_("Yahoo/AOL temporarily defer mail from this IP (reputation or unusual traffic)."),
	 N_("Let the queue retry; check SPF, DKIM and the IP's reputation.")},
	{"yahoo-ts03", YAHOO, "[ts03]", "\\[TS03\\]", 0, NULL, N_("Yahoo: permanently deferred"),
	 N_("Yahoo/AOL will not accept mail from this IP; retrying will not succeed, even though "
	    "the code may be 4xx."),
	 N_("Stop retrying from this IP; fix its reputation and ask Yahoo's sender support.")},
	{"yahoo-tss09", YAHOO, "[tss09]", "\\[TSS09\\]", 0, NULL,
	 N_("Yahoo: all messages from this IP permanently deferred"),
	 N_("The IP is blocked by Yahoo/AOL for its history of spam or complaints."),
	 N_("Send from another, clean IP, and contact Yahoo's sender support for this one.")},
	{"yahoo-no-account", YAHOO, "account", "doesn't have an? [a-z0-9.-]+ account", 5, NULL,
	 N_("Yahoo: no such account"), N_("There is no Yahoo/AOL account with this address."),
	 N_("Check the address with the recipient.")},
	{"yahoo-policy", YAHOO, "policy reasons", "not accepted for policy reasons", 5, NULL,
	 N_("Yahoo: not accepted for policy reasons"),
	 N_("Yahoo rejected the message by policy, often failed DMARC or content judged as spam."),
	 N_("Check SPF, DKIM and DMARC alignment of the From domain, and the content.")},
	{"greylisting", NULL, "greylist|graylist|grey-list|gray-list", "gr[ae]y-?list", 4, NULL,
	 N_("Greylisting"),
	 N_("The server refuses the first attempt from an unknown sender on purpose; real mail "
	    "servers retry, most spam software does not."),
	 N_("Nothing to fix: retry after a few minutes (from the same IP, same sender and "
	    "recipient) and it will be accepted.")},
	{"relay-denied", NULL, "relay",
	 "relay(ing)? (access )?(denied|not permitted|prohibited)|(do not|not allowed to|unable "
	 "to) "
	 "relay",
	 0, NULL, N_("Relay access denied"),
	 N_("The server is not the destination of this recipient's domain, and it only relays for "
	    "authenticated users or its own network."),
	 N_("To send through this server, authenticate (AUTH). To deliver to the recipient, "
	    "connect to the MX of the recipient's domain instead.")},
	{"user-unknown", NULL, "unknown|no such|not exist|not found|invalid recipient",
	 "user unknown|unknown (user|recipient)|no such (user|mailbox|recipient)|(mailbox|address|"
	 "recipient|user) (does not|doesn't) exist|(mailbox|recipient|user) not found|invalid "
	 "recipient",
	 5, NULL, N_("Unknown recipient"),
	 N_("The receiving server has no mailbox for this address."),
	 N_("Check the address for typos; remove it from your lists if it bounces again.")},
	{"sender-rejected", NULL, "sender address rejected", "sender address rejected", 0, NULL,
	 N_("Sender address rejected"),
	 N_("The receiving server refuses the MAIL FROM address: its domain does not resolve, "
	    "sender verification failed, or the address is not allowed from your login."),
	 N_("Use a real address of a domain with MX records, and, when authenticated, one your "
	    "account owns.")},
	{"dnsbl", NULL,
	 "spamhaus|spamcop|barracuda|sorbs|blocked using|listed|blacklist|blocklist|block list|"
	 "dnsbl|rbl",
	 "spamhaus|spamcop|barracuda|sorbs|blocked using|(black|block) ?list|dnsbl|\\brbl\\b|"
	 "listed (at|on|in|by)",
	 0, NULL, N_("Sending IP on a DNS block list"),
	 N_("The receiving server looked up your sending IP in a DNS block list (Spamhaus, "
	    "Barracuda, SpamCop...) and found it listed."),
	 N_("Look the IP up on the list's website (the text often gives the URL), remove the "
	    "cause (an infected host, an open relay, a dynamic IP) and request delisting.")},
	{"missing-ptr", NULL, "reverse|ptr|rdns",
	 "reverse (hostname|dns|lookup)|cannot find your hostname|\\bptr\\b|\\brdns\\b", 0, NULL,
	 N_("No reverse DNS (PTR) for the sending IP"),
	 N_("The server wants the sending IP to have a PTR record whose name resolves back to the "
	    "same IP (forward-confirmed reverse DNS)."),
	 N_("Ask whoever controls the IP (your ISP or hosting provider) to set a PTR record that "
	    "matches the server's host name.")},
	{"helo-rejected", NULL, "helo",
	 "helo command rejected|invalid helo|bad helo|helo.*(not "
	 "fully.qualified|host not found)",
	 0, NULL, N_("HELO/EHLO name rejected"),
	 N_("The name given in EHLO or HELO is not a fully qualified domain name, does not "
	    "resolve, "
	    "or pretends to be the receiving server."),
	 N_("Send EHLO with the sending host's real fully qualified name, one that resolves in "
	    "DNS.")},
	{"spf", NULL, "spf|sender policy framework", "\\bspf\\b|sender policy framework", 0, NULL,
	 N_("SPF check"),
	 N_("The text mentions SPF: the sender domain's SPF record was checked against the "
	    "sending IP, and failed or could not be evaluated."),
	 N_("Add the sending server's IP (or its include:) to the SPF record of the envelope "
	    "sender's domain; check the record with an SPF validator.")},
	{"dkim", NULL, "dkim", "\\bdkim\\b", 0, NULL, N_("DKIM check"),
	 N_("The text mentions DKIM: the message's signature was missing, invalid, or not aligned "
	    "with the From domain."),
	 N_("Sign outgoing mail with DKIM for the From domain and publish the public key in DNS; "
	    "do not change the message after signing.")},
	{"dmarc", NULL, "dmarc", "\\bdmarc\\b", 0, NULL, N_("DMARC policy"),
	 N_("The text mentions DMARC: the From domain asks receivers to reject (or quarantine) "
	    "mail that fails both SPF and DKIM alignment."),
	 N_("Make SPF or DKIM pass for the From domain itself (aligned), then send again.")},
	{"bare-lf", NULL, "bare",
	 "bare ?(<lf>|<cr>|lf\\b|cr\\b|linefeed|line feed|newline)|"
	 "barelinefeed",
	 0, NULL, N_("Bare LF rejected"),
	 N_("The message (or a command) had a line ending in LF alone instead of CRLF. Since the "
	    "2023 SMTP smuggling attacks, servers such as Postfix and Sendmail refuse it."),
	 N_("Make the client end every line with CRLF (ehlo does). Check scripts that pipe text "
	    "files with Unix line ends into SMTP.")},
	{"starttls-required", NULL, "starttls|tls|encryption|secure",
	 "(must|please) issue a starttls|starttls (command )?first|tls (is )?required|encryption "
	 "(is )?required|requires? (a )?secure connection",
	 0, NULL, N_("STARTTLS required"),
	 N_("The server will not go on over a plain-text connection."),
	 N_("Send STARTTLS, complete the TLS handshake, then EHLO again, and carry on.")},
	{"auth-required", NULL, "authentication",
	 "authentication (is )?required|must (be )?authenticated?|(not|un)authenticated "
	 "(user|client|sender)",
	 0, NULL, N_("Authentication required"),
	 N_("The server only takes this from users who logged in with AUTH."),
	 N_("Authenticate with AUTH (after STARTTLS) using your account, then try again.")},
	{"too-many-connections", NULL, "too many|connection limit|connection rate",
	 "too many (concurrent |simultaneous )?(connections|sessions)|connection (rate )?limit", 4,
	 NULL, N_("Too many connections"),
	 N_("You have more connections open to this server than it allows for one IP."),
	 N_("Open fewer connections at a time (one is enough for a test) and retry later.")},
	{"rate-limit", NULL, "rate|too many messages|too many mails",
	 "rate limit|rate-limit|too many (messages|mails)|sending rate|(exceeded|reached).*limit",
	 0, NULL, N_("Rate limit"),
	 N_("You are sending faster than the server allows for your IP, account or domain."),
	 N_("Slow down and spread the sending over time; 4xx means a later retry will pass.")},
	{"quota", NULL, "quota|full|storage",
	 "over quota|quota exceeded|exceeded.*quota|mailbox (is )?full|inbox (is )?full|"
	 "insufficient storage|out of storage",
	 0, NULL, N_("Mailbox full"), N_("The recipient's mailbox has no room left."),
	 N_("The recipient must delete mail or get more space; tell them by another channel.")},
	{"size-limit", NULL, "size|too large|too big",
	 "size (exceeds|limit)|exceeds.*(size|maximum)|(message|mail) (is )?too (large|big)", 0,
	 NULL, N_("Message too big"), N_("The message is larger than the server accepts."),
	 N_("Compare with the SIZE value in the EHLO reply; send big files as links.")},
	{"pipelining-violation", NULL, "pipelin",
	 "improper command pipelining|pipelining (not allowed|violation)|allowed to pipeline", 0,
	 NULL, N_("Command pipelining not allowed here"),
	 N_("The client sent commands before the server's reply, where the server does not allow "
	    "it (before the greeting, without PIPELINING, or right after STARTTLS)."),
	 N_("Wait for each reply before sending the next command, unless PIPELINING is "
	    "advertised.")},
	{"virus", NULL, "virus|malware|infected", "virus|malware|infected", 5, NULL,
	 N_("Virus or malware found"), N_("The server's scanner found malware in the message."),
	 N_("Scan the attachment and the sending machine; send a clean file.")},
	{"spam-content", NULL, "spam|junk|content",
	 "(rejected|blocked|identified|classified|detected|marked) as (spam|junk)|spam "
	 "(detected|message)|content (rejected|refused)|spam score|looks like spam|considered "
	 "(as )?spam|probability of spam",
	 5, NULL, N_("Rejected as spam"), N_("The content filter judged the message to be spam."),
	 N_("Check the content (links, attachments, wording), the sender's authentication and "
	    "reputation; ask the recipient to allow-list you if it is wanted mail.")},
	{"queued-as", NULL, "queued as|queued", "queued as [0-9a-z]+|\\bqueued\\b", 2, NULL,
	 N_("Queued: note the id"), N_("The server accepted the message and gives its queue id."),
	 N_("Keep the id: the server's admin can find the message in the logs with it.")},
	{"gmail-accepted", GMAIL, "gsmtp", "gsmtp", 2, NULL, N_("Gmail accepted it"),
	 N_("Google's server took the message; the token before \"- gsmtp\" identifies it in "
	    "Google's logs."),
	 N_("If it does not arrive in the inbox, look in the spam folder: acceptance is not "
	    "inbox placement.")},
};
const size_t help_pattern_table_len = sizeof help_pattern_table / sizeof help_pattern_table[0];

static regex_t help_regex[sizeof help_pattern_table / sizeof help_pattern_table[0]];
static int help_regex_ok[sizeof help_pattern_table / sizeof help_pattern_table[0]];
static int help_regex_done;

/* Compile every pattern once (a pattern that fails to compile never matches). */
static void
help_patterns_compile(void)
{
	if (help_regex_done)
		return;
	for (size_t i = 0; i < help_pattern_table_len; i++)
		help_regex_ok[i] = regcomp(&help_regex[i], help_pattern_table[i].regex,
					   REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0;
	help_regex_done = 1;
}

/* Does the lower-case text contain one of the '|'-separated hints? */
static int
help_hint(const char *lower, const char *hints)
{
	if (hints == NULL)
		return 1;
	char one[64];
	while (*hints != '\0') {
		size_t n = strcspn(hints, "|");
		if (n > 0 && n < sizeof one) {
			memcpy(one, hints, n);
			one[n] = '\0';
			if (strstr(lower, one) != NULL)
				return 1;
		}
		hints += n;
		if (*hints == '|')
			hints++;
	}
	return 0;
}

/* Match the reply text against the patterns; see help-int.h. */
void
help_patterns_match(const char *text, size_t len, struct help_explanation *out)
{
	char lower[HELP_REPLY_TEXT_MAX];
	help_patterns_compile();
	if (len >= sizeof lower)
		len = sizeof lower - 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		lower[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : (c == '\0' ? ' ' : c));
	}
	lower[len] = '\0';
	for (size_t i = 0; i < help_pattern_table_len && out->n_matches < HELP_MAX_PATTERNS; i++) {
		const struct help_pattern *p = &help_pattern_table[i];
		if (p->cls != 0 && p->cls != (int)out->cls)
			continue;
		if (p->enh != NULL && strcmp(p->enh, out->enhanced) != 0)
			continue;
		if (!help_regex_ok[i] || !help_hint(lower, p->hint))
			continue;
		if (regexec(&help_regex[i], lower, 0, NULL, 0) != 0)
			continue;
		struct help_match *m = &out->matches[out->n_matches++];
		m->id = p->id;
		m->provider = p->provider != NULL ? p->provider : _(N_("any server"));
		m->title = _(p->title);
		m->meaning = _(p->meaning);
		m->action = _(p->action);
	}
}

/* Patterns in the table. */
size_t
help_pattern_count(void)
{
	return help_pattern_table_len;
}

/* The i-th pattern's id. */
const char *
help_pattern_id(size_t i)
{
	return i < help_pattern_table_len ? help_pattern_table[i].id : "";
}
