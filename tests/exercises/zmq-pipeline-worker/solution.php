<?php
// The endpoints may be given (ventilator, sink, control), as tests/tests/interop.rs does.
// No ZMQPoll: php-zmq 1.1.3 files two sockets under one key and then polls only the last
// added. The task socket waits at most 100 ms instead, and the control socket is looked at in
// between.
[$ventilator, $sink, $controlEndpoint] = count($argv) >= 4
    ? array_slice($argv, 1, 3)
    : ["tcp://127.0.0.1:5557", "tcp://127.0.0.1:5558", "tcp://127.0.0.1:5559"];
$context = new ZMQContext();
$tasks = $context->getSocket(ZMQ::SOCKET_PULL);
$tasks->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 100);
$tasks->connect($ventilator);
$results = $context->getSocket(ZMQ::SOCKET_PUSH);
$results->connect($sink);
$control = $context->getSocket(ZMQ::SOCKET_SUB);
$control->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, "");
$control->connect($controlEndpoint);

$done = 0;
while ($control->recv(ZMQ::MODE_DONTWAIT) === false) {
    $task = $tasks->recv();
    if ($task === false) {
        continue;
    }
    parse_str(str_replace(" ", "&", $task), $fields);
    usleep((int) $fields["work"] * 1000);
    $n = (int) $fields["n"];
    $results->send("$task result=" . ($n * $n) . " worker=php");
    $done++;
}
echo "done $done\n";
