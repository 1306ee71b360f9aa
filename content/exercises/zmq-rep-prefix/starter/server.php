<?php
// A REP server that answers every request with a prefix. Run: php server.php
// Check: workbench exercise check zmq-rep-prefix -- php server.php

$context = new ZMQContext();
$socket = $context->getSocket(ZMQ::SOCKET_REP);
// TODO: bind the socket to tcp://127.0.0.1:5559

while (true) {
    // TODO: receive a request, then send "From Server1:" followed by the request.
}
