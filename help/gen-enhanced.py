#!/usr/bin/env python3
"""Generate help-enhanced-table.c from IANA's SMTP enhanced status code registry (CSV).

Usage: help/gen-enhanced.py help/iana-smtp-enhanced-status-codes.csv > help/help-enhanced-table.c &&
       clang-format -i help/help-enhanced-table.c

The CSV gives code, title (sample text), associated basic codes and reference; the plain
meaning of each code is ours, below. The output is committed, so the build never runs this;
the CSV is kept beside it so the table can be regenerated and checked (tests/help/
check_enhanced.py). Every code of the CSV must have a meaning here, and every meaning a code
there.
"""
import csv
import re
import sys

MEANING = {
    "X.0.0": "Nothing more specific applies; only the class (success, temporary or permanent) is known. Read the server's text.",
    "X.1.0": "Something about an address (sender or recipient) caused this, without more detail.",
    "X.1.1": "The recipient's mailbox does not exist: the part before the @ is wrong. Check the spelling.",
    "X.1.2": "The recipient's domain (after the @) does not exist or cannot receive mail. Check the domain name.",
    "X.1.3": "The recipient address is not written correctly (syntax).",
    "X.1.4": "The recipient address matches more than one mailbox on the destination, so it is ambiguous.",
    "X.1.5": "The recipient address is valid. A success report, typically in answer to RCPT.",
    "X.1.6": "The mailbox has moved and there is no forwarding address. Ask the person for the new one.",
    "X.1.7": "The sender address is not written correctly (syntax).",
    "X.1.8": "The sender's domain is not valid or cannot receive replies (for example it does not resolve).",
    "X.1.9": "The message was passed to a mail system that does not support delivery status notifications; no further report will come.",
    "X.1.10": "The recipient's domain publishes a null MX: it accepts no mail at all.",
    "X.2.0": "The recipient mailbox exists but has a problem not described more precisely.",
    "X.2.1": "The mailbox is disabled and takes no mail, possibly for a while (suspended or closed account).",
    "X.2.2": "The recipient's mailbox is full (over quota).",
    "X.2.3": "The message is larger than this mailbox or site allows.",
    "X.2.4": "A mailing list could not be expanded into its members.",
    "X.3.0": "A problem in the receiving mail system, without more detail.",
    "X.3.1": "The receiving mail system is out of storage.",
    "X.3.2": "The receiving host does not accept mail from the network (it may be shutting down, or never accepts any).",
    "X.3.3": "The receiving system lacks a feature the message needs (for example 8-bit or binary transport).",
    "X.3.4": "The message is too big for the receiving system as a whole, whatever the mailbox.",
    "X.3.5": "The receiving system is misconfigured; its admin must fix it.",
    "X.3.6": "The message was accepted, but its priority (MT-PRIORITY) was changed.",
    "X.4.0": "A network or routing problem, without more detail.",
    "X.4.1": "The destination host did not answer. (Microsoft 365 also uses 5.4.1 when it rejects a recipient its directory does not know.)",
    "X.4.2": "The connection to the destination broke or could not carry the message.",
    "X.4.3": "A directory or DNS lookup needed for routing failed.",
    "X.4.4": "No route to the destination: the domain has no usable MX or address records.",
    "X.4.5": "The mail system is congested; it will try later.",
    "X.4.6": "The message went round in a loop (too many Received headers, or forwarding back and forth).",
    "X.4.7": "The message waited in the queue too long and the server gave up delivering it.",
    "X.5.0": "A problem in the SMTP dialogue, without more detail.",
    "X.5.1": "The command was invalid, out of sequence, or not supported.",
    "X.5.2": "The command was not understood: a syntax error.",
    "X.5.3": "Too many recipients for one message; send the rest in another transaction.",
    "X.5.4": "The command's arguments are invalid (a bad parameter or an unknown AUTH mechanism).",
    "X.5.5": "The two sides speak different protocol versions.",
    "X.5.6": "An authentication line was longer than the server accepts.",
    "X.6.0": "A problem with the message's content or format, without more detail.",
    "X.6.1": "The destination does not support a media type in the message.",
    "X.6.2": "The content would need converting, but the sender forbade conversion.",
    "X.6.3": "The content needs converting for the destination, but no conversion is available.",
    "X.6.4": "The message was delivered, but converted with some loss (for example 8-bit to 7-bit).",
    "X.6.5": "A required conversion of the content failed.",
    "X.6.6": "The message referred to (BURL) could not be fetched.",
    "X.6.7": "The address has non-ASCII characters and this sender or recipient cannot use them (SMTPUTF8).",
    "X.6.8": "The reply would contain UTF-8 but the client did not ask for SMTPUTF8.",
    "X.6.9": "The message has UTF-8 headers and a recipient's server cannot take them, so it was rejected.",
    "X.6.10": "Deprecated: a duplicate of X.6.8.",
    "X.7.0": "A security or policy problem that no other code describes, or that the server prefers not to detail.",
    "X.7.1": "The sender is not allowed to send this message to this recipient: relaying denied, a block list, or a local policy. The text usually says which.",
    "X.7.2": "You are not allowed to send to this mailing list.",
    "X.7.3": "A security conversion (for example to encrypted or signed form) was required but could not be done.",
    "X.7.4": "A security feature the message asked for is not supported here.",
    "X.7.5": "A cryptographic operation on the message failed (decryption or signature check).",
    "X.7.6": "The message uses a cryptographic algorithm the receiver does not support.",
    "X.7.7": "The message's integrity check failed: it may have been changed in transit.",
    "X.7.8": "The login failed: wrong user name, password or token.",
    "X.7.9": "The authentication mechanism is too weak for this server or account.",
    "X.7.10": "The server requires encryption (TLS) for this.",
    "X.7.11": "This authentication mechanism is only allowed over an encrypted connection.",
    "X.7.12": "The account needs a password transition: log in once with PLAIN (under TLS) so the server can set up this mechanism.",
    "X.7.13": "The user's account is disabled.",
    "X.7.14": "The receiver needs a trust relationship with the sender (for example a configured connector) that does not exist.",
    "X.7.15": "The message's priority is too low for it to be accepted now.",
    "X.7.16": "The message is too big for the priority it asked for.",
    "X.7.17": "The mailbox now belongs to someone else than when the sender last knew it (RRVS).",
    "X.7.18": "The domain now belongs to someone else than when the sender last knew it (RRVS).",
    "X.7.19": "The check that the mailbox has not changed owner (RRVS) could not be done.",
    "X.7.20": "The message carries no DKIM signature that verifies.",
    "X.7.21": "The message has valid DKIM signatures, but none that the receiver finds acceptable.",
    "X.7.22": "No valid DKIM signature matches the domain of the From address.",
    "X.7.23": "The SPF check failed: the sending IP is not allowed by the sender domain's SPF record.",
    "X.7.24": "The SPF check could not be completed (a DNS error or a broken SPF record).",
    "X.7.25": "The sending IP's reverse DNS (PTR) is missing or does not match its name.",
    "X.7.26": "Several authentication checks (SPF, DKIM, DMARC) failed together. Gmail uses it for mail that is not authenticated.",
    "X.7.27": "The sender's domain publishes a null MX, so no bounce could ever reach it; the receiver refuses such senders.",
    "X.7.28": "The message looks like part of a flood of similar abusive mail; Gmail also uses it for unsolicited-mail rate limits.",
    "X.7.29": "The message failed ARC validation (the chain that records authentication results across forwarders).",
    "X.7.30": "The message demands REQUIRETLS and no server on the way to the recipient supports it.",
}


def c_string(s):
    """A C string literal, split so clang-format need not."""
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + s + '"'


def clean(s):
    return re.sub(r"\s+", " ", s).strip()


def refs(s):
    found = re.findall(r"RFC\s?(\d+)", s)
    if found:
        return "; ".join("RFC " + n for n in found)
    return clean(s.strip("[]").replace("[", "").replace("]", ""))


def main():
    rows = []
    with open(sys.argv[1], newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            code = r["Code"].strip()
            m = re.fullmatch(r"X\.(\d+)\.(\d+)", code)
            if not m:
                sys.exit("bad code " + code)
            title = clean(r["Sample Text"]) or "Deprecated (duplicate of X.6.8)"
            if code not in MEANING:
                sys.exit("no meaning written for " + code)
            # Only the codes: "450, 550 (other 4XX or 5XX codes are allowed)" -> "450, 550".
            basic = ", ".join(re.findall(r"\b[2-5][0-9X]{2}\b", r["Associated basic status code"]))
            rows.append((int(m.group(1)), int(m.group(2)), title, MEANING[code], basic,
                         refs(r["Reference"])))
    extra = set(MEANING) - {"X.%d.%d" % (a, b) for a, b, *_ in rows}
    if extra:
        sys.exit("meanings for codes not in the CSV: " + ", ".join(sorted(extra)))
    rows.sort()
    out = sys.stdout
    out.write("/*\n * help-enhanced-table.c: every enhanced status code of the IANA registry "
              "(RFC 3463, RFC 5248),\n * with its IANA title and our plain meaning. GENERATED by "
              "help/gen-enhanced.py from\n * iana-smtp-enhanced-status-codes.csv: edit the script, "
              "not this file.\n */\n")
    out.write('#include <stddef.h>\n\n#include "help-int.h"\n\n')
    out.write("/* Sorted by subject, then detail. */\n")
    out.write("const struct help_enhrow help_enh_table[] = {\n")
    for subj, det, title, meaning, basic, ref in rows:
        out.write("\t{%d, %d,\n\t N_(%s),\n\t N_(%s),\n\t %s, %s},\n" % (
            subj, det, c_string(title), c_string(meaning), c_string(basic), c_string(ref)))
    out.write("};\n")
    out.write("const size_t help_enh_table_len = sizeof help_enh_table / sizeof help_enh_table[0];\n")


if __name__ == "__main__":
    main()
