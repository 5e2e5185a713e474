/*
 * netsim.h - the core of stkauth-netsim, the GSM network simulator: the
 * network object, the entities that own addresses (subscribers, AT modems,
 * SMPP binds), MO submission, MT delivery with ack/nack, status reports,
 * store-and-forward, faults, metrics and configuration hooks.
 *
 * One single-threaded libevent loop (ns_base()).  No callback documented
 * here is ever invoked from inside the call that causes it: results and
 * deliveries are always scheduled on the loop, so callers never re-enter.
 *
 * Messages inside the network are TS 23.040 TPDUs (lib/tpdu.h):
 *   - a submission is an SMS-SUBMIT (struct stk_tpdu, type SUBMIT) plus
 *     the originator's address; an SMPP module builds the SMS-SUBMIT from
 *     submit_sm (esm_class UDHI -> udhi/udh, protocol_id -> TP-PID,
 *     data_coding -> TP-DCS, registered_delivery -> TP-SRR,
 *     validity_period -> TP-VP) with the lib/tpdu.h setters;
 *   - a delivery is an SMS-DELIVER built by the network (TP-OA, TP-SCTS,
 *     TP-PID, TP-DCS, TP-UDHI and the user data copied from the submission,
 *     TP-SRI set when a status report was requested, TS 23.040 §9.2.2.1),
 *     or an SMS-STATUS-REPORT (§9.2.2.3) for the originator of a message
 *     that asked for one (TP-SRR, §9.2.3.5).
 *
 * Stability: helper K (SMPP) codes against this header; additions only.
 */
#ifndef STKAUTH_NETSIM_H
#define STKAUTH_NETSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sms_addr.h"
#include "tpdu.h"

struct event_base;
struct netsim;
struct ns_entity;
struct ns_delivery;

/* ---- RP causes (TS 24.011 §8.2.5.4, table 8.4) used by the network ---- */

#define NS_RP_UNASSIGNED_NUMBER 1
#define NS_RP_OPERATOR_BARRING 8
#define NS_RP_CALL_BARRED 10
#define NS_RP_SM_TRANSFER_REJECTED 21
#define NS_RP_MEMORY_EXCEEDED 22	/* MT: temporary, kept and retried */
#define NS_RP_DEST_OUT_OF_ORDER 27
#define NS_RP_UNIDENTIFIED_SUBSCRIBER 28
#define NS_RP_FACILITY_REJECTED 29
#define NS_RP_UNKNOWN_SUBSCRIBER 30
#define NS_RP_NETWORK_OUT_OF_ORDER 38
#define NS_RP_TEMPORARY_FAILURE 41
#define NS_RP_CONGESTION 42
#define NS_RP_RESOURCES_UNAVAILABLE 47
#define NS_RP_INVALID_REFERENCE 81
#define NS_RP_SEMANTICALLY_INCORRECT 95
#define NS_RP_INVALID_MANDATORY_INFO 96
#define NS_RP_PROTOCOL_ERROR 111
#define NS_RP_INTERWORKING 127

/* Name of an RP cause from the table ("Memory capacity exceeded"); never
 * NULL ("unknown cause"). */
const char *ns_rp_cause_name(unsigned cause);

/* Whether an MT failure with this cause is temporary (the message stays
 * stored and is retried: 22, 27, 38, 41, 42, 47) or permanent. */
bool ns_rp_cause_temporary(unsigned cause);

/* ---- entities ---- */

enum ns_entity_kind {
	NS_ENT_SUBSCRIBER = 0,		/* phone simulator (NETSIM-SUBSCRIBER.md) */
	NS_ENT_MODEM = 1,		/* AT modem (TS 27.005) */
	NS_ENT_SMPP = 2,		/* SMPP 3.4 ESME bind */
	NS_ENT_KIND_COUNT
};

/* "subscriber", "modem", "smpp"; never NULL. */
const char *ns_entity_kind_name(unsigned kind);

struct ns_entity_ops {
	/*
	 * The network hands d to the entity.  Return 0 when the entity has
	 * taken it: it then owns d until it calls ns_delivery_done() exactly
	 * once (possibly much later; the network times out after
	 * ns_config.mt_ack_timeout_s and treats d as failed temporarily, after
	 * which ns_delivery_done() on it is still safe: it is ignored).
	 * Return a nonzero RP cause to refuse at once (e.g.
	 * NS_RP_MEMORY_EXCEEDED): d is then still the network's.
	 * The entity may also complete d from inside deliver (an AT modem
	 * storing the message) and then returns 0.
	 * Called only from the loop (timers), never from inside an ns_*
	 * call the entity makes; never while the entity is down.
	 */
	int (*deliver)(struct ns_entity *e, struct ns_delivery *d);
};

/*
 * Create an entity of a kind, named for logs and metrics ("modem1",
 * "esme:bank"; copied).  It owns no address and is down (unreachable)
 * until ns_entity_own() and ns_entity_set_up().  ctx is the caller's
 * (ns_entity_ctx()).  NULL on no memory or a duplicate name.
 */
struct ns_entity *ns_entity_new(struct netsim *ns, enum ns_entity_kind kind,
    const char *name, const struct ns_entity_ops *ops, void *ctx);

/*
 * Remove an entity: it loses its addresses, its in-flight deliveries go
 * back to the store (retried when an owner of the address comes up), its
 * pending submit callbacks are cancelled (never called).  NULL is a no-op.
 */
void ns_entity_free(struct ns_entity *e);

void *ns_entity_ctx(const struct ns_entity *e);
const char *ns_entity_name(const struct ns_entity *e);
enum ns_entity_kind ns_entity_kind(const struct ns_entity *e);
struct netsim *ns_entity_net(const struct ns_entity *e);

/*
 * Make e the owner of an address: "+491700000001" (international),
 * "12345" (unknown TON digits) or, with prefix true, every number starting
 * with those characters (longest prefix wins; exact owners beat prefixes).
 * STK_E_DUPLICATE when another entity owns exactly that address/prefix,
 * STK_E_INVALID for a malformed address.
 */
int ns_entity_own(struct ns_entity *e, const char *addr, bool prefix);

/*
 * Reachability: a subscriber is up while attached, a modem while it has a
 * client and its SIM is ready, an SMPP ESME while bound as a receiver or
 * transceiver.  Going up makes the network deliver the messages stored for
 * the entity (in submission order), starting on the next turn of the loop.
 * Going down does not take back deliveries the entity holds: it completes
 * them (typically with NS_RP_DEST_OUT_OF_ORDER, which keeps them stored).
 */
void ns_entity_set_up(struct ns_entity *e, bool up);
bool ns_entity_is_up(const struct ns_entity *e);

/* ---- MO: submitting a message into the network ---- */

struct ns_submit_result {
	int rp_cause;		/* 0 accepted; else a TS 24.011 cause */
	uint64_t msg_id;	/* network message id (accepted only), >= 1 */
	uint8_t mr;		/* TP-MR the network assigned (accepted only) */
};

typedef void (*ns_submit_cb)(struct ns_entity *from,
    const struct ns_submit_result *r, void *arg);

/*
 * Submit an SMS-SUBMIT (type STK_TPDU_SUBMIT; copied) from entity from,
 * with originator oa (for subscribers and modems their own MSISDN; for
 * SMPP the source_addr, which may be alphanumeric).  The TP-MR in submit
 * is ignored: the network assigns one per originating entity (0..255,
 * wrapping), reports it in the result and uses it in the status report.
 * cb (may be NULL) is called once from the loop, later, unless the entity
 * is freed first.  Routing happens at submission: a destination nobody
 * owns is refused with NS_RP_UNASSIGNED_NUMBER.  Returns 0 when queued,
 * STK_E_INVALID for a TPDU that is not an SMS-SUBMIT, STK_E_NOMEM.
 */
int ns_submit(struct ns_entity *from, const struct stk_sms_addr *oa,
    const struct stk_tpdu *submit, ns_submit_cb cb, void *arg);

/* ---- MT: deliveries ---- */

enum ns_delivery_kind {
	NS_DLV_SM = 0,			/* SMS-DELIVER */
	NS_DLV_STATUS_REPORT = 1,	/* SMS-STATUS-REPORT */
};

struct ns_delivery {
	uint64_t id;		/* handle for this attempt, unique, >= 1 */
	enum ns_delivery_kind kind;
	/* The TPDU to hand to the MS (SMS-DELIVER / SMS-STATUS-REPORT). */
	struct stk_tpdu tpdu;
	/* The network message this is (SM) or reports on (STATUS_REPORT). */
	uint64_t msg_id;
	/* The originating and destination addresses of that message. */
	struct stk_sms_addr oa;
	struct stk_sms_addr da;
	/* STATUS_REPORT: TP-ST (§9.2.3.15) as in the TPDU. */
	uint8_t st;
	/* Opaque to entities. */
	struct ns_entity *to;
	void *priv;
};

/*
 * Complete a delivery.  rp_cause 0 is RP-ACK; otherwise RP-ERROR with that
 * TS 24.011 cause (temporary ones keep the message stored for a retry,
 * permanent ones end it and produce a failure status report when one was
 * requested).  report (may be NULL/0) is the SMS-DELIVER-REPORT TPDU from
 * the MS, logged and counted.  d must not be used afterwards.
 */
void ns_delivery_done(struct ns_delivery *d, int rp_cause,
    const uint8_t *report, size_t report_len);

/* ---- the network ---- */

struct ns_config;

/* The loop everything runs on. */
struct event_base *ns_base(struct netsim *ns);
const struct ns_config *ns_config(const struct netsim *ns);

/* Current time (seconds since the epoch) and the network's time zone
 * offset in minutes (config network.tz_minutes), for SCTS. */
int64_t ns_now(const struct netsim *ns);
int ns_tz_minutes(const struct netsim *ns);

/*
 * TCP_NODELAY on an accepted connection (modem terminal, subscriber,
 * SMPP session); no-op on other sockets (AF_UNIX).  What the simulator
 * writes — a final result code, then an unsolicited +CMT, a deliver_sm,
 * an MT line — leaves in separate loop passes; with Nagle's algorithm the
 * second waits until the peer acknowledges the first, which a Linux peer
 * delays by up to 40 ms (its delayed ACK) when it has nothing to send.  A
 * serial line or a radio link has no such wait: neither should its
 * simulation.
 */
void ns_tcp_nodelay(int fd);

/* ---- metrics (Prometheus text format on the metrics port) ---- */

/*
 * Add n to a counter.  name is a metric name ("netsim_messages_total"),
 * declared once with ns_metric_declare(); labels is the label set without
 * braces ("path=\"smpp->subscriber\",state=\"delivered\"") or "" (copied;
 * the caller escapes values).  Unknown names are declared on the fly as
 * untyped counters.
 */
void ns_metric_add(struct netsim *ns, const char *name, const char *labels,
    uint64_t n);
/* type: "counter" or "gauge"; help: one line. */
void ns_metric_declare(struct netsim *ns, const char *name, const char *type,
    const char *help);
/* Gauges: set to a value. */
void ns_metric_set(struct netsim *ns, const char *name, const char *labels,
    int64_t v);

/* ---- faults ---- */

/*
 * Per path faults (path = "FROM->TO" with kinds subscriber, modem, smpp,
 * or "*" for either side), applied to MT deliveries:
 *   delay_ms      every delivery waits this long before being handed over
 *   loss_pct      this percentage of deliveries vanish (counted)
 *   dup_pct       this percentage are delivered twice
 *   reorder       1: segments of a concatenated message (UDH IEI 00/08)
 *                 are delivered in reverse order
 * Keys in the INI: [faults] path.FROM->TO.delay_ms = 200 (etc.); at run
 * time POST /faults on the control port with "key=value" lines.
 *
 * Modules with faults of their own (SMPP, modems) register a setter for
 * a key prefix ("smsc.", "modem."): set returns 0, or STK_E_INVALID /
 * STK_E_NOT_FOUND with a message in err.
 */
typedef int (*ns_fault_setter)(void *ctx, const char *key, const char *value,
    char *err, size_t errsz);
int ns_fault_register(struct netsim *ns, const char *prefix,
    ns_fault_setter set, void *ctx);
/* Set one fault key (any registered prefix or "path."). */
int ns_fault_set(struct netsim *ns, const char *key, const char *value,
    char *err, size_t errsz);

/* Random integer in [0, 100) from the network's seeded generator (config
 * network.seed), for fault percentages, so test runs are reproducible. */
unsigned ns_rand_pct(struct netsim *ns);

/* ---- modules (SMPP) ---- */

/*
 * A module plugs a transport into the daemon.  The daemon passes it the
 * INI keys of the sections it claims (section names equal to one of
 * sections[] or starting with it followed by a space: "smsc",
 * "esme bank"), calls check after loading (errors abort --check-config
 * and startup), start once the network exists (bind listeners, create
 * entities, register faults and metrics), stop on shutdown.
 * Errors: return nonzero and write a message in err (the daemon adds
 * file:line).
 */
struct ns_module {
	const char *name;
	const char *const *sections;	/* NULL-terminated */
	void *(*config_new)(void);
	int (*config_set)(void *cfg, const char *section, const char *key,
	    const char *value, char *err, size_t errsz);
	int (*config_check)(void *cfg, char *err, size_t errsz);
	void (*config_free)(void *cfg);
	int (*start)(struct netsim *ns, void *cfg);
	void (*stop)(struct netsim *ns, void *cfg);
};

/* The SMPP SMSC module (smpp.c); always linked, always registered. */
extern const struct ns_module ns_smpp_module;

/* ---- address helpers ---- */

/*
 * The routing key of an address: "+digits" for international numbers,
 * the digits for others, the text for alphanumeric ones (as
 * stk_sms_addr_to_text).  out holds STK_ADDR_TEXT_MAX + 1.
 */
int ns_addr_key(const struct stk_sms_addr *a, char *out, size_t outsz);

#endif
