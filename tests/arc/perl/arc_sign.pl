#!/usr/bin/perl
# Seal one message with Mail::DKIM::ARC::Signer and print the three new fields (AS, AMS, AAR; CRLF line breaks).
# The AAR copies the message's Authentication-Results for SRVID; Chain 'ar' takes cv from its arc= result.
# Usage: arc_sign.pl KEYFILE DOMAIN SELECTOR SRVID TIMESTAMP FILE
use strict;
use warnings;
use Mail::DKIM::PrivateKey;
use Mail::DKIM::ARC::Signer;
use Mail::DKIM::TextWrap;

my ( $keyfile, $domain, $selector, $srvid, $timestamp, $file ) = @ARGV;
die "usage: $0 KEYFILE DOMAIN SELECTOR SRVID TIMESTAMP FILE\n" unless defined $file;

open( my $fh, '<:raw', $file ) or die "$file: $!\n";
my $message = do { local $/; <$fh> };
close $fh;
my $signer = Mail::DKIM::ARC::Signer->new(
    Algorithm => 'rsa-sha256',
    Chain     => 'ar',
    Domain    => $domain,
    SrvId     => $srvid,
    Selector  => $selector,
    Key       => Mail::DKIM::PrivateKey->load( File => $keyfile ),
    Timestamp => $timestamp,
);
$signer->PRINT($message);
$signer->CLOSE;
die "not sealed: " . ( $signer->result_detail // '' ) . "\n" unless $signer->result eq 'sealed';
print $signer->as_string;
