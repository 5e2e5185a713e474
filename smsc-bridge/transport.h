/*
 * transport.h - the contract between the bridge core and one way of
 * reaching the mobile network (a modem pool over AT commands, an SMPP 3.4
 * bind).  The core owns the queues and decides what to send; a transport
 * only moves TPDUs and reports what happened to them.
 *
 * Everything runs on the bridge's one libevent loop: no call blocks, every
 * callback is made from the loop, never from inside submit().
 *
 * Units on the wire are complete TS 23.040 TPDUs without an SMSC prefix:
 * SMS-SUBMIT going out, SMS-DELIVER and SMS-STATUS-REPORT coming in.  An
 * SMPP transport maps them to and from submit_sm / deliver_sm fields
 * (SMPP 3.4 §5.2.12 esm_class UDHI, §5.2.13 protocol_id, §5.2.19
 * data_coding) with lib/tpdu.h, so the core never sees SMPP.
 */
#ifndef STKAUTH_BRIDGE_TRANSPORT_H
#define STKAUTH_BRIDGE_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct stk_buf;
struct transport;

/* One outgoing SMS: one segment of a (possibly concatenated) message. */
struct transport_msg {
	uint64_t id;		/* the core's outbox id: unique, never reused */
	char dest[17];		/* E.164 with '+' ("+37255500001") */
	const uint8_t *tpdu;	/* SMS-SUBMIT, TP-MR 0 (the transport or  */
	size_t tpdu_len;	/*   the network assigns the reference)   */
	bool status_report;	/* TP-SRR / registered_delivery wanted */
};

/* Failure classes, so the core can decide on retries by table. */
enum transport_fail {
	TRANSPORT_FAIL_TEMPORARY = 0,	/* retry later, maybe elsewhere */
	TRANSPORT_FAIL_PERMANENT = 1,	/* the network refused this message */
	TRANSPORT_FAIL_THROTTLED = 2,	/* slow down, then retry */
};

/*
 * What a transport reports back.  `core` is the pointer given to open().
 * `from_transport` is the transport's name ("modems"), or "NAME/UNIT" for
 * one link of a transport made of several (one modem of a pool:
 * "modems/gsm0"); the core keeps the transport up while any of its units
 * is up.  A network reference from a unit is "UNIT:REF" ("gsm0:45"), so
 * that a status report received through "NAME/UNIT" matches it.
 * Every submit() that returned STK_OK ends in exactly one of sent() or
 * failed(); a message that was in flight when the link dropped ends in
 * failed(TEMPORARY) - never in silence.
 */
struct transport_events {
	/* Accepted by the network: +CMGS: <mr> / submit_sm_resp message_id. */
	void (*sent)(void *core, uint64_t id, const char *network_ref);
	/* Not accepted; reason is a name ("+CMS ERROR 38 network out of
	 * order", "ESME_RTHROTTLED", "timeout"). */
	void (*failed)(void *core, uint64_t id, enum transport_fail cls,
	    const char *reason);
	/* A TPDU from the network: SMS-DELIVER (an MO answer from a card) or
	 * SMS-STATUS-REPORT (a delivery report for a network_ref given in
	 * sent()).  `from_transport` names the transport instance for logs.
	 * The transport acknowledges it to the network (AT+CNMA, AT+CMGD,
	 * deliver_sm_resp) only after this returns STK_OK: the core has
	 * stored it durably by then.  A non-STK_OK return means "not stored":
	 * the transport must not acknowledge, so the network redelivers. */
	int (*received)(void *core, const char *from_transport,
	    const uint8_t *tpdu, size_t len);
	/* Link state changed (for logs and metrics): up = can submit. */
	void (*link)(void *core, const char *from_transport, bool up,
	    const char *why);
};

/* One [transport NAME] section of the bridge INI, as key/value pairs the
 * transport parses itself (the core only reads `type` and `route`). */
struct transport_config {
	const char *name;	/* section name: "modems", "smsc1" */
	int (*get)(void *cfg, const char *key, const char **val); /* STK_OK,
				   STK_E_NOT_FOUND when absent */
	void *cfg;
};

struct transport_ops {
	const char *type;	/* "modem", "smpp": the INI `type` value */
	/* Check the section without opening anything (bridge -n). */
	int (*check)(const struct transport_config *tc, char *err,
	    size_t errsz);
	int (*open)(struct event_base *base, const struct transport_config *tc,
	    const struct transport_events *ev, void *core,
	    struct transport **out, char *err, size_t errsz);
	/* How many more messages submit() takes now (0: none; the core asks
	 * again after sent/failed/link events). */
	unsigned (*capacity)(struct transport *t);
	/* Queue one message.  STK_OK: it will end in sent() or failed(). */
	int (*submit)(struct transport *t, const struct transport_msg *m);
	/* Prometheus text lines for this transport (stkauth_bridge_ prefix,
	 * label transport="NAME"). */
	void (*metrics)(struct transport *t, struct stk_buf *out);
	/* Stop taking work; finish or fail (TEMPORARY) what is in flight,
	 * then call done(core) once.  Used on SIGTERM. */
	void (*drain)(struct transport *t, void (*done)(void *core));
	void (*free)(struct transport *t);
};

extern const struct transport_ops transport_modem_ops;	/* modem_*.c */
extern const struct transport_ops transport_smpp_ops;	/* smpp_*.c */

#endif
