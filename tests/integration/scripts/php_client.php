<?php
// A PHP GearmanClient for the integration tests; prints one JSON document.
// Usage: php php_client.php HOST PORT ACTION FUNCTION [ARG...]
// ACTION: normal | high | low WORKLOAD        -> {"result", "code"}
//         background | highbg | lowbg WORKLOAD -> {"handle"}
//         tasks WORKLOAD...                    -> {"events": [[kind, workload, value], ...]}
// Any ACTION with the suffix "-noexc" runs without the `exceptions` option.
//         status HANDLE                        -> {"status": [known, running, num, den]}
[$script, $host, $port, $action, $function] = array_slice($argv, 0, 5);
$args = array_slice($argv, 5);

$exceptions = !str_ends_with($action, '-noexc');
$action = preg_replace('/-noexc$/', '', $action);
$client = new GearmanClient();
$client->addServer($host, intval($port), $exceptions);
$client->setTimeout(30000);

function check(GearmanClient $client): void {
    $code = $client->returnCode();
    if ($code != GEARMAN_SUCCESS && $code != GEARMAN_WORK_FAIL
        && $code != GEARMAN_WORK_EXCEPTION) {
        fwrite(STDERR, "error $code: " . $client->error() . "\n");
        exit(2);
    }
}

switch ($action) {
    case 'normal':
    case 'high':
    case 'low':
        $method = ['normal' => 'doNormal', 'high' => 'doHigh', 'low' => 'doLow'][$action];
        $result = $client->$method($function, $args[0]);
        check($client);
        echo json_encode(['result' => $result, 'code' => $client->returnCode()]);
        break;
    case 'background':
    case 'highbg':
    case 'lowbg':
        $method = ['background' => 'doBackground', 'highbg' => 'doHighBackground',
                   'lowbg' => 'doLowBackground'][$action];
        $handle = $client->$method($function, $args[0]);
        check($client);
        echo json_encode(['handle' => $handle]);
        break;
    case 'tasks':
        $events = [];
        $record = function (string $kind) use (&$events) {
            return function (GearmanTask $task) use (&$events, $kind) {
                $value = null;
                if ($kind === 'status') {
                    $value = [$task->taskNumerator(), $task->taskDenominator()];
                } elseif ($kind !== 'fail' && $kind !== 'created') {
                    $value = $task->data();
                }
                $events[] = [$kind, $task->unique(), $value];
            };
        };
        $client->setCreatedCallback($record('created'));
        $client->setDataCallback($record('data'));
        $client->setStatusCallback($record('status'));
        $client->setCompleteCallback($record('complete'));
        if ($exceptions) {
            // Setting an exception callback turns the `exceptions` option on by itself.
            $client->setExceptionCallback($record('exception'));
        }
        $client->setFailCallback($record('fail'));
        foreach ($args as $i => $workload) {
            // The unique names the task in the events, so the test can tell them apart.
            $client->addTask($function, $workload, null, "task-$i");
        }
        $ok = $client->runTasks();
        echo json_encode(['ok' => $ok, 'events' => $events]);
        break;
    case 'status':
        $status = $client->jobStatus($args[0]);
        check($client);
        echo json_encode(['status' => $status]);
        break;
    default:
        fwrite(STDERR, "unknown action $action\n");
        exit(2);
}
