#!/usr/bin/perl
# Sign messages with Mail::DKIM; print one JSON array holding, per input file, the DKIM-Signature field
# (name, colon and folded value, CRLF line breaks, no final CRLF).
# Usage: dkim_sign.pl KEYFILE DOMAIN SELECTOR ALGORITHM METHOD HEADERS FILE...
#   HEADERS: colon-separated list of extra header names to sign, or "-" for Mail::DKIM's default choice.
use strict;
use warnings;
use JSON::PP;
use Mail::DKIM::PrivateKey;
use Mail::DKIM::Signer;

my ( $keyfile, $domain, $selector, $algorithm, $method, $headers, @files ) = @ARGV;
die "usage: $0 KEYFILE DOMAIN SELECTOR ALGORITHM METHOD HEADERS FILE...\n" unless @files;

my $key = Mail::DKIM::PrivateKey->load( File => $keyfile );
my @fields;
for my $file (@files) {
    open( my $fh, '<:raw', $file ) or die "$file: $!\n";
    my $message = do { local $/; <$fh> };
    close $fh;
    my $signer = Mail::DKIM::Signer->new(
        Algorithm => $algorithm,
        Method    => $method,
        Domain    => $domain,
        Selector  => $selector,
        Key       => $key,
        ( $headers ne '-' ? ( Headers => $headers ) : () ),
    );
    $signer->PRINT($message);
    $signer->CLOSE;
    push @fields, $signer->signature->as_string;
}
print JSON::PP->new->canonical->encode( \@fields ), "\n";
