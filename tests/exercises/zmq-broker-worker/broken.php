<?php
// Broken on purpose: binds the backend, where the broker should bind.
$worker = (new ZMQContext())->getSocket(ZMQ::SOCKET_REP);
$worker->bind("tcp://127.0.0.1:5560");
while (true) {
    $request = $worker->recv();
    $worker->send("From Server1:" . $request);
}
