/*
 * session.c - the handset's behaviour: power-on (identity, TERMINAL
 * PROFILE), the proactive loop (FETCH on 91xx, pop-ups, SEND SHORT
 * MESSAGE, TERMINAL RESPONSE), MT SMS (SMS-PP data download or shown to
 * the user), MO results, the keypad, the control socket's callbacks and
 * the timers.  No PC/SC and no poll() here: main.c owns those, so the
 * unit tests drive a session with a scripted card.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "cat.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "phone.h"
#include "sms_addr.h"
#include "sw.h"
#include "tlv.h"
#include "tpdu.h"

uint64_t
phone_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* ---- the card ------------------------------------------------------------ */

/* A status word after any command: 91xx means a proactive command waits. */
static void
note_sw(struct phone *ph, uint16_t sw)
{
	uint8_t len;

	if (stk_sw_proactive_pending(sw, &len)) {
		ph->fetch_pending = true;
		ph->fetch_len = len;
	}
}

static void
echo(struct phone *ph, bool on)
{
	struct termios t;

	if (!ph->ui)
		return;
	if (!on && !ph->echo_off && tcgetattr(0, &ph->saved_tio) == 0) {
		t = ph->saved_tio;
		t.c_lflag &= ~(tcflag_t)ECHO;
		if (tcsetattr(0, TCSANOW, &t) == 0)
			ph->echo_off = true;
	} else if (on && ph->echo_off) {
		tcsetattr(0, TCSANOW, &ph->saved_tio);
		ph->echo_off = false;
	}
}

static void
popup_close(struct phone *ph)
{
	ph->popup_open = false;
	ph->popup.kind = PHONE_POPUP_NONE;
	ph->popup_deadline = ph->auto_at = ph->clear_at = 0;
	echo(ph, true);
}

/* Send a TERMINAL RESPONSE; its status word may announce the next command. */
static int
send_tr(struct phone *ph, const struct stk_cat_terminal_response *tr)
{
	struct phone_rapdu r;
	struct stk_buf b;
	char swd[96];
	int err;

	stk_buf_init(&b);
	if ((err = stk_cat_tr_encode(tr, &b)) != 0) {
		log_error("TERMINAL RESPONSE: %s", stk_strerror(err));
		stk_buf_free(&b);
		return err;
	}
	log_info("TERMINAL RESPONSE to %s (command %u): %02X %s",
	    stk_cat_cmd_name(tr->cmd.type) != NULL ?
	    stk_cat_cmd_name(tr->cmd.type) : "?", tr->cmd.number, tr->result,
	    stk_cat_result_name(tr->result) != NULL ?
	    stk_cat_result_name(tr->result) : "");
	err = phone_terminal_response(&ph->card, stk_buf_data(&b),
	    stk_buf_len(&b), &r);
	stk_buf_free(&b);
	if (err != 0) {
		phone_session_card_lost(ph);
		return err;
	}
	if (r.sw != STK_SW_OK && !stk_sw_is_success(r.sw))
		log_warn("TERMINAL RESPONSE: %s",
		    stk_sw_describe(r.sw, swd, sizeof(swd)));
	phone_ctl_event(ph->ctl, "TR cmd=%u type=%02X result=%02X",
	    tr->cmd.number, tr->cmd.type, tr->result);
	note_sw(ph, r.sw);
	return 0;
}

static int
send_simple_tr(struct phone *ph, const struct stk_cat_cmd_details *cmd,
    uint8_t result, int addinfo)
{
	struct stk_cat_terminal_response tr;

	stk_cat_tr_init(&tr, cmd, result);
	if (addinfo >= 0) {
		tr.add_info[0] = (uint8_t)addinfo;
		tr.add_info_len = 1;
	}
	return send_tr(ph, &tr);
}

/* Apply an answer to the open pop-up (keypad, control socket, automat). */
int
phone_session_answer(struct phone *ph, const struct phone_answer *a,
    const char **why)
{
	struct stk_cat_terminal_response tr;
	int r;

	if (!ph->popup_open) {
		*why = "no pop-up";
		return STK_E_STATE;
	}
	if ((r = phone_popup_response(&ph->popup, a, &tr, why)) != 0)
		return r;
	popup_close(ph);
	if (ph->ui)
		fprintf(ph->screen, "[pop-up closed: %s]\n",
		    stk_cat_result_name(tr.result));
	fflush(ph->screen);
	if (tr.has_item_id)
		phone_ctl_event(ph->ctl, "ANSWERED result=%02X item=%02X",
		    tr.result, tr.item_id);
	else
		phone_ctl_event(ph->ctl, "ANSWERED result=%02X", tr.result);
	return send_tr(ph, &tr);
}

static void
show_popup(struct phone *ph)
{
	char st[8000];
	uint64_t t = phone_now_ms();

	phone_popup_status(&ph->popup, st, sizeof(st));
	/* The texts (the ticket) go to the screen and the control socket,
	 * never to the log (log.h). */
	log_info("pop-up: %s, command %u, %zu items",
	    phone_popup_kind_name(ph->popup.kind), ph->popup.cmd.number,
	    ph->popup.nitems);
	phone_ctl_event(ph->ctl, "POPUP %s", st);
	if (ph->ui || ph->auto_mode != PHONE_AUTO_NONE)
		phone_popup_render(&ph->popup, ph->screen, 44);
	if (ph->popup.kind == PHONE_POPUP_DISPLAY_TEXT &&
	    ph->popup.immediate_response) {
		/* §6.4.1: answered at once; the text stays on screen. */
		struct phone_answer a = { .kind = PHONE_ANS_CONFIRM };
		const char *why;

		ph->popup_open = true;
		phone_session_answer(ph, &a, &why);
		return;
	}
	ph->popup_open = true;
	ph->popup_deadline = t + ph->ui_timeout_ms;
	if (ph->popup.kind == PHONE_POPUP_DISPLAY_TEXT) {
		if (ph->popup.duration_ms > 0) {
			ph->clear_at = t + ph->popup.duration_ms;
			ph->clear_result = STK_CAT_RES_NO_RESPONSE;
		} else if (!ph->popup.wait_for_user) {
			ph->clear_at = t + PHONE_CLEAR_DELAY_MS;
			ph->clear_result = STK_CAT_RES_OK;
		}
	}
	if (ph->auto_mode == PHONE_AUTO_CONFIRM || ph->auto_mode == PHONE_AUTO_REJECT)
		ph->auto_at = t + ph->delay_ms;
	if (ph->popup.kind == PHONE_POPUP_GET_INPUT && ph->popup.hidden)
		echo(ph, false);
}

/* SEND SHORT MESSAGE (TS 102 223 §6.4.10): the network does the rest. */
static void
send_short_message(struct phone *ph, const struct stk_cat_proactive *p)
{
	struct stk_diag d;
	struct stk_buf b;
	char *hex, msg[128];
	int r;

	if (p->alpha.present && p->alpha.len > 0)
		fprintf(ph->screen, "[%s]\n", p->alpha.utf8);
	fflush(ph->screen);
	if (ph->net == NULL || !phone_net_attached(ph->net)) {
		log_warn("SEND SHORT MESSAGE: not attached to a network");
		/* 21 with "no specific cause can be given" (§8.12.2) */
		send_simple_tr(ph, &p->cmd, STK_CAT_RES_NETWORK_UNABLE, 0x00);
		return;
	}
	stk_buf_init(&b);
	stk_diag_clear(&d);
	if ((r = phone_mo_prepare(p->tpdu, p->tpdu_len, p->cmd.qualifier,
	    ph->next_mr, &b, &d)) != 0) {
		log_warn("SEND SHORT MESSAGE: SMS TPDU: %s",
		    stk_diag_format(&d, msg, sizeof(msg)));
		stk_buf_free(&b);
		send_simple_tr(ph, &p->cmd, STK_CAT_RES_DATA_NOT_UNDERSTOOD,
		    -1);
		return;
	}
	if ((hex = stk_hex_string(stk_buf_data(&b), stk_buf_len(&b), 1)) ==
	    NULL) {
		stk_buf_free(&b);
		send_simple_tr(ph, &p->cmd, STK_CAT_RES_ME_UNABLE, 0x00);
		return;
	}
	ph->mo_ref = ++ph->next_ref;
	ph->next_mr++;
	ph->mo_cmd = p->cmd;
	if (phone_net_send(ph->net, "MO %lu %s", ph->mo_ref, hex) != 0) {
		send_simple_tr(ph, &p->cmd, STK_CAT_RES_NETWORK_UNABLE, 0x00);
	} else {
		log_info("MO %lu: SMS-SUBMIT of %zu octets sent", ph->mo_ref,
		    stk_buf_len(&b));
		phone_ctl_event(ph->ctl, "MO ref=%lu tpdu=%s", ph->mo_ref, hex);
		ph->mo_waiting = true;
		ph->mo_deadline = phone_now_ms() + PHONE_MO_TIMEOUT_MS;
	}
	free(hex);
	stk_buf_free(&b);
}

/*
 * Command details of a command the decoder refused, so the terminal can
 * still answer it (TS 102 223 §6.10).  False when even they are missing.
 */
static bool
salvage_cmd(const uint8_t *in, size_t len, struct stk_cat_cmd_details *cmd)
{
	struct stk_tlv outer, cd;
	struct stk_cur inner;

	if (stk_ber_tlv_parse_one(in, len, STK_CAT_BER_PROACTIVE, &outer,
	    NULL) != 0)
		return false;
	inner = outer.value;
	if (stk_ctlv_get(&inner, &cd, NULL) != 0 ||
	    cd.tag != STK_CAT_TAG_COMMAND_DETAILS ||
	    stk_cur_len(&cd.value) != 3)
		return false;
	stk_cur_u8(&cd.value, &cmd->number);
	stk_cur_u8(&cd.value, &cmd->type);
	stk_cur_u8(&cd.value, &cmd->qualifier);
	return true;
}

/* FETCH and handle one proactive command (TS 102 221 §14.7). */
static void
fetch_one(struct phone *ph)
{
	static struct stk_cat_proactive p;
	struct stk_cat_cmd_details cmd;
	struct phone_rapdu r;
	struct stk_diag d;
	char msg[128], swd[96], q[160];
	int err;

	ph->fetch_pending = false;
	if ((err = phone_fetch(&ph->card, ph->fetch_len, &r)) != 0) {
		phone_session_card_lost(ph);
		return;
	}
	if (r.sw != STK_SW_OK || r.len == 0) {
		log_warn("FETCH: %s", stk_sw_describe(r.sw, swd, sizeof(swd)));
		note_sw(ph, r.sw);
		return;
	}
	stk_diag_clear(&d);
	if ((err = stk_cat_proactive_decode(r.data, r.len, &p, &d)) != 0) {
		log_warn("proactive command: %s", stk_diag_format(&d, msg,
		    sizeof(msg)));
		if (salvage_cmd(r.data, r.len, &cmd))
			send_simple_tr(ph, &cmd, d.err == STK_E_NOT_FOUND ?
			    STK_CAT_RES_VALUES_MISSING :
			    STK_CAT_RES_DATA_NOT_UNDERSTOOD, -1);
		return;
	}
	log_info("proactive command %u: %s (%s)", p.cmd.number,
	    stk_cat_cmd_name(p.cmd.type) != NULL ?
	    stk_cat_cmd_name(p.cmd.type) : "unknown type",
	    stk_cat_qualifier_describe(p.cmd.type, p.cmd.qualifier, q,
	    sizeof(q)));
	if (p.unknown_cr) {
		/* §6.10: an object with CR that the terminal does not know */
		send_simple_tr(ph, &p.cmd, STK_CAT_RES_DATA_NOT_UNDERSTOOD, -1);
		return;
	}
	switch (p.cmd.type) {
	case STK_CAT_CMD_DISPLAY_TEXT:
	case STK_CAT_CMD_GET_INPUT:
	case STK_CAT_CMD_SELECT_ITEM:
		if (phone_popup_from_cmd(&p, &ph->popup) == 0) {
			show_popup(ph);
			return;
		}
		break;
	case STK_CAT_CMD_SEND_SHORT_MESSAGE:
		send_short_message(ph, &p);
		return;
	case STK_CAT_CMD_MORE_TIME:
		send_simple_tr(ph, &p.cmd, STK_CAT_RES_OK, -1);
		return;
	default:
		break;
	}
	/* §6.8: a command type TS 102 223 defines but this terminal does
	 * not offer is beyond its capabilities (30); one it does not even
	 * know is "command type not understood" (31). */
	send_simple_tr(ph, &p.cmd, stk_cat_cmd_name(p.cmd.type) != NULL ?
	    STK_CAT_RES_BEYOND_CAPABILITIES : STK_CAT_RES_TYPE_NOT_UNDERSTOOD,
	    -1);
}

int
phone_session_card_ready(struct phone *ph)
{
	struct phone_rapdu r;
	char swd[96];
	int err;

	if ((err = phone_read_identity(&ph->card, ph->sim_pin,
	    &ph->info)) != 0)
		return err;
	/* TS 102 221 §14.7.1 / TS 102 223 §5.1: profile download. */
	if ((err = phone_send_terminal_profile(&ph->card, &r)) != 0)
		return err;
	if (r.sw == STK_SW_OK || stk_sw_is_success(r.sw))
		log_info("TERMINAL PROFILE accepted (%s)",
		    stk_sw_describe(r.sw, swd, sizeof(swd)));
	else
		log_warn("TERMINAL PROFILE refused (%s): the card has no "
		    "toolkit", stk_sw_describe(r.sw, swd, sizeof(swd)));
	ph->card_ok = true;
	phone_ctl_event(ph->ctl, "CARD iccid=%s msisdn=%s", ph->info.iccid,
	    ph->info.msisdn[0] != '\0' ? ph->info.msisdn : "-");
	note_sw(ph, r.sw);
	return 0;
}

void
phone_session_card_lost(struct phone *ph)
{
	if (!ph->card_ok)
		return;
	log_error("card lost; waiting for it");
	ph->card_ok = false;
	ph->fetch_pending = false;
	popup_close(ph);
	ph->mo_waiting = false;
	if (ph->card_close != NULL)
		ph->card_close(ph);
	ph->card_retry_at = phone_now_ms() + PHONE_CARD_RETRY_MS;
	phone_ctl_event(ph->ctl, "CARD lost");
}

/* ---- the network --------------------------------------------------------- */

static void
mt_download(struct phone *ph, unsigned long id, const struct stk_tpdu *t,
    const uint8_t *tpdu, size_t tpdu_len)
{
	struct phone_mt_answer ans;
	struct phone_rapdu r;
	struct stk_buf b;
	char hex[2 * sizeof(ans.report) + 1], swd[96];
	int err;

	if (!ph->card_ok) {
		memset(&ans, 0, sizeof(ans));
		ans.rp_cause = PHONE_RP_CAUSE_PROTOCOL_ERROR;
		ans.why = "no card";
		memset(&r, 0, sizeof(r));
		r.first_sw = r.sw = STK_SW_TECHNICAL_PROBLEM;
		(void)phone_smspp_answer(t, &r, false, &ans);
	} else {
		/* TS 31.111 §7.1.1.2: device identities network -> UICC,
		 * the SC address (RP-OA) when known, the SMS-DELIVER TPDU. */
		stk_buf_init(&b);
		if ((err = stk_cat_envelope_sms_pp(&b, ph->have_smsc ?
		    &ph->smsc : NULL, tpdu, tpdu_len)) != 0) {
			log_warn("MT %lu: ENVELOPE: %s", id, stk_strerror(err));
			stk_buf_free(&b);
			phone_net_send(ph->net, "MT-NACK %lu %u", id,
			    PHONE_RP_CAUSE_INVALID_MANDATORY);
			return;
		}
		err = phone_envelope(&ph->card, stk_buf_data(&b),
		    stk_buf_len(&b), &r);
		stk_buf_free(&b);
		if (err != 0) {
			phone_session_card_lost(ph);
			memset(&r, 0, sizeof(r));
			r.first_sw = r.sw = STK_SW_TECHNICAL_PROBLEM;
		}
		if (phone_smspp_answer(t, &r, ph->rel11, &ans) != 0)
			log_warn("MT %lu: %zu octets of response data do not "
			    "fit an SMS-DELIVER-REPORT; answered without",
			    id, r.len);
		log_info("MT %lu: SMS-PP data download, card %s: %s", id,
		    stk_sw_describe(r.first_sw, swd, sizeof(swd)), ans.why);
	}
	stk_hex_format(hex, ans.report, ans.report_len, 1);
	if (ans.ack)
		phone_net_send(ph->net, "MT-ACK %lu%s%s", id,
		    ans.report_len > 0 ? " " : "", hex);
	else
		phone_net_send(ph->net, "MT-NACK %lu %u%s%s", id, ans.rp_cause,
		    ans.report_len > 0 ? " " : "", hex);
	phone_ctl_event(ph->ctl, "MT id=%lu download %s report=%s", id,
	    ans.ack ? "ack" : "nack", ans.report_len > 0 ? hex : "-");
	if (ph->card_ok)
		note_sw(ph, r.sw);
}

static void
mt_plain(struct phone *ph, unsigned long id, const struct stk_tpdu *t)
{
	char from[STK_ADDR_TEXT_MAX + 1], q[2 * 2 * STK_UD_MAX_SEPTETS * 3];
	struct stk_buf b;
	int r;

	stk_sms_addr_to_text(&t->addr, from, sizeof(from));
	stk_buf_init(&b);
	if ((r = stk_tpdu_body_text(t, &b)) == 0 && stk_buf_add_u8(&b, 0)) {
		fprintf(ph->screen, "SMS from %s: %s\n", from, (char *)stk_buf_data(&b));
		phone_quote((char *)stk_buf_data(&b), q, sizeof(q));
	} else {
		fprintf(ph->screen, "SMS from %s: (%zu octets of data)\n", from,
		    t->body_len);
		snprintf(q, sizeof(q), "\"\"");
	}
	fflush(ph->screen);
	stk_buf_free(&b);
	log_info("MT %lu: SMS from %s shown", id, from);
	phone_net_send(ph->net, "MT-ACK %lu", id);
	phone_ctl_event(ph->ctl, "SMS id=%lu from=%s text=%s", id, from, q);
}

static void
on_mt(struct phone *ph, const struct phone_net_msg *m)
{
	static struct stk_tpdu t;
	struct stk_diag d;
	char msg[128];

	stk_diag_clear(&d);
	if (stk_tpdu_decode(m->tpdu, m->tpdu_len, STK_DIR_SC_TO_MS, &t,
	    &d) != 0) {
		log_warn("MT %lu: %s", m->id, stk_diag_format(&d, msg,
		    sizeof(msg)));
		phone_net_send(ph->net, "MT-NACK %lu %u", m->id,
		    PHONE_RP_CAUSE_INVALID_MANDATORY);
		return;
	}
	if (t.type != STK_TPDU_DELIVER) {
		log_info("MT %lu: %s acknowledged", m->id,
		    stk_tpdu_type_name(t.type));
		phone_net_send(ph->net, "MT-ACK %lu", m->id);
		return;
	}
	if (phone_sms_is_download(&t))
		mt_download(ph, m->id, &t, m->tpdu, m->tpdu_len);
	else
		mt_plain(ph, m->id, &t);
}

static void
on_mo_result(struct phone *ph, const struct phone_net_msg *m)
{
	if (!ph->mo_waiting || m->id != ph->mo_ref) {
		log_warn("MO-RESULT %lu: no such submission", m->id);
		return;
	}
	ph->mo_waiting = false;
	phone_ctl_event(ph->ctl, "MO-RESULT ref=%lu %s %u", m->id,
	    m->ok ? "OK" : "ERR", m->code);
	if (m->ok) {
		log_info("MO %lu: delivered to the network, TP-MR %u", m->id,
		    m->code);
		send_simple_tr(ph, &ph->mo_cmd, STK_CAT_RES_OK, -1);
	} else {
		/* 35 with the RP-Cause, bit 8 set (§8.12.?: as for 21) */
		log_warn("MO %lu: RP-ERROR cause %u", m->id, m->code);
		send_simple_tr(ph, &ph->mo_cmd, STK_CAT_RES_SMS_RP_ERROR,
		    (int)(0x80 | m->code));
	}
}

void
phone_session_net_input(struct phone *ph)
{
	static struct phone_net_msg msgs[8];
	int n, i;

	do {
		if ((n = phone_net_read(ph->net, msgs, 8)) < 0) {
			if (ph->mo_waiting) {
				ph->mo_waiting = false;
				send_simple_tr(ph, &ph->mo_cmd,
				    STK_CAT_RES_NETWORK_UNABLE, 0x00);
			}
			return;
		}
		for (i = 0; i < n; i++) {
			switch (msgs[i].kind) {
			case PHONE_NET_MT:
				on_mt(ph, &msgs[i]);
				break;
			case PHONE_NET_MO_RESULT:
				on_mo_result(ph, &msgs[i]);
				break;
			case PHONE_NET_OK:
				phone_ctl_event(ph->ctl, "NET OK %s",
				    msgs[i].text);
				break;
			case PHONE_NET_ERR:
				log_warn("network: ERR %u %s", msgs[i].code,
				    msgs[i].text);
				break;
			default:
				break;
			}
		}
	} while (n == 8);
}

/* ---- keypad (stdin on a terminal) ---------------------------------------- */

void
phone_session_keypad(struct phone *ph, char *line)
{
	struct phone_answer a;
	const char *why = NULL;
	size_t len = strlen(line);
	char *end;
	unsigned long v;

	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	if (!ph->popup_open)
		return;
	memset(&a, 0, sizeof(a));
	if (ph->popup.kind == PHONE_POPUP_GET_INPUT) {
		if (strcmp(line, "/b") == 0)
			a.kind = PHONE_ANS_BACK;
		else if (strcmp(line, "/x") == 0)
			a.kind = PHONE_ANS_REJECT;
		else if (len < sizeof(a.input)) {
			a.kind = PHONE_ANS_INPUT;
			strcpy(a.input, line);
		}
	} else if (len == 0) {
		a.kind = PHONE_ANS_CONFIRM;
	} else if (strcmp(line, "b") == 0) {
		a.kind = PHONE_ANS_BACK;
	} else if (strcmp(line, "x") == 0) {
		a.kind = PHONE_ANS_REJECT;
	} else {
		v = strtoul(line, &end, 10);
		if (*end == '\0' && v >= 1 && v <= 255) {
			a.kind = PHONE_ANS_ITEM;
			a.item = (uint8_t)v;
		}
	}
	if (a.kind == 0 || phone_session_answer(ph, &a, &why) != 0) {
		fprintf(ph->screen, "[%s]\n", why != NULL ? why : "unknown key");
		fflush(ph->screen);
	}
	memset(&a, 0, sizeof(a));
}

/* ---- control socket callbacks -------------------------------------------- */

static void
ctl_status(void *ctx, char *out, size_t outsz)
{
	struct phone *ph = ctx;

	if (!ph->popup_open)
		snprintf(out, outsz, "NONE");
	else
		phone_popup_status(&ph->popup, out, outsz);
}

static int
ctl_answer(void *ctx, const struct phone_answer *a, const char **why)
{
	return phone_session_answer(ctx, a, why);
}

static void
ctl_info(void *ctx, char *out, size_t outsz)
{
	struct phone *ph = ctx;

	snprintf(out, outsz, "INFO card=%s iccid=%s msisdn=%s network=%s",
	    ph->card_ok ? "ok" : "absent",
	    ph->info.iccid[0] != '\0' ? ph->info.iccid : "-",
	    ph->info.msisdn[0] != '\0' ? ph->info.msisdn : "-",
	    ph->net == NULL ? "none" : phone_net_attached(ph->net) ?
	    "attached" : "detached");
}

/* ---- timers -------------------------------------------------------------- */

void
phone_session_timers(struct phone *ph)
{
	uint64_t t = phone_now_ms();
	struct phone_answer a;
	const char *why = NULL;

	if (ph->popup_open && ph->auto_at != 0 && t >= ph->auto_at) {
		ph->auto_at = 0;
		if (phone_auto_answer(&ph->popup,
		    ph->auto_mode == PHONE_AUTO_CONFIRM, ph->input_pin, &a) != 0 ||
		    phone_session_answer(ph, &a, &why) != 0)
			log_warn("automatic answer not possible (%s); the "
			    "pop-up waits", why != NULL ? why : "no PIN");
	}
	if (ph->popup_open && ph->clear_at != 0 && t >= ph->clear_at) {
		memset(&a, 0, sizeof(a));
		a.kind = ph->clear_result == STK_CAT_RES_OK ?
		    PHONE_ANS_CONFIRM : PHONE_ANS_NO_RESPONSE;
		phone_session_answer(ph, &a, &why);
	}
	if (ph->popup_open && t >= ph->popup_deadline) {
		/* A handset's UI timeout: "no response from user". */
		log_info("pop-up: no response from the user");
		memset(&a, 0, sizeof(a));
		a.kind = PHONE_ANS_NO_RESPONSE;
		phone_session_answer(ph, &a, &why);
	}
	if (ph->mo_waiting && t >= ph->mo_deadline) {
		log_warn("MO %lu: no MO-RESULT from the network", ph->mo_ref);
		ph->mo_waiting = false;
		send_simple_tr(ph, &ph->mo_cmd, STK_CAT_RES_NETWORK_UNABLE,
		    0x00);
	}
}

int
phone_session_timeout(const struct phone *ph)
{
	uint64_t t = phone_now_ms(), due = t + 1000;
	int nt;

	if (ph->popup_open) {
		if (ph->auto_at != 0 && ph->auto_at < due)
			due = ph->auto_at;
		if (ph->clear_at != 0 && ph->clear_at < due)
			due = ph->clear_at;
		if (ph->popup_deadline < due)
			due = ph->popup_deadline;
	}
	if (ph->mo_waiting && ph->mo_deadline < due)
		due = ph->mo_deadline;
	if (!ph->card_ok && ph->card_retry_at < due)
		due = ph->card_retry_at;
	nt = ph->net != NULL ? phone_net_timeout(ph->net) : -1;
	if (due <= t)
		return 0;
	if (nt >= 0 && (uint64_t)nt < due - t)
		return nt;
	return (int)(due - t);
}

void
phone_session_proactive(struct phone *ph)
{
	while (ph->card_ok && ph->fetch_pending && !ph->popup_open &&
	    !ph->mo_waiting)
		fetch_one(ph);
}

void
phone_session_ctl_ops(struct phone *ph, struct phone_ctl_ops *ops)
{
	ops->status = ctl_status;
	ops->answer = ctl_answer;
	ops->info = ctl_info;
	ops->ctx = ph;
}

void
phone_session_end(struct phone *ph)
{
	echo(ph, true);
}
