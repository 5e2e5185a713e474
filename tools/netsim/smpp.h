/*
 * smpp.h - the SMPP 3.4 SMSC of stkauth-netsim: configuration and the
 * private interface between smpp_config.c and smpp.c.
 *
 * INI sections (docs/NETSIM.md, section "SMSC"):
 *   [smsc]        listen, system_id, window, throughput_per_second,
 *                 enquire_link_s, response_timeout_s, bind_timeout_s,
 *                 max_sessions
 *   [esme NAME]   system_id, password, addresses, bind, window,
 *                 throughput_per_second, max_binds
 * Faults ([faults] smsc.KEY = VALUE, or at run time through the control
 * interface): smsc.throttle_pct, smsc.bind_refuse_pct, smsc.drop_pct,
 * smsc.delay_ms, smsc.drop_all.
 */
#ifndef STKAUTH_NETSIM_SMPP_H
#define STKAUTH_NETSIM_SMPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smpp_pdu.h"

#define SMPP_MAX_ESMES 32
#define SMPP_MAX_ADDRS 16
#define SMPP_NAME_MAX 32

/* Bind kinds an ESME may use (bit mask). */
#define SMPP_BIND_TX 0x01
#define SMPP_BIND_RX 0x02
#define SMPP_BIND_TRX 0x04

struct smpp_esme_cfg {
	char name[SMPP_NAME_MAX];
	char system_id[SMPP_SYSTEM_ID_MAX];
	char password[SMPP_PASSWORD_MAX];
	bool has_password;
	/* Owned addresses: "+4917..." exact, or prefixes (written "555*"). */
	size_t naddrs;
	char addrs[SMPP_MAX_ADDRS][STK_ADDR_TEXT_MAX + 1];
	bool addr_prefix[SMPP_MAX_ADDRS];
	unsigned binds;			/* SMPP_BIND_* mask */
	unsigned window;		/* 0: the [smsc] value */
	unsigned throughput;		/* submit_sm per second, 0: [smsc] */
	bool has_throughput;
	unsigned max_binds;
};

struct smpp_faults {
	unsigned throttle_pct;		/* submit_sm answered ESME_RTHROTTLED */
	unsigned bind_refuse_pct;	/* binds answered ESME_RBINDFAIL */
	unsigned drop_pct;		/* submit_sm: connection dropped instead */
	unsigned delay_ms;		/* every response held back this long */
};

struct smsc;

struct smpp_cfg {
	bool enabled;			/* an [smsc] section was seen */
	char listen[80];		/* "127.0.0.1:2775" */
	char system_id[SMPP_SYSTEM_ID_MAX];
	unsigned window;		/* outstanding PDUs per session, each way */
	unsigned throughput;		/* submit_sm/s per ESME, 0 unlimited */
	unsigned enquire_link_s;	/* idle time before we probe, 0 off */
	unsigned response_timeout_s;
	unsigned bind_timeout_s;
	unsigned max_sessions;
	size_t nesmes;
	struct smpp_esme_cfg esmes[SMPP_MAX_ESMES];
	struct smsc *rt;		/* runtime, while started */
};

/* smpp_config.c: the ns_module configuration hooks. */
void *smpp_config_new(void);
int smpp_config_set(void *cfg, const char *section, const char *key,
    const char *value, char *err, size_t errsz);
int smpp_config_check(void *cfg, char *err, size_t errsz);
void smpp_config_free(void *cfg);

/* Parse one fault key ("smsc." prefix optional) into f.  "drop_all" is
 * not a stored fault: *drop_all is set for the caller to act on. */
int smpp_fault_parse(struct smpp_faults *f, const char *key,
    const char *value, bool *drop_all, char *err, size_t errsz);

/* An unsigned decimal in [min, max]. */
int smpp_parse_uint(const char *value, unsigned min, unsigned max,
    unsigned *out);

#endif
