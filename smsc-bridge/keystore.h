/*
 * keystore.h - the bridge's OTA key store (docs/KEYSTORE.md): per enrolled
 * (U)SIM, identified by its ICCID, the MSISDN it is bound to, the TAR of
 * the authentication applet, the SPI the bridge uses for commands, and up
 * to 15 key sets (TS 102 225 §5.1.2/§5.1.3: key version KVN 1..15, KIc and
 * KID octet with the algorithm, and their keys) with two counters each
 * (TS 102 225 §5.1.1 CNTR):
 *
 *   tx_cntr  the last counter the bridge put in a command packet for this
 *            key set; keystore_counter_next() increments and COMMITS it
 *            before the caller builds the packet, so a crash can only skip
 *            values, never reuse one;
 *   rx_cntr  the highest counter accepted from the card (card as sending
 *            entity, docs/PROTOCOL.md §1); keystore_counter_seen() moves it
 *            up in one transaction and refuses anything not higher.
 *
 * SQLite (WAL, busy timeout), file created with mode 0600; an existing
 * file readable or writable by group or others is refused.  This file
 * depends on sqlite3 and lib/ only: the admin CLI links it (enroll,
 * revoke).  Keys are never logged and are wiped from the structures by
 * ks_card_clear().
 *
 * Every function returns STK_OK or a negative STK_E_* code (lib/err.h):
 * STK_E_NOT_FOUND (no such card / key set), STK_E_DUPLICATE (ICCID or
 * MSISDN already enrolled), STK_E_INVALID / STK_E_ARG (a field out of
 * range, named in err when the function takes one), STK_E_REPLAY (counter
 * not higher, or exhausted), STK_E_IO (database error, logged).
 */
#ifndef STKAUTH_BRIDGE_KEYSTORE_H
#define STKAUTH_BRIDGE_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota.h"

#define KS_ICCID_MAX	20	/* digits, 18..20 (TS 102 221 §13.2) */
#define KS_MSISDN_MAX	16	/* "+" and at most 15 digits (E.164) */
#define KS_KEYSETS_MAX	15	/* key versions 1..15 */

/* Default SPI for commands: octet 1 0x16 = CC, ciphering, counter
 * "higher than" (TS 102 225 §5.1.1); octet 2 0x3A = PoR on error only,
 * PoR with CC, ciphered, sent by SMS-SUBMIT (TS 31.115 §4.2 b6) so that
 * it reaches the bridge rather than the SMSC. */
#define KS_SPI_DEFAULT	0x163A

struct ks_keyset {
	uint8_t kvn;			/* 1..15 */
	uint8_t kic;			/* KIc octet: b8..b5 = kvn, algorithm */
	uint8_t kid;			/* KID octet (CC algorithm) */
	size_t kic_len;			/* 0 when the key set has no KIc key */
	uint8_t kic_key[STK_OTA_KEY_MAX];
	size_t kid_len;
	uint8_t kid_key[STK_OTA_KEY_MAX];
	uint64_t tx_cntr;		/* last counter used by the bridge */
	uint64_t rx_cntr;		/* highest counter seen from the card */
};

struct ks_card {
	char iccid[KS_ICCID_MAX + 1];
	char msisdn[KS_MSISDN_MAX + 1];	/* E.164 with '+' */
	uint8_t tar[STK_OTA_TAR_LEN];
	uint16_t spi;			/* SPI of the commands we send */
	uint8_t cmd_kvn;		/* key set used for commands */
	size_t nkeysets;
	struct ks_keyset ks[KS_KEYSETS_MAX];
};

struct keystore;

/*
 * Open (creating with mode 0600 when absent) the store at path.  Refuses
 * a file with any group/other permission bit (err says so).  *out is
 * NULL on failure; err (errsz > 0) holds the reason.
 */
int keystore_open(const char *path, struct keystore **out, char *err,
    size_t errsz);
void keystore_close(struct keystore *ks);

/*
 * Check every field of c: ICCID 18..20 digits, MSISDN "+" 1..15 digits,
 * SPI decodable (lib stk_ota_spi_decode) without DS, cmd_kvn names one of
 * the key sets, key versions 1..15 and unique and equal to the KIc/KID
 * octets' b8..b5 (or 0 there), and the command key set actually able to
 * wrap a packet with this SPI (a trial stk_ota_wrap_command).  err names
 * the field.
 */
int ks_card_check(const struct ks_card *c, char *err, size_t errsz);

/*
 * Enrol c (all-or-nothing, one transaction).  replace false: an existing
 * ICCID or MSISDN is STK_E_DUPLICATE.  replace true: the card with this
 * ICCID is replaced (its key sets too); the counters of a key version
 * present before and after are kept at max(old, given), because the card
 * keeps its own counters across key changes.  Counters given in c are
 * otherwise stored as given (import of a card already in use).
 */
int keystore_card_put(struct keystore *ks, const struct ks_card *c,
    bool replace, char *err, size_t errsz);

/*
 * Re-key: store c as the card's only state, in one transaction - the key
 * sets of c replace every old one, and the counters are the ones given in
 * c (normally 0), not the old ones.  For a card that has been
 * personalised again (stkauth-admin enroll): loading a key set resets the
 * card's own counters (docs/SIM.md), so a kept rx_cntr would refuse its
 * answers as replays.  A card not stored yet is enrolled; an MSISDN bound
 * to another card is STK_E_DUPLICATE (nothing changed).
 */
int keystore_card_rekey(struct keystore *ks, const struct ks_card *c,
    char *err, size_t errsz);

int keystore_card_get_by_iccid(struct keystore *ks, const char *iccid,
    struct ks_card *out);
int keystore_card_get_by_msisdn(struct keystore *ks, const char *msisdn,
    struct ks_card *out);
int keystore_card_delete(struct keystore *ks, const char *iccid);

/*
 * Take the next command counter of key set kvn of card iccid: tx_cntr + 1,
 * committed before return (TS 102 225 §5.1.1: a counter is never used
 * twice, even across a crash).  STK_E_REPLAY when it would exceed
 * STK_OTA_CNTR_MAX.
 */
int keystore_counter_next(struct keystore *ks, const char *iccid,
    uint8_t kvn, uint64_t *cntr);

/*
 * Record counter cntr received from the card under key set kvn: STK_OK
 * when cntr > rx_cntr (stored in the same transaction as the check),
 * STK_E_REPLAY otherwise (nothing changed).
 */
int keystore_counter_seen(struct keystore *ks, const char *iccid,
    uint8_t kvn, uint64_t cntr);

/* Call cb for every card in ICCID order; a non-zero return stops the walk
 * and is returned. */
int keystore_list(struct keystore *ks,
    int (*cb)(void *arg, const struct ks_card *c), void *arg);

/* Number of enrolled cards (for metrics), or a negative code. */
int keystore_count(struct keystore *ks, long *n);

/* The key set of version kvn in c, or NULL. */
const struct ks_keyset *ks_card_keyset(const struct ks_card *c,
    uint8_t kvn);
/* Wipe the keys of c. */
void ks_card_clear(struct ks_card *c);

/* Syntax checks, shared with the admin CLI and the bridge. */
bool ks_iccid_valid(const char *iccid);
bool ks_msisdn_valid(const char *msisdn);

#endif
