<?php
// Matrix worker and client on PHP's pecl-gearman (libgearman). See tests/interop/README.md
// for the protocol: `php interop.php worker --gearman H:P --prefix P` or
// `php interop.php client --gearman H:P` (cases as JSON lines on stdin).

function option(array $argv, string $name): string {
    $i = array_search($name, $argv, true);
    if ($i === false || !isset($argv[$i + 1])) {
        fwrite(STDERR, "missing $name\n");
        exit(2);
    }
    return $argv[$i + 1];
}

function server(array $argv): array {
    [$host, $port] = explode(':', option($argv, '--gearman'));
    return [$host, (int)$port];
}

function run_worker(array $argv): void {
    [$host, $port] = server($argv);
    $prefix = option($argv, '--prefix');
    $worker = new GearmanWorker();
    $worker->addServer($host, $port);
    $worker->addFunction("{$prefix}_echo", fn (GearmanJob $job) => $job->workload());
    $worker->addFunction("{$prefix}_progress", function (GearmanJob $job) {
        $job->sendData('d1');
        $job->sendStatus(1, 2);
        $job->sendWarning('w1');
        $job->sendData('d2');
        return $job->workload();
    });
    $worker->addFunction("{$prefix}_fail", function (GearmanJob $job) {
        $job->sendFail();
        return null;
    });
    $worker->addFunction("{$prefix}_throw", function (GearmanJob $job) {
        // Throwing from a callback kills pecl-gearman's worker; this is its way to raise.
        $job->sendException('boom');
        return null;
    });
    $worker->addFunction("{$prefix}_slow", function (GearmanJob $job) {
        usleep(300000);
        return $job->workload();
    });
    pcntl_async_signals(true);
    pcntl_signal(SIGTERM, fn () => exit(0));
    $worker->setTimeout(200);
    $announced = false;
    while (true) {
        $worker->work();
        if (!$announced) {
            // The first work() call registered the functions with the server.
            fwrite(STDOUT, "ready\n");
            fflush(STDOUT);
            $announced = true;
        }
    }
}

function call_case(GearmanClient $client, array $case): array {
    $out = ['outcome' => 'error', 'data' => '', 'data_events' => [], 'status_events' => []];
    $client->setDataCallback(function (GearmanTask $task) use (&$out) {
        $out['data_events'][] = base64_encode($task->data());
    });
    $client->setStatusCallback(function (GearmanTask $task) use (&$out) {
        $out['status_events'][] = [$task->taskNumerator(), $task->taskDenominator()];
    });
    $client->setCompleteCallback(function (GearmanTask $task) use (&$out) {
        $out['outcome'] = 'complete';
        $out['data'] = base64_encode($task->data());
    });
    $client->setFailCallback(function (GearmanTask $task) use (&$out) {
        $out['outcome'] = 'fail';
    });
    $client->setExceptionCallback(function (GearmanTask $task) use (&$out) {
        $out['outcome'] = 'exception';
        $out['data'] = base64_encode($task->data());
    });
    $client->addTask($case['function'], base64_decode($case['payload']));
    if (!$client->runTasks()) {
        $out['outcome'] = 'error';
        $out['error'] = $client->error();
    }
    return $out;
}

function background_case(GearmanClient $client, array $case): array {
    $handle = $client->doBackground($case['function'], base64_decode($case['payload']));
    if ($client->returnCode() != GEARMAN_SUCCESS) {
        return ['outcome' => 'error', 'error' => $client->error()];
    }
    $polls = 0;
    $seen_running = false;
    $deadline = microtime(true) + 20;
    while (microtime(true) < $deadline) {
        $polls++;
        [$known, $running] = $client->jobStatus($handle);
        $seen_running = $seen_running || $running;
        if (!$known) {
            return ['outcome' => 'complete', 'handle' => $handle, 'polls' => $polls,
                    'seen_running' => $seen_running];
        }
        usleep(50000);
    }
    return ['outcome' => 'error', 'error' => 'timeout', 'handle' => $handle];
}

function run_client(array $argv): void {
    [$host, $port] = server($argv);
    $client = new GearmanClient();
    $client->addServer($host, $port);
    $client->setTimeout(30000);
    while (($line = fgets(STDIN)) !== false) {
        if (trim($line) === '') {
            continue;
        }
        $case = json_decode($line, true);
        $result = $case['op'] === 'background' ? background_case($client, $case)
                                               : call_case($client, $case);
        $result['id'] = $case['id'];
        fwrite(STDOUT, json_encode($result) . "\n");
        fflush(STDOUT);
    }
}

$mode = $argv[1] ?? '';
if ($mode === 'worker') {
    run_worker($argv);
} elseif ($mode === 'client') {
    run_client($argv);
} else {
    fwrite(STDERR, "usage: php interop.php worker|client --gearman HOST:PORT [--prefix P]\n");
    exit(2);
}
