/*
 * pcsc.c - the PC/SC transport (pcsc-lite's libpcsclite, the PC/SC
 * Workgroup API).  Works with stkauth-sim behind vpcd and with a real
 * (U)SIM in any CCID reader alike: nothing here knows the difference.
 * The APDU transmission itself (pcsc.h) is shared with stkauth-admin.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "pcsc.h"
#include "phone.h"

struct phone_pcsc {
	SCARDCONTEXT ctx;
	struct pcsc_link link;
	char reader[256];
};

int
pcsc_link_xmit(struct pcsc_link *l, enum pcsc_on_reset on_reset,
    const uint8_t *apdu, size_t len, uint8_t *resp, size_t *rlen)
{
	const SCARD_IO_REQUEST *pci;
	DWORD n = (DWORD)*rlen;

	l->rv = SCARD_S_SUCCESS;
	if (!l->connected)
		return STK_E_IO;
	pci = l->proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
	l->rv = SCardTransmit(l->card, pci, apdu, (DWORD)len, NULL, resp, &n);
	if (l->rv == SCARD_S_SUCCESS) {
		*rlen = n;
		return STK_OK;
	}
	if (l->rv == SCARD_W_RESET_CARD && on_reset == PCSC_RESET_RECONNECT) {
		SCardReconnect(l->card, l->share, l->want, SCARD_LEAVE_CARD,
		    &l->proto);
		return STK_E_IO;
	}
	SCardDisconnect(l->card, SCARD_LEAVE_CARD);
	l->connected = false;
	return STK_E_IO;
}

static int
connect_card(struct phone_pcsc *p)
{
	LONG rv;

	rv = SCardConnect(p->ctx, p->reader, p->link.share, p->link.want,
	    &p->link.card, &p->link.proto);
	if (rv != SCARD_S_SUCCESS) {
		log_warn("PC/SC: connect to \"%s\": %s", p->reader,
		    pcsc_stringify_error(rv));
		return STK_E_IO;
	}
	p->link.connected = true;
	log_info("PC/SC: connected to \"%s\" (%s)", p->reader,
	    phone_pcsc_protocol(p));
	return 0;
}

int
phone_pcsc_open(const char *reader, const char *protocol,
    struct phone_pcsc **out)
{
	struct phone_pcsc *p;
	char *list = NULL, *r;
	DWORD len = 0;
	LONG rv;
	int err = STK_E_IO;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return STK_E_NOMEM;
	p->link.share = SCARD_SHARE_SHARED;
	p->link.want = SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1;
	if (protocol != NULL && strcmp(protocol, "T=0") == 0)
		p->link.want = SCARD_PROTOCOL_T0;
	else if (protocol != NULL && strcmp(protocol, "T=1") == 0)
		p->link.want = SCARD_PROTOCOL_T1;
	else if (protocol != NULL) {
		free(p);
		return STK_E_ARG;
	}
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
	if (rv != SCARD_S_SUCCESS) {
		log_warn("PC/SC: no context: %s", pcsc_stringify_error(rv));
		free(p);
		return STK_E_IO;
	}
	if (reader != NULL) {
		if (strlen(reader) >= sizeof(p->reader)) {
			err = STK_E_TOO_LONG;
			goto out;
		}
		strcpy(p->reader, reader);
		if ((err = connect_card(p)) != 0)
			goto out;
		*out = p;
		p = NULL;
		goto out;
	}
	/* No reader named: the first one that holds a card. */
	rv = SCardListReaders(p->ctx, NULL, NULL, &len);
	if (rv != SCARD_S_SUCCESS || len == 0 || len > 65536 ||
	    (list = malloc(len)) == NULL) {
		log_warn("PC/SC: no readers: %s", pcsc_stringify_error(rv));
		goto out;
	}
	if ((rv = SCardListReaders(p->ctx, NULL, list, &len)) !=
	    SCARD_S_SUCCESS)
		goto out;
	for (r = list; r < list + len && *r != '\0'; r += strlen(r) + 1) {
		if (strlen(r) >= sizeof(p->reader))
			continue;
		strcpy(p->reader, r);
		if (connect_card(p) == 0) {
			*out = p;
			p = NULL;
			err = 0;
			goto out;
		}
	}
	log_warn("PC/SC: no reader with a card");
 out:
	free(list);
	if (p != NULL) {
		SCardReleaseContext(p->ctx);
		free(p);
	}
	return *out != NULL ? 0 : err;
}

int
phone_pcsc_xmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp,
    size_t *rlen)
{
	struct phone_pcsc *p = ctx;
	int rc;

	/* Someone reset the card: reconnect, the command is lost with the
	 * card's state, so report it. */
	rc = pcsc_link_xmit(&p->link, PCSC_RESET_RECONNECT, apdu, len, resp,
	    rlen);
	if (p->link.rv == SCARD_W_RESET_CARD)
		log_warn("PC/SC: card was reset");
	else if (p->link.rv != SCARD_S_SUCCESS)
		log_warn("PC/SC: transmit: %s", pcsc_stringify_error(p->link.rv));
	return rc;
}

const char *
phone_pcsc_reader(const struct phone_pcsc *p)
{
	return p->reader;
}

const char *
phone_pcsc_protocol(const struct phone_pcsc *p)
{
	return p->link.proto == SCARD_PROTOCOL_T1 ? "T=1" : "T=0";
}

void
phone_pcsc_close(struct phone_pcsc *p)
{
	if (p == NULL)
		return;
	if (p->link.connected)
		SCardDisconnect(p->link.card, SCARD_UNPOWER_CARD);
	SCardReleaseContext(p->ctx);
	free(p);
}
