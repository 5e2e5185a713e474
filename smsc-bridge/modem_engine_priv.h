/*
 * modem_engine_priv.h - the engine's state, shared by its two files:
 * modem_engine.c (commands, sending, receiving, recovery) and
 * modem_init.c (the init sequence table).  Nothing else includes it.
 */
#ifndef STKAUTH_BRIDGE_MODEM_ENGINE_PRIV_H
#define STKAUTH_BRIDGE_MODEM_ENGINE_PRIV_H

#include "modem_at.h"
#include "modem_engine.h"

/* What the command in progress is. */
enum me_cmd_kind {
	CK_NONE = 0,
	CK_INIT,	/* one step of the init sequence (arg: step) */
	CK_PING,	/* AT: keepalive */
	CK_CMGS,	/* sending the message */
	CK_CNMA,	/* acknowledge a +CMT / +CDS */
	CK_CMGR,	/* read stored message arg */
	CK_CMGD,	/* delete stored message arg */
	CK_CMGL,	/* list stored messages */
	CK_CNMI,	/* re-enable routing (after a missed +CNMA) */
	CK_PROBE,	/* recovery: AT after a kick */
	CK_KIND_COUNT
};

struct me_cmd {
	enum me_cmd_kind kind;
	unsigned arg;
};

#define ME_QUEUE_MAX 32
#define ME_LIST_MAX 16		/* +CMGL entries handled per listing */

struct me_stored {
	unsigned index;
	int stat;
	size_t len;
	uint8_t tpdu[MAT_TPDU_MAX];
};

/* Results of an init step's final-result handler. */
enum me_step_result {
	STEP_NEXT = 0,		/* go on with the next step */
	STEP_SKIP,		/* skip the next step */
	STEP_AGAIN,		/* ask the same again after retry_ms */
	STEP_REPEAT_PREV,	/* back to the previous step (after retry_ms) */
	STEP_FAIL,		/* give up: reopen the link */
	STEP_FATAL,		/* give up until an operator acts */
};

struct modem_engine {
	struct me_params p;
	const struct me_ops *ops;
	void *ctx;
	struct mat_parser parser;
	enum me_state state;
	struct me_stats stats;
	int64_t last_now;	/* time of the running me_input/me_tick */

	/* The command in progress. */
	struct me_cmd cur;
	int64_t cur_deadline;
	bool prompt_seen;	/* CK_CMGS: PDU written */
	int mr;			/* CK_CMGS: +CMGS: <mr>, -1 none yet */
	bool rx_ok;		/* CK_CMGR: the message was stored */
	bool rx_seen;

	/* Queued commands (receive side and maintenance), FIFO with an
	 * express lane at the front for +CNMA. */
	struct me_cmd queue[ME_QUEUE_MAX];
	size_t qhead, qlen;

	/* The message being sent. */
	bool have_msg;
	uint64_t msg_id;
	size_t msg_len;
	uint8_t msg[MAT_TPDU_MAX];
	int64_t next_send;	/* rate limit: earliest next AT+CMGS */

	/* Init sequence. */
	unsigned step;
	int64_t init_deadline;
	int64_t wait_until;	/* a retry delay before the next step */
	bool sim_ready;		/* +CPIN: READY seen */
	int cpin;		/* +CPIN: answer of this step (modem_init.c) */
	bool pin_sent;
	bool csms1;		/* AT+CSMS=1 accepted: we acknowledge */
	char smsc[24];

	/* Recovery. */
	unsigned rstep;
	int64_t settle_until;	/* quiet time after a kick, then probe */

	/* Maintenance. */
	int64_t last_io;	/* last command finished (keepalive base) */
	bool need_cnmi;		/* an un-acknowledged +CMT may have reset it */
	bool need_rescan;	/* stored messages may be left on the SIM */

	/* +CMGL listing. */
	struct me_stored list[ME_LIST_MAX];
	size_t nlist;
	bool list_overflow;
	char why[128];
};

/* modem_init.c */
/* Write the command of init step e->step; false when it is to be
 * skipped (the caller moves on). */
bool me_init_command(struct modem_engine *e, char *buf, size_t bufsz,
    bool *secret);
void me_init_info(struct modem_engine *e, const struct mat_event *ev);
enum me_step_result me_init_final(struct modem_engine *e,
    const struct mat_event *ev);
unsigned me_init_steps(void);
const char *me_init_step_name(unsigned step);

#endif
