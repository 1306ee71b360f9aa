<?php
$socket = (new ZMQContext())->getSocket(ZMQ::SOCKET_REP);
$socket->bind("tcp://127.0.0.1:5559");
while (true) {
    $request = $socket->recv();
    $socket->send("From Server1:" . $request);
}
