/*
 * ota.h - secured packets for remote (U)SIM management: ETSI TS 102 225
 * (generic structure, security) with 3GPP TS 31.115 (the SMS dialect).
 *
 * Command packet, as carried in the TP-UD of one SMS (TS 31.115 §4.2):
 *
 *   UDHL IEIa IEIDLa | CPL | CHL | SPI | KIc | KID | TAR | CNTR | PCNTR | RC/CC/DS | data | padding
 *    02   70   00    |  2  |  1  |  2  |  1  |  1  |  3  |   5  |   1   | 0/2/4/8  |  n   |  PCNTR
 *                                                        \________ ciphered when SPI b3 = 1 ________/
 *
 *   CPL  = number of octets from CHL (included) to the end of the padding.
 *   CHL  = number of octets from SPI (included) to the end of RC/CC/DS,
 *          i.e. 13 + length of RC/CC/DS.
 *   The RC/CC/DS of a command packet covers, in this order:
 *          CPL CHL SPI KIc KID TAR CNTR PCNTR data padding
 *          (the UDH "027000" is NOT covered; TS 31.115 §4.2, checked
 *          against pySim, asterix and their real-card vectors),
 *          zero-padded to the block size for DES/3DES CBC-MAC; the zero
 *          octets added only for the MAC are not transmitted.
 *
 * Response packet (Proof of Receipt, TS 31.115 §4.4, TS 102 225 §5.2):
 *
 *   UDHL IEIa IEIDLa | RPL | RHL | TAR | CNTR | PCNTR | status | RC/CC/DS | data | padding
 *    02   71   00    |  2  |  1  |  3  |   5  |   1   |   1    | 0/2/4/8  |  n   |  PCNTR
 *                                      \___________ ciphered when the command's SPI asks _____/
 *
 *   RPL = octets from RHL (included) to the end; RHL = 10 + RC/CC/DS length.
 *   The RC/CC/DS of a response packet covers
 *          UDHL IEIa IEIDLa RPL RHL TAR CNTR PCNTR status data padding
 *   (here the UDH 027100 IS covered, TS 31.115 §4.4, checked against
 *   pySim, asterix and their real-card vectors), zero-padded as for
 *   commands.  When a response
 *   travels in concatenated SMS we still cover exactly "02 71 00", as if
 *   it were a single SMS (the standard text was not available to us for
 *   that case; see docs/OTA.md).
 *
 * Input of the unwrap functions may start at CPL/RPL or at the UDH: a
 * leading 027000 / 027100 is unambiguous, since read as CPL/RPL it would
 * give CHL/RHL = 0, which is invalid.
 *
 * Ciphering: DES-CBC, 3DES-CBC (2 and 3 keys, EDE), AES-CBC (128/192/256),
 * initial value zero, no cipher padding scheme: the sender appends PCNTR
 * zero octets so that CNTR..padding is a multiple of the block size.
 * CC: DES/3DES in CBC-MAC mode (last block of the zero-IV CBC encryption,
 * 8 octets); AES in CMAC mode (NIST SP 800-38B), truncated to its leftmost
 * 8 octets (only 8 are accepted on receipt: see docs/OTA.md).  RC: CRC-16 or
 * CRC-32 of ISO/IEC 13239, sent most significant octet first.
 *
 * Keys are never logged.  CC comparison is constant time.
 *
 * Every function returns 0 or a negative STK_E_* code (err.h).  Decoders
 * fill diag, when non-NULL, with the failing field and absolute offset.
 */
#ifndef STKAUTH_OTA_H
#define STKAUTH_OTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "concat.h"
#include "err.h"

/* UDH information element identifiers (TS 23.040 §9.2.3.24, TS 31.115). */
#define STK_OTA_IEI_COMMAND	0x70	/* CPI: command packet identifier */
#define STK_OTA_IEI_RESPONSE	0x71	/* RPI: response packet identifier */

#define STK_OTA_CNTR_MAX	0xFFFFFFFFFFull	/* 5-octet counter */
#define STK_OTA_TAR_LEN		3
#define STK_OTA_KEY_MAX		32
#define STK_OTA_CHL_MIN		13	/* SPI..PCNTR without RC/CC/DS */
#define STK_OTA_RHL_MIN		10	/* TAR..status without RC/CC/DS */
/* Largest command packet we build or accept (CPL included): what fits in
 * 255 concatenated SMS segments of 132 octets, well below 65535. */
#define STK_OTA_PACKET_MAX	(255u * 132u)
/* Largest packet (from CPL on) that fits one SMS after the 027000 UDH. */
#define STK_OTA_SINGLE_SMS_MAX	137u

/* ---- SPI, TS 102 225 §5.1.1 and TS 31.115 §4.2 (b6 of octet 2) -------- */

enum stk_ota_integrity {		/* octet 1 b2b1; octet 2 b4b3 */
	STK_OTA_INTEG_NONE = 0,
	STK_OTA_INTEG_RC = 1,		/* redundancy check */
	STK_OTA_INTEG_CC = 2,		/* cryptographic checksum */
	STK_OTA_INTEG_DS = 3,		/* digital signature (unsupported) */
};

enum stk_ota_cntr_mode {		/* octet 1 b5b4 */
	STK_OTA_CNTR_NONE = 0,		/* no counter available */
	STK_OTA_CNTR_NOCHECK = 1,	/* available, no replay checking */
	STK_OTA_CNTR_HIGHER = 2,	/* process only if higher than RE's */
	STK_OTA_CNTR_ONE_HIGHER = 3,	/* process only if exactly one higher */
};

enum stk_ota_por_req {			/* octet 2 b2b1 */
	STK_OTA_POR_NONE = 0,
	STK_OTA_POR_ALWAYS = 1,
	STK_OTA_POR_ON_ERROR = 2,
	/* 3 is reserved and rejected */
};

struct stk_ota_spi {
	enum stk_ota_integrity integrity;
	bool ciphering;
	enum stk_ota_cntr_mode cntr;
	enum stk_ota_por_req por;
	enum stk_ota_integrity por_integrity;
	bool por_ciphering;
	bool por_via_submit;		/* 0: SMS-DELIVER-REPORT, 1: SMS-SUBMIT */
};

/*
 * Split the 2-octet SPI (first octet in the high byte) into fields.
 * Reserved bits set (octet 1 b8..b6, octet 2 b8b7) or PoR b2b1 = 11 give
 * STK_E_INVALID.  DS is decoded (callers reject it where unsupported).
 */
int stk_ota_spi_decode(uint16_t raw, struct stk_ota_spi *spi);
uint16_t stk_ota_spi_encode(const struct stk_ota_spi *spi);

/* ---- KIc / KID, TS 102 225 §5.1.2, §5.1.3.1, §5.1.3.2 ----------------- */

enum stk_ota_alg {
	STK_OTA_ALG_NONE = 0,		/* no ciphering / no RC/CC/DS */
	STK_OTA_ALG_IMPLICIT,		/* b2b1 = 00: agreed out of band */
	STK_OTA_ALG_DES_CBC,		/* single DES, CBC (pre-Rel-8) */
	STK_OTA_ALG_3DES2_CBC,		/* 3DES outer-CBC, 2 keys (16 octets) */
	STK_OTA_ALG_3DES3_CBC,		/* 3DES outer-CBC, 3 keys (24 octets) */
	STK_OTA_ALG_DES_ECB,		/* KIc only, pre-Rel-8 (unsupported) */
	STK_OTA_ALG_AES_CBC,		/* KIc: AES-CBC, key 16/24/32 */
	STK_OTA_ALG_AES_CMAC,		/* KID: AES-CMAC, key 16/24/32 */
	STK_OTA_ALG_CRC16,		/* KID for RC */
	STK_OTA_ALG_CRC32,		/* KID for RC */
	STK_OTA_ALG_PROPRIETARY,	/* b2b1 = 11 (unsupported) */
	STK_OTA_ALG_RESERVED,		/* reserved code point */
};

/* Ciphering algorithm coded in KIc b4..b1 (key version is b8..b5). */
enum stk_ota_alg stk_ota_kic_alg(uint8_t kic);
/* Algorithm coded in KID b4..b1 for the given integrity kind (RC or CC);
 * STK_OTA_ALG_NONE for STK_OTA_INTEG_NONE. */
enum stk_ota_alg stk_ota_kid_alg(uint8_t kid, enum stk_ota_integrity integ);
/* Key version number (b8..b5) of a KIc or KID octet. */
static inline unsigned stk_ota_key_version(uint8_t k) { return k >> 4; }
/* Static names ("3DES-CBC-2KEY", ...), never NULL. */
const char *stk_ota_alg_name(enum stk_ota_alg alg);

/* A key and, for code points "known implicitly", its algorithm. */
struct stk_ota_key {
	enum stk_ota_alg implicit_alg;	/* used only when KIc/KID b2b1 = 00 */
	size_t len;			/* 0: no key */
	uint8_t key[STK_OTA_KEY_MAX];
};

/* ---- PoR status codes, TS 102 225 §5.2 table, TS 31.115 §7 ------------ */

#define STK_OTA_STATUS_TABLE(X)                                              \
	X(STK_OTA_ST_OK,               0x00, "PoR OK")                        \
	X(STK_OTA_ST_RC_CC_DS_FAILED,  0x01, "RC/CC/DS failed")               \
	X(STK_OTA_ST_CNTR_LOW,         0x02, "CNTR low")                      \
	X(STK_OTA_ST_CNTR_HIGH,        0x03, "CNTR high")                     \
	X(STK_OTA_ST_CNTR_BLOCKED,     0x04, "CNTR blocked")                  \
	X(STK_OTA_ST_CIPHERING_ERROR,  0x05, "ciphering error")               \
	X(STK_OTA_ST_SECURITY_ERROR,   0x06, "unidentified security error")   \
	X(STK_OTA_ST_NO_MEMORY,        0x07, "insufficient memory")           \
	X(STK_OTA_ST_MORE_TIME,        0x08, "more time")                     \
	X(STK_OTA_ST_TAR_UNKNOWN,      0x09, "TAR unknown")                   \
	X(STK_OTA_ST_INSUFFICIENT_SEC, 0x0A, "insufficient security level")   \
	X(STK_OTA_ST_RESP_SMS_SUBMIT,  0x0B,                                   \
	    "actual response data to be sent using SMS-SUBMIT")                \
	X(STK_OTA_ST_RESP_USSD,        0x0C,                                   \
	    "actual response data to be sent using a ProcessUnstructuredSS-Request")

enum stk_ota_status {
#define STK_OTA_ST_ENUM(sym, val, name) sym = (val),
	STK_OTA_STATUS_TABLE(STK_OTA_ST_ENUM)
#undef STK_OTA_ST_ENUM
};

/* Name of a status code; "reserved" (0D..BF, FF) / "proprietary" (C0..FE)
 * for codes outside the table.  Never NULL. */
const char *stk_ota_status_name(uint8_t status);
/* Symbol ("STK_OTA_ST_CNTR_LOW") or NULL for codes outside the table. */
const char *stk_ota_status_symbol(uint8_t status);

/* ---- Building a command packet (sending entity) ----------------------- */

struct stk_ota_cmd_params {
	uint16_t spi;			/* raw SPI, octet 1 in the high byte */
	uint8_t kic;
	uint8_t kid;
	uint8_t tar[STK_OTA_TAR_LEN];
	uint64_t cntr;			/* <= STK_OTA_CNTR_MAX; sent as is
					 * even when the SPI says "no counter" */
	const struct stk_ota_key *kic_key;	/* needed when ciphering */
	const struct stk_ota_key *kid_key;	/* needed for CC */
};

/*
 * Build the command packet for data[0..len) and append it to out, from CPL
 * on (without the UDH).  Applies the SPI exactly: RC/CC/DS computed over
 * the ranges given at the top of this file, ciphering with PCNTR zero
 * padding.  Errors: STK_E_ARG (missing/ill-sized key, cntr too large),
 * STK_E_UNSUPPORTED (DS, DES-ECB, proprietary/reserved algorithm),
 * STK_E_INVALID (bad SPI), STK_E_TOO_LONG (> STK_OTA_PACKET_MAX),
 * STK_E_CRYPTO, STK_E_NOMEM/NOSPACE (builder).
 */
int stk_ota_wrap_command(const struct stk_ota_cmd_params *p,
    const uint8_t *data, size_t len, struct stk_buf *out);

/* ---- Receiving a command packet (receiving entity, the card) ---------- */

/* Minimum security level a TAR demands (TS 102 226 MSL, simplified to the
 * three SPI dimensions).  A packet below it gets status 0A. */
struct stk_ota_msl {
	enum stk_ota_integrity integrity;	/* NONE < RC < CC < DS */
	bool ciphering;
	enum stk_ota_cntr_mode cntr;		/* NONE < NOCHECK < HIGHER <= ONE_HIGHER */
};

/* What the receiver knows about one TAR / key set. */
struct stk_ota_rx_keys {
	struct stk_ota_key kic;
	struct stk_ota_key kid;
	uint64_t counter;		/* RE's stored counter for this key set */
	struct stk_ota_msl msl;
};

/*
 * Key look-up for a received packet: fill keys for this TAR and the key
 * versions in kic/kid.  Return 0, STK_E_NOT_FOUND when the TAR is unknown
 * (status 09), or any other negative code (status 06).
 */
typedef int (*stk_ota_lookup_fn)(void *arg, const uint8_t tar[STK_OTA_TAR_LEN],
    uint8_t kic, uint8_t kid, struct stk_ota_rx_keys *keys);

struct stk_ota_command {
	uint16_t spi_raw;
	struct stk_ota_spi spi;
	uint8_t kic;
	uint8_t kid;
	uint8_t tar[STK_OTA_TAR_LEN];
	uint64_t cntr;
	uint8_t pcntr;
	uint8_t *data;			/* secured data without padding (heap) */
	size_t data_len;
	/*
	 * Counter to store for this key set after a successful unwrap
	 * (TS 102 225 §5.1.1 counter management): set for the counter modes
	 * HIGHER and ONE_HIGHER; the caller must persist new_counter before
	 * acting on the data.
	 */
	bool counter_update;
	uint64_t new_counter;
	bool keys_known;		/* lookup succeeded: PoR may be secured */
};

/*
 * Verify and open a command packet (from CPL on or from the 027000 UDH,
 * exactly len octets: the CPL must match).  Order of checks, as a card
 * does it: structure (CPL, CHL, SPI) -> TAR/key look-up -> minimum
 * security level -> algorithms and keys -> deciphering -> RC/CC -> PCNTR
 * -> counter (docs/OTA.md §5).
 *
 * Return 0 when the data may be processed (*por_status = 00), otherwise a
 * negative code with *por_status set to what the card answers:
 *   STK_E_TRUNCATED/TRAILING/INCONSISTENT/TOO_LONG/INVALID
 *                       06 unidentified security error (header unreadable,
 *                       CHL not matching the algorithm's RC/CC length,
 *                       PCNTR != 0 without ciphering)
 *   STK_E_NOT_FOUND     09 TAR unknown
 *   STK_E_CRYPTO        05 ciphering error (KIc key missing or of the
 *                       wrong size, ciphertext length not a multiple of
 *                       the block, PCNTR > data or >= block size), or
 *                       01 when the KID key is missing or ill-sized
 *   STK_E_UNSUPPORTED   06 (DS, DES-ECB, proprietary/reserved algorithm,
 *                       implicit algorithm the key does not name)
 *   STK_E_VERIFY        01 RC/CC/DS failed
 *   STK_E_REPLAY        02 CNTR low / 03 CNTR high / 04 CNTR blocked
 *   STK_E_STATE         0A insufficient security level
 * cmd is filled as far as parsed (TAR, CNTR... for the PoR); release it
 * with stk_ota_command_free() in every case.
 */
int stk_ota_unwrap_command(const uint8_t *in, size_t len,
    stk_ota_lookup_fn lookup, void *lookup_arg, struct stk_ota_command *cmd,
    uint8_t *por_status, struct stk_diag *diag);
void stk_ota_command_free(struct stk_ota_command *cmd);

/*
 * Counter rule alone (TS 102 225 §5.1.1): given the mode, the RE's stored
 * counter and the received one, the status (00, 02, 03, 04) and, for 00,
 * whether and to what the stored counter moves.
 */
uint8_t stk_ota_counter_check(enum stk_ota_cntr_mode mode, uint64_t stored,
    uint64_t received, bool *update, uint64_t *new_stored);

/*
 * Whether the receiving entity sends a PoR for this command (SPI octet 2
 * b2b1, TS 102 225 §5.1.1): always, or only when status is not 00.
 */
bool stk_ota_por_wanted(const struct stk_ota_spi *spi, uint8_t status);

/* ---- Parsing without keys (inspectors) ------------------------------- */

struct stk_ota_cmd_header {
	uint16_t cpl;
	uint8_t chl;
	uint16_t spi_raw;
	struct stk_ota_spi spi;
	uint8_t kic;
	uint8_t kid;
	uint8_t tar[STK_OTA_TAR_LEN];
	/* The rest as sent: ciphered, or CNTR PCNTR RC/CC/DS data padding. */
	const uint8_t *rest;
	size_t rest_len;
	size_t rest_offset;		/* absolute offset of rest */
};

/* Parse CPL..TAR and check CPL/CHL consistency (no crypto); a leading
 * 027000 UDH is skipped. */
int stk_ota_parse_command_header(const uint8_t *in, size_t len,
    struct stk_ota_cmd_header *h, struct stk_diag *diag);
/* Same on a cursor holding exactly the packet from CPL on (no UDH), for
 * inspectors: offsets in diag and rest_offset are the cursor's absolute
 * ones; the cursor is left empty on success. */
int stk_ota_parse_command_header_cur(struct stk_cur *c,
    struct stk_ota_cmd_header *h, struct stk_diag *diag);

struct stk_ota_resp_header {
	uint16_t rpl;
	uint8_t rhl;
	uint8_t tar[STK_OTA_TAR_LEN];
	/* The rest as sent: ciphered, or CNTR PCNTR status RC/CC/DS data. */
	const uint8_t *rest;
	size_t rest_len;
	size_t rest_offset;		/* absolute offset of rest */
};

/*
 * Parse RPL..TAR of a response packet (from RPL on; no UDH) and check
 * RPL/RHL consistency (no crypto).
 */
int stk_ota_parse_response_header(const uint8_t *in, size_t len,
    struct stk_ota_resp_header *h, struct stk_diag *diag);
/* Same on a cursor holding exactly the packet from RPL on. */
int stk_ota_parse_response_header_cur(struct stk_cur *c,
    struct stk_ota_resp_header *h, struct stk_diag *diag);

/* ---- Response packet / PoR ------------------------------------------- */

struct stk_ota_resp_params {
	uint16_t cmd_spi;		/* SPI of the command answered */
	uint8_t kic;			/* the command's KIc / KID (algorithms) */
	uint8_t kid;
	uint8_t tar[STK_OTA_TAR_LEN];
	uint64_t cntr;			/* the command's counter, echoed */
	uint8_t status;
	bool secured;			/* false: no ciphering, no RC/CC/DS
					 * whatever the SPI says (used for
					 * 06/09, when keys are unknown) */
	const struct stk_ota_key *kic_key;
	const struct stk_ota_key *kid_key;
};

/*
 * Build a response packet, from RPL on (without the UDH: prefix 027100
 * for a single SMS, or use stk_ota_sms_split()), into out, secured
 * as the command's SPI octet 2 asks (PoR ciphering b5, PoR RC/CC/DS b4b3)
 * unless p->secured is false.  Errors as stk_ota_wrap_command().
 */
int stk_ota_wrap_response(const struct stk_ota_resp_params *p,
    const uint8_t *data, size_t len, struct stk_buf *out);

struct stk_ota_response {
	uint8_t tar[STK_OTA_TAR_LEN];
	uint64_t cntr;
	uint8_t pcntr;
	uint8_t status;
	bool secured;			/* RC/CC/DS and/or ciphering verified */
	uint8_t *data;			/* additional response data (heap) */
	size_t data_len;
};

/*
 * Verify and open a response packet given with its UDH (exactly "027100"
 * then RPL...) or from RPL on.  cmd_spi/kic/kid are those of the command;
 * keys as for
 * wrapping.  A response whose RHL is 10 although the SPI asks for RC/CC
 * and which is not ciphered is accepted as unsecured (secured = false):
 * cards answer 06/09 this way; trust its status only as information.
 * Errors: STK_E_TRUNCATED/TRAILING/INCONSISTENT/INVALID (structure),
 * STK_E_CRYPTO (ciphertext/padding), STK_E_VERIFY (RC/CC mismatch),
 * STK_E_UNSUPPORTED (DS, unsupported algorithm), STK_E_ARG (keys).
 */
int stk_ota_unwrap_response(const uint8_t *in, size_t len, uint16_t cmd_spi,
    uint8_t kic, uint8_t kid, const struct stk_ota_key *kic_key,
    const struct stk_ota_key *kid_key, struct stk_ota_response *resp,
    struct stk_diag *diag);
void stk_ota_response_free(struct stk_ota_response *resp);

/* ---- Secured packets over SMS (TS 31.115 §4.2-§4.4, concatenation) --- */

/*
 * Segments (UDH + body, see concat.h) of the SMS carrying one packet given
 * from CPL/RPL on; iei is STK_OTA_IEI_COMMAND or STK_OTA_IEI_RESPONSE.
 * One SMS "02 iei 00" + packet when it fits 140 octets of TP-UD; otherwise
 * concatenated SMS (TS 23.040 §9.2.3.24.1 / .8) whose first segment's UDH
 * holds the concatenation IE then "iei 00", the others only the
 * concatenation IE, so the packet header starts the first body.
 * Errors: STK_E_ARG, STK_E_TOO_LONG, STK_E_NOMEM (from stk_segment()).
 */
int stk_ota_sms_split(const uint8_t *packet, size_t len, uint8_t iei,
    uint16_t ref, bool ref16, struct stk_seglist *out);

/*
 * Rebuild a packet (from CPL/RPL on, heap in *packet, free()) from the
 * TP-UD payloads (UDH included) of its SMS, given in any order (count 1
 * for a single SMS).  Checks: every UDH parses, exactly one segment holds
 * IEI 70 or 71 (returned in *iei) with IEIDL 0 and it is segment 1,
 * concatenation IEs agree (reference, width, total = count, every sequence
 * number once), and the CPL/RPL equals the reassembled length.
 * Errors name the field ("UDH", "CONCAT-SEQ", "CPI", "CPL", ...).
 */
int stk_ota_sms_join(const uint8_t *const *ud, const size_t *ud_len,
    size_t count, uint8_t **packet, size_t *len, uint8_t *iei,
    struct stk_diag *diag);

#endif
