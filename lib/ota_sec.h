/*
 * ota_sec.h - what building and opening TS 102 225 secured packets share
 * (private to lib/ota_*.c): the security of one direction resolved from
 * SPI, KIc, KID and keys, the RC/CC over the covered ranges, and the
 * description of the two packet kinds (command, response) that lets one
 * wrap and one open routine serve both.  Byte layouts are in ota.h.
 */
#ifndef STKAUTH_OTA_SEC_H
#define STKAUTH_OTA_SEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota.h"

/*
 * One packet kind.  Command (TS 31.115 §4.2) and response (§4.4) differ
 * only in these numbers: the clear header (CPL CHL SPI KIc KID TAR = 10
 * octets, or RPL RHL TAR = 6), the octets before RC/CC/DS in the secured
 * part (CNTR PCNTR = 6, or CNTR PCNTR status = 7), and the octets the
 * RC/CC covers although they are not part of the packet (none, or the
 * UDH 027100 of a response).
 */
struct ota_kind {
	const char *pl_name;		/* "CPL" / "RPL" (diagnostics) */
	const char *hl_name;		/* "CHL" / "RHL" */
	uint8_t hl_min;			/* STK_OTA_CHL_MIN / STK_OTA_RHL_MIN */
	size_t clear_len;		/* clear header, from CPL/RPL to TAR */
	size_t fixed_len;		/* CNTR PCNTR [status] */
	bool has_status;		/* the status octet after PCNTR */
	const uint8_t *prefix;		/* covered, not sent (NULL: none) */
	size_t prefix_len;
};

extern const struct ota_kind ota_kind_command;
extern const struct ota_kind ota_kind_response;

/*
 * The security of one direction: cipher algorithm (or NONE), integrity
 * algorithm (or NONE) and the RC/CC/DS length the sender uses.
 */
struct ota_sec {
	enum stk_ota_alg cipher;
	enum stk_ota_alg integ;
	size_t sig_len;
	size_t block;		/* cipher block, 1 without ciphering */
};

/* No ciphering, no RC/CC/DS (block 1). */
void ota_sec_none(struct ota_sec *s);

/*
 * Resolve what ciphering/integrity need (TS 102 225 §5.1.2, §5.1.3):
 * STK_E_UNSUPPORTED for DS, DES-ECB, proprietary or reserved code points;
 * STK_E_ARG when a needed key is missing or of the wrong length for the
 * algorithm.  s is filled as far as resolved.
 */
int ota_sec_resolve(bool ciphering, enum stk_ota_integrity integ,
    uint8_t kic, uint8_t kid, const struct stk_ota_key *kic_key,
    const struct stk_ota_key *kid_key, struct ota_sec *s);

/*
 * Whether a received RC/CC length suits the algorithm.  AES-CMAC is
 * accepted with 8 octets only, the length we send and pySim sends: a
 * receiver that also took a 4-octet CMAC because CHL/RHL says so would
 * let a forger pick the 32-bit tag.
 */
bool ota_sec_sig_len_ok(const struct ota_sec *s, size_t got);

/* Zero octets that bring n up to a multiple of block (0 for block <= 1). */
size_t ota_sec_pad_len(size_t n, size_t block);

/* One piece of the octets an RC/CC covers. */
struct ota_part {
	const uint8_t *p;
	size_t n;
};

/*
 * RC/CC over the concatenation of parts[0..nparts) (the ranges of ota.h,
 * the RC/CC field itself left out), written to sig (sig_len octets):
 * CRC-16/CRC-32 most significant octet first, or the CC of ota_crypto.h.
 */
int ota_sec_sig(const struct ota_sec *s, const struct stk_ota_key *kid_key,
    const struct ota_part *parts, size_t nparts, uint8_t *sig,
    size_t sig_len);

#endif
