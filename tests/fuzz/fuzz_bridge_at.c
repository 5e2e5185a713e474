/*
 * fuzz_bridge_at.c - libFuzzer target for the bridge's AT response parser
 * (smsc-bridge/modem_at.c): whatever a modem sends, in one piece and then
 * split at a point chosen by the first input byte.  Every event must be
 * self-consistent: PDU events carry a TPDU of their <length> within the
 * TS 27.005 limit, finals have a known kind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modem_at.h"
#include "modem_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(void *arg, const struct mat_event *ev)
{
	(void)arg;
	if ((unsigned)ev->kind >= MAT_KIND_COUNT || ev->line == NULL)
		abort();
	if (ev->tpdu != NULL && (ev->tpdu_len == 0 ||
	    ev->tpdu_len > MAT_TPDU_MAX))
		abort();
	if ((ev->kind == MAT_CMS_ERROR || ev->kind == MAT_CME_ERROR) &&
	    ev->code >= 0)
		(void)(ev->kind == MAT_CMS_ERROR ? modem_cms_name((unsigned)ev->code) :
		    modem_cme_name((unsigned)ev->code));
	(void)strlen(ev->line);
	(void)mat_kind_name(ev->kind);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mat_parser p;
	size_t cut;

	mat_init(&p, check, NULL);
	mat_feed(&p, data, size);
	if (size == 0)
		return 0;
	cut = data[0] % size;
	mat_init(&p, check, NULL);
	mat_feed(&p, data + 1, cut);
	mat_feed(&p, data + 1 + cut, size - 1 - cut);
	mat_reset(&p);
	mat_feed(&p, data, size);
	return 0;
}
