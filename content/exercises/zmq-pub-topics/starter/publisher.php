<?php
// A publisher on topics A and B. Run: php publisher.php
// Check: workbench exercise check zmq-pub-topics -- php publisher.php

$context = new ZMQContext();
$socket = $context->getSocket(ZMQ::SOCKET_PUB);
// TODO: bind the socket to tcp://127.0.0.1:5561

$count = 0;
while (true) {
    // TODO: send a two-frame message [topic, payload], the topic taking turns between A and B.
    $count++;
    usleep(10000); // 100 messages a second
}
