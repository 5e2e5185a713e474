/*
 * fuzz_cat_terminal_response.c - libFuzzer target for stk_cat_tr_decode()
 * (TS 102 223 §6.8).  Properties: no crash or out-of-bounds read; a
 * rejected input names its field inside the input; an accepted response
 * re-encodes, decodes back to the same values, and encoding is idempotent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "cat.h"
#include "err.h"
#include "fuzz_cat_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stk_cat_terminal_response t, u;
	struct stk_buf b1, b2;
	struct stk_diag d;
	int rc;

	stk_diag_clear(&d);
	rc = stk_cat_tr_decode(data, size, &t, &d);
	if (rc != STK_OK) {
		fuzz_cat_check_diag(&d, rc, size);
		return 0;
	}
	fuzz_cat_check_text(&t.text);
	if (t.nobjs < 3 || t.nunknown > t.nobjs ||
	    t.add_info_len > STK_CAT_ADDINFO_MAX)
		abort();
	stk_buf_init(&b1);
	stk_buf_init(&b2);
	if (stk_cat_tr_encode(&t, &b1) != STK_OK)
		abort();
	if (stk_cat_tr_decode(stk_buf_data(&b1), stk_buf_len(&b1), &u, NULL)
	    != STK_OK)
		abort();
	if (memcmp(&t.cmd, &u.cmd, sizeof(t.cmd)) != 0 ||
	    memcmp(&t.dev, &u.dev, sizeof(t.dev)) != 0 ||
	    t.result != u.result || t.add_info_len != u.add_info_len ||
	    memcmp(t.add_info, u.add_info, t.add_info_len) != 0 ||
	    !fuzz_cat_text_same(&t.text, &u.text) ||
	    t.has_item_id != u.has_item_id || t.item_id != u.item_id ||
	    u.nunknown != 0)
		abort();
	if (stk_cat_tr_encode(&u, &b2) != STK_OK ||
	    stk_buf_len(&b1) != stk_buf_len(&b2) ||
	    memcmp(stk_buf_data(&b1), stk_buf_data(&b2), stk_buf_len(&b1)))
		abort();
	stk_buf_free(&b1);
	stk_buf_free(&b2);
	return 0;
}
