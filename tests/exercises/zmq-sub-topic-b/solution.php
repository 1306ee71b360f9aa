<?php
$socket = (new ZMQContext())->getSocket(ZMQ::SOCKET_SUB);
$socket->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, "B");
$socket->connect("tcp://127.0.0.1:5563");
while (true) {
    [$topic, $payload] = $socket->recvMulti();
    echo "$topic $payload\n";
}
