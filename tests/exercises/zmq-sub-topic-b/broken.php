<?php
// Broken on purpose: no subscription, so nothing ever arrives.
$socket = (new ZMQContext())->getSocket(ZMQ::SOCKET_SUB);
$socket->connect("tcp://127.0.0.1:5563");
while (true) {
    [$topic, $payload] = $socket->recvMulti();
    echo "$topic $payload\n";
}
