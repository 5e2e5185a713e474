/*
 * phone.h - stkauth-phone, the ME (handset) simulator: private header,
 * prototypes grouped by file.  See docs/PHONE.md.
 *
 *   uicc.c     ME side of the UICC interface: APDU exchange with the T=0
 *              procedure (61xx GET RESPONSE, 6Cxx resend), decoded APDU
 *              log, SELECT + FCP, READ BINARY / RECORD, VERIFY PIN,
 *              TERMINAL PROFILE, ENVELOPE, FETCH, TERMINAL RESPONSE, the
 *              EF ICCID / EF MSISDN decoders.  Transport-independent.
 *   pcsc.c     the PC/SC transport (libpcsclite).
 *   smspp.c    SMS-PP data download (TS 31.111 §7.1.1): which MT SMS go
 *              to the card, and what the network is told afterwards.
 *   popup.c    proactive command -> STK pop-up, answers -> TERMINAL
 *              RESPONSE, the framed dialog and the one-line status.
 *   net.c      the netsim subscriber protocol (docs/NETSIM-SUBSCRIBER.md).
 *   control.c  the control socket (docs/PHONE.md).
 *   main.c     options, the poll() event loop, the proactive session.
 */
#ifndef STKAUTH_PHONE_H
#define STKAUTH_PHONE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <termios.h>

#include "cat.h"
#include "tpdu.h"

/* ---- uicc.c ------------------------------------------------------------ */

/* Largest response one exchange collects (data across GET RESPONSEs). */
#define PHONE_RESP_MAX 1024
/* Longest command APDU: header, Lc, 255 data, Le. */
#define PHONE_APDU_MAX 261

/*
 * Send one command APDU (len bytes) and receive the response (data + SW1
 * SW2) into resp (*rlen in: capacity, at least 258; out: length).
 * Returns 0 or a negative STK_E_* (STK_E_IO: the card or reader is gone).
 */
typedef int (*phone_xmit_fn)(void *ctx, const uint8_t *apdu, size_t len,
    uint8_t *resp, size_t *rlen);

struct phone_card {
	phone_xmit_fn xmit;
	void *ctx;
	bool t1;	/* T=1: case 4 commands carry Le 00 (ISO 7816-3 §12.3) */
};

/*
 * The outcome of one command after the transport procedure: sw1sw2 is the
 * status word the command itself answered (e.g. 62xx, 9Fxx, 61xx), sw the
 * final one after GET RESPONSE / resend (9000, 91xx, ...), data what the
 * card returned in all.  For 61xx / 9Fxx, sw1sw2 keeps that value so the
 * caller can tell "data available" apart from "9000".
 */
struct phone_rapdu {
	uint16_t first_sw;
	uint16_t sw;
	size_t len;
	uint8_t data[PHONE_RESP_MAX];
};

/* Command cases of ISO/IEC 7816-3 §12.1 as far as T=0 cares. */
enum phone_case {
	PHONE_CASE1 = 1,	/* no data either way */
	PHONE_CASE2 = 2,	/* data out of the card (Le) */
	PHONE_CASE3 = 3,	/* data into the card (Lc) */
	PHONE_CASE4 = 4,	/* both: T=0 sends Lc only, then GET RESPONSE */
};

/*
 * Exchange one command: header cla ins p1 p2, data (n bytes, case 3/4),
 * le for case 2 (0 = 256).  The T=0 procedure of ISO/IEC 7816-3 §10.3.4
 * and TS 102 221 §7.3.1.1 is applied: 6Cxx re-sends the command with
 * Le = xx, 61xx (and the GSM form 9Fxx, TS 51.011 §9.4.1) fetches the
 * data with GET RESPONSE (repeatedly while 61xx follows), and for case 4
 * a warning 62xx / 63xx without data is followed by GET RESPONSE Le 00
 * (TS 102 221 §7.3.1.1.4) to collect any data.  Every APDU is logged at
 * debug level with its command name and decoded status word.
 * Returns 0 (whatever the status word) or a transport error.
 */
int phone_card_cmd(struct phone_card *card, uint8_t cla, uint8_t ins,
    uint8_t p1, uint8_t p2, const uint8_t *data, size_t n,
    enum phone_case cs, unsigned le, struct phone_rapdu *r);

/* Name of a command byte (INS) for the log; "INS xx" style NULL if unknown. */
const char *phone_ins_name(uint8_t cla, uint8_t ins);

/* What TS 102 221 §11.1.1.3 FCP says about an EF (only what we use). */
struct phone_fcp {
	uint8_t descriptor;	/* file descriptor byte (tag 82, first octet) */
	bool has_records;
	uint16_t record_len;
	uint8_t nrecords;
	bool has_size;
	uint32_t size;		/* tag 80: file size (data bytes) */
	bool has_fid;
	uint16_t fid;
};
/*
 * Parse an FCP template (tag 62, exactly the input).  STK_E_INVALID for
 * a wrong outer tag, malformed TLVs as lib/tlv.h reports them, tag 82 or
 * 80 / 83 with impossible lengths (diag names them: "FCP file
 * descriptor", "FCP file size", "FCP file identifier").
 */
int phone_fcp_parse(const uint8_t *in, size_t len, struct phone_fcp *fcp,
    struct stk_diag *diag);

/*
 * EF ICCID (TS 102 221 §13.2): 10 octets BCD, nibbles swapped, F filler
 * only at the end.  out gets 1..20 digits.  STK_E_INVALID otherwise.
 */
int phone_iccid_decode(const uint8_t *in, size_t len, char *out,
    size_t outsz);
/*
 * One EF MSISDN record (TS 31.102 §4.2.26, EF ADN coding TS 51.011
 * §10.5.1): X alpha octets, then length of BCD number/SSC contents, TON
 * and NPI, 10 octets dialling number, CCP, extension.  out gets "+digits"
 * for an international number, else the digits; an unused record (length
 * FF or 00) is STK_E_NOT_FOUND.  STK_E_INVALID for bad lengths/digits.
 */
int phone_msisdn_decode(const uint8_t *rec, size_t len, char *out,
    size_t outsz);

/*
 * The card's identity as the phone reads it at start-up: SELECT MF, EF
 * ICCID, VERIFY PIN1 when EF MSISDN needs it and pin is not NULL, EF
 * MSISDN (DF TELECOM 7F10 / 6F40, first used record).
 */
struct phone_card_info {
	char iccid[21];
	char msisdn[24];	/* empty when the card has none */
};
int phone_read_identity(struct phone_card *card, const char *pin,
    struct phone_card_info *info);

/*
 * The TERMINAL PROFILE this simulator sends (TS 102 223 §5.2): exactly
 * the facilities it implements.  Returns its length (<= cap) or < 0.
 */
int phone_terminal_profile(uint8_t *tp, size_t cap);

/* TERMINAL PROFILE, ENVELOPE, FETCH, TERMINAL RESPONSE (TS 102 221 §10.1). */
int phone_send_terminal_profile(struct phone_card *card,
    struct phone_rapdu *r);
int phone_envelope(struct phone_card *card, const uint8_t *data, size_t n,
    struct phone_rapdu *r);
int phone_fetch(struct phone_card *card, uint8_t len, struct phone_rapdu *r);
int phone_terminal_response(struct phone_card *card, const uint8_t *data,
    size_t n, struct phone_rapdu *r);

/* ---- pcsc.c ------------------------------------------------------------ */

struct phone_pcsc;
/* Connect to the reader (NULL: the first one with a card) with protocol
 * "T=0", "T=1" or NULL (either, the reader's choice).  The handle is the
 * ctx of a struct phone_card with phone_pcsc_xmit. */
int phone_pcsc_open(const char *reader, const char *protocol,
    struct phone_pcsc **out);
int phone_pcsc_xmit(void *ctx, const uint8_t *apdu, size_t len,
    uint8_t *resp, size_t *rlen);
const char *phone_pcsc_reader(const struct phone_pcsc *p);
const char *phone_pcsc_protocol(const struct phone_pcsc *p);
void phone_pcsc_close(struct phone_pcsc *p);

/* ---- smspp.c ----------------------------------------------------------- */

/*
 * TS 31.111 §7.1.1.1: the ME passes an SMS to the UICC when TP-PID is
 * "(U)SIM data download" (7F) or "ANSI-136 R-DATA" (7C, which this ME
 * does not handle itself) and TP-DCS says message class 2.
 */
bool phone_sms_is_download(const struct stk_tpdu *deliver);

/* How the ME answers the network for an MT message. */
struct phone_mt_answer {
	bool ack;			/* RP-ACK (MT-ACK), else RP-ERROR */
	uint8_t rp_cause;		/* RP-ERROR: TS 24.011 §8.2.5.4 */
	size_t report_len;		/* 0: no SMS-DELIVER-REPORT */
	uint8_t report[176];
	const char *why;		/* for logs and events, static */
};

/* RP-Cause the ME gives with an RP-ERROR for a download failure. */
#define PHONE_RP_CAUSE_PROTOCOL_ERROR 111	/* protocol error, unspecified */
#define PHONE_RP_CAUSE_INVALID_MANDATORY 96	/* invalid mandatory info */

/*
 * The decision table of TS 31.111 §7.1.1.1 (TS 51.014 §7.1.1 for the GSM
 * status words).  Given the SMS-DELIVER that went to the card and the
 * card's answer to ENVELOPE (r->first_sw, r->sw, r->data):
 *   9000, 91xx (nothing or data with T=1), 61xx / 9Fxx + data
 *                      -> RP-ACK; with data an SMS-DELIVER-REPORT whose
 *                         TP-PID / TP-DCS are the original's and TP-UD the
 *                         data (TP-UDHI when the data begins with a UDH
 *                         holding IEI 71, the response packet, TS 31.115)
 *   9300               -> RP-ERROR, TP-FCS D4 (toolkit busy)
 *   62xx / 63xx        -> RP-ERROR, TP-FCS D5 with the data if any; or,
 *                         with rel11, RP-ACK with the data (the Rel-11
 *                         change, see TS 31.124 §27.22.5.1.3)
 *   9Exx, 6Fxx, others -> RP-ERROR, TP-FCS D5 (with the data if any)
 * Returns 0, or STK_E_INVALID when the report cannot carry the data
 * (then ans still holds a usable answer without a report).
 */
int phone_smspp_answer(const struct stk_tpdu *deliver,
    const struct phone_rapdu *r, bool rel11, struct phone_mt_answer *ans);

/*
 * The ME's part of SEND SHORT MESSAGE (TS 102 223 §6.4.10, TS 31.111
 * §6.4.10): decode the SMS-SUBMIT, set TP-MR to mr, pack 8-bit GSM
 * default alphabet data into 7-bit when the qualifier asks for packing,
 * and encode into out.  STK_E_* (the caller answers "command data not
 * understood", 32) when the TPDU is not a valid SMS-SUBMIT or cannot be
 * packed.
 */
int phone_mo_prepare(const uint8_t *tpdu, size_t len, uint8_t qualifier,
    uint8_t mr, struct stk_buf *out, struct stk_diag *diag);

/* ---- popup.c ----------------------------------------------------------- */

enum phone_popup_kind {
	PHONE_POPUP_NONE = 0,
	PHONE_POPUP_DISPLAY_TEXT,
	PHONE_POPUP_SELECT_ITEM,
	PHONE_POPUP_GET_INPUT,
};

#define PHONE_TEXT_MAX STK_CAT_TEXT_MAX

struct phone_popup_item {
	uint8_t id;
	char text[PHONE_TEXT_MAX];
};

struct phone_popup {
	uint8_t kind;			/* enum phone_popup_kind */
	struct stk_cat_cmd_details cmd;
	char title[PHONE_TEXT_MAX];	/* alpha identifier */
	char text[PHONE_TEXT_MAX];	/* text string (DISPLAY TEXT, GET INPUT) */
	char default_text[PHONE_TEXT_MAX];
	bool high_priority, wait_for_user, immediate_response, help;
	/* SELECT ITEM */
	size_t nitems;
	struct phone_popup_item items[STK_CAT_MAX_ITEMS];
	bool has_default_item;
	uint8_t default_item;
	/* GET INPUT */
	uint8_t min_len, max_len;
	bool digits_only, ucs2, packed, hidden;
	/* duration of DISPLAY TEXT (ms, 0 = none) */
	unsigned duration_ms;
};

const char *phone_popup_kind_name(unsigned kind);	/* "select-item" */

/*
 * Map a decoded proactive command to a pop-up (TS 102 223 §6.4.1 DISPLAY
 * TEXT, §6.4.3 GET INPUT, §6.4.8 SELECT ITEM).  STK_E_UNSUPPORTED for a
 * command that is not a pop-up.
 */
int phone_popup_from_cmd(const struct stk_cat_proactive *p,
    struct phone_popup *pp);

enum phone_answer_kind {
	PHONE_ANS_CONFIRM = 1,	/* OK key / the confirming item / the PIN */
	PHONE_ANS_REJECT,	/* End key: session terminated by the user */
	PHONE_ANS_ITEM,		/* select item N (its identifier) */
	PHONE_ANS_INPUT,	/* GET INPUT text */
	PHONE_ANS_BACK,		/* backward move */
	PHONE_ANS_NO_RESPONSE,	/* the UI timeout passed */
	PHONE_ANS_HELP,		/* help requested */
};

#define PHONE_INPUT_MAX 256

struct phone_answer {
	uint8_t kind;			/* enum phone_answer_kind */
	uint8_t item;
	char input[PHONE_INPUT_MAX];
};

/*
 * Parse the argument of the control command ANSWER: "confirm", "reject",
 * "back", "help", "ignore" / "timeout" (no response), "item N" (the item
 * identifier, 1..255), "input TEXT" (the rest of the line).
 * STK_E_INVALID for anything else.
 */
int phone_answer_parse(const char *arg, struct phone_answer *a);

/*
 * The answer an automatic user gives: confirm (with pin for GET INPUT)
 * or reject.  For SELECT ITEM "confirm" picks the default item, else the
 * first item whose text looks like a yes (confirm, accept, approve, yes,
 * ok), else the first item; "reject" picks the item that looks like a no
 * (reject, decline, deny, cancel, no) or answers "terminated by the
 * user".  STK_E_INVALID for GET INPUT confirm without a usable pin.
 */
int phone_auto_answer(const struct phone_popup *pp, bool confirm,
    const char *pin, struct phone_answer *a);

/*
 * Build the TERMINAL RESPONSE for an answer (TS 102 223 §6.8, results of
 * §8.12): confirm 00 (SELECT ITEM: the default or first item with its
 * identifier; GET INPUT: the default text), item 00 + item identifier,
 * input 00 + text string (digits only / SMS alphabet / UCS-2 and packed or
 * not per the qualifier, length checked against the response length),
 * reject 10, back 11, no response 12, help 13.  STK_E_INVALID when the
 * answer does not fit the pop-up (unknown item, input of the wrong
 * length or alphabet, item for DISPLAY TEXT): the pop-up stays.
 */
int phone_popup_response(const struct phone_popup *pp,
    const struct phone_answer *a, struct stk_cat_terminal_response *tr,
    const char **why);

/* The framed dialog, for a terminal of width columns. */
void phone_popup_render(const struct phone_popup *pp, FILE *f,
    unsigned width);

/*
 * One line for STATUS / events:
 *   <kind> cmd=<n> title="..." text="..." items="01:Yes|02:No"
 *   default=<id> input=<min>-<max>,digits|sms|ucs2[,hidden]
 * Strings in C-style double quotes (\" \\ \n \t escaped).  Returns
 * STK_E_NOSPACE if truncated (out still NUL-terminated).
 */
int phone_popup_status(const struct phone_popup *pp, char *out,
    size_t outsz);

/* Quote s into out as above. */
void phone_quote(const char *s, char *out, size_t outsz);

/* ---- net.c ------------------------------------------------------------- */

#define PHONE_NET_LINE_MAX 1024

enum phone_net_kind {
	PHONE_NET_MT = 1,	/* MT <id> <hex> */
	PHONE_NET_OK,		/* OK <rest> */
	PHONE_NET_ERR,		/* ERR <code> <reason> */
	PHONE_NET_MO_RESULT,	/* MO-RESULT <ref> OK <mr> | ERR <cause> */
	PHONE_NET_PONG,
};

struct phone_net_msg {
	uint8_t kind;
	unsigned long id;	/* MT id, MO-RESULT ref */
	unsigned code;		/* ERR code; MO-RESULT: tp-mr or rp-cause */
	bool ok;		/* MO-RESULT OK */
	size_t tpdu_len;
	uint8_t tpdu[200];	/* MT */
	char text[PHONE_NET_LINE_MAX];	/* OK / ERR rest */
};

/*
 * Parse one line from the network (no LF; a trailing CR is ignored).
 * STK_E_INVALID for anything docs/NETSIM-SUBSCRIBER.md does not define,
 * STK_E_TOO_LONG for an MT TPDU longer than 200 octets.
 */
int phone_net_parse(const char *line, struct phone_net_msg *m);

struct phone_net;
/*
 * The connection: "HOST:PORT" (TCP) or a path (Unix stream socket).
 * Connects with backoff (250 ms doubling to 8 s), sends ATTACH msisdn on
 * every (re)connection.
 */
int phone_net_new(const char *endpoint, const char *msisdn,
    struct phone_net **out);
void phone_net_free(struct phone_net *n);
/* fd to poll (or -1 while waiting to reconnect) and the events wanted. */
int phone_net_fd(const struct phone_net *n);
/* ms until the next reconnection attempt (-1: none pending). */
int phone_net_timeout(const struct phone_net *n);
/* Attempt a connection if one is due. */
void phone_net_tick(struct phone_net *n);
/*
 * Read what is available; fills up to cap messages, returns their count
 * (0..cap; cap means "call again", lines may be buffered) or < 0 when the
 * connection dropped (reconnection is scheduled).  An ERR answer to
 * ATTACH drops the connection too: the phone attaches again later.
 */
int phone_net_read(struct phone_net *n, struct phone_net_msg *msgs,
    size_t cap);
bool phone_net_attached(const struct phone_net *n);
/* Send one line (without LF).  STK_E_IO when not connected. */
int phone_net_send(struct phone_net *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- control.c --------------------------------------------------------- */

struct phone_ctl;
/* Callbacks into main.c. */
struct phone_ctl_ops {
	/* The current pop-up's status line into out ("NONE" if none). */
	void (*status)(void *ctx, char *out, size_t outsz);
	/* Apply an answer; returns 0 or an error with *why set. */
	int (*answer)(void *ctx, const struct phone_answer *a,
	    const char **why);
	/* "INFO": ICCID, MSISDN, attachment as one line. */
	void (*info)(void *ctx, char *out, size_t outsz);
	void *ctx;
};
int phone_ctl_open(const char *path, const struct phone_ctl_ops *ops,
    struct phone_ctl **out);
void phone_ctl_close(struct phone_ctl *c);
/* Add its fds to pfd (room for PHONE_CTL_MAX_FDS); returns how many. */
#define PHONE_CTL_MAX_FDS 9
size_t phone_ctl_pollfds(struct phone_ctl *c, struct pollfd *pfd);
/* Handle readiness of the fds added by the last pollfds call. */
void phone_ctl_handle(struct phone_ctl *c, const struct pollfd *pfd,
    size_t n);
/* Send "EVENT <text>" to every subscribed client. */
void phone_ctl_event(struct phone_ctl *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- session.c --------------------------------------------------------- */

enum phone_auto_mode {
	PHONE_AUTO_NONE = 0,	/* the keypad (stdin) or the control socket */
	PHONE_AUTO_CONFIRM,
	PHONE_AUTO_REJECT,
	PHONE_AUTO_IGNORE,	/* never answer: the UI timeout does (12) */
};

/* DISPLAY TEXT "clear after a delay" (qualifier bit 8 = 0, no duration):
 * how long the text stays before the terminal answers 00 (§6.4.1). */
#define PHONE_CLEAR_DELAY_MS 3000
/* How long a SEND SHORT MESSAGE waits for MO-RESULT. */
#define PHONE_MO_TIMEOUT_MS 60000
/* Card absent or lost: try again this often. */
#define PHONE_CARD_RETRY_MS 1000

/* The handset: options, the card, the proactive session, the network. */
struct phone {
	/* options */
	const char *reader, *sim_pin, *network, *msisdn_opt, *control;
	const char *input_pin, *protocol;
	uint8_t auto_mode;		/* enum phone_auto_mode */
	unsigned delay_ms, ui_timeout_ms;
	bool rel11, have_smsc, ui;
	struct stk_sms_addr smsc;
	FILE *screen;			/* pop-ups and SMS for the user */

	/* the card */
	struct phone_pcsc *pcsc;
	struct phone_card card;
	void (*card_close)(struct phone *ph);	/* release the transport */
	bool card_ok;
	uint64_t card_retry_at;
	struct phone_card_info info;

	/* the proactive session */
	bool fetch_pending;
	uint8_t fetch_len;
	bool popup_open;
	struct phone_popup popup;
	uint64_t popup_deadline, auto_at, clear_at;
	uint8_t clear_result;
	bool echo_off;
	struct termios saved_tio;

	/* SEND SHORT MESSAGE waiting for the network */
	bool mo_waiting;
	unsigned long mo_ref, next_ref;
	struct stk_cat_cmd_details mo_cmd;
	uint64_t mo_deadline;
	uint8_t next_mr;

	struct phone_net *net;
	struct phone_ctl *ctl;
};

/* Monotonic milliseconds. */
uint64_t phone_now_ms(void);
/*
 * After power-on (ph->card set up): read ICCID / MSISDN, send TERMINAL
 * PROFILE (TS 102 221 §14.7.1).  STK_E_VERIFY for a wrong PIN1.
 */
int phone_session_card_ready(struct phone *ph);
/* The transport failed: forget the card and the session's state. */
void phone_session_card_lost(struct phone *ph);
/* FETCH and run proactive commands while the card has some and the
 * terminal is free (no pop-up open, no MO waiting). */
void phone_session_proactive(struct phone *ph);
/* The network connection is readable. */
void phone_session_net_input(struct phone *ph);
/* One line typed on the keypad (stdin). */
void phone_session_keypad(struct phone *ph, char *line);
/* Answer the open pop-up (keypad, control socket, automatic user). */
int phone_session_answer(struct phone *ph, const struct phone_answer *a,
    const char **why);
/* The control socket's callbacks for this phone. */
void phone_session_ctl_ops(struct phone *ph, struct phone_ctl_ops *ops);
/* Timers (automatic answers, UI timeout, MO timeout); ms to the next. */
void phone_session_timers(struct phone *ph);
int phone_session_timeout(const struct phone *ph);
/* Leave the terminal as it was (echo back on). */
void phone_session_end(struct phone *ph);

#endif
