<?php
// A REQ client that survives lost requests. Run: php client.php
// Check: workbench exercise check zmq-lazy-pirate -- php client.php

$context = new ZMQContext();
$client = $context->getSocket(ZMQ::SOCKET_REQ);
$client->connect("tcp://127.0.0.1:5558");

for ($number = 1; $number <= 10; $number++) {
    $client->send("request $number");
    // TODO: this waits forever when the server loses the request. Poll with a timeout
    // (ZMQPoll); when it passes, make a new socket, connect, and send the request again.
    echo $client->recv(), "\n";
}
