<?php
// Worker for `title`: answers the length of its workload. Usage: php title_worker.php [HOST:PORT]
[$host, $port] = explode(':', $argv[1] ?? 'localhost:4730');
$worker = new GearmanWorker();
$worker->addServer($host, (int)$port);
$worker->addFunction('title', fn (GearmanJob $job) => (string)strlen($job->workload()));
while ($worker->work());
