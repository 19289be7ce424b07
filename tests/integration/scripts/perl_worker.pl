#!/usr/bin/perl
# A Perl Gearman::Worker for the integration tests.
# Usage: perl perl_worker.pl HOST PORT FUNCTION MODE [LOG [TAG]]
# MODE: reverse | status | gated | fail | die. Each job start is appended to LOG as "TAG ARG".
use strict;
use warnings;
use Gearman::Worker;
use Fcntl qw(:flock);

my ($host, $port, $function, $mode, $log, $tag) = @ARGV;
$log //= '-';
$tag //= 'w';
$SIG{__WARN__} = sub { print STDERR @_ };

sub note {
    my ($line) = @_;
    return if $log eq '-';
    open(my $fh, '>>', $log) or die "cannot open $log: $!";
    flock($fh, LOCK_EX);
    print $fh "$line\n";
    close($fh);
}

my $worker = Gearman::Worker->new(job_servers => ["$host:$port"]);
$worker->register_function(
    $function => sub {
        my ($job) = @_;
        my $arg = $job->arg;
        note("$tag $arg");
        if ($mode eq 'reverse') {
            return scalar reverse $arg;
        }
        if ($mode eq 'status') {
            $job->set_status(1, 3);
            $job->set_status(2, 3);
            return "status-done:$arg";
        }
        if ($mode eq 'gated') {
            $job->set_status(1, 2);
            for (my $i = 0; $i < 600 && !-e $arg; $i++) {
                select(undef, undef, undef, 0.05);
            }
            return "gated-done";
        }
        if ($mode eq 'fail') {
            return undef;
        }
        if ($mode eq 'die') {
            die "perl-boom\n";
        }
        return "unknown mode $mode";
    }
);
$worker->work() while 1;
