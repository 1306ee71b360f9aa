<?php
$context = new ZMQContext();
$tasks = $context->getSocket(ZMQ::SOCKET_PULL);
$tasks->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 100);
$tasks->connect("tcp://127.0.0.1:5557");
$results = $context->getSocket(ZMQ::SOCKET_PUSH);
$results->connect("tcp://127.0.0.1:5558");
$control = $context->getSocket(ZMQ::SOCKET_SUB);
$control->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, "");
$control->connect("tcp://127.0.0.1:5559");

while ($control->recv(ZMQ::MODE_DONTWAIT) === false) {
    $task = $tasks->recv();
    if ($task === false) {
        continue;
    }
    parse_str(str_replace(" ", "&", $task), $fields);
    usleep((int) $fields["work"] * 1000);
    $n = (int) $fields["n"];
    $results->send("$task result=" . ($n * $n) . " worker=php");
}
