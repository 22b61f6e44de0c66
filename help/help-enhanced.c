/*
 * help-enhanced.c: lookup in the registered enhanced codes (help-enhanced-table.c, which is
 * generated) and the ranges providers use for details the registry does not define.
 */
#include <stddef.h>

#include "help-int.h"

/* Provider ranges, most specific first: the first row that covers a detail wins. */
const struct help_enhrange help_enhrange_table[] = {
	{5, 7, 57, 57, "Microsoft 365",
	 N_("The client did not authenticate, and Microsoft 365 does not take anonymous mail on "
	    "this endpoint (SMTP submission needs AUTH).")},
	{5, 7, 64, 64, "Microsoft 365",
	 N_("Relay access denied: no connector or tenant matches this sender "
	    "(TenantAttribution).")},
	{4, 7, 500, 699, "Microsoft 365",
	 N_("Microsoft is throttling mail from this IP or tenant (server busy); a normal server "
	    "retries later and gets through.")},
	{5, 7, 606, 649, "Microsoft 365",
	 N_("The sending IP is on Microsoft's block list. Its owner can request delisting at "
	    "sender.office.com.")},
	{5, 7, 708, 708, "Microsoft 365",
	 N_("Traffic from this IP is not accepted (typical for new tenants on low-reputation "
	    "IPs).")},
	{5, 7, 700, 749, "Microsoft 365",
	 N_("The sending tenant exceeded a sending limit or was blocked for suspicious "
	    "activity; its admin must contact Microsoft support.")},
	{5, 7, 750, 750, "Microsoft 365",
	 N_("The tenant is blocked from sending from domains it has not registered and verified.")},
	{5, 7, 500, 799, "Microsoft 365",
	 N_("A Microsoft 365 security or policy block (access denied, spam, reputation); the text "
	    "and Microsoft's documentation of this number give the cause.")},
	{5, 4, 300, 399, "Microsoft 365",
	 N_("A Microsoft 365 routing or DNS failure while looking up the destination.")},
};
const size_t help_enhrange_table_len = sizeof help_enhrange_table / sizeof help_enhrange_table[0];

/* Find a registered subject.detail (the table is sorted by subject, then detail). */
const struct help_enhrow *
help_enh_find(int subject, int detail)
{
	size_t lo = 0, hi = help_enh_table_len;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct help_enhrow *r = &help_enh_table[mid];
		if (r->subject == subject && r->detail == detail)
			return r;
		if (r->subject < subject || (r->subject == subject && r->detail < detail))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Registered codes. */
size_t
help_enhanced_count(void)
{
	return help_enh_table_len;
}

/* The i-th registered code. */
void
help_enhanced_at(size_t i, int *subject, int *detail)
{
	*subject = i < help_enh_table_len ? help_enh_table[i].subject : 0;
	*detail = i < help_enh_table_len ? help_enh_table[i].detail : 0;
}
