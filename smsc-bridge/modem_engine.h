/*
 * modem_engine.h - one GSM modem's AT conversation (3GPP TS 27.005 PDU
 * mode, TS 27.007), as a state machine without I/O: the owner feeds it
 * the bytes the modem sent and the current time, writes what it asks to
 * write, and calls me_tick() at me_deadline().  The same engine serves a
 * serial port and a TCP byte stream (modem_dev.c); the unit tests drive
 * it byte by byte with a simulated clock.
 *
 * Life cycle: DOWN -> (link up) INIT -> READY; a command that times out
 * sends the engine to RECOVER (ESC, Ctrl-Z, ATZ, each followed by an AT
 * probe); when that fails it asks the owner to reopen the link.  FATAL
 * (wrong PIN, PUK needed) never retries by itself: retrying a PIN would
 * lock the SIM.
 *
 * Sending: one message at a time.  me_send() accepts a message when
 * me_can_send(); it ends in exactly one ops->sent() or ops->failed(),
 * also when the link drops (failed TEMPORARY).  Callbacks are made from
 * me_input(), me_tick(), me_send() (never sent/failed from inside
 * me_send() itself: a message only ends after bytes came back or time
 * passed) and me_link_down().
 */
#ifndef STKAUTH_BRIDGE_MODEM_ENGINE_H
#define STKAUTH_BRIDGE_MODEM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

#define ME_NEVER INT64_MAX

enum me_state {
	ME_DOWN = 0,	/* no link */
	ME_INIT,	/* running the init sequence */
	ME_READY,	/* can send */
	ME_RECOVER,	/* a command timed out: trying to resynchronise */
	ME_FATAL,	/* needs an operator (PIN refused, PUK, no PIN) */
	ME_STATE_COUNT
};

/* Where new messages are routed (AT+CNMI <mt>, <ds>; TS 27.005 §3.4.1). */
enum me_mt { ME_MT_CMT = 2, ME_MT_CMTI = 1 };
enum me_ds { ME_DS_NONE = 0, ME_DS_CDS = 1, ME_DS_CDSI = 2 };

struct me_params {
	char name[32];		/* for logs */
	char pin[9];		/* "" = none configured */
	char smsc[24];		/* "" = keep the SIM's, read with +CSCA? */
	enum me_mt mt;
	enum me_ds ds;
	double rate;		/* messages per second, 0 = unlimited */
	int64_t cmd_timeout_ms;	/* ordinary commands, the "> " prompt */
	int64_t send_timeout_ms;	/* PDU written -> +CMGS */
	int64_t keepalive_ms;	/* AT when idle this long (0: never) */
	int64_t init_timeout_ms;	/* whole init sequence incl. SIM wait */
	int64_t retry_ms;	/* SIM busy / not ready: ask again after */
};

struct me_ops {
	void (*write)(void *ctx, const void *p, size_t n);
	/* READY entered (up) or left (down, with the reason). */
	void (*state)(void *ctx, bool up, const char *why);
	/* The link is beyond repair: close it, reopen after a backoff.
	 * The engine is already DOWN when this is called. */
	void (*reopen)(void *ctx, const char *why);
	void (*sent)(void *ctx, uint64_t id, unsigned mr);
	void (*failed)(void *ctx, uint64_t id, enum transport_fail cls,
	    const char *reason);
	/* An SMS-DELIVER or SMS-STATUS-REPORT; STK_OK = stored, acknowledge
	 * (AT+CNMA / AT+CMGD); anything else = leave it with the modem. */
	int (*received)(void *ctx, const uint8_t *tpdu, size_t len);
};

struct me_stats {
	unsigned long sent, failed, received, acked, deleted;
	unsigned long timeouts, recoveries, inits, bad_lines, bad_pdus;
	unsigned long urcs;
};

struct modem_engine;

struct modem_engine *me_new(const struct me_params *p,
    const struct me_ops *ops, void *ctx);
void me_free(struct modem_engine *e);

void me_link_up(struct modem_engine *e, int64_t now);
/* The link is gone (EOF, I/O error, closed by the owner). */
void me_link_down(struct modem_engine *e, int64_t now, const char *why);
void me_input(struct modem_engine *e, int64_t now, const uint8_t *p,
    size_t n);
void me_tick(struct modem_engine *e, int64_t now);
/* When me_tick() wants to run next (ME_NEVER: only on input). */
int64_t me_deadline(const struct modem_engine *e);

bool me_can_send(const struct modem_engine *e);
/* Take one message (tpdu copied).  STK_E_STATE when !me_can_send(),
 * STK_E_TOO_LONG for a TPDU over 164 octets. */
int me_send(struct modem_engine *e, int64_t now, uint64_t id,
    const uint8_t *tpdu, size_t len);
/* Whether a message is in flight (queued for its rate slot or sent). */
bool me_busy(const struct modem_engine *e);

enum me_state me_state(const struct modem_engine *e);
const char *me_state_name(enum me_state s);
const struct me_stats *me_stats(const struct modem_engine *e);
/* The SMSC address in use (+CSCA), "" until known. */
const char *me_smsc(const struct modem_engine *e);

#endif
