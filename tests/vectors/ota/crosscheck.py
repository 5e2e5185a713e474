#!/usr/bin/env python3
"""Generate and cross-check tests/vectors/ota/computed.txt.

An implementation of TS 102 225 / TS 31.115 SMS secured packets written
separately from lib/ota*.c, on the primitives of python3-cryptography
(not OpenSSL EVP calls of our own): single DES is 3DES with K1=K2=K3, CMAC
comes from cryptography.hazmat.primitives.cmac, CRC-32 from zlib, CRC-16
(X-25) bitwise.  Its output format was first checked against pySim's
published vectors (tests/vectors/ota/pysim.txt, see --selftest), then used
to produce the cases that pySim does not cover (single DES, 3DES 3-key,
AES-192/256, RC CRC-16/CRC-32, counters, longer data).  The C test
(tests/unit/test_ota.c) must reproduce each case byte for byte.

  python3 tests/vectors/ota/crosscheck.py --selftest
  python3 tests/vectors/ota/crosscheck.py > tests/vectors/ota/computed.txt
"""
import sys
import zlib

from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.algorithms import AES
from cryptography.hazmat.primitives import cmac
try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # older python3-cryptography
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES


def kic_alg(kic):
    return {0x01: 'des', 0x05: '3des2', 0x09: '3des3', 0x02: 'aes'}[kic & 0x0f]


def kid_alg(kid, integ):
    if integ == 1:
        return {0x01: 'crc16', 0x05: 'crc32'}[kid & 0x0f]
    return {0x01: 'des', 0x05: '3des2', 0x09: '3des3', 0x02: 'cmac'}[kid & 0x0f]


def block(alg):
    return 16 if alg == 'aes' else 8


def cbc(alg, key, data, enc=True):
    if alg != 'aes' and len(key) < 24:
        # K1=K2=K3 (single DES) or K3=K1 (2-key), spelled out as 3 keys.
        key = key * 3 if len(key) == 8 else key + key[:8]
    algo = AES(key) if alg == 'aes' else TripleDES(key)
    c = Cipher(algo, modes.CBC(bytes(block(alg))))
    op = c.encryptor() if enc else c.decryptor()
    return op.update(data) + op.finalize()


def crc16_x25(data):
    crc = 0xffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xffff


def checksum(alg, key, data):
    if alg == 'crc16':
        return crc16_x25(data).to_bytes(2, 'big')
    if alg == 'crc32':
        return (zlib.crc32(data) & 0xffffffff).to_bytes(4, 'big')
    if alg == 'cmac':
        c = cmac.CMAC(AES(key))
        c.update(data)
        return c.finalize()[:8]
    padded = data + bytes((-len(data)) % 8)
    return cbc(alg, key, padded)[-8:]


def sig_len(integ, kid):
    if integ == 0:
        return 0
    return {'crc16': 2, 'crc32': 4}.get(kid_alg(kid, integ), 8)


def wrap_cmd(spi, kic, kid, kic_key, kid_key, tar, cntr, data):
    integ, ciph = spi >> 8 & 3, spi >> 8 & 4
    sl = sig_len(integ, kid)
    pad = (-(6 + sl + len(data))) % block(kic_alg(kic)) if ciph else 0
    chl = 13 + sl
    cpl = 1 + chl + len(data) + pad
    head = cpl.to_bytes(2, 'big') + bytes([chl]) + spi.to_bytes(2, 'big') + \
        bytes([kic, kid]) + tar
    cnt = cntr.to_bytes(5, 'big') + bytes([pad])
    body = data + bytes(pad)
    sig = checksum(kid_alg(kid, integ), kid_key, head + cnt + body) if integ else b''
    sec = cnt + sig + body
    if ciph:
        sec = cbc(kic_alg(kic), kic_key, sec)
    return head + sec


def wrap_resp(spi, kic, kid, kic_key, kid_key, tar, cntr, status, data):
    integ, ciph = spi >> 2 & 3, spi & 0x10
    sl = sig_len(integ, kid)
    pad = (-(7 + sl + len(data))) % block(kic_alg(kic)) if ciph else 0
    rhl = 10 + sl
    rpl = 1 + rhl + len(data) + pad
    head = rpl.to_bytes(2, 'big') + bytes([rhl]) + tar
    cnt = cntr.to_bytes(5, 'big') + bytes([pad, status])
    body = data + bytes(pad)
    sig = checksum(kid_alg(kid, integ), kid_key, b'\x02\x71\x00' + head + cnt + body) \
        if integ else b''
    sec = cnt + sig + body
    if ciph:
        sec = cbc(kic_alg(kic), kic_key, sec)
    return b'\x02\x71\x00' + head + sec


def selftest():
    """The format against pySim's published packets."""
    k1 = bytes.fromhex('300102030405060708090a0b0c0d0e0f')
    k2 = bytes.fromhex('301102030405060708090a0b0c0d0e0f')
    a1 = bytes.fromhex('200102030405060708090a0b0c0d0e0f')
    a2 = bytes.fromhex('201102030405060708090a0b0c0d0e0f')
    apdu = bytes.fromhex('00a40004023f00')
    tar = bytes.fromhex('b00011')
    assert wrap_cmd(0x0619, 0x35, 0x35, k1, k2, tar, 0, apdu).hex() == \
        '00201506193535b00011ae733256918d050b87c94fbfe12e4dc402f262c41cf67f2f'
    assert wrap_cmd(0x0619, 0x22, 0x22, a1, a2, tar, 0, apdu).hex() == \
        '00281506192222b00011e87cceebb2d93083011ce294f93fc4d8de80da1abae8c37ca3e72ec4432e5058'
    por = bytes.fromhex('016132')
    assert wrap_resp(0x0619, 0x35, 0x35, k1, k2, tar, 0, 0, por).hex() == \
        '027100001c12b000118bb989492c632529326a2f4681feb37c825bc9021c9f6d0b'
    assert wrap_resp(0x0619, 0x22, 0x22, a1, a2, tar, 0, 0, por).hex() == \
        '027100002412b00011ebc6b497e2cad7aedf36ace0e3a29b38853f0fe9ccde81913be5702b73abce1f'
    assert wrap_resp(0x0609, 0x35, 0x35, k1, k2, tar, 0, 0, por).hex() == \
        '027100001612b0001100000000000000b5bcd6353a421fae016132'
    print('selftest: pySim vectors reproduced')


K_DES = bytes.fromhex('0123456789abcdef')
K_DES_B = bytes.fromhex('fedcba9876543210')
K_3DES3 = bytes.fromhex('0123456789abcdeffedcba987654321089abcdef01234567')
K_3DES3_B = bytes.fromhex('89abcdef012345670123456789abcdeffedcba9876543210')
K_AES192 = bytes.fromhex('8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b')
K_AES192_B = bytes.fromhex('000102030405060708090a0b0c0d0e0f1011121314151617')
K_AES256 = bytes.fromhex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4')
K_AES256_B = bytes.fromhex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
K_AES128 = bytes.fromhex('2b7e151628aed2a6abf7158809cf4f3c')
TEXT = bytes(range(0x20, 0x20 + 120))

CASES = [
    # (what, spi, kic, kid, kic_key, kid_key, tar, cntr, data)
    ('single DES-CBC ciphering + DES CBC-MAC, counter one higher',
     0x1E19, 0x11, 0x11, K_DES, K_DES_B, 'b00010', 1, 'a0a40000023f00'),
    ('3DES 3-key ciphering + CC, counter higher',
     0x1619, 0x29, 0x29, K_3DES3, K_3DES3_B, '000001', 0x0102030405, 'd0098103010500820281'),
    ('AES-192 CBC + AES-192 CMAC',
     0x0619, 0x42, 0x42, K_AES192, K_AES192_B, 'b00011', 3, '00a40004023f00'),
    ('AES-256 CBC + AES-256 CMAC, 120 octets',
     0x0E19, 0x52, 0x52, K_AES256, K_AES256_B, 'b00011', 0xFFFFFFFFFE, TEXT.hex()),
    ('RC CRC-16, no ciphering',
     0x0101, 0x00, 0x01, None, None, 'c00001', 9, '0102030405'),
    ('RC CRC-32 with 3DES-2KEY ciphering, PoR RC',
     0x0515, 0x15, 0x05, bytes.fromhex('0123456789abcdeffedcba9876543210'), None,
     'c00001', 0, '11223344'),
    ('AES-128 CMAC only, no ciphering, empty data',
     0x0209, 0x12, 0x12, None, K_AES128, 'b00000', 0, ''),
]

RESP = [
    # (what, cmd spi, kic, kid, kic_key, kid_key, tar, cntr, status, data)
    ('PoR single DES ciphered + CC', 0x1E19, 0x11, 0x11, K_DES, K_DES_B,
     'b00010', 1, 0x00, '019000'),
    ('PoR AES-256 ciphered + CMAC', 0x0E19, 0x52, 0x52, K_AES256, K_AES256_B,
     'b00011', 0xFFFFFFFFFE, 0x00, '02610a9000'),
    ('PoR RC CRC-32 (SPI octet 2 = 05)', 0x0105, 0x00, 0x05, None, None,
     'c00001', 9, 0x00, ''),
    ('PoR CRC-16 ciphered 3DES-3KEY, status CNTR low', 0x1615, 0x29, 0x01,
     K_3DES3, None, '000001', 5, 0x02, ''),
    ('PoR AES-192, status 0B via SMS-SUBMIT', 0x0639, 0x42, 0x42, K_AES192,
     K_AES192_B, 'b00011', 3, 0x0B, 'aabbcc'),
]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--selftest':
        selftest()
        return
    selftest_out = sys.stdout
    sys.stdout = sys.stderr
    selftest()
    sys.stdout = selftest_out
    print('# Vectors computed by us (not published anywhere): generated by')
    print('# tests/vectors/ota/crosscheck.py, a separate implementation on')
    print('# python3-cryptography that first reproduces pySim\'s published')
    print('# packets; lib/ota*.c must produce the same octets.')
    for (what, spi, kic, kid, kk, dk, tar, cntr, data) in CASES:
        pkt = wrap_cmd(spi, kic, kid, kk, dk, bytes.fromhex(tar), cntr,
                       bytes.fromhex(data))
        print()
        print('# computed: ' + what)
        print('type: command')
        print('name: computed ' + what)
        print('spi: %04x' % spi)
        print('kic: %02x' % kic)
        print('kid: %02x' % kid)
        if kk:
            print('kic-key: ' + kk.hex())
        if dk:
            print('kid-key: ' + dk.hex())
        print('tar: ' + tar)
        print('cntr: %010x' % cntr)
        print('stored-cntr: %010x' % (cntr - 1 if cntr else 0))
        print('data: ' + data)
        print('packet: ' + pkt.hex())
    for (what, spi, kic, kid, kk, dk, tar, cntr, st, data) in RESP:
        pkt = wrap_resp(spi, kic, kid, kk, dk, bytes.fromhex(tar), cntr, st,
                        bytes.fromhex(data))
        print()
        print('# computed: ' + what)
        print('type: response')
        print('name: computed ' + what)
        print('spi: %04x' % spi)
        print('kic: %02x' % kic)
        print('kid: %02x' % kid)
        if kk:
            print('kic-key: ' + kk.hex())
        if dk:
            print('kid-key: ' + dk.hex())
        print('tar: ' + tar)
        print('cntr: %010x' % cntr)
        print('status: %02x' % st)
        print('data: ' + data)
        print('response: ' + pkt.hex())


if __name__ == '__main__':
    main()
