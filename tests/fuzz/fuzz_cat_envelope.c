/*
 * fuzz_cat_envelope.c - libFuzzer target for stk_cat_envelope_decode()
 * (TS 102 223 §7, TS 31.111 §7.1.1).  Properties: no crash or
 * out-of-bounds read; a rejected input names its field inside the input;
 * an accepted SMS-PP DOWNLOAD or MENU SELECTION rebuilds with the builders,
 * decodes back to the same values, and the rebuild is canonical (building
 * from the second decode gives the same octets).
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
rebuild(const struct stk_cat_envelope *e, struct stk_buf *b)
{
	if (e->tag == STK_CAT_BER_SMS_PP_DOWNLOAD)
		return stk_cat_envelope_sms_pp(b, e->address.present ?
		    &e->address.addr : NULL, e->tpdu, e->tpdu_len);
	return stk_cat_envelope_menu_selection(b, e->item_id, e->help_request);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stk_cat_envelope e, f;
	struct stk_buf b1, b2;
	struct stk_diag d;
	int rc;

	stk_diag_clear(&d);
	rc = stk_cat_envelope_decode(data, size, &e, &d);
	if (rc != STK_OK) {
		fuzz_cat_check_diag(&d, rc, size);
		return 0;
	}
	if (e.nunknown > e.nobjs)
		abort();
	if (!e.known)
		return 0;
	stk_buf_init(&b1);
	stk_buf_init(&b2);
	if (rebuild(&e, &b1) != STK_OK)
		abort();
	if (stk_cat_envelope_decode(stk_buf_data(&b1), stk_buf_len(&b1), &f,
	    NULL) != STK_OK)
		abort();
	if (f.tag != e.tag || memcmp(&f.dev, &e.dev, sizeof(e.dev)) != 0 ||
	    f.address.present != e.address.present ||
	    (e.address.present &&
	    !stk_sms_addr_equal(&e.address.addr, &f.address.addr)) ||
	    f.tpdu_len != e.tpdu_len ||
	    (e.tpdu_len > 0 && memcmp(f.tpdu, e.tpdu, e.tpdu_len) != 0) ||
	    f.item_id != e.item_id || f.help_request != e.help_request ||
	    f.nunknown != 0)
		abort();
	if (rebuild(&f, &b2) != STK_OK ||
	    stk_buf_len(&b1) != stk_buf_len(&b2) ||
	    memcmp(stk_buf_data(&b1), stk_buf_data(&b2), stk_buf_len(&b1)))
		abort();
	stk_buf_free(&b1);
	stk_buf_free(&b2);
	return 0;
}
