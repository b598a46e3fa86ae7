#!/usr/bin/perl
# Verify messages with Mail::DKIM; print one JSON array, one entry per input file.
# Usage: dkim_verify.pl HOST PORT FILE...   (keys come from the DNS server at HOST:PORT, no search list)
use strict;
use warnings;
use JSON::PP;
use Mail::DKIM::DNS;
use Mail::DKIM::Verifier;
use Net::DNS::Resolver;

my ( $host, $port, @files ) = @ARGV;
die "usage: $0 HOST PORT FILE...\n" unless defined $port && @files;

my $resolver = Net::DNS::Resolver->new(
    config_file => '/dev/null',
    nameservers => [$host],
    port        => $port,
    recurse     => 0,
    defnames    => 0,
    dnsrch      => 0,
    retry       => 1,
    udp_timeout => 5,
    tcp_timeout => 5,
);
Mail::DKIM::DNS::resolver($resolver);

my @results;
for my $file (@files) {
    open( my $fh, '<:raw', $file ) or die "$file: $!\n";
    my $message = do { local $/; <$fh> };
    close $fh;
    my $verifier = Mail::DKIM::Verifier->new();
    $verifier->PRINT($message);
    $verifier->CLOSE;
    my @signatures = map {
        {
            result    => $_->result // '',
            detail    => $_->result_detail // '',
            domain    => $_->domain // '',
            selector  => $_->selector // '',
            algorithm => $_->algorithm // '',
        }
    } $verifier->signatures;
    push @results,
      {
        file       => $file,
        result     => $verifier->result // '',
        detail     => $verifier->result_detail // '',
        signatures => \@signatures,
      };
}
print JSON::PP->new->canonical->encode( \@results ), "\n";
