#!/usr/bin/perl
# Mail::DKIM throughput loop for bench_dkim.py: sign or verify the given files RUNS times in this one process and
# print {"count": N, "seconds": [per-run CPU seconds (user + system)]} as JSON. Keys for verify come from a fake resolver that
# returns one pre-built DNS answer (no network).
# Usage: mail_dkim_bench.pl sign|verify RUNS KEYFILE DOMAIN SELECTOR RECORD FILE...
use strict;
use warnings;
use JSON::PP;
use Mail::DKIM::DNS;
use Mail::DKIM::PrivateKey;
use Mail::DKIM::Signer;
use Mail::DKIM::Verifier;
use Net::DNS;
use Time::HiRes qw(clock_gettime CLOCK_PROCESS_CPUTIME_ID);

package FakeResolver;

sub new { my ( $class, %answers ) = @_; return bless { answers => \%answers }, $class }
sub send { my ( $self, $name, $type ) = @_; return $self->{answers}{ lc $name } }
sub errorstring { return 'NOERROR' }

package main;

# the process's CPU clock in nanoseconds (Time::HiRes), not times(), which counts in 10 ms ticks (issue 14)
sub cpu_seconds { return clock_gettime(CLOCK_PROCESS_CPUTIME_ID) }

my ( $mode, $runs, $keyfile, $domain, $selector, $record, @files ) = @ARGV;
die "usage: $0 sign|verify RUNS KEYFILE DOMAIN SELECTOR RECORD FILE...\n" unless @files;

my @messages = map {
    open( my $fh, '<:raw', $_ ) or die "$_: $!\n";
    local $/;
    my $data = <$fh>;
    close $fh;
    $data;
} @files;

my $name   = lc "$selector._domainkey.$domain";
my $packet = Net::DNS::Packet->new( $name, 'TXT' );
$packet->header->rcode('NOERROR');
my @strings = unpack( '(A255)*', $record );
$packet->push( answer => Net::DNS::RR->new( name => $name, type => 'TXT', ttl => 300, txtdata => [@strings] ) );
Mail::DKIM::DNS::resolver( FakeResolver->new( $name => $packet ) );

my $key = Mail::DKIM::PrivateKey->load( File => $keyfile );
my @seconds;
for my $run ( 1 .. $runs ) {
    my $start = cpu_seconds();
    for my $message (@messages) {
        if ( $mode eq 'sign' ) {
            my $signer = Mail::DKIM::Signer->new(
                Algorithm => 'rsa-sha256',
                Method    => 'relaxed/relaxed',
                Domain    => $domain,
                Selector  => $selector,
                Key       => $key,
            );
            $signer->PRINT($message);
            $signer->CLOSE;
            my $field = $signer->signature->as_string;
        }
        else {
            my $verifier = Mail::DKIM::Verifier->new();
            $verifier->PRINT($message);
            $verifier->CLOSE;
            die "Mail::DKIM did not pass a benchmark message: " . $verifier->result_detail . "\n"
              if $run == 1 && $verifier->result ne 'pass';
        }
    }
    push @seconds, cpu_seconds() - $start;
}
print JSON::PP->new->canonical->encode( { count => scalar(@messages), seconds => \@seconds } ), "\n";
