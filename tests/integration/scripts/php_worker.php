<?php
// A PHP GearmanWorker for the integration tests.
// Usage: php php_worker.php HOST PORT FUNCTION MODE [LOG [TIMEOUT_MS [TAG]]]
// MODE: reverse | data | status | gated | exception | fail | sleep
// Every job start is appended to LOG (if given and not "-") as "TAG WORKLOAD".
// TIMEOUT_MS > 0 registers the function with CAN_DO_TIMEOUT.
[$script, $host, $port, $function, $mode] = array_slice($argv, 0, 5);
$log = $argv[5] ?? '-';
$timeout = intval($argv[6] ?? '0');
$tag = $argv[7] ?? 'w';

function note(string $log, string $line): void {
    if ($log !== '-') {
        file_put_contents($log, $line . "\n", FILE_APPEND | LOCK_EX);
    }
}

$handler = function (GearmanJob $job) use ($mode, $log, $tag) {
    $workload = $job->workload();
    note($log, "$tag $workload");
    switch ($mode) {
        case 'reverse':
            return strrev($workload);
        case 'data':
            $job->sendData("part-1:$workload");
            $job->sendData("part-2:$workload");
            return "done:$workload";
        case 'progress':
            // Every kind of progress a job can report, in a known order.
            $job->sendData("data:$workload");
            $job->sendWarning("warning:$workload");
            $job->sendStatus(2, 5);
            return "progress-done";
        case 'status':
            $job->sendStatus(1, 4);
            $job->sendStatus(3, 4);
            return "status-done";
        case 'gated':
            // Report progress, then wait for the gate file named by the workload.
            $job->sendStatus(1, 2);
            for ($i = 0; $i < 600 && !file_exists($workload); $i++) {
                usleep(50000);
            }
            $job->sendStatus(2, 2);
            return "gated-done";
        case 'exception':
            // sendException ends the job; returning null sends nothing more.
            $job->sendException("boom:$workload");
            return null;
        case 'fail':
            $job->sendFail();
            return null;
        case 'sleep':
            sleep(intval($workload));
            return "$tag-slept";
    }
    return "unknown mode $mode";
};

$worker = new GearmanWorker();
$worker->addServer($host, intval($port));
$worker->setId("php-$tag");
$worker->addFunction($function, $handler, null, $timeout);
while (true) {
    $worker->work();
    $code = $worker->returnCode();
    if ($code != GEARMAN_SUCCESS) {
        // A late result after a CAN_DO_TIMEOUT requeue is refused by the server; keep working.
        fwrite(STDERR, "work: $code " . $worker->error() . "\n");
        if ($code == GEARMAN_LOST_CONNECTION || $code == GEARMAN_COULD_NOT_CONNECT) {
            exit(1);
        }
    }
}
