/*
 * modem.h - one simulated GSM modem: its AT state (at_cmds.c) and its
 * transports and network entity (modem.c).
 */
#ifndef STKAUTH_NETSIM_MODEM_H
#define STKAUTH_NETSIM_MODEM_H

#include <stdbool.h>
#include <stdint.h>

#include "at.h"
#include "ns_priv.h"

struct bufferevent;
struct evconnlistener;
struct event;
struct evbuffer;

/* Message status in PDU mode (TS 27.005 §3.1 <stat>). */
enum modem_stat {
	STAT_REC_UNREAD = 0,
	STAT_REC_READ = 1,
	STAT_STO_UNSENT = 2,
	STAT_STO_SENT = 3,
	STAT_ALL = 4,
};

enum modem_mem { MEM_SM = 0, MEM_ME = 1, MEM_COUNT };

/* One stored message: TS 27.005 <pdu> = SC address + TPDU. */
struct modem_slot {
	bool used;
	uint8_t stat;
	size_t len;			/* octets of pdu */
	size_t tpdu_len;		/* octets after the SC address */
	uint8_t pdu[12 + 176];
};

/* Results of a command handler. */
enum at_result {
	AT_R_OK = 0,
	AT_R_ERROR = -1,
	AT_R_ASYNC = -2,		/* final result sent later */
	AT_R_CMS_BASE = 1000,		/* + n: +CMS ERROR: n */
	AT_R_CME_BASE = 2000,		/* + n: +CME ERROR: n */
};
#define AT_CMS(n) (AT_R_CMS_BASE + (n))
#define AT_CME(n) (AT_R_CME_BASE + (n))

struct cmgs_wait;

struct modem {
	struct ns_modems *owner;
	struct netsim *ns;
	struct ns_modem_cfg *cfg;	/* faults may change at run time */
	struct ns_entity *e;
	struct stk_sms_addr addr;
	/* Transports: one TCP client at a time, and the pty. */
	struct evconnlistener *listener;
	struct bufferevent *tcp;
	struct bufferevent *pty;
	int pty_slave;			/* kept open: no EIO when unused */
	bool dropping;
	/* Byte input and the AT state (V.250 / TS 27.007 / TS 27.005). */
	struct at_input in;
	bool echo, verbose, quiet;
	unsigned cmee;			/* +CMEE: 0, 1, 2 */
	unsigned cnmi[5];		/* mode, mt, bm, ds, bfr */
	unsigned csms;			/* +CSMS service 0 / 1 */
	unsigned creg_n;
	unsigned cfun;
	unsigned pin_tries;
	bool pin_ok, puk_needed;
	int64_t sim_busy_until_ms;
	char sca[STK_ADDR_TEXT_MAX + 1];
	char cscs[8];
	uint8_t mem[3];			/* +CPMS mem1 (read), mem2, mem3 */
	struct modem_slot store[MEM_COUNT][NS_MODEM_STORE_MAX];
	/* +CMGS in progress. */
	unsigned cmgs_len;
	struct cmgs_wait *cmgs;
	/* +CMT/+CDS awaiting +CNMA (with +CSMS=1). */
	struct ns_delivery *cnma_d;
	struct event *cnma_timer;
	unsigned cms_fault_next;
	/* URCs held while a PDU is being typed. */
	struct evbuffer *held;
};

/* at_cmds.c */
void modem_reset(struct modem *m, bool power_on);
/* Run a command line; sends the information and final responses. */
void modem_run_line(struct modem *m, const char *line, size_t len);
/* The PDU after the "> " prompt (AT_EV_PDU / _ABORT / _TOO_LONG). */
void modem_pdu_event(struct modem *m, enum at_event ev, const char *hex,
    size_t len);
/* Final result line (OK, ERROR, +CMS ERROR: n, +CME ERROR: n). */
void modem_final(struct modem *m, int result);
/* Network delivery into the modem (entity deliver callback). */
int modem_deliver(struct ns_entity *e, struct ns_delivery *d);
/* +CNMA timer expired: the TE did not acknowledge. */
void modem_cnma_timeout(struct modem *m);
int64_t modem_now_ms(void);

/* modem.c */
/* Raw bytes to every connected channel (TCP client and pty). */
void modem_write(struct modem *m, const void *p, size_t n);
/* An unsolicited result: held during PDU entry, else sent now. */
void modem_urc(struct modem *m, const char *text);
/* Whether the entity should be up, and make it so. */
void modem_update_up(struct modem *m);
/* Close the TCP client (fault "drop"). */
void modem_drop_client(struct modem *m);

#endif
