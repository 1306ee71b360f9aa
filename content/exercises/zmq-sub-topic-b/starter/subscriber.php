<?php
// A subscriber for topic B. Run: php subscriber.php
// Check: workbench exercise check zmq-sub-topic-b -- php subscriber.php

$context = new ZMQContext();
$socket = $context->getSocket(ZMQ::SOCKET_SUB);
$socket->connect("tcp://127.0.0.1:5563");

// TODO: subscribe to topic "B" (a SUB socket with no subscription receives nothing).

while (true) {
    // TODO: receive both frames of a message and print "<topic> <payload>" on one line.
}
