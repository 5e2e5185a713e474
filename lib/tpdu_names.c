/*
 * tpdu_names.c - the name tables of TPDU field values (TS 23.040): TP-PID
 * (§9.2.3.9), TP-ST (§9.2.3.15), TP-FCS (§9.2.3.22) and TP-CT (§9.2.3.19),
 * for logs and the PDU inspector.  The TPDU types and TP-MTI names live
 * with the type table in tpdu.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "tpdu.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Names: TP-PID (§9.2.3.9) ---- */

/* Bits 4-0 with bit 5 set: the telematic device type. */
static const char *const pid_telematic[32] = {
	[0x00] = "telematic interworking: implicit (SC specific)",
	[0x01] = "telematic interworking: telex",
	[0x02] = "telematic interworking: group 3 telefax",
	[0x03] = "telematic interworking: group 4 telefax",
	[0x04] = "telematic interworking: voice telephone",
	[0x05] = "telematic interworking: ERMES",
	[0x06] = "telematic interworking: National Paging system",
	[0x07] = "telematic interworking: Videotex (T.100 [20] /T.101 [21])",
	[0x08] = "telematic interworking: teletex, carrier unspecified",
	[0x09] = "telematic interworking: teletex, in PSPDN",
	[0x0a] = "telematic interworking: teletex, in CSPDN",
	[0x0b] = "telematic interworking: teletex, in analog PSTN",
	[0x0c] = "telematic interworking: teletex, in digital ISDN",
	[0x0d] = "telematic interworking: UCI (Universal Computer Interface)",
	[0x10] = "telematic interworking: message handling facility",
	[0x11] = "telematic interworking: public X.400-based message "
	    "handling system",
	[0x12] = "telematic interworking: Internet Electronic Mail",
	[0x18] = "telematic interworking: SC specific 1",
	[0x19] = "telematic interworking: SC specific 2",
	[0x1a] = "telematic interworking: SC specific 3",
	[0x1b] = "telematic interworking: SC specific 4",
	[0x1c] = "telematic interworking: SC specific 5",
	[0x1d] = "telematic interworking: SC specific 6",
	[0x1e] = "telematic interworking: SC specific 7",
	[0x1f] = "telematic interworking: GSM/UMTS mobile station",
};

/* Bits 7-6 = 01: the message types 0x40..0x7F. */
static const char *const pid_types[64] = {
	[0x00] = "short message type 0",
	[0x01] = "replace short message type 1",
	[0x02] = "replace short message type 2",
	[0x03] = "replace short message type 3",
	[0x04] = "replace short message type 4",
	[0x05] = "replace short message type 5",
	[0x06] = "replace short message type 6",
	[0x07] = "replace short message type 7",
	[0x1e] = "Enhanced Message Service (obsolete)",
	[0x1f] = "return call message",
	[0x3c] = "ANSI-136 R-DATA",
	[0x3d] = "ME data download",
	[0x3e] = "ME de-personalization short message",
	[0x3f] = "(U)SIM data download",
};

const char *
stk_pid_name(uint8_t pid)
{
	const char *s;

	switch (pid >> 6) {
	case 0:
		if (pid & 0x20) {
			s = pid_telematic[pid & 0x1f];
			return s != NULL ? s :
			    "telematic interworking: reserved device type";
		}
		return pid == 0 ? "default (no telematic interworking, "
		    "SME-to-SME protocol)" :
		    "no telematic interworking, SM-AL protocol";
	case 1:
		s = pid_types[pid & 0x3f];
		return s != NULL ? s : "reserved message type";
	case 2:
		return "reserved";
	default:
		return "SC specific use";
	}
}

/* ---- Names: TP-ST (§9.2.3.15) ---- */

static const struct code_name {
	uint8_t code;
	const char *name;
} st_names[] = {
	{ 0x00, "short message received by the SME" },
	{ 0x01, "short message forwarded by the SC to the SME but the SC is "
	    "unable to confirm delivery" },
	{ 0x02, "short message replaced by the SC" },
	{ 0x20, "temporary error, SC still trying: congestion" },
	{ 0x21, "temporary error, SC still trying: SME busy" },
	{ 0x22, "temporary error, SC still trying: no response from SME" },
	{ 0x23, "temporary error, SC still trying: service rejected" },
	{ 0x24, "temporary error, SC still trying: quality of service not "
	    "available" },
	{ 0x25, "temporary error, SC still trying: error in SME" },
	{ 0x40, "permanent error: remote procedure error" },
	{ 0x41, "permanent error: incompatible destination" },
	{ 0x42, "permanent error: connection rejected by SME" },
	{ 0x43, "permanent error: not obtainable" },
	{ 0x44, "permanent error: quality of service not available" },
	{ 0x45, "permanent error: no interworking available" },
	{ 0x46, "permanent error: SM validity period expired" },
	{ 0x47, "permanent error: SM deleted by originating SME" },
	{ 0x48, "permanent error: SM deleted by SC administration" },
	{ 0x49, "permanent error: SM does not exist" },
	{ 0x60, "temporary error, SC not trying: congestion" },
	{ 0x61, "temporary error, SC not trying: SME busy" },
	{ 0x62, "temporary error, SC not trying: no response from SME" },
	{ 0x63, "temporary error, SC not trying: service rejected" },
	{ 0x64, "temporary error, SC not trying: quality of service not "
	    "available" },
	{ 0x65, "temporary error, SC not trying: error in SME" },
};

const char *
stk_st_name(uint8_t st)
{
	for (size_t i = 0; i < NELEM(st_names); i++)
		if (st_names[i].code == st)
			return st_names[i].name;
	if (st >= 0x80)
		return "reserved";
	/* Each block of 32 ends with 16 values "specific to each SC". */
	if ((st & 0x1f) >= 0x10)
		return "values specific to each SC";
	switch (st >> 5) {
	case 0:
		return "reserved (short message transaction completed)";
	case 1:
		return "reserved (temporary error, SC still trying)";
	case 2:
		return "reserved (permanent error, SC is not making any more "
		    "transfer attempts)";
	default:
		return "reserved (temporary error, SC is not making any more "
		    "transfer attempts)";
	}
}

/* ---- Names: TP-FCS (§9.2.3.22) ---- */

static const struct code_name fcs_names[] = {
	{ 0x80, "telematic interworking not supported" },
	{ 0x81, "short message Type 0 not supported" },
	{ 0x82, "cannot replace short message" },
	{ 0x8f, "unspecified TP-PID error" },
	{ 0x90, "data coding scheme (alphabet) not supported" },
	{ 0x91, "message class not supported" },
	{ 0x9f, "unspecified TP-DCS error" },
	{ 0xa0, "command cannot be actioned" },
	{ 0xa1, "command unsupported" },
	{ 0xaf, "unspecified TP-Command error" },
	{ 0xb0, "TPDU not supported" },
	{ 0xc0, "SC busy" },
	{ 0xc1, "no SC subscription" },
	{ 0xc2, "SC system failure" },
	{ 0xc3, "invalid SME address" },
	{ 0xc4, "destination SME barred" },
	{ 0xc5, "SM rejected-duplicate SM" },
	{ 0xc6, "TP-VPF not supported" },
	{ 0xc7, "TP-VP not supported" },
	{ 0xd0, "(U)SIM SMS storage full" },
	{ 0xd1, "no SMS storage capability in (U)SIM" },
	{ 0xd2, "error in MS" },
	{ 0xd3, "memory capacity exceeded" },
	{ 0xd4, "(U)SIM Application Toolkit busy" },
	{ 0xd5, "(U)SIM data download error" },
	{ 0xff, "unspecified error cause" },
};

const char *
stk_fcs_name(uint8_t fcs)
{
	for (size_t i = 0; i < NELEM(fcs_names); i++)
		if (fcs_names[i].code == fcs)
			return fcs_names[i].name;
	if (fcs >= 0xe0)
		return "value specific to an application";
	return "reserved";
}

/* ---- Names: TP-CT (§9.2.3.19) ---- */

static const struct code_name ct_names[] = {
	{ 0x00, "enquiry relating to previously submitted short message" },
	{ 0x01, "cancel status report request relating to previously "
	    "submitted short message" },
	{ 0x02, "delete previously submitted short message" },
	{ 0x03, "enable status report request relating to previously "
	    "submitted short message" },
};

const char *
stk_ct_name(uint8_t ct)
{
	for (size_t i = 0; i < NELEM(ct_names); i++)
		if (ct_names[i].code == ct)
			return ct_names[i].name;
	return ct >= 0xe0 ? "values specific for each SC" : "reserved";
}
