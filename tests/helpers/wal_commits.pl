#!/usr/bin/perl
# wal_commits.pl DB-wal - the number of commits in an SQLite write-ahead
# log: frames of the current generation (salts equal to the header's)
# whose "database size after commit" field is not zero (SQLite file
# format, "WAL file format": 32-octet header, then per frame a 24-octet
# header and one page).  A missing or empty log prints 0.  The login-page
# tests count a request's commits with it: the difference before and
# after, as long as no checkpoint restarts the log in between.
use strict;
use warnings;

my $n = 0;
if (open(my $f, '<:raw', $ARGV[0])) {
	my $h;
	if (read($f, $h, 32) == 32) {
		my ($magic, $ver, $psz, $seq, $s1, $s2) = unpack('N6', $h);
		$psz = 65536 if $psz == 1;
		if (($magic & 0xfffffffe) == 0x377f0682) {
			my $fh;
			while (read($f, $fh, 24) == 24) {
				my ($pg, $commit, $f1, $f2) = unpack('N4', $fh);
				last if $f1 != $s1 || $f2 != $s2;
				$n++ if $commit;
				seek($f, $psz, 1) or last;
			}
		}
	}
}
print "$n\n";
