<?php
// Broken on purpose: a strict REQ client, stuck at the first lost request.
$client = (new ZMQContext())->getSocket(ZMQ::SOCKET_REQ);
$client->connect("tcp://127.0.0.1:5558");
for ($number = 1; $number <= 10; $number++) {
    $client->send("request $number");
    echo $client->recv(), "\n";
}
