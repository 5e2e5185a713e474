/*
 * pcsc.c - the reader for enroll: one PC/SC connection (pcsc-lite's
 * libpcsclite, PC/SC Workgroup API), exclusive for the whole
 * personalisation so that no other client (a phone simulator, a handset
 * driver) can slip APDUs between ours, and released with a card reset,
 * which closes the card's admin session (docs/SIM.md, "Personalisation").
 *
 * The APDU exchange itself (the T=0 procedure: 61xx, 6Cxx) is the phone
 * simulator's (sim-applet-sim/phone/uicc.c, phone_card_cmd), and so is
 * the transmission (sim-applet-sim/phone/pcsc.h, pcsc_link_xmit, with
 * the reset policy of enroll: a reset ends the admin session, so the
 * connection is dropped rather than reconnected).  Unlike the phone,
 * enroll wants precise errors: an unknown reader (with the list of
 * readers), an empty reader, a card in use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "err.h"
#include "pcsc.h"

struct admin_pcsc {
	SCARDCONTEXT ctx;
	struct pcsc_link link;
};

/* PC/SC errors that mean "not there" rather than "failed". */
static const struct {
	LONG rv;
	int err;
	const char *text;
} connect_errors[] = {
	{ SCARD_E_UNKNOWN_READER, STK_E_NOT_FOUND, "no such reader" },
	{ SCARD_E_NO_SMARTCARD, STK_E_NOT_FOUND, "no card in the reader" },
	{ SCARD_W_REMOVED_CARD, STK_E_NOT_FOUND, "no card in the reader" },
	{ SCARD_E_SHARING_VIOLATION, STK_E_STATE, "the card is in use by "
	    "another program (stop the phone or handset driver)" },
	{ SCARD_E_NO_SERVICE, STK_E_IO, "pcscd is not running (or "
	    "PCSCLITE_CSOCK_NAME names no socket)" },
	{ SCARD_E_NO_READERS_AVAILABLE, STK_E_NOT_FOUND, "no readers" },
};

static int
map_error(LONG rv, char *err, size_t errsz, const char *what)
{
	for (size_t i = 0; i < sizeof(connect_errors) /
	    sizeof(connect_errors[0]); i++)
		if (connect_errors[i].rv == rv) {
			snprintf(err, errsz, "%s: %s", what,
			    connect_errors[i].text);
			return connect_errors[i].err;
		}
	snprintf(err, errsz, "%s: %s", what, pcsc_stringify_error(rv));
	return STK_E_IO;
}

/* "unknown reader X; readers: A, B" (or "no readers"). */
static int
unknown_reader(struct admin_pcsc *p, const char *reader, char *err,
    size_t errsz)
{
	char *list = NULL, *r;
	DWORD len = 0;
	size_t o;

	o = (size_t)snprintf(err, errsz, "unknown reader \"%s\"", reader);
	if (SCardListReaders(p->ctx, NULL, NULL, &len) != SCARD_S_SUCCESS ||
	    len == 0 || len > 65536 || (list = malloc(len)) == NULL ||
	    SCardListReaders(p->ctx, NULL, list, &len) != SCARD_S_SUCCESS) {
		if (o < errsz)
			snprintf(err + o, errsz - o, "; no readers");
		free(list);
		return STK_E_NOT_FOUND;
	}
	for (r = list; r < list + len && *r != '\0' && o < errsz;
	    r += strlen(r) + 1)
		o += (size_t)snprintf(err + o, errsz - o, "%s\"%s\"",
		    r == list ? "; readers: " : ", ", r);
	free(list);
	return STK_E_NOT_FOUND;
}

int
admin_pcsc_open(const char *reader, struct admin_pcsc **out, char *err,
    size_t errsz)
{
	struct admin_pcsc *p;
	LONG rv;
	int rc;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return STK_E_NOMEM;
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
	if (rv != SCARD_S_SUCCESS) {
		rc = map_error(rv, err, errsz, "PC/SC");
		free(p);
		return rc;
	}
	p->link.share = SCARD_SHARE_EXCLUSIVE;
	p->link.want = SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1;
	rv = SCardConnect(p->ctx, reader, p->link.share, p->link.want,
	    &p->link.card, &p->link.proto);
	if (rv == SCARD_E_UNKNOWN_READER)
		rc = unknown_reader(p, reader, err, errsz);
	else if (rv != SCARD_S_SUCCESS)
		rc = map_error(rv, err, errsz, reader);
	else
		rc = STK_OK;
	if (rc != STK_OK) {
		SCardReleaseContext(p->ctx);
		free(p);
		return rc;
	}
	p->link.connected = true;
	*out = p;
	return STK_OK;
}

bool
admin_pcsc_t1(const struct admin_pcsc *p)
{
	return p->link.proto == SCARD_PROTOCOL_T1;
}

int
admin_pcsc_xmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp,
    size_t *rlen)
{
	struct admin_pcsc *p = ctx;

	/* A reset or removed card loses the admin session: the
	 * personalisation cannot go on over this connection. */
	return pcsc_link_xmit(&p->link, PCSC_RESET_DROP, apdu, len, resp,
	    rlen);
}

void
admin_pcsc_close(struct admin_pcsc *p)
{
	if (p == NULL)
		return;
	if (p->link.connected)
		SCardDisconnect(p->link.card, SCARD_RESET_CARD);
	SCardReleaseContext(p->ctx);
	free(p);
}
