/*
 * fuzz_cat_proactive.c - libFuzzer target for stk_cat_proactive_decode()
 * (TS 102 223 §6.6).  Properties: no crash or out-of-bounds read on any
 * input; a rejected input names its field inside the input; an accepted
 * command of a type this module builds re-encodes, the re-encoding decodes
 * to the same command, and encoding is idempotent (the second encoding is
 * byte for byte the first: our form is canonical).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "cat.h"
#include "err.h"
#include "fuzz_cat_common.h"
#include "sms_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same(const struct stk_cat_proactive *a, const struct stk_cat_proactive *b)
{
	if (memcmp(&a->cmd, &b->cmd, sizeof(a->cmd)) != 0 ||
	    memcmp(&a->dev, &b->dev, sizeof(a->dev)) != 0 ||
	    !fuzz_cat_text_same(&a->text, &b->text) ||
	    !fuzz_cat_text_same(&a->alpha, &b->alpha) ||
	    !fuzz_cat_text_same(&a->default_text, &b->default_text) ||
	    a->icon.present != b->icon.present ||
	    (a->icon.present && (a->icon.qualifier != b->icon.qualifier ||
	    a->icon.record != b->icon.record)) ||
	    a->immediate_response != b->immediate_response ||
	    a->duration.present != b->duration.present ||
	    (a->duration.present && (a->duration.unit != b->duration.unit ||
	    a->duration.interval != b->duration.interval)) ||
	    a->has_response_length != b->has_response_length ||
	    a->resp_min != b->resp_min || a->resp_max != b->resp_max ||
	    a->nitems != b->nitems ||
	    a->has_default_item != b->has_default_item ||
	    a->default_item != b->default_item ||
	    a->address.present != b->address.present ||
	    (a->address.present &&
	    !stk_sms_addr_equal(&a->address.addr, &b->address.addr)) ||
	    a->tpdu_len != b->tpdu_len ||
	    (a->tpdu_len > 0 && memcmp(a->tpdu, b->tpdu, a->tpdu_len) != 0))
		return 0;
	for (size_t i = 0; i < a->nitems; i++)
		if (a->items[i].null_item != b->items[i].null_item ||
		    a->items[i].id != b->items[i].id ||
		    !fuzz_cat_text_same(&a->items[i].text, &b->items[i].text))
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stk_cat_proactive p, q;
	struct stk_buf b1, b2;
	struct stk_diag d;
	int rc;

	stk_diag_clear(&d);
	rc = stk_cat_proactive_decode(data, size, &p, &d);
	if (rc != STK_OK) {
		fuzz_cat_check_diag(&d, rc, size);
		return 0;
	}
	fuzz_cat_check_text(&p.text);
	fuzz_cat_check_text(&p.alpha);
	fuzz_cat_check_text(&p.default_text);
	for (size_t i = 0; i < p.nitems; i++)
		fuzz_cat_check_text(&p.items[i].text);
	if (p.nobjs < 2 || p.nunknown > p.nobjs)
		abort();
	if (!p.known)
		return 0;

	stk_buf_init(&b1);
	stk_buf_init(&b2);
	if (stk_cat_proactive_encode(&p, &b1) != STK_OK)
		abort();
	if (stk_cat_proactive_decode(stk_buf_data(&b1), stk_buf_len(&b1), &q,
	    NULL) != STK_OK || !same(&p, &q))
		abort();
	if (stk_cat_proactive_encode(&q, &b2) != STK_OK ||
	    stk_buf_len(&b1) != stk_buf_len(&b2) ||
	    memcmp(stk_buf_data(&b1), stk_buf_data(&b2), stk_buf_len(&b1)))
		abort();
	stk_buf_free(&b1);
	stk_buf_free(&b2);
	return 0;
}
