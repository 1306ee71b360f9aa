<?php
// A pipeline worker. Run: php worker.php
// Check: workbench exercise check zmq-pipeline-worker -- php worker.php

$context = new ZMQContext();
$tasks = $context->getSocket(ZMQ::SOCKET_PULL);
$results = $context->getSocket(ZMQ::SOCKET_PUSH);
$control = $context->getSocket(ZMQ::SOCKET_SUB);
// Wait at most 100 ms for a task, so the loop can look at the control socket in between.
$tasks->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 100);
// TODO: connect $tasks to tcp://127.0.0.1:5557, $results to tcp://127.0.0.1:5558,
// and $control to tcp://127.0.0.1:5559, subscribed to "" (everything).

while (true) {
    // TODO: if $control->recv(ZMQ::MODE_DONTWAIT) returns a message, the sink said KILL: stop.
    // TODO: $task = $tasks->recv() is false after 100 ms without a task; otherwise it is
    // "task=3 work=5 n=12": sleep work milliseconds, then send
    // "task=3 work=5 n=12 result=144 worker=php" to $results.
}
