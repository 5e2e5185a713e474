/*
 * card.h - the virtual UICC of stkauth-sim: private header, prototypes
 * grouped by file (OpenBSD daemon style).
 *
 *   apdu.c    command APDU parsing (ISO/IEC 7816-4 §5.1, short form only),
 *             the CLA/INS dispatch table, the T=0 response procedure
 *             (61xx / 6Cxx / GET RESPONSE, ISO/IEC 7816-3 §10.3.5,
 *             TS 102 221 §7.3.1.1) and the ATR (ISO/IEC 7816-3 §8).
 *   fs.c      the file system (TS 102 221 §8, TS 31.102 §4): the file
 *             tree, SELECT with the FCP (TS 102 221 §11.1.1.3), READ /
 *             UPDATE BINARY, READ / UPDATE RECORD, STATUS.
 *   pin.c     PIN1 / PUK1: VERIFY, CHANGE, DISABLE, ENABLE, UNBLOCK PIN
 *             (TS 102 221 §11.1.9 - §11.1.13, §9.5).
 *   content.c EF contents from command-line text: ICCID (TS 102 221
 *             §13.2), IMSI (TS 31.102 §4.2.2), MSISDN (§4.2.26), SMSP
 *             (§4.2.27), EF DIR (TS 102 221 §13.1), LOCI (§4.2.17).
 *   state.c   the card state file: versioned text, validating decoder,
 *             atomic writes.
 *   vpcd.c    the connector to vsmartcard's vpcd (TCP client, framing,
 *             reconnect with backoff), one poll() loop.
 *   main.c    stkauth-sim: options, signals, start-up.
 *
 * Contract of the engine: card_apdu() takes any byte string as a command
 * and always produces a response of data + SW1 SW2; malformed commands
 * get a status word, never a crash.  Card state that must survive a power
 * cycle (EF contents, PIN values and retry counters) lives in struct
 * card_data and is handed to the persist hook before the command that
 * changed it answers, so a retry counter is never lost by pulling power.
 */
#ifndef STKSIM_CARD_H
#define STKSIM_CARD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authmsg.h"
#include "bytes.h"
#include "cat.h"
#include "err.h"

/* Status words lib/sw.h does not name (ISO/IEC 7816-4 §5.6 table 6). */
#define CARD_SW_CHANNEL_NOT_SUPPORTED	0x6881
#define CARD_SW_SM_NOT_SUPPORTED	0x6882

/* ---- EF storage --------------------------------------------------------- */

/* The elementary files whose contents the card keeps (one copy each; the
 * DF TELECOM / DF GSM and ADF USIM entries of one EF share it, as on
 * real cards where the 2G and 3G paths are linked). */
enum card_ef {
	CARD_EF_ICCID = 0,
	CARD_EF_DIR,
	CARD_EF_IMSI,
	CARD_EF_MSISDN,
	CARD_EF_SMSP,
	CARD_EF_LOCI,
	CARD_EF_COUNT
};

/* Largest EF content we store. */
#define CARD_EF_MAX 128

/* EF structure (TS 102 221 §8.2.2). */
enum card_ef_struct {
	CARD_EF_TRANSPARENT = 1,
	CARD_EF_LINEAR_FIXED = 2,
};

struct card_ef_layout {
	const char *name;	/* "EF.ICCID"; also the state file key part */
	const char *key;	/* state file key, e.g. "ef.iccid" */
	uint8_t structure;	/* enum card_ef_struct */
	uint8_t reclen;		/* linear fixed: record length */
	uint8_t nrec;		/* linear fixed: number of records */
	uint8_t size;		/* total size in bytes */
};

/* Layout of EF e (e < CARD_EF_COUNT). */
const struct card_ef_layout *card_ef_layout(unsigned e);

/* PIN / PUK sizes (TS 102 221 §9.5.1: 8 bytes, ASCII digits, FF padding). */
#define CARD_PIN_LEN		8
#define CARD_PIN1_TRIES_MAX	3
#define CARD_PUK1_TRIES_MAX	10

/* ---- keys and applet configuration (persistent, state file v2) -------- */

/*
 * One OTA key set (TS 102 225 §5.1.2 / §5.1.3: KIc and KID of one key
 * version) with its counters.  kvn 0 marks an empty slot.  The algorithm
 * comes from the KIc / KID octet of each packet; the key lengths must fit
 * it (lib/ota.h).  rx_cntr: highest CNTR accepted from the network (card as
 * receiving entity, TS 102 225 §5.1.1); tx_cntr: last CNTR the card used
 * as sending entity (auth responses, docs/PROTOCOL.md §1).
 */
#define CARD_KEYSET_SLOTS	4
#define CARD_OTA_KEY_MAX	32
struct card_keyset {
	uint8_t kvn;		/* key version 1..15; 0 = empty slot */
	uint8_t kic_len;	/* 0 (none), 8, 16, 24 or 32 */
	uint8_t kid_len;
	uint8_t kic[CARD_OTA_KEY_MAX];
	uint8_t kid[CARD_OTA_KEY_MAX];
	uint64_t rx_cntr;	/* <= STK_OTA_CNTR_MAX */
	uint64_t tx_cntr;
};

#define CARD_ADMIN_KEY_LEN	16	/* AES-128, personalisation */
#define CARD_KAUTH_MAX		64	/* K_auth_card, PROTOCOL.md §6 */
#define CARD_KAUTH_MIN		16
#define CARD_RSA_DER_MAX	2400	/* RSAPrivateKey DER, RSA-4096 fits */
#define CARD_SERVICE_NUMBER_MAX	20	/* digits of the service number */
#define CARD_SEEN_MAX		16	/* = STK_AUTH_SEEN_MAX */
#define CARD_SESSION_ID_LEN	8	/* = STK_AUTH_SESSION_ID_LEN */
#define CARD_APIN_TRIES_MAX	3	/* applet PIN */
#define CARD_APUK_TRIES_MAX	10

/* Everything the card keeps across power cycles. */
struct card_data {
	uint8_t ef[CARD_EF_COUNT][CARD_EF_MAX];
	uint8_t pin1[CARD_PIN_LEN];
	uint8_t puk1[CARD_PIN_LEN];
	uint8_t pin1_tries;	/* 0..CARD_PIN1_TRIES_MAX; 0 = blocked */
	uint8_t puk1_tries;	/* 0..CARD_PUK1_TRIES_MAX; 0 = dead */
	bool pin1_enabled;

	/* Version 2: the OTA layer and the authentication applet. */
	uint8_t admin_key[CARD_ADMIN_KEY_LEN];	/* opens the perso session */
	uint8_t auth_tar[3];		/* TAR of the auth applet */
	struct card_keyset ks[CARD_KEYSET_SLOTS];
	uint8_t kauth_len;		/* 0 = not loaded, else 16..64 */
	uint8_t kauth[CARD_KAUTH_MAX];
	uint16_t rsa_len;		/* 0 = no key pair yet */
	uint8_t rsa[CARD_RSA_DER_MAX];	/* private key, DER (RSAPrivateKey) */
	/* Service number (SEND SHORT MESSAGE TP-DA): "+digits" or digits,
	 * empty when not set. */
	char service[CARD_SERVICE_NUMBER_MAX + 2];
	uint8_t apin[CARD_PIN_LEN];	/* applet PIN block (GET INPUT) */
	uint8_t apin_tries;		/* 0..3; 0 = blocked */
	uint8_t apuk[CARD_PIN_LEN];	/* applet PUK block */
	uint8_t apuk_tries;		/* 0..10 */
	/* Replay memory: last session ids, oldest first (PROTOCOL.md §5). */
	uint8_t nseen;
	uint8_t seen[CARD_SEEN_MAX][CARD_SESSION_ID_LEN];
};

/* Persist hook: STK_OK when the data is durably stored. */
typedef int (*card_persist_fn)(const struct card_data *d, void *arg);

/* Largest response body (one short Le worth) plus room for FCPs. */
#define CARD_RESP_MAX 256

/* ---- toolkit and applet session (volatile) ----------------------------- */

#define CARD_TP_MAX		64	/* TERMINAL PROFILE octets kept */
#define CARD_PROACTIVE_MAX	258	/* D0 81 LL + 255 */
#define CARD_SMS_QUEUE		8	/* SMS-SUBMITs waiting to be sent */
#define CARD_TPDU_MAX		176	/* one SMS-SUBMIT TPDU */

/*
 * PROVIDE LOCAL INFORMATION (date, time and time zone) in the TERMINAL
 * PROFILE: byte 8 bit 3 (TS 102 223 §5.2).  lib/cat.h's facility table
 * does not name it.
 */
#define CARD_TP_PLI_DATETIME_BYTE	8
#define CARD_TP_PLI_DATETIME_MASK	0x04

/* Where the authentication applet is in one request (applet.c). */
enum card_app_state {
	CARD_APP_IDLE = 0,
	CARD_APP_READY,		/* request accepted; the dialogue starts
				 * when the toolkit is free (tk_kick: after
				 * a PoR sent by SMS-SUBMIT) */
	CARD_APP_WAIT_TIME,	/* PROVIDE LOCAL INFORMATION sent */
	CARD_APP_WAIT_DECISION,	/* SELECT ITEM / DISPLAY TEXT sent */
	CARD_APP_WAIT_PIN,	/* GET INPUT (hidden) sent */
};

/* What a queued SMS-SUBMIT carries: it chooses the alpha identifier of
 * its SEND SHORT MESSAGE (toolkit.c). */
enum card_sms_kind {
	CARD_SMS_AUTH = 0,	/* the auth response: "Sending authentication" */
	CARD_SMS_POR,		/* a PoR: null alpha, nothing shown */
	CARD_SMS_KIND_COUNT
};

struct card_tk {
	/* TERMINAL PROFILE (TS 102 221 §11.2.1), as the ME sent it. */
	uint8_t tp[CARD_TP_MAX];
	size_t tp_len;
	bool tp_seen;
	/* The one proactive command of the session (TS 102 223 §6.2). */
	uint8_t cmd[CARD_PROACTIVE_MAX];
	size_t cmd_len;
	bool cmd_pending;	/* announced by 91xx, not yet FETCHed */
	bool cmd_outstanding;	/* FETCHed, TERMINAL RESPONSE awaited */
	struct stk_cat_cmd_details details;
	uint8_t last_number;	/* command number last used (01..FE) */
	/* SMS-SUBMIT TPDUs to send, one SEND SHORT MESSAGE each. */
	uint8_t sms[CARD_SMS_QUEUE][CARD_TPDU_MAX];
	size_t sms_len[CARD_SMS_QUEUE];
	uint8_t sms_kind[CARD_SMS_QUEUE];	/* enum card_sms_kind */
	unsigned nsms;		/* queued */
	unsigned sms_head;	/* index of the one being sent */
	/* The applet's request in progress. */
	uint8_t app_state;	/* enum card_app_state */
	struct stk_auth_request req;
	int64_t scts;		/* SMS-DELIVER SCTS, Unix seconds */
	uint8_t kic, kid;	/* the request's key octets: answer with them */
};

struct card {
	struct card_data d;
	card_persist_fn persist;	/* NULL: nothing to store */
	void *persist_arg;
	/* Volatile state, reset by card_reset(). */
	int cur_df;		/* file tree index of the current DF/ADF */
	int cur_ef;		/* file tree index of the current EF, -1 none */
	int cur_adf;		/* active ADF (tree index) or -1 */
	int cur_rec;		/* record pointer: 1..n, 0 = not set */
	bool pin1_verified;
	/* T=0 response data waiting for GET RESPONSE (ISO 7816-3 §10.3.5). */
	uint8_t pending[CARD_RESP_MAX];
	size_t npending;
	bool has_pending;
	/* Toolkit and applet (toolkit.c, applet.c). */
	struct card_tk tk;
	/* Personalisation session (perso.c): the last GET CHALLENGE and
	 * whether EXTERNAL AUTHENTICATE opened the session. */
	uint8_t challenge[16];
	bool challenge_valid;
	bool admin;
};

/* ---- apdu.c ------------------------------------------------------------- */

/* The four short APDU cases of ISO/IEC 7816-3 §12.1 / 7816-4 §5.1. */
enum apdu_case {
	APDU_CASE1 = 1,		/* CLA INS P1 P2 */
	APDU_CASE2 = 2,		/* ... Le */
	APDU_CASE3 = 3,		/* ... Lc data */
	APDU_CASE4 = 4,		/* ... Lc data Le */
};

struct apdu {
	uint8_t cla, ins, p1, p2;
	uint8_t kase;		/* enum apdu_case */
	struct stk_cur data;	/* the Lc bytes (empty in cases 1, 2) */
	size_t ne;		/* expected length: Le, 00 meaning 256; 0 if absent */
	bool le_present;
};

/*
 * Parse one short command APDU (ISO/IEC 7816-4 §5.1).  The whole input
 * must be one APDU: STK_E_TRUNCATED (< 4 bytes, or fewer data bytes than
 * Lc), STK_E_TRAILING (more than Lc data + Le), STK_E_UNSUPPORTED (Lc = 00
 * followed by more bytes: extended lengths are not supported).  The data
 * cursor borrows from the input.
 */
int apdu_parse(const uint8_t *cmd, size_t len, struct apdu *a,
    struct stk_diag *diag);

/* "case 1" .. "case 4"; "?" otherwise. */
const char *apdu_case_name(unsigned kase);

/* Name of the command for CLA/INS ("SELECT"), NULL if not ours. */
const char *card_ins_name(uint8_t cla, uint8_t ins);

/*
 * Run one command APDU: append the response (data then SW1 SW2) to resp
 * and return STK_OK, or a negative error when resp failed (no memory).
 * *sw_out (optional) receives the status word.
 */
int card_apdu(struct card *c, const uint8_t *cmd, size_t len,
    struct stk_buf *resp, uint16_t *sw_out);

/*
 * The Answer To Reset (ISO/IEC 7816-3 §8.2, TS 102 221 §6.3): direct
 * convention, T=0 and T=1 offered, T=15 global bytes with class A/B/C,
 * historical bytes (ISO/IEC 7816-4 §8.1.1) and TCK.  Returns its length
 * and sets *atr to static storage.
 */
size_t card_atr(const uint8_t **atr);

/*
 * Check an ATR's structure and check byte (ISO/IEC 7816-3 §8.2): the
 * interface bytes announced by T0/TDi are present, K historical bytes
 * follow, TCK is present exactly when a protocol other than T=0 is
 * indicated and makes the XOR of T0..TCK zero.  STK_OK or a named error.
 */
int card_atr_check(const uint8_t *atr, size_t len, struct stk_diag *diag);

/* ---- fs.c --------------------------------------------------------------- */

/* The USIM application identifier (TS 101 220 annex E, TS 31.102 §5). */
#define CARD_USIM_AID_LEN 16
extern const uint8_t card_usim_aid[CARD_USIM_AID_LEN];

/* Set up the volatile state as after a reset: MF selected, nothing
 * pending, PIN1 not verified (TS 102 221 §8.4: after the ATR the MF is
 * the current DF). */
void card_reset(struct card *c);

/* Initialise c with data d (copied) and a persist hook, then reset. */
void card_init(struct card *c, const struct card_data *d,
    card_persist_fn persist, void *arg);

/* File id of the current EF (0 if none) and of the current DF. */
uint16_t card_current_ef(const struct card *c);
uint16_t card_current_df(const struct card *c);

/* Handlers (SW in *sw, response body appended to out). */
int fs_select(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw);
int fs_read_binary(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int fs_update_binary(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int fs_read_record(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int fs_update_record(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int fs_status(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw);

/* Store the card data through the hook; STK_OK without a hook. */
int card_persist(struct card *c);

/* ---- pin.c -------------------------------------------------------------- */

/* Whether the PIN1 access condition is met (verified, or PIN disabled). */
bool pin1_satisfied(const struct card *c);

int pin_verify(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw);
int pin_change(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw);
int pin_disable(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw);
int pin_enable(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw);
int pin_unblock(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw);

/*
 * PIN text -> the 8-byte block (digits as ASCII, FF padding).  pin: 4..8
 * digits (puk: exactly 8).  STK_E_INVALID otherwise.
 */
int pin_from_text(const char *text, bool puk, uint8_t out[CARD_PIN_LEN]);
/* Whether an 8-byte block is a well-formed PIN (or PUK) block. */
bool pin_block_valid(const uint8_t b[CARD_PIN_LEN], bool puk);

/* ---- content.c ---------------------------------------------------------- */

/* What a new card is made from (text as given on the command line). */
struct card_params {
	const char *iccid;	/* 18..20 digits */
	const char *imsi;	/* 6..15 digits (TS 23.003 §2.2) */
	const char *msisdn;	/* "+digits" or digits; NULL: empty record */
	const char *smsc;	/* service centre for EF SMSP; NULL: none */
	const char *pin1;	/* NULL: "0000" */
	const char *puk1;	/* NULL: "12345678" */
};

/* ICCID text -> EF ICCID (10 bytes, BCD with swapped nibbles, F fill). */
int content_iccid(const char *text, uint8_t out[10]);
/* EF ICCID -> digits (out: 21 bytes).  STK_E_INVALID on a bad nibble. */
int content_iccid_text(const uint8_t ef[10], char out[21]);
/* IMSI text -> EF IMSI (9 bytes: length, parity/type nibble, digits). */
int content_imsi(const char *text, uint8_t out[9]);
/* EF IMSI -> digits (out: 16 bytes); validates length and parity. */
int content_imsi_text(const uint8_t ef[9], char out[16]);
/* One EF MSISDN / ADN-format record of reclen bytes (reclen >= 14). */
int content_msisdn_record(const char *number, uint8_t *rec, size_t reclen);
/* Number of an MSISDN record as text (out: STK_ADDR_TEXT_MAX + 1);
 * STK_E_NOT_FOUND for an empty record. */
int content_msisdn_text(const uint8_t *rec, size_t reclen, char *out,
    size_t outsz);
/* One EF SMSP record of reclen bytes (reclen >= 28); smsc may be NULL. */
int content_smsp_record(const char *smsc, uint8_t *rec, size_t reclen);
/* Build a whole new card from p: STK_E_INVALID & co with *what naming the
 * bad parameter ("--imsi"). */
int content_new_card(const struct card_params *p, struct card_data *d,
    const char **what);
/* The version-2 part of a new card (applet and OTA: empty key store,
 * default TAR, applet PIN/PUK = PIN1/PUK1); called by content_new_card. */
void content_new_applet(struct card_data *d);
/* Whether the creation parameters given (non-NULL ones) agree with d;
 * *what names the first that differs. */
bool content_matches(const struct card_params *p, const struct card_data *d,
    const char **what);

/* ---- state.c ------------------------------------------------------------ */

/* Upper bound of a state file (the decoder refuses more). */
#define STATE_MAX_SIZE 16384

/* Encode d as the state file text (growable or fixed builder). */
int state_encode(const struct card_data *d, struct stk_buf *out);
/*
 * Decode a state file: the version line, every key exactly once, each
 * value validated (hex of the exact EF size, PIN blocks, counter ranges),
 * nothing else.  The diag names the key and the absolute offset.
 */
int state_decode(const uint8_t *text, size_t len, struct card_data *d,
    struct stk_diag *diag);
/* Read and decode FILE.  STK_E_NOT_FOUND when it does not exist. */
int state_load(const char *path, struct card_data *d, struct stk_diag *diag);
/* Write FILE atomically (temp file in the same dir, fsync, rename, fsync
 * of the dir), mode 0600. */
int state_save(const char *path, const struct card_data *d);
/* card_persist_fn over state_save; arg is the path. */
int state_persist(const struct card_data *d, void *arg);

/* ---- ota_layer.c -------------------------------------------------------- */

/* The auth applet's default TAR ("STK" in ASCII; --tar at creation). */
#define CARD_AUTH_TAR_DEFAULT { 0x53, 0x54, 0x4b }

/* The key set slot of key version kvn (1..15), NULL if none. */
struct card_keyset *card_keyset_find(struct card_data *d, unsigned kvn);
/* An empty key set slot, NULL if all are used. */
struct card_keyset *card_keyset_find_free(struct card_data *d);

/*
 * ENVELOPE (SMS-PP DOWNLOAD), TS 31.111 §7.1.1 with TS 31.115 §4: the
 * SMS-DELIVER must be a (U)SIM data download (TP-PID 7F) carrying one
 * command packet (UDH IEI 70); the packet is verified against the key sets
 * and the TAR registry (lib/ota.h), the new counter persisted, the data
 * handed to the applet of the TAR (which starts its dialogue at the next
 * tk_kick), and the PoR, when the SPI asks for one (TS 102 225 §5.1.1
 * octet 2), either appended to out (b6 = 0: SMS-DELIVER-REPORT) or, for
 * b6 = 1, queued as SMS-SUBMIT(s) to the TP-OA of the SMS-DELIVER (TP-PID
 * 7F, TP-DCS F6, UDH IEI 71) for SEND SHORT MESSAGE, out left empty.  A
 * PoR the card cannot send by SMS (terminal without SEND SHORT MESSAGE,
 * no numeric TP-OA) falls back to out.  *sw: 9000 (PoR OK in out, PoR
 * sent by SMS, or none), 6200 with a PoR in out whose status is an
 * error, 6A80 for a TPDU that is no data download or a command packet
 * whose header does not parse, 6581 when the counter cannot be stored.
 */
int ota_sms_pp(struct card *c, const struct stk_cat_envelope *env,
    struct stk_buf *out, uint16_t *sw);

/*
 * Secure data[0..len) as a command packet from the card (PROTOCOL.md §1:
 * TAR of the applet, key set of version kvn(kic/kid), SPI CC + ciphering +
 * counter "higher", no PoR), with the key set's next tx counter (persisted
 * first), split it into SMS-SUBMITs to the service number (TP-PID 00,
 * TP-DCS 04, PROTOCOL.md §1) and queue them for SEND SHORT MESSAGE.
 */
int ota_send_packet(struct card *c, uint8_t kic, uint8_t kid,
    const uint8_t *data, size_t len);

/* ---- toolkit.c ---------------------------------------------------------- */

/* End any proactive session (reset, power cycle). */
void tk_reset(struct card *c);
/* Whether a proactive session is under way (ENVELOPEs then get 9300). */
bool tk_busy(const struct card *c);
/* Whether the TERMINAL PROFILE has facility f (enum stk_tp_facility). */
bool tk_has(const struct card *c, unsigned f);
/* 91xx when a proactive command waits for FETCH, else 0. */
uint16_t tk_pending_sw(const struct card *c);
/*
 * Make the encoded command (D0 ...) the pending one; its command details
 * are taken from it.  STK_E_STATE when one is pending or outstanding.
 */
int tk_set_command(struct card *c, const uint8_t *cmd, size_t len);
/* Next command number (01..FE, TS 102 223 §8.6). */
uint8_t tk_next_number(struct card *c);
/* Queue one SMS-SUBMIT TPDU of the given kind (enum card_sms_kind);
 * STK_E_NOSPACE when the queue is full, STK_E_ARG for a bad kind. */
int tk_queue_sms(struct card *c, const uint8_t *tpdu, size_t len,
    unsigned kind);
/* Drop the SMS queued last until only keep are left (a packet that
 * could not be queued whole); never the one being sent when keep >= 1. */
void tk_drop_queued(struct card *c, unsigned keep);
/*
 * If no proactive command is pending or outstanding: start the next
 * SEND SHORT MESSAGE of the queue, or, when the queue is empty, the
 * dialogue of an applet request waiting in CARD_APP_READY (so a PoR
 * sent by SMS-SUBMIT leaves before the pop-up).
 */
void tk_kick(struct card *c);

int tk_terminal_profile(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int tk_fetch(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw);
int tk_terminal_response(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int tk_envelope(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw);

/* ---- applet.c ----------------------------------------------------------- */

/*
 * A verified auth request (the secured data of a command packet to the
 * applet's TAR) received in an SMS-DELIVER with the given SCTS (Unix
 * seconds): decode, "session not seen before" (persisted), then accept it
 * (CARD_APP_READY): the dialogue starts with applet_start() when the
 * toolkit is free.  kic/kid are the packet's, reused for the response.
 * Errors are logged and end the request (STK_E_REPLAY for a seen
 * session).
 */
int applet_request(struct card *c, const uint8_t *data, size_t len,
    int64_t scts, uint8_t kic, uint8_t kid);
/* Start the dialogue of the request waiting in CARD_APP_READY (called by
 * tk_kick with no proactive command pending or outstanding); nothing
 * otherwise. */
void applet_start(struct card *c);
/* The TERMINAL RESPONSE to one of the applet's commands. */
int applet_terminal_response(struct card *c,
    const struct stk_cat_terminal_response *tr);

/* ---- perso.c ------------------------------------------------------------ */

#define CARD_ADMIN_LABEL "stkauth-admin-v1"

/*
 * The EXTERNAL AUTHENTICATE cryptogram: AES-CMAC (NIST SP 800-38B, full
 * 16 octets) under the admin key over "stkauth-admin-v1" || challenge ||
 * EF ICCID.
 */
int perso_cryptogram(const uint8_t key[CARD_ADMIN_KEY_LEN],
    const uint8_t challenge[16], const uint8_t iccid[10], uint8_t out[16]);

int perso_get_challenge(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int perso_external_auth(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int perso_generate_key(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int perso_read_public_key(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int perso_load_keyset(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int perso_set_service(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int perso_set_pin(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw);
int perso_load_kauth(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);
int perso_read_iccid(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw);

/*
 * The public key of the card (SubjectPublicKeyInfo DER) into out;
 * STK_E_NOT_FOUND when no key pair exists.
 */
int perso_public_key_der(const struct card_data *d, struct stk_buf *out);

/* ---- vpcd.c ------------------------------------------------------------- */

#define VPCD_DEFAULT_HOST "127.0.0.1"
#define VPCD_DEFAULT_PORT 35963

/* vpcd control messages (vsmartcard vpcd/vpicc protocol). */
#define VPCD_CTRL_OFF	0x00
#define VPCD_CTRL_ON	0x01
#define VPCD_CTRL_RESET	0x02
#define VPCD_CTRL_ATR	0x04

struct vpcd_conf {
	const char *host;
	uint16_t port;
	unsigned backoff_min_ms;	/* first reconnect delay */
	unsigned backoff_max_ms;	/* cap of the doubling delay */
};

/*
 * Serve card c to vpcd until *stop becomes non-zero: connect, answer
 * control messages and APDUs, reconnect with backoff when the connection
 * fails or closes.  Returns STK_OK after a requested stop.
 */
int vpcd_run(const struct vpcd_conf *conf, struct card *c,
    volatile sig_atomic_t *stop);

/*
 * Handle one vpcd message payload (without the length prefix) and append
 * the framed reply (if any) to out.  Exposed for the unit tests.
 */
int vpcd_handle(struct card *c, const uint8_t *msg, size_t len,
    struct stk_buf *out);

#endif
