#!/usr/bin/perl
# Validate ARC chains with Mail::DKIM::ARC::Verifier (Strict: no rsa-sha1, no keys under 1024 bits); print one
# JSON array, one {file, result, detail} per input file. result: pass | fail | none | temperror.
# Usage: arc_verify.pl HOST PORT FILE...   (keys come from the DNS server at HOST:PORT, no search list)
use strict;
use warnings;
use JSON::PP;
use Mail::DKIM::DNS;
use Mail::DKIM::ARC::Verifier;
use Net::DNS::Resolver;

my ( $host, $port, @files ) = @ARGV;
die "usage: $0 HOST PORT FILE...\n" unless defined $port && @files;

Mail::DKIM::DNS::resolver(
    Net::DNS::Resolver->new(
        config_file => '/dev/null',
        nameservers => [$host],
        port        => $port,
        recurse     => 0,
        defnames    => 0,
        dnsrch      => 0,
        retry       => 1,
        udp_timeout => 5,
        tcp_timeout => 5,
    )
);

my @results;
for my $file (@files) {
    open( my $fh, '<:raw', $file ) or die "$file: $!\n";
    my $message = do { local $/; <$fh> };
    close $fh;
    my $arc = Mail::DKIM::ARC::Verifier->new( Strict => 1 );
    $arc->PRINT($message);
    $arc->CLOSE;
    push @results, { file => $file, result => $arc->result // '', detail => $arc->result_detail // '' };
}
print JSON::PP->new->canonical->encode( \@results ), "\n";
