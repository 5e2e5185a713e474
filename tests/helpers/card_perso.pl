#!/usr/bin/perl
# card_perso.pl - personalise a card through PC/SC the way docs/SIM.md
# ("Personalisation") describes, for tests/sh/test_bridge_core_e2e.sh:
# admin session (GET CHALLENGE, EXTERNAL AUTHENTICATE with the AES-CMAC
# over "stkauth-admin-v1" || challenge || EF ICCID, computed by
# "openssl mac"), LOAD KEY SET, LOAD K_AUTH, SET SERVICE NUMBER, SET PIN,
# GENERATE KEY PAIR, then READ PUBLIC KEY in chunks into PUBKEY-DER-FILE.
# An independent client (Chipcard::PCSC, the library under pcsc-tools),
# so the card's APDU engine is checked from outside our C code.
#
#   card_perso.pl READER ADMIN-KEY KVN KIC-KEY KID-KEY KAUTH SERVICE PIN \
#       PUBKEY-DER-FILE
#
# Keys in hex.  Prints one line per step ("NAME: ok"); exits non-zero
# with the status word of the first step that fails.  PCSCLITE_CSOCK_NAME
# selects a private pcscd.
use strict;
use warnings;
use File::Temp qw(tempfile);
use Chipcard::PCSC;
use Chipcard::PCSC::Card;

@ARGV == 9 or die "usage: card_perso.pl READER ADMIN-KEY KVN KIC-KEY " .
    "KID-KEY KAUTH SERVICE PIN PUBKEY-DER-FILE\n";
my ($reader, $admin, $kvn, $kic, $kid, $kauth, $service, $pin, $out) = @ARGV;

my $ctx = Chipcard::PCSC->new() or die "no PC/SC context\n";
my $card = Chipcard::PCSC::Card->new($ctx, $reader)
    or die "no card in $reader: $Chipcard::PCSC::errno\n";

# One APDU (hex, spaces allowed); answers "DATA" with SW1SW2 split off.
# T=0 61xx is collected with GET RESPONSE (ISO 7816-4 §5.3.4).
sub transmit {
	my ($hex) = @_;
	$hex =~ s/\s+//g;
	my $r = $card->Transmit([map { hex } $hex =~ /(..)/g])
	    or die "transmit failed: $Chipcard::PCSC::errno\n";
	my $ans = join('', map { sprintf('%02X', $_) } @$r);
	return transmit("00C00000$1") if $ans =~ /^61(..)$/;
	return (substr($ans, 0, -4), substr($ans, -4));
}

sub step {
	my ($name, $apdu) = @_;
	my ($data, $sw) = transmit($apdu);
	die "$name: status $sw\n" unless $sw eq '9000';
	print "$name: ok\n";
	return $data;
}

sub lc_hex { return sprintf('%02X', length($_[0]) / 2) . $_[0]; }

my $challenge = step('GET CHALLENGE', '0084000010');
my $iccid = step('READ ICCID', '80DC00000A');

my ($fh, $tmpname) = tempfile(UNLINK => 1);
binmode($fh);
print $fh 'stkauth-admin-v1', pack('H*', $challenge . $iccid);
close($fh);
my $mac = `openssl mac -cipher AES-128-CBC -macopt hexkey:$admin -in $tmpname CMAC`;
$mac =~ s/\s+//g;
die "openssl mac failed\n" unless $mac =~ /^[0-9A-F]{32}$/i;
step('EXTERNAL AUTHENTICATE', '00820001' . lc_hex($mac));

step('LOAD KEY SET', sprintf('80D4%02X00', $kvn) .
    lc_hex(lc_hex($kic) . lc_hex($kid)));
step('LOAD K_AUTH', '80DA0000' . lc_hex($kauth));
step('SET SERVICE NUMBER', '80D60000' . lc_hex(unpack('H*', $service)));
step('SET PIN', '80D80100' . lc_hex(unpack('H*', $pin)));
my $len = hex(step('GENERATE KEY PAIR', '80D0000002'));

my $spki = '';
while (length($spki) / 2 < $len) {
	my $off = length($spki) / 2;
	my $want = $len - $off > 200 ? 200 : $len - $off;
	my ($data, $sw) = transmit(sprintf('80D2%04X%02X', $off, $want));
	die "READ PUBLIC KEY at $off: status $sw\n" unless $sw eq '9000';
	$spki .= $data;
}
print "READ PUBLIC KEY: ok\n";
$card->Disconnect();
open(my $o, '>', $out) or die "$out: $!\n";
binmode($o);
print $o pack('H*', $spki);
close($o);
