/*
 * bench_lib.c - throughput of the wire-format library (make bench).
 *
 * Prints operations per second for the paths the bridge and the virtual
 * card run for every login: TPDU decode/encode, GSM 7-bit packing, UDH
 * parsing, segmenting and reassembly, and secured-packet wrap/unwrap with
 * AES and 3DES.  Each figure is the best of three rounds of a fixed
 * operation count, so other load on the machine lowers it less; compare
 * figures from one run side by side, not across machines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "concat.h"
#include "gsm7.h"
#include "ota.h"
#include "tpdu.h"
#include "udh.h"

#define ROUNDS 3

typedef int (*bench_fn)(void *arg);

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run fn n times per round; print the best rate.  Exit on failure. */
static void
bench(const char *name, bench_fn fn, void *arg, long n)
{
	double best = 0;

	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_seconds(), dt;

		for (long i = 0; i < n; i++)
			if (fn(arg) != 0) {
				fprintf(stderr, "bench: %s failed\n", name);
				exit(1);
			}
		dt = now_seconds() - t0;
		if (dt > 0 && n / dt > best)
			best = n / dt;
	}
	printf("%-40s %12.0f ops/s\n", name, best);
}

/* An SMS-DELIVER carrying a 140-octet secured command packet (PID 7F). */
static uint8_t deliver[200];
static size_t deliver_len;

static int
run_tpdu_decode(void *arg)
{
	struct stk_tpdu *t = arg;

	return stk_tpdu_decode(deliver, deliver_len, STK_DIR_SC_TO_MS, t, NULL);
}

static int
run_tpdu_encode(void *arg)
{
	uint8_t mem[200];
	struct stk_buf b;

	stk_buf_init_fixed(&b, mem, sizeof(mem));
	return stk_tpdu_encode(arg, &b);
}

static uint8_t septets[160];

static int
run_gsm7_pack_unpack(void *arg)
{
	uint8_t packed[140], unpacked[160];
	struct stk_buf p, u;
	int rc;

	(void)arg;
	stk_buf_init_fixed(&p, packed, sizeof(packed));
	stk_buf_init_fixed(&u, unpacked, sizeof(unpacked));
	if ((rc = stk_gsm7_pack(septets, 160, 0, &p)) != 0)
		return rc;
	return stk_gsm7_unpack(packed, stk_buf_len(&p), 0, 160, &u);
}

static int
run_udh_parse(void *arg)
{
	/* UDHL 7: concatenation (ref 204, part 1 of 2), then IEI 0x70. */
	static const uint8_t udh[] = { 0x07, 0x00, 0x03, 0xcc, 0x02, 0x01,
	    0x70, 0x00 };
	struct stk_udh_concat cc;
	struct stk_udh *u = arg;
	int rc;

	if ((rc = stk_udh_parse(udh, sizeof(udh), u, NULL)) != 0)
		return rc;
	return stk_udh_find_concat(u, &cc, NULL);
}

static uint8_t payload[600];

static int
run_segment_reassemble(void *arg)
{
	struct stk_reasm *r = arg;
	struct stk_segment_opts o = { .charset = STK_CHARSET_8BIT, .ref = 7 };
	struct stk_seglist l = { 0 };
	int rc, done = 0;

	if ((rc = stk_segment(payload, sizeof(payload), &o, &l)) != 0)
		return rc;
	for (size_t i = 0; i < l.n; i++) {
		struct stk_reasm_seg s = {
			.originator = "+491700000001",
			.ref = 7, .total = (uint8_t)l.n, .seq = (uint8_t)(i + 1),
			.body = l.seg[i].body, .body_len = l.seg[i].body_len,
			.time = 1,
		};
		enum stk_reasm_status st;
		struct stk_reasm_msg m;

		memset(&m, 0, sizeof(m));
		if ((rc = stk_reasm_add(r, &s, &st, &m)) != 0)
			break;
		if (st == STK_REASM_COMPLETE) {
			done = m.len == sizeof(payload);
			stk_reasm_msg_clear(&m);
		}
	}
	stk_seglist_free(&l);
	return done ? 0 : -1;
}

struct ota_case {
	struct stk_ota_cmd_params p;
	struct stk_ota_key kic, kid;
	uint8_t packet[200];
	size_t packet_len;
	uint8_t data[100];
};

static int
run_ota_wrap(void *arg)
{
	struct ota_case *c = arg;
	uint8_t mem[200];
	struct stk_buf b;

	stk_buf_init_fixed(&b, mem, sizeof(mem));
	return stk_ota_wrap_command(&c->p, c->data, sizeof(c->data), &b);
}

static int
ota_lookup(void *arg, const uint8_t tar[STK_OTA_TAR_LEN], uint8_t kic,
    uint8_t kid, struct stk_ota_rx_keys *keys)
{
	const struct ota_case *c = arg;

	(void)tar, (void)kic, (void)kid;
	memset(keys, 0, sizeof(*keys));
	keys->kic = c->kic;
	keys->kid = c->kid;
	keys->counter = c->p.cntr - 1;
	return 0;
}

static int
run_ota_unwrap(void *arg)
{
	struct ota_case *c = arg;
	struct stk_ota_command cmd;
	uint8_t status;
	int rc;

	rc = stk_ota_unwrap_command(c->packet, c->packet_len, ota_lookup, c,
	    &cmd, &status, NULL);
	stk_ota_command_free(&cmd);
	return rc != 0 ? rc : status;
}

static void
ota_setup(struct ota_case *c, uint8_t kic, uint8_t kid, size_t keylen)
{
	struct stk_buf b;

	memset(c, 0, sizeof(*c));
	c->kic.len = c->kid.len = keylen;
	memset(c->kic.key, 0x11, keylen);
	memset(c->kid.key, 0x22, keylen);
	memset(c->data, 0x5a, sizeof(c->data));
	c->p.spi = 0x1621;	/* CC, ciphered, counter higher; PoR via SUBMIT */
	c->p.kic = kic;
	c->p.kid = kid;
	memcpy(c->p.tar, "\xb0\x00\x10", 3);
	c->p.cntr = 42;
	c->p.kic_key = &c->kic;
	c->p.kid_key = &c->kid;
	stk_buf_init_fixed(&b, c->packet, sizeof(c->packet));
	if (stk_ota_wrap_command(&c->p, c->data, sizeof(c->data), &b) != 0) {
		fprintf(stderr, "bench: OTA setup failed\n");
		exit(1);
	}
	c->packet_len = stk_buf_len(&b);
}

int
main(void)
{
	static struct stk_tpdu tpdu;
	static struct stk_udh udh;
	static struct ota_case aes, des3;
	struct stk_reasm_config rc = { .max_age = 60 };
	struct stk_reasm *reasm;
	struct stk_buf b;

	stk_tpdu_init(&tpdu, STK_TPDU_DELIVER);
	stk_sms_addr_from_text("+491700000001", &tpdu.addr);
	tpdu.pid = STK_PID_SIM_DOWNLOAD;
	memset(payload, 0xa5, sizeof(payload));
	if (stk_tpdu_set_udh(&tpdu, (const uint8_t *)"\x02\x70\x00", 3) != 0 ||
	    stk_tpdu_set_octets(&tpdu, payload, 137, 0xf6) != 0) {
		fprintf(stderr, "bench: TPDU setup failed\n");
		return 1;
	}
	stk_buf_init_fixed(&b, deliver, sizeof(deliver));
	if (stk_tpdu_encode(&tpdu, &b) != 0)
		return 1;
	deliver_len = stk_buf_len(&b);
	for (size_t i = 0; i < sizeof(septets); i++)
		septets[i] = (uint8_t)(i % 128 == 0x1b ? 0x20 : i % 128);
	ota_setup(&aes, 0x22, 0x22, 16);	/* AES-CBC / AES-CMAC, 128 bit */
	ota_setup(&des3, 0x15, 0x15, 16);	/* 3DES 2-key CBC / CBC-MAC */
	if ((reasm = stk_reasm_new(&rc)) == NULL)
		return 1;

	printf("stkauth lib benchmark (best of %d rounds)\n", ROUNDS);
	bench("tpdu decode SMS-DELIVER 140-octet UD", run_tpdu_decode, &tpdu,
	    200000);
	bench("tpdu encode SMS-DELIVER 140-octet UD", run_tpdu_encode, &tpdu,
	    200000);
	bench("gsm7 pack+unpack 160 septets", run_gsm7_pack_unpack, NULL,
	    200000);
	bench("udh parse (concat + 0x70)", run_udh_parse, &udh, 1000000);
	bench("segment+reassemble 600 octets (5 SMS)", run_segment_reassemble,
	    reasm, 50000);
	bench("ota wrap 100 octets AES-128 CBC+CMAC", run_ota_wrap, &aes,
	    50000);
	bench("ota unwrap 100 octets AES-128 CBC+CMAC", run_ota_unwrap, &aes,
	    50000);
	bench("ota wrap 100 octets 3DES-2key CBC+MAC", run_ota_wrap, &des3,
	    20000);
	bench("ota unwrap 100 octets 3DES-2key CBC+MAC", run_ota_unwrap, &des3,
	    20000);
	stk_reasm_free(reasm);
	return 0;
}
