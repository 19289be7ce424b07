#!/usr/bin/perl
# A Perl Gearman::Client for the integration tests; prints one JSON document.
# Usage: perl perl_client.pl HOST PORT ACTION FUNCTION [ARG...]
# ACTION: do ARG              -> {"result": ..., "events": [...]}
#         background ARG      -> {"handle": ...}
#         status HANDLE       -> {"status": [known, running, numerator, denominator] | null}
#         taskset ARG...      -> {"events": [[kind, index, value], ...]}
#         taskset-exc ARG...  -> the same with the `exceptions` option and on_exception
use strict;
use warnings;
use Gearman::Client;
use JSON::PP;
use Storable qw(thaw);

my ($host, $port, $action, $function, @args) = @ARGV;
my $exceptions = $action eq 'taskset-exc' ? 1 : 0;
my $client = Gearman::Client->new(
    job_servers => ["$host:$port"],
    exceptions  => $exceptions,
);
my $json = JSON::PP->new->canonical;
my @events;

sub callbacks {
    my ($index) = @_;
    my %cb = (
        on_complete => sub { push @events, ['complete', $index, ${ $_[0] }] },
        on_fail     => sub { push @events, ['fail', $index, undef] },
        on_status   => sub { push @events, ['status', $index, [0 + $_[0], 0 + $_[1]]] },
    );
    if ($exceptions) {
        $cb{on_exception} = sub {
            my $thawed = eval { thaw($_[0]) };
            push @events, ['exception', $index, $thawed ? ${$thawed} : $_[0]];
        };
    }
    return \%cb;
}

if ($action eq 'do') {
    my $result = $client->do_task($function, $args[0], {%{ callbacks(0) }, timeout => 20});
    print $json->encode({result => defined $result ? ${$result} : undef, events => \@events});
}
elsif ($action eq 'background') {
    my $handle = $client->dispatch_background($function, $args[0]);
    print $json->encode({handle => $handle});
}
elsif ($action eq 'status') {
    my $status = $client->get_status($args[0]);
    my $value
        = $status
        ? [$status->known ? JSON::PP::true : JSON::PP::false,
        $status->running ? JSON::PP::true : JSON::PP::false,
        map { 0 + ($_ // 0) } @{$status->progress || [0, 0]}]
        : undef;
    print $json->encode({status => $value});
}
elsif ($action eq 'taskset' || $action eq 'taskset-exc') {
    my $taskset = $client->new_task_set;
    for my $i (0 .. $#args) {
        $taskset->add_task($function, $args[$i], callbacks($i));
    }
    $taskset->wait(timeout => 20);
    print $json->encode({events => \@events});
}
else {
    die "unknown action $action\n";
}
