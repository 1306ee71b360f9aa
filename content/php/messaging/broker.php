<?php
// A request/reply broker: a ROUTER for the clients, a DEALER for the workers, and
// ZMQDevice passing every message between them, both ways, until the process is stopped.
// Run: php broker.php [frontend] [backend]
$frontend = $argv[1] ?? 'tcp://127.0.0.1:5559';
$backend = $argv[2] ?? 'tcp://127.0.0.1:5560';

$context = new ZMQContext();
$clients = new ZMQSocket($context, ZMQ::SOCKET_ROUTER);
$clients->bind($frontend);
$workers = new ZMQSocket($context, ZMQ::SOCKET_DEALER);
$workers->bind($backend);

// Not a ZMQPoll loop: on php-zmq 1.1.3 a ZMQPoll with both sockets watches only one of them,
// and such a broker forwards nothing.
$device = new ZMQDevice($clients, $workers);
$device->run();
