/*
 * fuzz_tpdu.c - libFuzzer target for the TPDU decoder (TS 23.040 §9.2.2).
 *
 * The first input byte picks the mode: bit 0 the direction, bit 1 a
 * TS 27.005 SC address prefix, bit 2 an explicit type (bits 3-5, modulo 6)
 * with the RP-ERROR form per bit 6.  Whatever the decoder accepts must
 * re-encode to exactly the same bytes, and every accessor must work on it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "err.h"
#include "tpdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum stk_sms_dir dir;
	struct stk_sms_addr sca;
	struct stk_tpdu t;
	struct stk_diag d;
	struct stk_buf out, text;
	char buf[160];
	bool sca_present = false;
	uint8_t mode;
	int r;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	dir = (mode & 1) ? STK_DIR_SC_TO_MS : STK_DIR_MS_TO_SC;
	stk_diag_clear(&d);
	if (mode & 4)
		r = stk_tpdu_decode_as(data, size,
		    (enum stk_tpdu_type)(((mode >> 3) & 7) % 6),
		    (mode & 0x40) != 0, &t, &d);
	else if (mode & 2)
		r = stk_tpdu_decode_with_sca(data, size, dir, &sca, &sca_present,
		    &t, &d);
	else
		r = stk_tpdu_decode(data, size, dir, &t, &d);
	if (r != STK_OK) {
		/* a failure always names its field inside the input */
		if (d.err != r || d.field == NULL || d.offset > size)
			abort();
		stk_diag_format(&d, buf, sizeof(buf));
		return 0;
	}

	stk_buf_init(&out);
	if ((mode & 6) == 2 &&
	    stk_smsc_addr_encode(sca_present ? &sca : NULL, &out) != STK_OK)
		abort();
	if (stk_tpdu_encode(&t, &out) != STK_OK)
		abort();
	if (stk_buf_len(&out) != size ||
	    memcmp(stk_buf_data(&out), data, size) != 0)
		abort();
	stk_buf_free(&out);

	/* accessors on accepted input */
	stk_buf_init(&text);
	(void)stk_tpdu_body_text(&t, &text);
	stk_buf_free(&text);
	(void)stk_sms_addr_to_text(&t.addr, buf, sizeof(buf));
	(void)stk_vp_to_text(&t.vp, buf, sizeof(buf));
	if (stk_tpdu_body_capacity(&t) > STK_UD_MAX_SEPTETS)
		abort();
	{
		struct stk_dcs dcs;

		stk_dcs_decode(t.dcs, &dcs);
		if (stk_dcs_describe(&dcs, buf, sizeof(buf)) != STK_OK)
			abort();
	}
	(void)stk_pid_name(t.pid);
	(void)stk_st_name(t.st);
	(void)stk_fcs_name(t.fcs);
	(void)stk_ct_name(t.ct);
	return 0;
}
