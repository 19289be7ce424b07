#!/usr/bin/perl
# Matrix worker and client on Perl's Gearman::Client / Gearman::Worker. See
# tests/interop/README.md: `perl interop.pl worker --gearman H:P --prefix P` or
# `perl interop.pl client --gearman H:P` (cases as JSON lines on stdin).
use strict;
use warnings;
use Gearman::Client;
use Gearman::Worker;
use Gearman::Task;
use JSON::PP;
use MIME::Base64;
use Storable ();
use Time::HiRes qw(sleep time);

$| = 1;
my ($mode, %opt) = @ARGV;
my $server = $opt{'--gearman'} or die "missing --gearman\n";

# Gearman::Task hands on_exception a Storable-thawed value, which only Perl workers send;
# other workers send plain bytes, so fall back to those instead of dying.
{
    no warnings 'redefine';
    *Gearman::Task::exception = sub {
        my ($self, $ref) = @_;
        my $thawed = eval { Storable::thaw($$ref) };
        my $value = ref $thawed eq 'SCALAR' ? $$thawed : $$ref;
        $self->{on_exception}->($value) if $self->{on_exception};
        return;
    };
}

if ($mode eq 'worker') {
    my $prefix = $opt{'--prefix'} or die "missing --prefix\n";
    my $worker = Gearman::Worker->new(job_servers => [$server]);
    $worker->register_function("${prefix}_echo" => sub { ${ $_[0]->argref } });
    $worker->register_function("${prefix}_progress" => sub {
        my $job = shift;
        $worker->send_work_data($job, 'd1');
        $job->set_status(1, 2);
        $worker->send_work_warning($job, 'w1');
        $worker->send_work_data($job, 'd2');
        return ${ $job->argref };
    });
    $worker->register_function("${prefix}_fail" => sub { return undef });
    $worker->register_function("${prefix}_throw" => sub {
        # A plain `die` would send a Storable blob that only Perl clients can read.
        $worker->send_work_exception($_[0], 'boom');
        return undef;
    });
    $worker->register_function("${prefix}_slow" => sub { sleep(0.3); ${ $_[0]->argref } });
    $SIG{TERM} = sub { exit 0 };
    my $announced = 0;
    $worker->work(
        on_start => sub { },
        stop_if  => sub {
            # Called between jobs and while idle: the functions are registered by now.
            print "ready\n" unless $announced++;
            return 0;
        },
    );
    exit 0;
}

if ($mode eq 'client') {
    my $client = Gearman::Client->new(job_servers => [$server], exceptions => 1);
    my $json = JSON::PP->new->canonical;
    while (my $line = <STDIN>) {
        next unless $line =~ /\S/;
        my $case = $json->decode($line);
        my $payload = decode_base64($case->{payload});
        my %out = (id => $case->{id});
        if ($case->{op} eq 'background') {
            my $handle = $client->dispatch_background($case->{function}, \$payload);
            if (!$handle) {
                %out = (%out, outcome => 'error', error => 'dispatch failed');
            } else {
                my ($polls, $running, $done) = (0, 0, 0);
                my $deadline = time + 20;
                while (time < $deadline) {
                    $polls++;
                    my $status = $client->get_status($handle);
                    $running ||= $status && $status->running ? 1 : 0;
                    if ($status && !$status->known) { $done = 1; last }
                    sleep(0.05);
                }
                %out = (%out, handle => $handle, polls => $polls,
                        seen_running => $running ? JSON::PP::true : JSON::PP::false,
                        outcome => $done ? 'complete' : 'error');
                $out{error} = 'timeout' unless $done;
            }
        } else {
            my (@data, @status, $outcome, $result);
            $outcome = 'error';
            my $task = Gearman::Task->new($case->{function}, \$payload, {
                on_data      => sub { push @data, encode_base64(${ $_[0] }, '') },
                on_status    => sub { push @status, [0 + $_[0], 0 + $_[1]] },
                on_complete  => sub { $outcome = 'complete'; $result = ${ $_[0] } },
                on_fail      => sub { $outcome = 'fail' unless $outcome eq 'exception' },
                on_exception => sub { $outcome = 'exception'; $result = $_[0] },
                timeout      => 30,
            });
            my $set = $client->new_task_set;
            $set->add_task($task);
            $set->wait(timeout => 30);
            %out = (%out, outcome => $outcome, data => encode_base64($result // '', ''),
                    data_events => \@data, status_events => \@status);
        }
        print $json->encode(\%out), "\n";
    }
    exit 0;
}

die "usage: perl interop.pl worker|client --gearman HOST:PORT [--prefix P]\n";
