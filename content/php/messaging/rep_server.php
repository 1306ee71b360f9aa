<?php
// A REP server: receives a request, sends its reply, and only then receives the next one.
// Run: php rep_server.php [endpoint]
$endpoint = $argv[1] ?? 'tcp://127.0.0.1:5559';

$context = new ZMQContext();
$socket = new ZMQSocket($context, ZMQ::SOCKET_REP);
$socket->bind($endpoint);       // the server binds; its clients (REQ) connect
while (true) {
    $request = $socket->recv();
    // A second recv() before this send() would throw: REP answers every request, in turn.
    $socket->send('From Server1:' . $request);
}
