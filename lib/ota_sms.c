/*
 * ota_sms.c - secured packets carried in SMS (TS 31.115 §4.2-§4.4):
 * one SMS with the UDH "02 70 00" (command) / "02 71 00" (response), or
 * concatenated SMS (TS 23.040 §9.2.3.24.1 / §9.2.3.24.8) whose first
 * segment alone carries the packet identifier IE, so that the packet
 * header (CPL/RPL ...) starts the first segment's body.  Segmenting is
 * lib/concat.c's; this file states the OTA rules and checks them on the
 * way back.
 */
#include <stdlib.h>
#include <string.h>

#include "concat.h"
#include "ota.h"
#include "udh.h"

int
stk_ota_sms_split(const uint8_t *packet, size_t len, uint8_t iei,
    uint16_t ref, bool ref16, struct stk_seglist *out)
{
	struct stk_udh_ie first;
	struct stk_segment_opts opts;

	if (out == NULL || (packet == NULL && len > 0) ||
	    (iei != STK_OTA_IEI_COMMAND && iei != STK_OTA_IEI_RESPONSE) ||
	    (!ref16 && ref > 255))
		return STK_E_ARG;
	if (len > STK_OTA_PACKET_MAX)
		return STK_E_TOO_LONG;
	memset(&first, 0, sizeof(first));
	first.iei = iei;		/* IEIDL 0, no data (TS 31.115 §4) */
	memset(&opts, 0, sizeof(opts));
	opts.charset = STK_CHARSET_8BIT;
	opts.ref16 = ref16;
	opts.ref = ref;
	opts.first = &first;
	opts.n_first = 1;
	return stk_segment(packet, len, &opts, out);
}

/* What one received TP-UD says about itself. */
struct seg_info {
	bool has_concat;
	struct stk_udh_concat concat;
	bool has_pi;			/* packet identifier 70 / 71 */
	uint8_t pi;
	const uint8_t *body;
	size_t body_len;
};

static int
seg_parse(const uint8_t *ud, size_t ud_len, struct seg_info *si,
    struct stk_diag *diag)
{
	struct stk_udh udh;
	struct stk_cur c;
	const struct stk_udh_ie *cpi, *rpi, *pi;
	int ret;

	memset(si, 0, sizeof(*si));
	stk_cur_init(&c, ud, ud_len);
	if ((ret = stk_udh_parse_cur(&c, &udh, diag)) != STK_OK)
		return ret;
	cpi = stk_udh_find(&udh, STK_OTA_IEI_COMMAND);
	rpi = stk_udh_find(&udh, STK_OTA_IEI_RESPONSE);
	if (cpi != NULL && rpi != NULL)
		return stk_fail(diag, STK_E_INCONSISTENT, "RPI", rpi->off);
	pi = cpi != NULL ? cpi : rpi;
	if (pi != NULL) {
		if (pi->len != 0)
			return stk_fail(diag, STK_E_INCONSISTENT,
			    pi == cpi ? "CPI-IEIDL" : "RPI-IEIDL", pi->off + 1);
		si->has_pi = true;
		si->pi = pi->iei;
	}
	ret = stk_udh_find_concat(&udh, &si->concat, diag);
	if (ret == STK_OK)
		si->has_concat = true;
	else if (ret != STK_E_NOT_FOUND)
		return ret;
	si->body = stk_cur_data(&c);
	si->body_len = stk_cur_len(&c);
	return STK_OK;
}

int
stk_ota_sms_join(const uint8_t *const *ud, const size_t *ud_len,
    size_t count, uint8_t **packet, size_t *len, uint8_t *iei,
    struct stk_diag *diag)
{
	struct seg_info *si = NULL;
	const struct seg_info *order[255];
	uint8_t *buf = NULL;
	size_t total = 0, at = 0;
	uint16_t plen;
	int ret;

	*packet = NULL;
	*len = 0;
	if (ud == NULL || ud_len == NULL || count == 0 || count > 255)
		return stk_fail(diag, STK_E_ARG, "segments", 0);
	if ((si = calloc(count, sizeof(*si))) == NULL)
		return stk_fail(diag, STK_E_NOMEM, "segments", 0);
	memset(order, 0, sizeof(order));
	for (size_t i = 0; i < count; i++) {
		const struct seg_info *s = &si[i];

		if ((ret = seg_parse(ud[i], ud_len[i], &si[i], diag)) != STK_OK)
			goto out;
		if (count == 1 && !s->has_concat) {
			order[0] = s;
		} else if (!s->has_concat) {
			ret = stk_fail(diag, STK_E_INCONSISTENT, "CONCAT", 0);
			goto out;
		} else {
			if (s->concat.total != count ||
			    s->concat.ref != si[0].concat.ref ||
			    s->concat.ref16 != si[0].concat.ref16) {
				ret = stk_fail(diag, STK_E_INCONSISTENT,
				    "CONCAT-TOTAL", 0);
				goto out;
			}
			if (order[s->concat.seq - 1] != NULL) {
				ret = stk_fail(diag, STK_E_DUPLICATE,
				    "CONCAT-SEQ", 0);
				goto out;
			}
			order[s->concat.seq - 1] = s;
		}
		/* The identifier belongs to the first segment alone. */
		if (s->has_pi != (order[0] == s)) {
			ret = stk_fail(diag, STK_E_INCONSISTENT, s->has_pi ?
			    "CPI" : "UDH", 0);
			goto out;
		}
		total += s->body_len;
	}
	if (total > STK_OTA_PACKET_MAX) {
		ret = stk_fail(diag, STK_E_TOO_LONG, "segments", 0);
		goto out;
	}
	if ((buf = malloc(total + 1)) == NULL) {
		ret = stk_fail(diag, STK_E_NOMEM, "segments", 0);
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		if (order[i]->body_len > 0)
			memcpy(buf + at, order[i]->body, order[i]->body_len);
		at += order[i]->body_len;
	}
	/* CPL / RPL counts the octets after itself (TS 102 225 §5.1, §5.2). */
	if (total < 2 || (plen = (uint16_t)(buf[0] << 8 | buf[1]),
	    (size_t)plen + 2 != total)) {
		ret = stk_fail(diag, total < 2 ? STK_E_TRUNCATED :
		    STK_E_INCONSISTENT, order[0]->pi == STK_OTA_IEI_COMMAND ?
		    "CPL" : "RPL", 0);
		goto out;
	}
	*iei = order[0]->pi;
	*packet = buf;
	*len = total;
	buf = NULL;
	ret = STK_OK;
out:
	free(buf);
	free(si);
	return ret;
}
