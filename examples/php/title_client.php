<?php
// Client: sends `Linvo` to `title` and prints the result (5). Usage: php title_client.php [HOST:PORT]
[$host, $port] = explode(':', $argv[1] ?? 'localhost:4730');
$client = new GearmanClient();
$client->addServer($host, (int)$port);
echo $client->doNormal('title', 'Linvo'), "\n";
