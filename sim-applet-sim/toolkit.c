/*
 * toolkit.c - the proactive side of the card (TS 102 221 §11.2, TS 102 223
 * §6 and §7): TERMINAL PROFILE, ENVELOPE, FETCH, TERMINAL RESPONSE, the one
 * pending proactive command, 91xx / 9300, and the queue of SMS-SUBMITs
 * that SEND SHORT MESSAGE sends one after another.
 *
 * Session rules (TS 102 223 §6.2 - §6.4): the card holds at most one
 * proactive command; it announces it with 91xx (the length) in place of
 * 9000 until the terminal FETCHes it; the command then stays outstanding
 * until a TERMINAL RESPONSE whose command details (number, type,
 * qualifier) are those of the command.  While a session runs (a command
 * pending or outstanding, SMS left to send, or the applet waiting for the
 * user) an ENVELOPE SMS-PP DOWNLOAD gets 9300 "toolkit busy" (TS 102 221
 * §10.2.1.2, TS 31.111 §7.1.1.2: the ME retries or answers RP-ERROR).
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "card.h"
#include "cat.h"
#include "err.h"
#include "log.h"
#include "sw.h"

/* ---- state ------------------------------------------------------------- */

void
tk_reset(struct card *c)
{
	/* A reset ends the proactive session and the applet's dialogue; the
	 * TERMINAL PROFILE is sent again by the terminal after every reset
	 * (TS 102 221 §11.2.1). */
	explicit_bzero(&c->tk, sizeof(c->tk));
}

bool
tk_busy(const struct card *c)
{
	return c->tk.cmd_pending || c->tk.cmd_outstanding || c->tk.nsms > 0 ||
	    c->tk.app_state != CARD_APP_IDLE;
}

bool
tk_has(const struct card *c, unsigned f)
{
	return c->tk.tp_seen && stk_tp_has(c->tk.tp, c->tk.tp_len, f);
}

uint16_t
tk_pending_sw(const struct card *c)
{
	if (!c->tk.cmd_pending)
		return 0;
	return (uint16_t)(STK_SW_PROACTIVE_PENDING | (c->tk.cmd_len & 0xff));
}

uint8_t
tk_next_number(struct card *c)
{
	/* TS 102 223 §8.6: 01..FE; 00 and FF are reserved. */
	c->tk.last_number = (uint8_t)(c->tk.last_number % 0xfe + 1);
	return c->tk.last_number;
}

int
tk_set_command(struct card *c, const uint8_t *cmd, size_t len)
{
	struct stk_cur cur, ctlv;
	uint8_t tag, b;
	size_t vlen;

	if (c->tk.cmd_pending || c->tk.cmd_outstanding)
		return STK_E_STATE;
	if (len > sizeof(c->tk.cmd) || len < 2)
		return STK_E_TOO_LONG;
	/* D0 L [81 L] 81 03 number type qualifier ... (TS 102 223 §6.6):
	 * our encoders always put the command details first. */
	stk_cur_init(&cur, cmd, len);
	if (!stk_cur_u8(&cur, &tag) || tag != STK_CAT_BER_PROACTIVE ||
	    !stk_cur_u8(&cur, &b))
		return STK_E_INVALID;
	vlen = b;
	if (b == 0x81 && !stk_cur_u8(&cur, &b))
		return STK_E_INVALID;
	if (vlen == 0x81)
		vlen = b;
	if (vlen != stk_cur_len(&cur) || !stk_cur_u8(&cur, &tag) ||
	    (tag & 0x7f) != STK_CAT_TAG_COMMAND_DETAILS ||
	    !stk_cur_u8(&cur, &b) || b != 3 || !stk_cur_sub(&cur, &ctlv, 3))
		return STK_E_INVALID;
	(void)stk_cur_u8(&ctlv, &c->tk.details.number);
	(void)stk_cur_u8(&ctlv, &c->tk.details.type);
	(void)stk_cur_u8(&ctlv, &c->tk.details.qualifier);
	memcpy(c->tk.cmd, cmd, len);
	c->tk.cmd_len = len;
	c->tk.cmd_pending = true;
	log_debug("proactive command %u %s pending (%zu bytes)",
	    c->tk.details.number, stk_cat_cmd_name(c->tk.details.type) != NULL ?
	    stk_cat_cmd_name(c->tk.details.type) : "?", len);
	return STK_OK;
}

int
tk_queue_sms(struct card *c, const uint8_t *tpdu, size_t len, unsigned kind)
{
	unsigned slot;

	if (kind >= CARD_SMS_KIND_COUNT)
		return STK_E_ARG;
	if (c->tk.nsms >= CARD_SMS_QUEUE || len > CARD_TPDU_MAX)
		return STK_E_NOSPACE;
	slot = (c->tk.sms_head + c->tk.nsms) % CARD_SMS_QUEUE;
	memcpy(c->tk.sms[slot], tpdu, len);
	c->tk.sms_len[slot] = len;
	c->tk.sms_kind[slot] = (uint8_t)kind;
	c->tk.nsms++;
	return STK_OK;
}

void
tk_drop_queued(struct card *c, unsigned keep)
{
	unsigned slot;

	while (c->tk.nsms > keep) {
		slot = (c->tk.sms_head + c->tk.nsms - 1) % CARD_SMS_QUEUE;
		explicit_bzero(c->tk.sms[slot], sizeof(c->tk.sms[slot]));
		c->tk.sms_len[slot] = 0;
		c->tk.sms_kind[slot] = 0;
		c->tk.nsms--;
	}
}

/* Drop the SMS at the head of the queue. */
static void
sms_pop(struct card *c)
{
	unsigned h = c->tk.sms_head;

	explicit_bzero(c->tk.sms[h], sizeof(c->tk.sms[h]));
	c->tk.sms_len[h] = 0;
	c->tk.sms_kind[h] = 0;
	c->tk.sms_head = (h + 1) % CARD_SMS_QUEUE;
	c->tk.nsms--;
}

/*
 * The alpha identifier of each kind of SMS (TS 102 223 §6.4.10): the auth
 * response tells the user what happens; a PoR carries a null alpha
 * identifier, "the terminal should not give any information to the user"
 * (as real cards send their PoR: tests/vectors/ota/asterix.txt).
 */
static const char *const sms_alpha[CARD_SMS_KIND_COUNT] = {
	[CARD_SMS_AUTH] = "Sending authentication",
	[CARD_SMS_POR] = NULL,
};

/*
 * SEND SHORT MESSAGE (TS 102 223 §6.6.9, TS 31.111 §6.6.9) for the SMS at
 * the head of the queue: device identities UICC -> network, the alpha
 * identifier of its kind, the SMS TPDU (an SMS-SUBMIT whose TP-UD the ME
 * sends as it is: qualifier 00, no packing).
 */
static int
start_send_sms(struct card *c)
{
	struct stk_cat_proactive *p;
	struct stk_buf b;
	unsigned h = c->tk.sms_head;
	const char *alpha = sms_alpha[c->tk.sms_kind[h] % CARD_SMS_KIND_COUNT];
	int r;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return STK_E_NOMEM;
	stk_cat_proactive_init(p, tk_next_number(c),
	    STK_CAT_CMD_SEND_SHORT_MESSAGE, 0x00);
	if (alpha != NULL)
		(void)stk_cat_text_set(&p->alpha, alpha, strlen(alpha),
		    STK_CAT_ALPHA_GSM);
	else
		(void)stk_cat_text_set(&p->alpha, "", 0, STK_CAT_CODING_NULL);
	p->tpdu = c->tk.sms[h];
	p->tpdu_len = c->tk.sms_len[h];
	stk_buf_init(&b);
	if ((r = stk_cat_proactive_encode(p, &b)) == STK_OK)
		r = tk_set_command(c, stk_buf_data(&b), stk_buf_len(&b));
	stk_buf_free(&b);
	free(p);
	return r;
}

void
tk_kick(struct card *c)
{
	int r;

	if (c->tk.cmd_pending || c->tk.cmd_outstanding)
		return;
	if (c->tk.nsms == 0) {
		/* The queue is empty: an accepted request may show its
		 * pop-up now (or queue its answer at once). */
		applet_start(c);
		if (c->tk.cmd_pending || c->tk.cmd_outstanding ||
		    c->tk.nsms == 0)
			return;
	}
	if (!tk_has(c, STK_TP_SEND_SHORT_MESSAGE)) {
		/* TS 102 223 §5.2: never send what the ME did not announce. */
		log_warn("terminal does not support SEND SHORT MESSAGE: "
		    "%u SMS dropped", c->tk.nsms);
		while (c->tk.nsms > 0)
			sms_pop(c);
		return;
	}
	if ((r = start_send_sms(c)) != STK_OK) {
		log_error("SEND SHORT MESSAGE: %s; SMS dropped",
		    stk_strerror(r));
		sms_pop(c);
	}
}

/* ---- commands ------------------------------------------------------------ */

/*
 * TERMINAL PROFILE (TS 102 221 §11.2.1, TS 102 223 §5.2): the terminal's
 * facilities, kept until the next reset.  Longer profiles than we keep
 * are truncated (the facilities we look at are in the first 12 octets).
 */
int
tk_terminal_profile(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw)
{
	size_t n = stk_cur_len(&a->data);

	(void)out;
	if (a->p1 != 0 || a->p2 != 0) {
		*sw = STK_SW_WRONG_P1P2;
		return STK_OK;
	}
	memset(c->tk.tp, 0, sizeof(c->tk.tp));
	if (n > sizeof(c->tk.tp))
		n = sizeof(c->tk.tp);
	memcpy(c->tk.tp, stk_cur_data(&a->data), n);
	c->tk.tp_len = n;
	c->tk.tp_seen = true;
	log_debug("TERMINAL PROFILE: %zu octets, SELECT ITEM %s, GET INPUT "
	    "%s, SEND SHORT MESSAGE %s", n,
	    tk_has(c, STK_TP_SELECT_ITEM) ? "yes" : "no",
	    tk_has(c, STK_TP_GET_INPUT) ? "yes" : "no",
	    tk_has(c, STK_TP_SEND_SHORT_MESSAGE) ? "yes" : "no");
	/* SMS that waited for a profile can go now. */
	tk_kick(c);
	*sw = STK_SW_OK;
	return STK_OK;
}

/*
 * FETCH (TS 102 221 §11.2.3): the pending command.  Le must be its length
 * (or 00); another Le gets 6Cxx and the command stays pending.  Nothing
 * pending: 6985 (conditions of use not satisfied).
 */
int
tk_fetch(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	if (a->p1 != 0 || a->p2 != 0) {
		*sw = STK_SW_WRONG_P1P2;
		return STK_OK;
	}
	if (!c->tk.cmd_pending) {
		*sw = STK_SW_CONDITIONS_NOT_SATISFIED;
		return STK_OK;
	}
	if (a->ne != c->tk.cmd_len && !(a->ne == 256 && c->tk.cmd_len < 256)) {
		*sw = (uint16_t)(STK_SW_WRONG_LE | (c->tk.cmd_len & 0xff));
		return STK_OK;
	}
	stk_buf_add_bytes(out, c->tk.cmd, c->tk.cmd_len);
	c->tk.cmd_pending = false;
	c->tk.cmd_outstanding = true;
	*sw = STK_SW_OK;
	return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
}

/* The TERMINAL RESPONSE to a SEND SHORT MESSAGE drives the queue. */
static void
sms_result(struct card *c, const struct stk_cat_terminal_response *tr)
{
	const char *rn = stk_cat_result_name(tr->result);

	if (tr->result == STK_CAT_RES_OK ||
	    tr->result == STK_CAT_RES_PARTIAL_COMPREHENSION ||
	    tr->result == STK_CAT_RES_MISSING_INFO ||
	    tr->result == STK_CAT_RES_ICON_NOT_DISPLAYED ||
	    tr->result == STK_CAT_RES_MODIFIED_BY_CC) {
		/* TS 102 223 §6.11: 0X results are successful. */
		log_debug("SMS sent (%s), %u left", rn != NULL ? rn : "?",
		    c->tk.nsms - 1);
		sms_pop(c);
		return;
	}
	/* A failed segment makes the rest useless: the receiver cannot
	 * reassemble the packet without it. */
	log_warn("SEND SHORT MESSAGE failed: result %02X (%s); %u SMS "
	    "dropped", tr->result, rn != NULL ? rn : "?", c->tk.nsms);
	while (c->tk.nsms > 0)
		sms_pop(c);
}

/*
 * TERMINAL RESPONSE (TS 102 221 §11.2.4, TS 102 223 §6.8).  Errors:
 * no command outstanding 6985; undecodable data or command details not
 * those of the outstanding command 6A80 (the command stays outstanding).
 */
int
tk_terminal_response(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw)
{
	struct stk_cat_terminal_response *tr;
	struct stk_diag diag;
	int r = STK_OK;

	(void)out;
	if (a->p1 != 0 || a->p2 != 0) {
		*sw = STK_SW_WRONG_P1P2;
		return STK_OK;
	}
	if (!c->tk.cmd_outstanding) {
		*sw = STK_SW_CONDITIONS_NOT_SATISFIED;
		return STK_OK;
	}
	if ((tr = calloc(1, sizeof(*tr))) == NULL)
		return STK_E_NOMEM;
	stk_diag_clear(&diag);
	if (stk_cat_tr_decode(stk_cur_data(&a->data), stk_cur_len(&a->data),
	    tr, &diag) != STK_OK) {
		log_debug("TERMINAL RESPONSE rejected: %s at offset %zu: %s",
		    diag.field, diag.offset, stk_strerror(diag.err));
		*sw = STK_SW_WRONG_DATA;
		goto out;
	}
	if (tr->cmd.number != c->tk.details.number ||
	    tr->cmd.type != c->tk.details.type ||
	    tr->cmd.qualifier != c->tk.details.qualifier) {
		log_debug("TERMINAL RESPONSE for command %u type %02X, "
		    "outstanding is %u type %02X", tr->cmd.number, tr->cmd.type,
		    c->tk.details.number, c->tk.details.type);
		*sw = STK_SW_WRONG_DATA;
		goto out;
	}
	c->tk.cmd_outstanding = false;
	log_debug("TERMINAL RESPONSE to %s: result %02X (%s)",
	    stk_cat_cmd_name(tr->cmd.type) != NULL ?
	    stk_cat_cmd_name(tr->cmd.type) : "?", tr->result,
	    stk_cat_result_name(tr->result) != NULL ?
	    stk_cat_result_name(tr->result) : "?");
	if (tr->cmd.type == STK_CAT_CMD_SEND_SHORT_MESSAGE && c->tk.nsms > 0)
		sms_result(c, tr);
	else
		r = applet_terminal_response(c, tr);
	tk_kick(c);
	*sw = STK_SW_OK;
out:
	free(tr);
	return r;
}

/*
 * ENVELOPE (TS 102 221 §11.2.2, TS 102 223 §7, TS 31.111 §7): only SMS-PP
 * DOWNLOAD (D1) is served.  Undecodable data 6A80; another envelope tag
 * (menu selection, event download...) 6A81 "function not supported"; a
 * proactive session under way 9300.
 */
int
tk_envelope(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	struct stk_cat_envelope *env;
	struct stk_diag diag;
	int r = STK_OK;

	if (a->p1 != 0 || a->p2 != 0) {
		*sw = STK_SW_WRONG_P1P2;
		return STK_OK;
	}
	if ((env = calloc(1, sizeof(*env))) == NULL)
		return STK_E_NOMEM;
	stk_diag_clear(&diag);
	if (stk_cat_envelope_decode(stk_cur_data(&a->data),
	    stk_cur_len(&a->data), env, &diag) != STK_OK) {
		log_debug("ENVELOPE rejected: %s at offset %zu: %s",
		    diag.field, diag.offset, stk_strerror(diag.err));
		*sw = STK_SW_WRONG_DATA;
		goto out;
	}
	if (env->tag != STK_CAT_BER_SMS_PP_DOWNLOAD) {
		log_debug("ENVELOPE %02X (%s) not supported", env->tag,
		    stk_cat_ber_tag_name(env->tag) != NULL ?
		    stk_cat_ber_tag_name(env->tag) : "?");
		*sw = STK_SW_FUNC_NOT_SUPPORTED;
		goto out;
	}
	if (tk_busy(c)) {
		log_debug("ENVELOPE SMS-PP while a proactive session runs: "
		    "toolkit busy");
		*sw = STK_SW_TOOLKIT_BUSY;
		goto out;
	}
	r = ota_sms_pp(c, env, out, sw);
	tk_kick(c);
out:
	free(env);
	return r;
}
