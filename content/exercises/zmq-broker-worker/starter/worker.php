<?php
// A REP worker behind the broker. Run: php worker.php
// Check: workbench exercise check zmq-broker-worker -- php worker.php

$context = new ZMQContext();
$worker = $context->getSocket(ZMQ::SOCKET_REP);
// TODO: connect (not bind) to the broker's backend, tcp://127.0.0.1:5560

while (true) {
    // TODO: receive a request, then send "From Server1:" followed by the request.
}
