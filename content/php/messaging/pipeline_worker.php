<?php
// A pipeline worker: PULLs tasks from the ventilator, PUSHes each result to the sink, and
// stops when the sink says so on the control socket.
// Run: php pipeline_worker.php [ventilator] [sink] [control]
$ventilator = $argv[1] ?? 'tcp://127.0.0.1:5557';
$sink = $argv[2] ?? 'tcp://127.0.0.1:5558';
$controlEndpoint = $argv[3] ?? 'tcp://127.0.0.1:5559';

$context = new ZMQContext();
$tasks = new ZMQSocket($context, ZMQ::SOCKET_PULL);
$tasks->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 100);     // recv() gives false after 100 ms
$tasks->connect($ventilator);
$results = new ZMQSocket($context, ZMQ::SOCKET_PUSH);
$results->connect($sink);
$control = new ZMQSocket($context, ZMQ::SOCKET_SUB);
$control->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, '');   // every message: any one means stop
$control->connect($controlEndpoint);

// Not a ZMQPoll on both sockets: on php-zmq 1.1.3 it watches only one of them. The task socket
// waits at most 100 ms instead, and the control socket is looked at in between.
$done = 0;
while ($control->recv(ZMQ::MODE_DONTWAIT) === false) {
    $task = $tasks->recv();     // "n=7 work=5": a number, and milliseconds of work
    if ($task === false) {
        continue;
    }
    parse_str(str_replace(' ', '&', $task), $fields);
    usleep((int) $fields['work'] * 1000);
    $n = (int) $fields['n'];
    $results->send("$task result=" . ($n * $n) . ' worker=php');
    $done++;
}
echo "done $done\n";
