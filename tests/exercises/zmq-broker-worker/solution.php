<?php
$worker = (new ZMQContext())->getSocket(ZMQ::SOCKET_REP);
$worker->connect("tcp://127.0.0.1:5560");
while (true) {
    $request = $worker->recv();
    $worker->send("From Server1:" . $request);
}
