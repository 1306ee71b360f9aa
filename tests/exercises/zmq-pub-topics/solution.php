<?php
$socket = (new ZMQContext())->getSocket(ZMQ::SOCKET_PUB);
$socket->bind("tcp://127.0.0.1:5561");
for ($count = 0; ; $count++) {
    $topic = $count % 2 == 0 ? "A" : "B";
    $socket->sendmulti([$topic, "message $count"]);
    usleep(10000);
}
