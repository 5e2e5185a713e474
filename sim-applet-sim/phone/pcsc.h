/*
 * pcsc.h - one APDU over an established PC/SC connection (pcsc-lite's
 * libpcsclite, PC/SC Workgroup API part 5 SCardTransmit), shared by the
 * phone simulator (phone/pcsc.c) and stkauth-admin enroll
 * (tools/admin/pcsc.c), which links phone/pcsc.o.  The two differ only in
 * what a card reset means, so that is a parameter:
 *
 *   PCSC_RESET_RECONNECT  the phone: reconnect (share mode and protocols
 *                         of the link) and go on; the command is lost with
 *                         the card's state, so it fails;
 *   PCSC_RESET_DROP       enroll: the card's admin session is gone with
 *                         the reset, the personalisation cannot go on over
 *                         this connection; the link is closed, as after
 *                         any other failure.
 */
#ifndef STKAUTH_PHONE_PCSC_H
#define STKAUTH_PHONE_PCSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <winscard.h>
#include <wintypes.h>

enum pcsc_on_reset {
	PCSC_RESET_RECONNECT,
	PCSC_RESET_DROP,
};

struct pcsc_link {
	SCARDHANDLE card;
	DWORD share;		/* SCARD_SHARE_*, for a reconnect */
	DWORD want;		/* SCARD_PROTOCOL_T0 / T1 / both, likewise */
	DWORD proto;		/* the protocol in use */
	bool connected;
	LONG rv;		/* SCardTransmit's answer to the last call;
				 * SCARD_S_SUCCESS when nothing was sent */
};

/*
 * Send apdu (len octets) with the PCI of the protocol in use; the answer
 * (data and SW1 SW2) into resp, *rlen its size in and its length out.
 * STK_OK, or STK_E_IO: not connected, or the transmission failed (l->rv
 * says why; the link is closed unless on_reset kept it after a reset).
 */
int pcsc_link_xmit(struct pcsc_link *l, enum pcsc_on_reset on_reset,
    const uint8_t *apdu, size_t len, uint8_t *resp, size_t *rlen);

#endif
